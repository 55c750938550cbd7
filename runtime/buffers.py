"""Where the CPU target's kernels write: large outputs and tapes reuse memory that earlier calls released,
instead of fresh pages.

A fresh large array comes from mmap, and the first write to each of its pages faults while the OS zeroes the
page: for an array-bound kernel that is a second pass over its output (a 80 MB write measured 5.8 ms fresh vs
3.7 ms into touched pages; `python -m benchmarks.c_buffers`). So each large array the runtime hands out views a
block this cache owns, through a small `_Lease` that is the array's base: NumPy's views of it keep the lease,
and when the last of them dies (the host module's `del` of an intermediate, a result its caller drops) the
lease gives the block back, and the next output of the same size reuses its pages. A block is handed out again
only when no array on it is alive, so an array the runtime returned is its caller's alone.

Knobs, read when `lifted.cpu` is imported: `$LIFTED_BUFFER_MIN`, the smallest array that goes through the
cache (bytes, default 1 MiB: malloc serves smaller ones from memory it keeps anyway);
`$LIFTED_BUFFER_CACHE`, the most bytes it keeps idle (default: as many as its arrays ever occupied at once, so
idle memory never exceeds the largest working set; 0 turns it off). `release()` frees the idle blocks now.
"""
from __future__ import annotations

import ctypes
import os
import threading

import numpy as np

_PAGE = 4096  # sizes are rounded up to whole pages: n and n - 1 elements share a block
_ALIGN = 64  # a cache line, the widest SIMD load
DEFAULT_MIN = 1 << 20


def _address_reader():
    """The fastest way to an ndarray's data address. NumPy's ABI puts it right after the object header (the
    `data` field of PyArrayObject_fields, which PyArray_DATA reads in every compiled extension), and reading it
    there costs a fifth of `__array_interface__` (a dict per call); checked against `__array_interface__` on
    sample arrays first, and otherwise not used."""
    offset, read = object.__basicsize__, ctypes.c_void_p.from_address
    samples = [np.empty(3), np.zeros((4, 5))[1:, ::2], np.arange(7, dtype=np.int32)[::-1], np.ones(0, np.bool_)]
    if not all(read(id(s) + offset).value == s.__array_interface__["data"][0] for s in samples):
        return lambda array: array.__array_interface__["data"][0]

    def address(array) -> int:
        if type(array) is np.ndarray:  # exactly: a NumPy scalar or another type has other fields there
            return read(id(array) + offset).value
        return array.__array_interface__["data"][0]

    return address


address = _address_reader()


class _Block:
    """Pages the cache owns: `storage` keeps them alive, `address` is the aligned start arrays use."""

    __slots__ = ("storage", "address", "size")

    def __init__(self, size: int):
        self.storage = np.empty(size + _ALIGN, dtype=np.uint8)
        start = self.storage.__array_interface__["data"][0]
        self.address = start + (-start) % _ALIGN
        self.size = size


class _Lease:
    """The base of every array handed out on a block: it lives as long as any of them, then returns the block."""

    __slots__ = ("__array_interface__", "block", "cache")

    def __init__(self, cache: "BufferCache", block: _Block, interface: dict):
        self.cache, self.block, self.__array_interface__ = cache, block, interface

    def __del__(self):
        try:
            self.cache.give_back(self.block)
        except Exception:  # noqa: BLE001  (interpreter shutdown: the cache may already be gone)
            pass


class BufferCache:
    """Blocks for arrays of at least `minimum` bytes, reused by size; at most `limit` idle bytes are kept
    (None: as many as were ever handed out at once)."""

    def __init__(self, minimum: int = DEFAULT_MIN, limit: int | None = None):
        self.minimum = max(1, minimum)
        self.limit = limit
        self.enabled = limit != 0
        self._idle: dict[int, list[_Block]] = {}  # size -> blocks, the last given back on top (warmest)
        self._order: dict[_Block, None] = {}  # every idle block, oldest first (evicted first)
        self._returned: list[_Block] = []  # given back while the lock was taken (then sorted in under it)
        self._lock = threading.Lock()
        self.idle_bytes = self.live_bytes = self.peak_live_bytes = 0
        self.reused = self.fresh = 0

    def empty(self, shape: tuple, dtype: np.dtype, nbytes: int) -> tuple[np.ndarray, int]:
        """An uninitialised C-contiguous array of `nbytes` bytes, and its data address."""
        if nbytes < self.minimum or not self.enabled:
            out = np.empty(shape, dtype)
            return out, address(out)
        size = -(-nbytes // _PAGE) * _PAGE
        with self._lock:
            self._sort_in()
            blocks = self._idle.get(size)
            if blocks:
                block = blocks.pop()
                del self._order[block]
                self.idle_bytes -= size
                self.reused += 1
            else:
                block = None
            self.live_bytes += size
            self.peak_live_bytes = max(self.peak_live_bytes, self.live_bytes)
        if block is None:
            block = _Block(size)
            self.fresh += 1
        lease = _Lease(self, block, {"data": (block.address, False), "shape": tuple(shape), "typestr": dtype.str,
                                     "version": 3})
        return np.asarray(lease), block.address

    def give_back(self, block: _Block) -> None:
        """A block none of whose arrays is alive any more (called by its lease)."""
        if not self._lock.acquire(blocking=False):  # taken by another thread, or by this one inside `empty`
            self._returned.append(block)
            return
        try:
            self._keep(block)
        finally:
            self._lock.release()

    def release(self) -> int:
        """Free every idle block; the bytes freed."""
        with self._lock:
            self._sort_in()
            freed = self.idle_bytes
            self._idle.clear()
            self._order.clear()
            self.idle_bytes = 0
        return freed

    def _sort_in(self) -> None:
        while self._returned:
            self._keep(self._returned.pop())

    def _keep(self, block: _Block) -> None:
        self.live_bytes -= block.size
        limit = self.peak_live_bytes if self.limit is None else self.limit
        while self._order and self.idle_bytes + block.size > limit:  # evict the longest idle
            oldest = next(iter(self._order))
            del self._order[oldest]
            self._idle[oldest.size].remove(oldest)
            self.idle_bytes -= oldest.size
        if block.size <= limit:
            self._idle.setdefault(block.size, []).append(block)
            self._order[block] = None
            self.idle_bytes += block.size


def _bytes_setting(name: str, default: int | None) -> int | None:
    configured = os.environ.get(name, "").strip()
    if not configured:
        return default
    try:
        return max(0, int(configured))
    except ValueError:
        raise ValueError(f"${name} is {configured!r}; it takes a number of bytes, e.g. {1 << 20}") from None


cache = BufferCache(_bytes_setting("LIFTED_BUFFER_MIN", DEFAULT_MIN), _bytes_setting("LIFTED_BUFFER_CACHE", None))


def release() -> int:
    """Free the idle blocks the CPU target keeps for reuse (they return to the OS); the bytes freed."""
    return cache.release()
