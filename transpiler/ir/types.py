"""Static types: a dtype and a shape of symbolic dimensions, parsed from `"f64[n,d]"` annotations.

Shapes let the transpiler reject rank and named-dimension mismatches at build time and emit reverse-mode
code without run-time broadcasting helpers. A dimension is an int, a name from an annotation (`"n"`), or an
unknown (`"?k"`, fresh per value); a shape of `None` means the rank itself is unknown (no annotation).
"""
from __future__ import annotations

import itertools
import re
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Union

import numpy

from .dims import DimError, clamp_of, dim_sum, parse_dim, render, slice_dim

Dim = Union[int, str]
Shape = tuple  # tuple[Dim, ...]

DTYPES = ("bool", "i32", "i64", "f32", "f64")
NUMPY_DTYPES = {"bool": "bool_", "i32": "int32", "i64": "int64", "f32": "float32", "f64": "float64"}
_LIFTED = {numpy.dtype(name): dtype for dtype, name in NUMPY_DTYPES.items()}
_ORDER = {name: rank for rank, name in enumerate(DTYPES)}
_fresh = itertools.count(1)


class ShapeError(Exception):
    """A shape or dtype rule failed; normalize attaches the source location (and `hint`, what to write instead)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def fresh_dim() -> str:
    return f"?{next(_fresh)}"


def is_unknown(dim: Dim) -> bool:
    return isinstance(dim, str) and dim.startswith("?")


@dataclass(frozen=True)
class TensorType:
    dtype: str
    shape: Shape | None
    weak: bool = False  # a Python literal: takes the other operand's precision
    value: Dim | None = None  # for integer scalars whose value is a known dimension (x.shape[0])

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    @property
    def is_float(self) -> bool:
        return self.dtype in ("f32", "f64")

    def with_shape(self, shape: Shape | None) -> "TensorType":
        return replace(self, shape=shape, weak=False, value=None)

    def with_dtype(self, dtype: str) -> "TensorType":
        return replace(self, dtype=dtype, weak=False, value=None)

    def annotation(self) -> str:
        if self.shape is None:
            return self.dtype
        return f"{self.dtype}[{','.join(str(d) for d in self.shape)}]"

    def __str__(self) -> str:
        return self.annotation()


_ANNOTATION = re.compile(r"^\s*(bool|i32|i64|f32|f64)\s*(?:\[(.*)\])?\s*$")


def parse_annotation(text: str) -> TensorType:
    """`"f64[n,d]"` -> TensorType; a dtype without brackets has unknown rank."""
    match = _ANNOTATION.match(text)
    if not match:
        raise ShapeError(f"cannot read the type annotation {text!r}")
    dtype, dims = match.group(1), match.group(2)
    if dims is None:
        return TensorType(dtype, None)
    shape = []
    for part in (p.strip() for p in dims.split(",")):
        if not part:
            continue
        try:
            dim = parse_dim(part)  # `n`, `3`, and sums and products of them: `n-1`, `2*h`, `n*m`
        except DimError:
            raise ShapeError(f"dimension {part!r} in {text!r} is not an integer, a name, or a sum or product of "
                             "them (n-1, 2*h, n*m)") from None
        if isinstance(dim, int) and dim < 0:
            raise ShapeError(f"dimension {part!r} in {text!r} is negative")
        shape.append(dim)
    return TensorType(dtype, tuple(shape))


def numpy_dtype(dtype: str) -> numpy.dtype:
    """NumPy's dtype of one of Lifted's (`"f32"` -> float32): questions of dtype go to NumPy's own rules."""
    return numpy.dtype(NUMPY_DTYPES[dtype])


def lifted_dtype(dtype) -> str | None:
    """Lifted's name of a NumPy dtype (anything `np.dtype` takes), or None where kernels have no such dtype."""
    return _LIFTED.get(numpy.dtype(dtype))


