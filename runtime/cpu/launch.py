"""Call one compiled C kernel the way its spec (written by the compiler into the host module) says: check and
convert the inputs, allocate outputs and tapes, pass everything through ctypes, return the outputs.

A call costs about a microsecond of Python, because a GradBench-style program makes thousands of launches on tiny
arrays: the ctypes signature is set once per kernel, so plain ints and pointers pass without wrapping; what
depends only on the inputs' shapes, strides and the scalar sizes (the index space, the checks against the
annotations, the strides in the space's order, the tape sizes, how each output is allocated) is worked out once
per distinct key, as a `Plan`, and reused; inputs that already have the right dtype and layout are passed as they
are, their data pointers read from the array header in place.
"""
from __future__ import annotations

import ctypes
import functools
import operator

import numpy as np

from ..launch_space import (_CONVERT, _DTYPES, INPUT_KINDS, Space, finish_reduction, identity, index_shape,
                            table_strides, tape_capacity)
from . import buffers
from .buffers import DATA_FIELD, address

_CTYPES = {"f64": ctypes.c_double, "f32": ctypes.c_float, "i64": ctypes.c_int64, "i32": ctypes.c_int32,
           "bool": ctypes.c_bool}
_PLANS_PER_KERNEL = 256  # distinct shapes remembered per kernel; more clears the memory (a program that reshapes)
_ROWS_FROM, _ROWS_BYTES = 4, 4096  # from 4 small results of one launch up to 4096 bytes in all, the results are
# the rows of one block: a fresh array each costs more Python than the kernel (8 results: 5.0 vs 5.5 us a launch;
# 2: 2.3 vs 1.9 us, making the rows costs more). A result kept alive keeps its block: at most 4096 bytes.
_ndarray, _empty = np.ndarray, np.empty
_HEADER = ctypes.c_void_p.from_address  # a c_void_p over an exact ndarray's data field: ctypes reads it in place
_DATA = DATA_FIELD or 0  # (plans use header reads only where DATA_FIELD is known)


class Kernel:
    """One kernel of a loaded library, callable as `kernel(*inputs)` with the spec's scalar and array inputs."""

    def __init__(self, function, spec: dict, threads: int):
        self.function = function
        self.spec = spec
        self.rank = spec["rank"]
        self.threads = threads
        params = spec["params"]
        self.inputs = [p for p in params if p[0] in INPUT_KINDS]
        self.count = len(self.inputs)
        self.arrays = [(k, _DTYPES[p[1]]) for k, p in enumerate(self.inputs) if p[0] in ("array", "table")]
        self.writable = {k for k, p in enumerate(self.inputs) if p[0] == "table" and p[3]}
        self.sizes = sorted({source[1] for source in _sources(spec) if source[0] == "arg"})
        self.plans: dict = {}
        function.restype = None
        function.argtypes = _signature(spec)

    def __call__(self, *args):
        if len(args) != self.count:
            raise TypeError(f"the kernel takes {self.count} inputs, {len(args)} given")
        arrays = args
        key = []
        for position, dtype in self.arrays:
            value = args[position]
            if type(value) is not _ndarray or value.dtype is not dtype:
                if value is None:  # undefined on the path taken: the kernel never reads it
                    key.append(None)
                    continue
                if position in self.writable:  # the kernel adds into it: a copy would lose the additions
                    raise TypeError(f"the array a kernel adds into must be a {dtype} ndarray")
                value = _as_array(value, dtype)
                if arrays is args:
                    arrays = list(args)
                arrays[position] = value
            key.append(value.shape)
            key.append(value.strides)
        if self.sizes:
            key += [int(args[position]) for position in self.sizes]
        key = tuple(key)
        plan = self.plans.get(key)
        if plan is None:
            plan = Plan(self, list(arrays), args)
            if len(self.plans) >= _PLANS_PER_KERNEL:
                self.plans.clear()
            self.plans[key] = plan
        call = plan.template.copy()
        for slot, position in plan.header_slots:  # exact ndarrays of the kernel's dtype and layout (see above)
            call[slot] = _HEADER(id(arrays[position]) + _DATA)
        for slot, position, convert in plan.scalar_slots:
            value = arrays[position]
            call[slot] = 0 if value is None else convert(value)
        keep = plan.stage(call, arrays) if plan.staged else None  # copies and tapes, alive until the kernel returns
        if plan.single is not None:  # the common case: one small array result, nothing to finish
            slot, shape, dtype = plan.single
            out = _empty(shape, dtype)
            call[slot] = _HEADER(id(out) + _DATA)
            self.function(*call)
            return out
        if plan.total is not None:  # one reduction over everything: its accumulator's element
            slot, start = plan.total
            acc = start.copy()
            call[slot] = _HEADER(id(acc) + _DATA)
            self.function(*call)
            return acc[0]
        if plan.rows is not None:  # several small results of one dtype: the rows of one new block
            shape, dtype, offsets = plan.rows
            block = _empty(shape, dtype)
            start = _HEADER(id(block) + _DATA).value
            for slot, offset in offsets:
                call[slot] = start + offset
            self.function(*call)
            return tuple(block)
        results = plan.results(call, arrays)
        self.function(*call)
        for index, finish in plan.finishers:
            results[index] = finish(results[index])
        return results[0] if len(results) == 1 else tuple(results)


