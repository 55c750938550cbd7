"""NumPy spellings NPBench's kernels use (benchmarks/npbench) that the kernel language refused, each put together
from primitives it has, as NumPy 2.4 defines them:

* `np.ndarray(shape, dtype=float)`: the array constructor, `np.empty(shape, dtype)` (zeros: NumPy leaves the
  elements uninitialised, so a program reading one before writing it reads garbage, any value is a run of it);
  `buffer=`, `offset=`, `strides=` and `order=` are refused (nbody's and vadv's `np.ndarray(Nt + 1,
  dtype=np.float64)`).
* `np.<ufunc>.outer(a, b)` of a binary ufunc: `np.<ufunc>(a.reshape(a.shape + (1,) * b.ndim), b)`, NumPy's
  definition (`r[i..., j...] = op(a[i...], b[j...])`; floyd_warshall's `np.add.outer(path[:, k], path[k, :])`).
* `np.linspace(..., dtype=)`: linspace_forms.py.
"""
from __future__ import annotations

from .array_literals import array_like
from .call_args import Emitter, arity, known_rank

BINARY_UFUNCS = ("add", "subtract", "multiply", "divide", "true_divide", "power", "maximum", "minimum", "logaddexp",
                 "logaddexp2", "arctan2", "floor_divide", "mod", "remainder", "less", "less_equal", "greater",
                 "greater_equal", "equal", "not_equal", "logical_and", "logical_or")


def ndarray(empty):
    """`np.ndarray(shape, dtype=float, buffer=None, offset=0, strides=None, order=None)`: `np.empty(shape,
    dtype)` where only the shape and dtype are given (`empty`: the np.empty handler)."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        if "shape" in keywords:
            positional = [keywords.pop("shape")[0]] + list(positional)
        arity(lowering, node, "np.ndarray", positional, keywords, 1, 2, ("dtype",),
              "give the shape and dtype only (np.ndarray(shape, dtype=...)), or use np.zeros")
        return empty(lowering, node, builder, positional, keywords)

    return handle


def outer(name: str, ufunc):
    """`np.<name>.outer(a, b)`: the ufunc `ufunc` (its handler) of `a` with b.ndim unit axes appended, and `b`."""
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{name}.outer", positional, keywords, 2, 2)
        emit = Emitter(lowering, node, builder)
        a, b = (_strong(emit, emit.atom(array_like(lowering, node, builder, v))) for v in positional)
        extra = known_rank(emit, b)
        if extra and known_rank(emit, a):
            a = emit("reshape", a, *emit.dims(a), *([1] * extra))
        return ufunc(lowering, node, builder, [a, b], {})

    return handle


def _strong(emit, atom):
    """An operand as ufunc.outer takes it: NumPy makes each an array first, so a Python number is a 0-d array of
    its own dtype (int64, float64, bool) that no longer takes the other operand's precision (`np.add.outer(a32,
    5)` is int64, `np.add.outer(x32, 2.0)` float64)."""
    return emit("astype", atom, dtype=atom.type.dtype, scalar=True) if atom.type.weak else atom


def extend_functions(functions: dict) -> None:
    """Add these to numpy_api's table (after np.empty is in it)."""
    functions["numpy.ndarray"] = ndarray(functions["numpy.empty"])
    for name in BINARY_UFUNCS:
        if f"numpy.{name}" in functions:
            functions[f"numpy.{name}.outer"] = outer(name, functions[f"numpy.{name}"])
