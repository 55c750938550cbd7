"""Where the CPU target's kernels write: large outputs and tapes reuse memory that earlier calls released,
instead of fresh pages.

A fresh large array comes from mmap, and the first write to each of its pages faults while the OS zeroes the
page: for an array-bound kernel that is a second pass over its output (a 80 MB write measured 6.28 ms fresh vs
3.89 ms into touched pages, CPU time; `python -m benchmarks.c.buffers --cpu-time`). So each large array the
runtime hands out views a block this cache owns, through a small lease object that is the array's base:
NumPy's views keep the lease, and when the last of them dies (the host module's `del` of an intermediate, a
result its caller drops) the lease gives the block back, and the next output of the same size reuses its
pages. A block is handed out again only when no array on it is alive, so an array the runtime returned is its
caller's alone.

Knobs, read when the runtime is imported: `$LIFTED_BUFFER_MIN`, the smallest array that goes through the
cache (bytes, default 256 KiB: malloc serves smaller ones from memory it keeps anyway, while from 128 KiB up
it maps and trims them, so they fault again); `$LIFTED_BUFFER_CACHE`, the most bytes it keeps idle (default:
as many as its arrays ever occupied at once, so idle memory never exceeds the largest working set; 0 turns it
off). `release()` frees the idle blocks now.
"""
from __future__ import annotations

import ctypes
import os
import threading

import numpy as np

_PAGE = 4096  # sizes are rounded up to whole pages: n and n - 1 elements share a block
_ALIGN = 64  # a cache line, the widest SIMD load
DEFAULT_MIN = 1 << 18  # glibc serves blocks from 128 KiB up with mmap, trimmed back to the OS when freed


def _data_field() -> int | None:
    """Where an ndarray keeps its data address, from the start of the object: NumPy's ABI puts it right after the
    object header (the `data` field of PyArrayObject_fields, which PyArray_DATA reads in every compiled
    extension), and reading it there costs a fifth of `__array_interface__` (a dict per call). Checked against
    `__array_interface__` on sample arrays; None (not used) where they disagree."""
    offset, read = object.__basicsize__, ctypes.c_void_p.from_address
    samples = [np.empty(3), np.zeros((4, 5))[1:, ::2], np.arange(7, dtype=np.int32)[::-1], np.ones(0, np.bool_)]
    if all(read(id(s) + offset).value == s.__array_interface__["data"][0] for s in samples):
        return offset
    return None


DATA_FIELD = _data_field()


def _header_readable() -> bool:
    """Whether C may read an ndarray's layout from its header (`lifted_load_input` in the loop-kernel prelude):
    data, then the int nd, then pointers to dims and to byte strides, right after the object header (NumPy's
    PyArrayObject_fields on a 64-bit build). Checked on sample arrays as `_data_field` is."""
    if DATA_FIELD != 16 or ctypes.sizeof(ctypes.c_void_p) != 8:
        return False
    samples = [np.empty(3), np.zeros((4, 5))[1:, ::2], np.arange(7, dtype=np.int32)[::-1], np.ones((2, 0, 3))]
    read_int, read_pointer = ctypes.c_int.from_address, ctypes.c_void_p.from_address
    for sample in samples:
        base = id(sample)
        if read_int(base + 24).value != sample.ndim:
            return False
        dims = ctypes.cast(read_pointer(base + 32).value, ctypes.POINTER(ctypes.c_int64))
        strides = ctypes.cast(read_pointer(base + 40).value, ctypes.POINTER(ctypes.c_int64))
        if tuple(dims[:sample.ndim]) != sample.shape or tuple(strides[:sample.ndim]) != sample.strides:
            return False
    return True


HEADER_READABLE = _header_readable()
_read = ctypes.c_void_p.from_address


def address(array) -> int:
    """An array's data address."""
    if type(array) is np.ndarray and DATA_FIELD is not None:  # exactly: a NumPy scalar has other fields there
        return _read(id(array) + DATA_FIELD).value
    return array.__array_interface__["data"][0]


class _Block:
    """Pages the cache owns: `storage` keeps them alive, `address` is the aligned start arrays use, `lease` the
    type of the objects that lend them out (a ctypes array of exactly `size` bytes at `address`)."""

    __slots__ = ("storage", "address", "size", "lease")

    def __init__(self, size: int):
        self.storage = np.empty(size + _ALIGN, dtype=np.uint8)
        start = address(self.storage)
        self.address = start + (-start) % _ALIGN
        self.size = size
        self.lease = _lease_type(size)


def _give_back(lease) -> None:
    try:
        lease.cache.give_back(lease.block)
    except Exception:  # noqa: BLE001  (interpreter shutdown: the cache may already be gone)
        pass


_lease_types: dict[int, type] = {}


def _lease_type(size: int) -> type:
    """The base of every array handed out on a block: a ctypes array over the block's bytes (so NumPy takes it as
    a buffer, the cheapest way to wrap memory in an array), alive as long as any array or view on it; its
    finaliser returns the block."""
    kind = _lease_types.get(size)
    if kind is None:
        if len(_lease_types) >= 1024:  # a program that keeps changing sizes: forget the old types
            _lease_types.clear()
        kind = _lease_types[size] = type("_Lease", (ctypes.c_char * size,),
                                         {"__slots__": ("block", "cache"), "__del__": _give_back})
    return kind


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
            if self._returned:
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
            if self.live_bytes > self.peak_live_bytes:
                self.peak_live_bytes = self.live_bytes
        if block is None:
            block = _Block(size)
            self.fresh += 1
        lease = block.lease.from_address(block.address)
        lease.block, lease.cache = block, self
        return np.ndarray(shape, dtype, lease), block.address

    def give_back(self, block: _Block) -> None:
        """A block none of whose arrays is alive any more (called by its lease)."""
        if not self._lock.acquire(blocking=False):  # taken by another thread, or by this one inside `empty`
            self._returned.append(block)
            return
        try:
            self._keep(block)
        finally:
            self._lock.release()

    def after_fork(self) -> None:
        """In a forked child: a lock another thread of the parent held would never be released."""
        self._lock = threading.Lock()

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
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: cache.after_fork())


def release() -> int:
    """Free the idle blocks the CPU target keeps for reuse (they return to the OS); the bytes freed."""
    return cache.release()