def promote(types: list[TensorType]) -> str:
    """NumPy 2 promotion (NEP 50) over Lifted's dtypes: Python literals (weak) adopt the precision of the arrays
    they meet when their kind fits, and a float32 meeting an int32 or int64 gives float64 (float32 cannot hold
    every such integer)."""
    strong = [t.dtype for t in types if not t.weak]
    best = promote_arrays(strong) if strong else None
    weak_kind = max((_kind(t.dtype) for t in types if t.weak), default=-1)
    if best is None or weak_kind > _kind(best):
        return ("bool", "i64", "f64")[max(weak_kind, 0)]
    return best


def promote_arrays(dtypes) -> str:
    """NumPy's promotion of arrays' dtypes (`np.result_type` of arrays, and what `np.concatenate`/`np.stack` give,
    which make arrays of Python numbers too): float32 with int32 or int64 is float64."""
    dtypes = list(dtypes)
    best = max(dtypes, key=_ORDER.__getitem__)
    return "f64" if best == "f32" and any(d in ("i32", "i64") for d in dtypes) else best


def _kind(dtype: str) -> int:
    return {"bool": 0, "i32": 1, "i64": 1, "f32": 2, "f64": 2}[dtype]


def broadcast_dims(a: Dim, b: Dim) -> Dim:
    """The length NumPy's broadcasting gives two lengths. An int other than 1 wins over an unknown (which must be
    it or 1); an unknown met by a name (or an expression of names) gives a fresh length, since either may be 1 at
    run time (`x: "f64[d]"` called with one element, plus a masked selection, has the selection's length).
    Two different names or ints are refused: the annotations do not say them equal. A clamp max(q,1) or max(q,0)
    met by the length q itself gives q (q is a length, never negative: where the clamp differs from q, q is 0 and
    the clamp 1 or 0), and max(q,0) met by max(q,1) gives max(q,0) (they differ where q <= 0: 0 and 1)."""
    if a == b:
        return a
    if a == 1:
        return b
    if b == 1:
        return a
    clamped = _clamp_broadcast(a, b)
    if clamped is not None:
        return clamped
    if is_unknown(a) and isinstance(b, int) or is_unknown(b) and isinstance(a, int):
        return b if isinstance(b, int) else a  # the unknown is that int or 1: either way the int
    if is_unknown(a) or is_unknown(b):  # a name or an unknown, either of them 1 at run time: neither
        return fresh_dim()
    raise ShapeError(f"dimensions {a} and {b} do not match")


def clamps_to(clamp: Dim, length: Dim) -> int | None:
    """c where `clamp` is max(q,c) of the length `length` = q (then the two are equal but where q < c); else None."""
    parts = clamp_of(clamp)
    return parts[2] if parts is not None and parts[0] > 0 and render(parts[1]) == length else None


def _clamp_broadcast(a: Dim, b: Dim) -> Dim | None:
    """broadcast_dims of a clamp of low 0 or 1 and the length it clamps (or another such clamp of it); None for
    any other pair."""
    ca, cb = clamp_of(a), clamp_of(b)
    if ca is None and cb is None:
        return None
    if ca is not None and cb is not None:
        same = render(ca[1]) == render(cb[1]) and {ca[2], cb[2]} <= {0, 1}
        return (a if ca[2] == 0 else b) if same else None
    clamp, other = (a, b) if ca is not None else (b, a)
    return other if clamps_to(clamp, other) in (0, 1) else None


def same_dim(a: Dim, b: Dim) -> Dim:
    """The one length two lengths must share (np.concatenate's other axes, which do not broadcast): the known one
    where the other is unknown."""
    if a == b or is_unknown(b):
        return a
    if is_unknown(a):
        return b
    raise ShapeError(f"dimensions {a} and {b} do not match")


def broadcast_shapes(shapes: list[Shape | None]) -> Shape | None:
    if any(s is None for s in shapes):
        return None
    rank = max((len(s) for s in shapes), default=0)
    out: list[Dim] = [1] * rank
    for shape in shapes:
        padded = (1,) * (rank - len(shape)) + tuple(shape)
        try:
            out = [broadcast_dims(x, y) for x, y in zip(out, padded)]
        except ShapeError:
            raise ShapeError(
                "shapes " + " and ".join(_show(s) for s in shapes) + " cannot be broadcast together",
                _broadcast_hint(shapes),
            ) from None
    return tuple(out)


