"""`np.histogram(a, bins=10, range=None, density=None, weights=None)` with a number of equal bins, as NumPy 2.4's
numpy/lib/_histograms_impl.py computes it, at any size (a length known at build time or at run time):

* the outer edges: `range` (numbers known at build time; NumPy's ValueErrors for a reversed or infinite range
  refused, located), or `a.min()` and `a.max()` (counts.py: NumPy's ValueError at run time where they
  are not finite, NaN included; an empty `a` gives 0 and 1), each moved by 0.5 where they are equal;
* the edges `np.linspace(first, last, bins + 1)` in NumPy's bin type (float64; float32 for float32 data: float32
  points from the data's float32 min and max, float64 points cast to float32 from Python numbers), NumPy's
  ValueError at run time where two edges are not increasing ('Too many bins for data range');
* each kept element's bin as NumPy finds it: `((a - first) / norm_denom) * bins` cast to int64, the last bin's
  right edge folded in, then one step down where `a < edges[i]` and one up where `a >= edges[i + 1]` (NumPy's
  corrections, gathered from the edges); the counts one np.bincount of the bins (int64; elements outside a range
  sent to one more bin, dropped), or with `weights=` NumPy's block-by-block sums (counts.py: each block
  of 65536 elements' np.bincount cast to the weights' dtype, added in that dtype); `density=True` divides by the
  bin widths (float64) and the total, as NumPy's `n / db / n.sum()`.

The counts have no derivative; the edges carry those of `a.min()` and `a.max()` through np.linspace, a weighted
histogram those of the weights (np.bincount's gather). Explicit edges (`bins` an array or a list):
edges.py. Refused, located: `bins` a string (NumPy's estimators), boolean data (its uint8 conversion)
and boolean weights (NumPy adds them as booleans).
"""
from __future__ import annotations

from ...builder import const
from ...ir import Const
from ..call_args import Emitter, arg, arity, given, static
from .counts import block_sums, outer_edges
from .edges import histogram_with_edges
from ..order_statistics import subscript
from ..running_sums import as_array


def _static_range(lowering, value, node):
    bounds = static(lowering, value, node, "np.histogram's `range`")
    if not (isinstance(bounds, tuple) and len(bounds) == 2 and all(
            isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)):
        raise lowering.error(node, "np.histogram's range is a pair of numbers known at build time", "range=(0.0, 1.0)")
    first, last = (float(b) for b in bounds)
    if first > last or not all(abs(b) < float("inf") for b in (first, last)):
        raise lowering.error(node, f"np.histogram's range={bounds!r}: NumPy raises ValueError (max must be larger "
                             "than min, both finite)", "range=(low, high), low <= high")
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def _same_shape(lowering, emit, weights, shape, dims, node) -> None:
    """NumPy's ValueError where the weights' shape is not the data's: at build time where the sizes are known."""
    if weights.type.shape is None or len(weights.type.shape) != len(shape) or any(
            isinstance(w, int) and isinstance(d, int) and w != d for w, d in zip(weights.type.shape, shape)):
        raise lowering.error(node, "np.histogram's weights must have the array's shape: NumPy raises ValueError",
                             "weights of a's shape")
    for axis, (w, d) in enumerate(zip(weights.type.shape, shape)):
        if w != d:
            emit("check_assert", emit("equal", emit.dims(weights)[axis], dims[axis]),
                 message="weights should have the same shape as a.", error="ValueError")