def _as_array(value, dtype: np.dtype) -> np.ndarray:
    """An input that is not an exact ndarray of the kernel's dtype (a scalar, a list, a subclass, another dtype)
    as one, converted the way NumPy converts it."""
    value = np.asarray(value)
    return value if value.dtype == dtype else value.astype(dtype)


_SMALL, _CACHED, _SCALAR_OUT, _REDUCE, _INPUT, _STORED = range(6)


class Plan:
    """What a call with inputs of given shapes, strides and sizes passes besides the data: made (and every check
    against the spec done) the first time the kernel meets that key. `template` is the argument list with every
    size and stride in place; the call fills in the slots listed beside it: the inputs' data pointers read from
    their headers (`header_slots`), the scalars, and what `stage` and `results` make (copies of inputs the kernel
    cannot walk, tapes, outputs)."""

    def __init__(self, kernel: Kernel, arrays: list, args: tuple):
        spec = kernel.spec
        self.shape = index_shape(spec, kernel.inputs, arrays, args)
        self.space = space = Space(spec, self.shape)
        space.check_empty()
        count = int(np.prod(self.shape, dtype=np.int64))
        self.template = [count, *space.dims, *space.counts]
        self.header_slots, self.address_slots, self.copy_slots = [], [], []
        self.scalar_slots, self.tape_slots = [], []
        self.outputs, self.finishers = [], []  # what the kernel writes; how a reduction or scalar becomes a value
        cache = buffers.cache
        position = 0
        for param in spec["params"]:
            kind, slot = param[0], len(self.template)
            if kind == "result":  # an input the kernel added into, returned as it is
                self.outputs.append((_INPUT, None, None, param[1]))
                continue
            self.template.append(None)
            if kind == "scalar":
                self.scalar_slots.append((slot, position, _CONVERT[param[1]]))
                position += 1
            elif kind == "array":
                self._array(arrays[position], param, position, slot)
                position += 1
            elif kind == "table":
                self._table(arrays[position], param, position, slot)
                position += 1
            elif kind == "tape":
                capacity = tape_capacity(param, args)
                self.tape_slots.append((slot, _DTYPES[param[1]], capacity * kernel.threads))
                self.template.append(capacity)
            elif kind == "out":
                dtype = _DTYPES[param[1]]
                nbytes = count * dtype.itemsize
                cached = (cache.enabled and nbytes >= cache.minimum) or DATA_FIELD is None  # (the cache's own
                # `empty` gives small arrays too, reading their pointers through `address`)
                self.outputs.append((_CACHED if cached else _SMALL, slot, dtype, nbytes))
                if len(param) > 2:  # written through strides, in the space's order
                    self.template += space.strides()
            elif kind == "scalar_out":
                self.finishers.append((len(self.outputs), _python_number if len(param) > 2 else _first))
                self.outputs.append((_SCALAR_OUT, slot, _DTYPES[param[1]], None))
            else:  # a reduction over the whole index space, or over the reduced axes for each output
                self.finishers.append((len(self.outputs), _reduction_finisher(param, space)))
                dtype = _DTYPES[param[3]]
                if "mode" in spec and count:  # rows or columns: the kernel stores every output, nothing to start
                    # from (a large one reuses the cache's pages: a fresh copy of the identity faulted every page)
                    self.outputs.append((_STORED, slot, dtype, ((space.outputs,), space.outputs * dtype.itemsize)))
                    continue
                start = np.empty(space.outputs, dtype=dtype)
                start.fill(identity(param))
                self.outputs.append((_REDUCE, slot, start.dtype, start))
        # every size and stride as a ctypes value made once: ctypes passes those without converting each call
        self.template = [ctypes.c_int64(v) if type(v) is int else v for v in self.template]
        if DATA_FIELD is None:  # no header reads: every input pointer is read through `address`
            self.address_slots += self.header_slots
            self.header_slots = []
        self.staged = bool(self.address_slots or self.copy_slots or self.tape_slots)
        self.single, self.rows = self._small_results()
        total = (len(self.outputs) == 1 and self.outputs[0][0] == _REDUCE and self.finishers[0][1] is _first
                 and DATA_FIELD is not None)  # (a reduction over everything whose element is its value)
        self.total = (self.outputs[0][1], self.outputs[0][3]) if total else None

    def _small_results(self) -> tuple:
        """The call's quick ways to its results when they are all small arrays of one dtype with nothing to finish:
        one (`single`: its slot, shape, dtype), or several that the rows of one block hold (`rows`: the block's
        shape, dtype and each row's slot and byte offset). (None, None) otherwise."""
        kinds = {(kind, dtype) for kind, _slot, dtype, _nbytes in self.outputs}
        if len(kinds) != 1 or next(iter(kinds))[0] != _SMALL:
            return None, None
        _kind, slot, dtype, row = self.outputs[0]
        if len(self.outputs) == 1:
            return (slot, self.shape, dtype), None
        if self.shape and len(self.outputs) >= _ROWS_FROM and len(self.outputs) * row <= _ROWS_BYTES:
            # (not for a 0-d index space: a 1-d block's rows would be NumPy scalars)
            offsets = [(slot, k * row) for k, (_kind, slot, _dtype, _nbytes) in enumerate(self.outputs)]
            return None, ((len(self.outputs), *self.shape), dtype, offsets)
        return None, None

    def _array(self, array, param: tuple, position: int, slot: int) -> None:
        """Place an input: its element strides after its pointer (none for a contiguous one); a copy first
        when the kernel cannot walk its layout (not contiguous, strides not whole elements)."""
        if array is None:  # the pointer stays None
            self.template += (0,) * len(self.space.shape) if param[3] else ()
            return
        if not param[3]:
            (self.header_slots if array.flags.c_contiguous else self.copy_slots).append((slot, position))
            return
        strides = self._strides(array)
        if strides is None:
            self.copy_slots.append((slot, position))
            strides = self._strides(np.ascontiguousarray(array))
        else:
            self.header_slots.append((slot, position))
        self.template += strides

    def _table(self, array, param: tuple, position: int, slot: int) -> None:
        """Place an array read through its own shape (a gather's): its dims, then its element strides (0 along
        an axis of length 1); a copy first when a stride is not a whole number of elements."""
        if array is None:
            self.template += (0,) * (2 * param[2])
            return
        strides = table_strides(array.shape, array.strides, array.itemsize)
        if strides is None:
            if param[3]:
                raise TypeError("the array a kernel adds into must have strides of whole elements")
            self.copy_slots.append((slot, position))
            contiguous = np.ascontiguousarray(array)
            strides = table_strides(contiguous.shape, contiguous.strides, contiguous.itemsize)
        else:
            self.header_slots.append((slot, position))
        self.template += list(array.shape) + list(strides)

    def _strides(self, array: np.ndarray):
        """An input's element strides as the kernel walks it (broadcast, in the space's order); None when a
        stride is not a whole number of elements (a field of a structured array, a byte-offset view)."""
        return self.space.element_strides(array.shape, array.strides, array.itemsize)

    def stage(self, call: list, arrays: list) -> list:
        """Fill in the pointers of the inputs read through `address` or copied first, and of the tapes; the
        arrays that must stay alive until the kernel returns."""
        keep = []
        for slot, position in self.address_slots:
            call[slot] = address(arrays[position])
        for slot, position in self.copy_slots:
            keep.append(np.ascontiguousarray(arrays[position]))
            call[slot] = address(keep[-1])
        for slot, dtype, size in self.tape_slots:
            storage, call[slot] = buffers.cache.empty((size,), dtype, size * dtype.itemsize)
            keep.append(storage)
        return keep

    def results(self, call: list, arrays: list) -> list:
        """The arrays the kernel writes its results into, their pointers filled in."""
        results, shape = [], self.shape
        for kind, slot, dtype, extra in self.outputs:
            if kind == _INPUT:  # (an input the kernel adds into)
                results.append(arrays[extra])
                continue
            if kind == _SMALL:
                out = _empty(shape, dtype)
                call[slot] = _HEADER(id(out) + _DATA)
            elif kind == _CACHED:
                out, call[slot] = buffers.cache.empty(shape, dtype, extra)
            elif kind == _STORED:  # (a reduction's outputs, each stored once by the kernel)
                out, call[slot] = buffers.cache.empty(extra[0], dtype, extra[1])
            elif kind == _SCALAR_OUT:
                out = np.zeros(1, dtype=dtype)
                call[slot] = address(out)
            else:  # an accumulator, starting from the reduction's identity
                out = extra.copy()
                call[slot] = address(out)
            results.append(out)
        return results