def _broadcast_hint(shapes: list[Shape]) -> str:
    """What to write instead: NumPy's rule, and where a length named in an annotation meets another length, that
    Lifted does not assume the two equal (NumPy would decide at run time)."""
    rule = "NumPy pairs axes from the right; each pair must be equal or 1 (it raises ValueError otherwise)"
    named = sorted({str(d) for s in shapes for d in s if isinstance(d, str) and not is_unknown(d)})
    if not named:
        return rule
    return (f"{rule}. A length named in an annotation ({', '.join(named)}) is not assumed equal to another "
            "length: annotate the number (\"f64[3]\"), or make the other array from the parameter's shape "
            "(np.zeros(len(x) + 2), x.shape)")


def _show(shape: Shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def show_shape(shape: Shape | None) -> str:
    return "[?]" if shape is None else _show(shape)


def axis_hint(rank: int) -> str:
    """What to write instead of an axis out of range (NumPy raises AxisError at the call)."""
    if rank == 0:
        return "a rank-0 value has no axes (NumPy raises AxisError): leave out `axis=`, or index a 1-D array"
    return (f"an array of rank {rank} has axes 0 to {rank - 1} (or -{rank} to -1, counted from the end); NumPy "
            "raises AxisError for any other")


def normalize_axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for an array of rank {rank}", axis_hint(rank))
    return axis % rank


# Whether a slice of a named length is typed as NumPy's clamp max(n-1, 0) (the default: exact at every n) or as
# the polynomial n-1, which is exact only where n >= 1: the C target builds its fast version so (fusion needs
# equal lengths, and max(n, 1) is not n), behind an entry check that runs the exact version where a length
# would be negative (backends/c/clamped.py)
SLICE_CLAMPS: ContextVar[bool] = ContextVar("slice_clamps", default=True)
# the polynomials the unclamped typing assumed to be >= 0 (set by whoever builds with SLICE_CLAMPS off)
ASSUMED: ContextVar[set | None] = ContextVar("assumed_nonnegative", default=None)


def offset_dim(dim: Dim, delta: int) -> Dim:
    """The length of a slice of `dim` that leaves out `-delta` elements: max(n-1, 0) for `x[1:]` of a named length
    n (0 elements, not -1, at n = 0); ints stay ints, unknown dims stay unknown. With SLICE_CLAMPS off, n-1
    (recorded in ASSUMED where it is not surely >= 0)."""
    if SLICE_CLAMPS.get() or isinstance(dim, int):
        shifted = slice_dim(dim, delta)
    else:
        shifted = dim_sum([dim, delta])
        if shifted is not None and shifted != slice_dim(dim, delta):
            assumed = ASSUMED.get()
            if assumed is not None:
                assumed.add(shifted)
    return fresh_dim() if shifted is None else shifted


def grows(target: Shape | None, result: Shape | None) -> bool:
    """Whether an in-place update's broadcast `result` (of `a += b`) is larger than the array `target` it writes
    into: NumPy raises ValueError (non-broadcastable output operand). A dimension broadcast against `target`'s own
    is that size unless `target`'s is 1; an unknown rank is not judged."""
    if target is None or result is None:
        return False
    return len(result) > len(target) or any(t == 1 and r != 1 for t, r in zip(target, result[len(result) - len(target):]))


def may_grow(target: Shape | None, result: Shape | None) -> bool:
    """Whether only run time can tell if `a += b`'s broadcast `result` is larger than `target`: a length that
    broadcasting made fresh (a run-time length met by another length, either of them maybe 1) where `target` has
    another. `grows` judges what the build can; the caller checks these at run time (ValueError, as NumPy)."""
    if target is None or result is None or len(result) != len(target):
        return False
    return any(is_unknown(r) and r != t for t, r in zip(target, result))
