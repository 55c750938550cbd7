"""The memory a loop kernel's call works in and returns: a thread's arena (the blocks the C side allocates
through `ALLOCATE`, recorded for the call's results) and scratch block, the inputs as the kernel reads them, and
its results as views of the memory that holds them (an arena block or an input), which keep it alive."""
from __future__ import annotations

import ctypes
import threading

import numpy as np

from . import buffers
from .buffers import address

BYTE = np.dtype(np.uint8)
ALLOCATOR = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64)


class _Arena(threading.local):
    """Per thread: the blocks list of the loop kernel call running on it (None between calls) and its scratch
    block. Class-level defaults: a missing attribute of a threading.local costs an exception per lookup."""

    blocks = None
    scratch = None


NOWHERE = (0, 0, None, None)  # (an empty extent)
arena = _Arena()  # the blocks list of the loop kernel call running on this thread, and its scratch
_empty = np.empty
SCRATCH_MOST = 4 << 20  # bytes of scratch memory per thread at most (arrays that die with a call; more: the arena)
RESULT_BLOCK_MOST = 1 << 18  # a call's results in one block up to this many bytes (larger: blocks of their own)


def new_scratch(wanted: int) -> tuple:
    """A thread's scratch block for calls that asked for `wanted` bytes: (array, address, bytes)."""
    size = min(-(-wanted // 65536) * 65536, SCRATCH_MOST) + 64
    block = _empty(size, BYTE)
    return block, address(block), size


def allocate_block(size: int) -> tuple:
    """A block of `size` bytes for the C call's arena (it records the block): (block, address)."""
    return buffers.cache.empty((size,), BYTE, size)


def allocate(size: int) -> int:
    """The arena's allocator, called by a loop kernel on the thread that called it: a block of `size` bytes
    (large ones come back to the buffer cache when their last view dies), recorded for the call's results."""
    block, at = buffers.cache.empty((size,), BYTE, size)
    arena.blocks.append((at, at + size, block, block))
    return at


ALLOCATE = ALLOCATOR(allocate)


def as_input(value, dtype, rank: int, written: bool) -> np.ndarray:
    """The array the kernel reads: the value itself when it has the compiled dtype and whole-element strides;
    else a converted copy, which the loop must not write through (the host would write into the original)."""
    array = value if type(value) is np.ndarray else np.asarray(value)
    if array.ndim != rank:
        raise ValueError(f"a loop kernel input has shape {array.shape}, compiled for rank {rank}")
    if written and not array.flags.writeable:
        raise ValueError("assignment destination is read-only (a loop writes into this argument's array)")
    if array.dtype == dtype and all(s % array.itemsize == 0 for s in array.strides):
        return array
    if written:
        raise TypeError(f"the loop writes into an array of dtype {array.dtype} (compiled for "
                        f"{np.dtype(dtype).name}); pass an array of dtype {np.dtype(dtype).name}")
    return np.ascontiguousarray(array, dtype=dtype)


class _Memory:
    """What a result views: NumPy reads its layout from `__array_interface__`, and the result's base (this
    object) keeps `owner` (an input or an arena block) alive."""

    def __init__(self, owner: np.ndarray, address: int, shape: tuple, strides: tuple, dtype: np.dtype):
        self.owner = owner
        self.__array_interface__ = {"data": (address, not owner.flags.writeable), "shape": shape,
                                    "strides": strides, "typestr": dtype.str, "version": 3}


_address = address


def result_view(address: int, shape: tuple, strides, dtype: np.dtype, owners: list, inputs=None) -> np.ndarray:
    """The result at `address`: the input array itself when it is exactly that, else a view of the array (an
    input or an arena block) whose memory holds it. `inputs`: arrays, each its own owner, looked at after
    `owners` (a quick call's inputs)."""
    itemsize = dtype.itemsize
    strides = tuple([s * itemsize for s in strides])
    if 0 in shape:
        return np.empty(shape, dtype=dtype)
    view = _owned(address, shape, strides, dtype, owners)
    if view is None and inputs is not None:
        view = _owned(address, shape, strides, dtype, [(None, None, value, value) for value in inputs])
    if view is None:
        raise RuntimeError("a loop kernel returned memory the runtime does not know")
    return view


def _owned(address: int, shape: tuple, strides: tuple, dtype: np.dtype, owners: list) -> np.ndarray | None:
    """The result at `address` as the first of `owners` that holds it gives it; None where none does."""
    for low, high, array, original in owners:
        if array is original and low is not None and low <= address < high:  # an arena block: a view of it
            return np.ndarray(shape, dtype, array, address - low, strides)
        if low is None:  # an input
            if not array.size:
                continue
            if original is array and address == _address(array) and array.shape == shape and \
                    array.strides == strides and array.dtype == dtype:
                return array
            low, high = _extent(array)
        if low <= address < high:
            return np.asarray(_Memory(array, address, shape, strides, dtype))
    return None


def _extent(array: np.ndarray) -> tuple[int, int]:
    """The addresses [low, high) an array's elements lie in."""
    at = address(array)
    low = at + sum((d - 1) * s for d, s in zip(array.shape, array.strides) if s < 0)
    return low, at + sum((d - 1) * s for d, s in zip(array.shape, array.strides) if s > 0) + array.itemsize