def _signature(spec: dict) -> list:
    """The kernel's C parameter types, in order: the element count, the dims, the counts of a reduction that
    keeps axes, then each parameter's pointer and strides."""
    rank = spec["rank"]
    types: list = [ctypes.c_int64] * (1 + rank + (2 if "mode" in spec else 0))
    for param in spec["params"]:
        kind = param[0]
        if kind == "scalar":
            types.append(_CTYPES[param[1]])
        elif kind == "array":
            types += [ctypes.c_void_p] + [ctypes.c_int64] * (rank if param[3] else 0)
        elif kind == "table":
            types += [ctypes.c_void_p] + [ctypes.c_int64] * (2 * param[2])
        elif kind == "result":
            continue
        elif kind == "tape":
            types += [ctypes.c_void_p, ctypes.c_int64]
        elif kind == "out":
            types += [ctypes.c_void_p] + [ctypes.c_int64] * (rank if len(param) > 2 else 0)
        else:
            types.append(ctypes.c_void_p)
    return types


def _sources(spec: dict):
    """Every size source the spec reads from the inputs: the dims it is given, the tapes' loop bounds."""
    for _pattern, dims in spec["dims"]:
        yield from dims
    for param in spec["params"]:
        if param[0] == "tape":
            for loops in param[2]:
                for bounds in loops:
                    yield from bounds


def _reduction_finisher(param: tuple, space: Space):
    """`finish_reduction` for one plan, with what depends only on the plan worked out once."""
    dtype, _op, acc_dtype, mean, keepdims = param[1:6]
    shape = space.result_shapes[bool(keepdims)]
    if mean or dtype != acc_dtype:
        return functools.partial(finish_reduction, param=param, space=space)
    if shape == ():
        return _first  # (the accumulator's own dtype: its element is the NumPy scalar NumPy gives)
    return lambda acc: acc.reshape(shape)


_first = operator.itemgetter(0)  # a kernel's scalar result, as the NumPy scalar NumPy would give


def _python_number(out: np.ndarray):
    """A kernel's scalar result where the source has a Python number (a `range` index, `t = 0.5` carried)."""
    return out[0].item()