def histogram(lowering, node, builder, positional, keywords):
    """`np.histogram(a, bins=10, range=None, density=None, weights=None)`: `(hist, bin_edges)`."""
    arity(lowering, node, "np.histogram", positional, keywords, 1, 5, ("bins", "range", "density", "weights"),
          hint="np.histogram(a, bins=10, range=None, density=None, weights=None)")
    emit = Emitter(lowering, node, builder)
    a = as_array(lowering, node, builder, positional[0])
    bins_value, bins_node = arg(lowering, positional, keywords, 1, "bins", node, Const(10, None))
    edges = not isinstance(bins_value, (Const, str))  # an array or a sequence of edges (edges.py)
    if a.type.dtype not in ("f64", "f32", "i32", "i64"):
        raise emit.error(f"np.histogram of {a.type.dtype} is not supported in kernels (NumPy converts booleans "
                         "to uint8, with a warning)", "a.astype(np.float64)")
    if a.type.shape is None:
        raise emit.error("np.histogram needs the array's rank", 'annotate it, e.g. a: "f64[n]"')
    shape, dims = a.type.shape, emit.dims(a)
    a = a if a.type.rank == 1 else emit("reshape", a, -1)
    weights_value, weights_node = arg(lowering, positional, keywords, 4, "weights", node)
    density_value, density_node = arg(lowering, positional, keywords, 3, "density", node)
    density = static(lowering, density_value, density_node, "np.histogram's `density`")
    if edges:
        return histogram_with_edges(lowering, node, builder, a, bins_value, bins_node, weights_value, weights_node,
                                    density)
    bins = static(lowering, bins_value, bins_node, "np.histogram's `bins`")
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise lowering.error(bins_node, "np.histogram's bins must be a number of bins known at build time or "
                             "an array of edges (estimator names are not supported in kernels)", "bins=10")
    if bins < 1:
        raise lowering.error(bins_node, "np.histogram's bins must be positive: NumPy raises ValueError", "bins=10")
    range_value, range_node = arg(lowering, positional, keywords, 2, "range", node)
    single = a.type.dtype == "f32"  # (NumPy's edges and arithmetic in float32: bin_type is the data's)
    empty = None
    if given(range_value):
        first, last = _static_range(lowering, range_value, range_node)
        first_atom, last_atom = const(first), const(last)
        keep = emit("logical_and", emit("greater_equal", a, first), emit("less_equal", a, last))
        denominator = const(last - first)  # (float64: NumPy's _unsigned_subtract of two Python floats)
    elif a.type.shape[0] == 0:
        first_atom, last_atom, keep = const(0.0), const(1.0), None
        denominator = const(1.0)
    else:
        first_atom, last_atom, denominator, empty = outer_edges(emit, a)
        keep = None
    edges = emit("linspace", first_atom, last_atom, const(bins + 1))
    if single and (keep is not None or empty is not None or a.type.shape[0] == 0):
        # np.linspace(first, last, dtype=np.float32) of Python numbers: float64 points, then cast
        wide = edges if keep is not None or empty is None else emit("linspace", 0.0, 1.0, const(bins + 1))
        wide = emit("astype", wide, dtype="f32")
        edges = wide if empty is None else emit("where", empty, wide, edges)
    lower, upper = emit("getitem", edges, index=(slice(None, -1),)), emit("getitem", edges, index=(slice(1, None),))
    emit("check_assert", emit("logical_not", emit("any", emit("greater_equal", lower, upper), axis=None)),
         message=f"Too many bins for data range. Cannot create {bins} finite-sized bins.", error="ValueError")
    values = a if a.type.dtype in ("f64", "f32") else emit("astype", a, dtype="f64")
    if keep is not None:  # (a value left out is read as the first edge, then not counted)
        values = emit("where", keep, values, first_atom)
    offset = emit("subtract", values, first_atom)
    if single and keep is not None:  # (float32 differences over NumPy's float64 scalar denominator)
        offset = emit("astype", offset, dtype="f64")
    estimate = emit("multiply", emit("divide", offset, denominator), bins)
    index = emit("astype", estimate, dtype="i64")
    index = emit("where", emit("equal", index, bins), bins - 1, index)
    fixed = emit("stop_gradient", edges)  # (compared only: no tangent of the gathered edges)
    index = emit("subtract", index, emit("astype", emit("less", values, subscript(emit, fixed, [index])), dtype="i64"))
    above = emit("logical_and", emit("greater_equal", values, subscript(emit, fixed, [emit("add", index, 1)])),
                 emit("not_equal", index, bins - 1))
    index = emit("add", index, emit("astype", above, dtype="i64"))
    if keep is not None:  # (left out: one more bin, dropped)
        index = emit("where", keep, index, bins)
    extra = bins + (keep is not None)
    if not given(weights_value):
        counts = emit("bincount", index, minlength=extra, bounded=True)
        counts = counts if keep is None else emit("getitem", counts, index=(slice(None, bins),))
    else:
        weights = as_array(lowering, node, builder, weights_value)
        _same_shape(lowering, emit, weights, shape, dims, weights_node)
        if weights.type.dtype == "bool":
            raise lowering.error(weights_node, "np.histogram's boolean weights are not supported in kernels",
                                 "weights.astype(np.float64)")
        flat = weights if weights.type.rank == 1 else emit("reshape", weights, -1)
        counts = block_sums(emit, index, flat, extra)
        counts = counts if keep is None else emit("getitem", counts, index=(slice(None, bins),))
    if density:
        widths = emit("subtract", upper, lower)
        widths = widths if widths.type.dtype == "f64" else emit("astype", widths, dtype="f64")
        counts = emit("divide", emit("divide", counts, widths), emit("sum", counts, axis=None))
    return counts, edges


FUNCTIONS = {"numpy.histogram": histogram}
