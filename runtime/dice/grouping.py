"""Grouping the worlds of a table whose columns are all equal, so that merging can sum their weights.

Rows of small integers are packed losslessly into one int64 key (then numbered through a table over the key
range, or sorted); otherwise a 64-bit row hash sorts the rows and neighbouring rows are compared exactly, so a
hash collision is detected (and then resolved by an exact lexicographic sort), never trusted.
"""
from __future__ import annotations

import numpy as np

_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
                dtype=np.uint64)


def _integer_block(column: np.ndarray, n: int) -> np.ndarray:
    """A column as an (n, k) int64 array whose row equality is exactly the values' equality."""
    flat = np.asarray(column).reshape(n, -1)
    if flat.dtype.kind == "b":
        return flat.view(np.int8)
    if flat.dtype.kind == "i":
        return flat  # any width: packing reads ranges, hashing widens
    if flat.dtype.kind == "u":
        return flat.astype(np.int64)
    if flat.dtype.kind == "f":
        return (flat + 0.0).astype(np.float64).view(np.int64)  # + 0.0 makes -0.0 equal 0.0
    if flat.dtype.kind == "c":
        return np.concatenate([(flat.real + 0.0).view(np.int64), (flat.imag + 0.0).view(np.int64)], axis=1)
    raise TypeError(f"cannot merge worlds over a column of dtype {flat.dtype}")


def group_rows(columns: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """An order that puts equal rows next to each other, and the start of each run of equal rows."""
    blocks = [block for block in (_integer_block(c, n) for c in columns) if block.shape[1]]
    if not blocks:
        return np.arange(n), np.array([0])
    packed = _pack(blocks, n)
    if packed is not None:
        return _group_packed(*packed, n)
    keys = np.concatenate([block.astype(np.int64, copy=False) for block in blocks], axis=1)
    hashes = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(keys.shape[1]):
            hashes = (hashes ^ keys[:, i].view(np.uint64)) * _MIX[i % 4] + np.uint64(i + 1)
            hashes ^= hashes >> np.uint64(29)
    order = np.argsort(hashes, kind="stable")
    ordered_hash = hashes[order]
    same_hash = ordered_hash[1:] == ordered_hash[:-1]
    ordered = keys[order]
    same_row = same_hash & np.all(ordered[1:] == ordered[:-1], axis=1)
    if np.any(same_hash & ~same_row):  # a collision: never trusted, sort exactly instead
        order = np.lexsort(keys.T[::-1])
        ordered = keys[order]
        same_row = np.all(ordered[1:] == ordered[:-1], axis=1)
    return order, np.concatenate([[0], np.flatnonzero(~same_row) + 1])


def dense_groups(columns: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Group rows through a table over all possible packed keys, when that table is small next to `n`.

    Returns each row's group (numbered in key order) and one row of each group (any: its columns are all
    equal), or None when the keys do not pack or their range is too wide for a table.
    """
    blocks = [block for block in (_integer_block(c, n) for c in columns) if block.shape[1]]
    if not blocks:
        return np.zeros(n, dtype=np.int64), np.array([0])
    packed = _pack(blocks, n)
    if packed is None or (1 << packed[1]) > max(4 * n, 1 << 16):
        return None
    keys = packed[0]
    present = np.zeros(1 << packed[1], dtype=bool)
    present[keys] = True
    number = np.cumsum(present) - 1
    representative = np.empty(len(present), dtype=np.int64)
    representative[keys] = np.arange(n)
    return number[keys], representative[present]


def _group_packed(packed: np.ndarray, bits: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`group_rows` over one exact int64 key per row that uses `bits` bits.

    When the key and the row number fit in 63 bits together, one plain sort of `key << b | row` replaces an
    argsort (several times faster: it moves one array, not an index and a gather).
    """
    index_bits = max(n - 1, 1).bit_length()
    if bits + index_bits <= 63:
        combined = np.left_shift(packed, index_bits)
        combined |= np.arange(n, dtype=np.int64)
        combined.sort()
        order = combined & np.int64((1 << index_bits) - 1)
        ordered = np.right_shift(combined, index_bits)
    else:
        order = np.argsort(packed)
        ordered = packed[order]
    boundary = ordered[1:] != ordered[:-1]
    return order, np.concatenate([[0], np.flatnonzero(boundary) + 1])


def _pack(blocks: list[np.ndarray], n: int) -> tuple[np.ndarray, int] | None:
    """Key blocks packed losslessly into one non-negative int64 per row, and the bits used; None if too wide.

    Each block (one column) takes the bit width of its own value range per cell; a range is read from the
    whole block at once (two contiguous passes), which is much cheaper than a range per cell.
    """
    layout, bits = [], 0
    for block in blocks:
        low, high = int(block.min()), int(block.max())
        width = (high - low).bit_length()
        if width == 0:
            continue  # the same value in every world: it distinguishes nothing
        layout.append((block, low, width, bits))
        bits += width * block.shape[1]
        if bits > 62:
            return None
    packed = np.zeros(n, dtype=np.int64)
    for block, low, width, shift in layout:
        cells = block.shape[1]
        if cells == 1:
            packed += np.left_shift(block[:, 0] - np.int64(low), shift)
            continue
        multipliers = np.left_shift(np.int64(1), shift + width * np.arange(cells, dtype=np.int64))
        # sum((cell - low) << shift) as one product; int64 wraps consistently, and the true value fits.
        # In chunks that stay in cache: a narrow block is widened a chunk at a time, never all at once.
        rows = max(1, (1 << 16) // cells)
        with np.errstate(over="ignore"):
            offset = np.int64(low) * multipliers.sum()
            for start in range(0, n, rows):
                chunk = block[start:start + rows].astype(np.int64, copy=False)
                packed[start:start + rows] += chunk @ multipliers - offset
    return packed, bits
