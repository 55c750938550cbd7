"""The ufunc methods NumPy programs write (DaCe's test programs: benchmarks/dace_tests), each as NumPy 2.4 defines it, put together from functions the kernel language has:

* `np.<ufunc>.reduce(a, axis=0, dtype=None, out=None, keepdims=False, initial=, where=True)`: np.sum, np.prod,
  np.max, np.min, np.all and np.any are NumPy's own calls of `add.reduce`, `multiply.reduce`, `maximum.reduce`,
  `minimum.reduce`, `logical_and.reduce` and `logical_or.reduce` (numpy/_core/fromnumeric.py `_wrapreduction`), so
  each is that function with the same keywords and the ufunc's default `axis=0` (np.sum's is None). The operand is
  made an array first (`np.add.reduce(5)` is an int64, no longer a weak Python int); of a 0-d one NumPy takes
  the integer axis 0 or -1 as no axis at all (reducer_keywords.py, for np.sum too).
* `np.add.accumulate(a, axis=0, dtype=None, out=None)` and `np.multiply.accumulate`: np.cumsum and np.cumprod with
  an integer axis (ndarray.cumsum calls `add.accumulate`; both take the int32 and bool inputs in int64). A one-item
  tuple axis is its item; `axis=None` is axis 0 of a vector (NumPy: ValueError for more axes); a number is
  refused (NumPy: TypeError, "cannot accumulate on a scalar").

* `np.maximum.accumulate(a, axis=0)` and `np.minimum.accumulate`: the running maximum and minimum, NumPy's own
  call (primitives/running_extremes.py: derivatives with np.maximum's tie rule, half to each); `dtype=` refused.

`out=` (writing a caller's array) is refused with a hint; the other ufunc methods (`reduceat`, `at`, ...) stay
unsupported.
"""
from __future__ import annotations

from ..ir import Const
from .call_args import arity, given, static
from .reducer_keywords import KEYWORDS, reduce_with_keywords
from .running_sums import accumulated, as_array

# the ufunc whose reduce method each NumPy reduction is
REDUCED = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min", "logical_and": "all",
           "logical_or": "any"}
ACCUMULATED = {"add": "cumsum", "multiply": "cumprod", "maximum": "cummax", "minimum": "cummin"}
_REDUCE_ORDER = ("axis", "dtype", "out", "keepdims", "initial", "where")  # NumPy's positional order
_ACCUMULATE_ORDER = ("axis", "dtype", "out")


def _by_name(lowering, node, name: str, positional, keywords, order: tuple[str, ...]):
    """The operand, and every other argument as a keyword (NumPy binds them in `order`); `out=` refused."""
    keywords = dict(keywords)
    if not positional:
        raise lowering.error(node, f"`{name}` takes the array to reduce first", f"{name}(a)")
    if len(positional) > 1 + len(order):
        raise lowering.error(node, f"`{name}` takes at most {1 + len(order)} positional arguments",
                             "pass the others by keyword")
    for key, value in zip(order, positional[1:]):
        if key in keywords:
            raise lowering.error(node, f"`{name}` got `{key}` twice (NumPy raises TypeError)", f"give `{key}` once")
        keywords[key] = (value, node)
    out = keywords.pop("out", None)
    if out is not None and given(out[0]):
        raise lowering.error(out[1], f"`{name}`'s `out=` (writing into an existing array) is not supported in "
                             "kernels", f"assign the result instead: c[...] = {name}(...)")
    return positional[0], keywords


def reduce(ufunc: str, prim: str):
    """`np.<ufunc>.reduce(a, axis=0, ...)`: the NumPy reduction `prim` (np.sum, ...) with the same keywords."""
    name = f"np.{ufunc}.reduce"

    def handle(lowering, node, builder, positional, keywords):
        operand, keywords = _by_name(lowering, node, name, positional, keywords, _REDUCE_ORDER)
        keywords.setdefault("axis", (Const(0, None), node))
        arity(lowering, node, name, [operand], keywords, 1, 1, ("axis", "keepdims") + KEYWORDS[prim])
        x = as_array(lowering, node, builder, operand)
        return reduce_with_keywords(lowering, node, builder, prim, name, x, [], keywords)

    return handle


def accumulate(ufunc: str, prim: str):
    """`np.<ufunc>.accumulate(a, axis=0, dtype=None)`: the running sum or product along one axis."""
    name = f"np.{ufunc}.accumulate"

    def handle(lowering, node, builder, positional, keywords):
        operand, keywords = _by_name(lowering, node, name, positional, keywords, _ACCUMULATE_ORDER)
        arity(lowering, node, name, [operand], keywords, 1, 1, ("axis", "dtype"))
        x = as_array(lowering, node, builder, operand)
        if x.type.rank is None:
            raise lowering.error(node, f"`{name}` needs the rank of its argument", 'annotate it, e.g. x: "f64[n]"')
        if x.type.rank == 0:
            raise lowering.error(node, f"`{name}` of a number (NumPy raises TypeError: cannot accumulate on a "
                                 "scalar)", "pass an array")
        axis_value, axis_node = keywords.get("axis", (Const(0, None), node))
        axis = static(lowering, axis_value, axis_node, "`axis`")
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        if axis is None and x.type.rank == 1:
            axis = 0
        if axis is None or isinstance(axis, tuple):
            raise lowering.error(axis_node, f"`{name}` along more than one axis (NumPy raises ValueError: accumulate "
                                 "does not allow multiple axes)", "give one axis, e.g. axis=0")
        if prim in ("cummax", "cummin"):  # (primitives/running_extremes.py: NumPy's own call)
            dtype_entry = keywords.get("dtype")
            if dtype_entry is not None and given(dtype_entry[0]):
                raise lowering.error(dtype_entry[1], f"`{name}`'s `dtype=` is not supported in kernels",
                                     f"{name}(a.astype(...))")
            if not isinstance(axis, int) or isinstance(axis, bool) or not -x.type.rank <= axis < x.type.rank:
                raise lowering.error(axis_node, f"`{name}`'s axis {axis!r} is out of range for an array of rank "
                                     f"{x.type.rank} (NumPy raises AxisError)", "an axis of the array")
            return lowering._bind(builder, node, prim, [x], {"axis": axis % x.type.rank})
        return accumulated(lowering, node, builder, name, prim, None, x, Const(axis, None), axis_node,
                           keywords.get("dtype"))

    return handle


def extend_functions(functions: dict) -> None:
    """Add these to numpy_api's table (after the reductions are in it)."""
    for ufunc, prim in REDUCED.items():
        functions[f"numpy.{ufunc}.reduce"] = reduce(ufunc, prim)
    for ufunc, prim in ACCUMULATED.items():
        functions[f"numpy.{ufunc}.accumulate"] = accumulate(ufunc, prim)
