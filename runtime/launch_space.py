"""A kernel launch's index space and what follows from it, shared by the CPU launcher (`cpu.launch`) and the
CUDA one (`cuda`) so that both targets take and refuse the same inputs: the space's dimensions from the inputs and
size arguments, each checked against the annotations; strides in the space's order; tape sizes; a reduction's
identity and its result as NumPy gives it. Also the spec's dtype names as NumPy and Python types.
"""
from __future__ import annotations

import functools

import numpy as np

_NUMPY = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}
_DTYPES = {name: np.dtype(t) for name, t in _NUMPY.items()}


def _int_of(bits: int):
    """A scalar argument's int, range-checked as NumPy converts a Python int (ctypes would wrap it silently)."""
    low, high = -2**(bits - 1), 2**(bits - 1)

    def convert(value) -> int:
        number = int(value)
        if not low <= number < high:
            raise OverflowError(f"Python integer {number} out of bounds for int{bits}")
        return number
    return convert


_CONVERT = {"f64": float, "f32": float, "i64": _int_of(64), "i32": _int_of(32), "bool": bool}
INPUT_KINDS = ("scalar", "array", "table")  # parameters the caller passes, in order

class Space:
    """A kernel's index space as the kernel walks it: the shape permuted so that the axes its reductions keep come
    first (`perm`), the outputs and the elements each one reduces (`counts`, passed after the dims when the
    reductions keep axes), and how arrays are read and written in the space's order."""

    def __init__(self, spec: dict, shape: tuple):
        self.spec, self.shape = spec, shape
        self.perm = tuple(spec.get("perm", range(len(shape))))
        self.dims = tuple(shape[k] for k in self.perm)
        reduced = spec.get("reduced", len(shape))
        self.outputs = int(np.prod(self.dims[:len(shape) - reduced], dtype=np.int64))
        self.per_output = int(np.prod(self.dims[len(shape) - reduced:], dtype=np.int64))
        self.counts = (self.outputs, self.per_output) if "mode" in spec else ()

    def element_strides(self, shape: tuple, strides: tuple, itemsize: int) -> tuple | None:
        """An input's element strides as the kernel walks it (broadcast: 0 along the axes it lacks or has as 1; in
        the space's order), from its shape and byte strides (a NumPy or a device array); None when a stride is not
        a whole number of elements (a field of a structured array, a byte-offset view): it must be copied first."""
        pad = len(self.shape) - len(shape)
        padded = [0 if k < pad or shape[k - pad] == 1 else strides[k - pad] for k in range(len(self.shape))]
        if any(s % itemsize for s in padded):
            return None
        return tuple(padded[k] // itemsize for k in self.perm)

    def strides(self) -> list[int]:
        """The element strides, in the space's order, of a C-contiguous array of the kernel's shape."""
        strides = [0] * len(self.shape)
        step = 1
        for k in reversed(range(len(self.shape))):
            strides[k], step = step, step * self.shape[k]
        return [strides[k] for k in self.perm]

    def reduced_shape(self, keepdims: bool) -> tuple:
        """The shape of a reduction's result (NumPy's, with `keepdims`)."""
        kept = len(self.shape) - self.spec.get("reduced", len(self.shape))
        axes = set(self.perm[kept:])
        return tuple(1 if k in axes else d for k, d in enumerate(self.shape) if keepdims or k not in axes)

    @functools.cached_property
    def result_shapes(self) -> tuple:
        """`reduced_shape` without and with `keepdims`, worked out once (a Space is kept per launch plan)."""
        return self.reduced_shape(False), self.reduced_shape(True)

    def check_empty(self) -> None:
        """An empty index space runs no element: refuse what NumPy refuses (a max over an empty axis, even with
        no results: `np.zeros((0, 0)).max(axis=1)`), and the scalar results only an element could have computed,
        rather than return a made-up number."""
        if self.outputs * self.per_output:
            return
        for param in self.spec["params"]:
            # (a max given its identity as `initial` may reduce nothing: see backends/c/logsumexp.py)
            if param[0] == "reduce" and param[2] in ("max", "min") and not self.per_output and not param[6]:
                raise ValueError(f"zero-size array to reduction operation {param[2]}imum which has no identity")
            if param[0] == "scalar_out":
                raise ValueError("this kernel computes a scalar per element, and the arrays are empty; "
                                 "the C backend cannot run it on empty arrays")


def table_strides(shape: tuple, strides: tuple, itemsize: int) -> tuple | None:
    """A table's element strides (0 along an axis of length 1, which a broadcast index walks); None when a stride
    is not a whole number of elements."""
    if any(s % itemsize for d, s in zip(shape, strides) if d != 1):
        return None
    return tuple(0 if d == 1 else s // itemsize for d, s in zip(shape, strides))


def identity(param: tuple):
    """The starting value of a reduction's accumulator."""
    op, acc_dtype = param[2], param[3]
    if acc_dtype == "i64" and op in ("max", "min"):
        return np.iinfo(np.int64).min if op == "max" else np.iinfo(np.int64).max
    return {"add": 0, "mul": 1, "max": -np.inf, "min": np.inf}[op]


def finish_reduction(acc: np.ndarray, param: tuple, space: Space):
    """The reduction's value as NumPy gives it: the mean divided, the result's dtype and shape."""
    dtype, _op, _acc_dtype, mean, keepdims = param[1:6]
    if mean:
        with np.errstate(invalid="ignore", divide="ignore"):
            acc = acc.astype(np.float64) / space.per_output
    shape = space.result_shapes[bool(keepdims)]
    if shape == ():
        return _NUMPY[dtype](acc[0])
    return acc.astype(_NUMPY[dtype], copy=False).reshape(shape)


def index_shape(spec: dict, inputs: list, arrays: list, args: tuple) -> tuple:
    """The kernel's index space: the dimensions its array inputs (NumPy or device arrays; None where undefined)
    and its size arguments give, each checked against what the annotations promised."""
    rank = spec["rank"]
    shape: list = [None] * rank
    for value, param in zip(arrays, inputs):
        if param[0] == "array" and value is not None:
            _meet(shape, param[2], tuple(value.shape), rank)
    for pattern, dims in spec["dims"]:
        if any(d[0] == "shape" and args[d[1]] is None for d in dims):
            continue  # (an array undefined on the path taken gives no size, as for the inputs above)
        _meet(shape, pattern, tuple(_value(d, args) for d in dims), rank)
    shape = [known if d is None else d for d, known in zip(shape, spec["static"])]
    if any(d is None for d in shape):
        raise ValueError("the kernel's index space has a dimension no input gives")
    return tuple(int(d) for d in shape)


def tape_capacity(param: tuple, args: tuple) -> int:
    """The slots one element's tape needs: the trip counts of the loops around each push (at least one slot)."""
    return max(1, sum(int(np.prod([len(range(*(_value(b, args) for b in bounds))) for bounds in loops]))
                      for loops in param[2]))


def _meet(shape: list, pattern: tuple, actual: tuple, rank: int) -> None:
    """Check an input against the index space, filling in the dimensions it gives."""
    if len(actual) > rank:
        raise ValueError(f"an input of shape {actual} does not fit the kernel's {rank}-d index space")
    padded = (None,) * (rank - len(actual)) + tuple(actual)
    for k, (want, size) in enumerate(zip(pattern, padded)):
        if want == "S":
            if size is None:
                raise ValueError(f"an input of shape {actual} lacks a dimension of the index space")
            if shape[k] is None:
                shape[k] = size
            elif shape[k] != size:
                raise ValueError(f"dimension {k} of the index space is {shape[k]}, but an input has {size}; "
                                 "the C backend needs the sizes the annotations promise")
        elif want == 1 and size not in (None, 1):
            raise ValueError(f"an input of shape {actual} was compiled as broadcasting along dimension {k}")


def _value(source, args):
    kind, value = source[:2]
    if kind == "shape":  # a length of an input array (a gather's table; a shifted load's source, plus what the
        # space's length has more: ("shape", input, axis, plus))
        return int(args[value].shape[source[2]]) + (source[3] if len(source) > 3 else 0)
    return int(args[value]) if kind == "arg" else value
