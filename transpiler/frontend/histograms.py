"""`np.histogram(a, bins=10, range=None, density=None, weights=None)` with a number of equal bins, as NumPy 2.4's
numpy/lib/_histograms_impl.py computes it (one block: at most 65536 elements, a length known at build time):

* the outer edges: `range` (numbers known at build time; NumPy's ValueErrors for a reversed or infinite range
  refused, located), or `a.min()` and `a.max()` (a run-time check raises NumPy's ValueError where they are not
  finite, NaN included; an empty `a` gives 0 and 1), each moved by 0.5 where they are equal;
* the edges `np.linspace(first, last, bins + 1)` in float64 (np.linspace's own call);
* each kept element's bin as NumPy finds it: `((a - first) / (last - first)) * bins` cast to int64, the last
  bin's right edge folded in, then one step down where `a < edges[i]` and one up where `a >= edges[i + 1]` (NumPy's
  corrections, gathered from the edges); the counts the number of kept elements per bin (int64), or with
  `weights=` their sum in the order of `a` (np.bincount's float64 accumulation, a running sum, cast to the
  weights' dtype); `density=True` divides by the bin widths and the total, as NumPy's `n / db / n.sum()`.

The counts have no derivative; the edges carry those of `a.min()` and `a.max()` through np.linspace, a weighted
histogram those of the weights. Explicit edges (`bins` an array or a list): histogram_edges.py. Refused, located:
`bins` a string (NumPy's estimators), with a number of bins a float32 `a` (NumPy's float32 edges), a boolean `a`
(its uint8 conversion), a length known only at run time, and more than 65536 elements (NumPy then adds block by
block).
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const
from .call_args import Emitter, arg, arity, given, static
from .histogram_edges import histogram_with_edges
from .order_statistics import _index
from .running_sums import as_array

BLOCK = 65536


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


def histogram(lowering, node, builder, positional, keywords):
    """`np.histogram(a, bins=10, range=None, density=None, weights=None)`: `(hist, bin_edges)`."""
    arity(lowering, node, "np.histogram", positional, keywords, 1, 5, ("bins", "range", "density", "weights"),
          hint="np.histogram(a, bins=10, range=None, density=None, weights=None)")
    emit = Emitter(lowering, node, builder)
    a = as_array(lowering, node, builder, positional[0])
    bins_value, bins_node = arg(lowering, positional, keywords, 1, "bins", node, Const(10, None))
    edges = not isinstance(bins_value, (Const, str))  # an array or a sequence of edges (histogram_edges.py)
    if a.type.dtype not in ("f64", "i32", "i64") and not (edges and a.type.dtype == "f32"):
        raise emit.error(f"np.histogram of {a.type.dtype} is not supported in kernels (with a number of bins "
                         "NumPy's edges are float32 for float32 data, and booleans become uint8)",
                         "a.astype(np.float64), or explicit edges (bins=np.linspace(lo, hi, 11))")
    if a.type.shape is None or not all(isinstance(d, int) for d in a.type.shape):
        raise emit.error("np.histogram needs the array's size known at build time", 'annotate it, e.g. a: "f64[100]"')
    size = 1
    for d in a.type.shape:
        size *= d
    if size > BLOCK:
        raise emit.error(f"np.histogram of more than {BLOCK} elements: NumPy adds block by block",
                         "split the data and add the histograms")
    shape = a.type.shape
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
    if given(range_value):
        first, last = _static_range(lowering, range_value, range_node)
        first_atom, last_atom = const(first), const(last)
        keep = emit("logical_and", emit("greater_equal", a, first), emit("less_equal", a, last))
        denominator = const(last - first)
    elif size == 0:
        first_atom, last_atom, keep = const(0.0), const(1.0), None
        denominator = const(1.0)
    else:
        low, high = emit("min", a, axis=None), emit("max", a, axis=None)
        if a.type.dtype != "f64":
            low, high = emit("astype", low, dtype="f64"), emit("astype", high, dtype="f64")
        emit("check_assert", emit("logical_and", emit("isfinite", low), emit("isfinite", high)),
             message="autodetected range of the data is not finite", error="ValueError")
        equal = emit("equal", low, high)
        first_atom = emit("where", equal, emit("subtract", low, 0.5), low)
        last_atom = emit("where", equal, emit("add", high, 0.5), high)
        keep = None
        denominator = emit("subtract", last_atom, first_atom)
    edges = emit("linspace", first_atom, last_atom, const(bins + 1))
    values = a if a.type.dtype == "f64" else emit("astype", a, dtype="f64")
    if keep is not None:  # (a value left out is read as the first edge, then not counted)
        values = emit("where", keep, values, first_atom)
    estimate = emit("multiply", emit("divide", emit("subtract", values, first_atom), denominator), bins)
    index = emit("astype", estimate, dtype="i64")
    index = emit("where", emit("equal", index, bins), bins - 1, index)
    index = emit("subtract", index, emit("astype", emit("less", values, _index(emit, edges, [index])), dtype="i64"))
    above = emit("logical_and", emit("greater_equal", values, _index(emit, edges, [emit("add", index, 1)])),
                 emit("not_equal", index, bins - 1))
    index = emit("add", index, emit("astype", above, dtype="i64"))
    matches = emit("equal", emit("expand_dims", index, axis=1), emit("expand_dims", emit("arange", bins), axis=0))
    if keep is not None:
        matches = emit("logical_and", matches, emit("expand_dims", keep, axis=1))
    if not given(weights_value):
        counts = emit("sum", matches, axis=0)
    else:
        weights = as_array(lowering, node, builder, weights_value)
        if weights.type.shape != shape:
            raise lowering.error(weights_node, "np.histogram's weights must have the array's shape: NumPy raises "
                                 "ValueError", "weights of a's shape")
        if weights.type.dtype == "bool":
            raise lowering.error(weights_node, "np.histogram's boolean weights are not supported in kernels",
                                 "weights.astype(np.float64)")
        flat = weights if weights.type.rank == 1 else emit("reshape", weights, -1)
        wide = flat if flat.type.dtype == "f64" else emit("astype", flat, dtype="f64")
        parts = emit("where", matches, emit("expand_dims", wide, axis=1), 0.0)
        start = emit("full", 1, bins, 0.0, dtype="f64")
        running = emit("cumsum", emit("concatenate", start, parts, axis=0), axis=0)
        counts = emit("getitem", running, index=(-1,))
        if weights.type.dtype != "f64":
            counts = emit("astype", counts, dtype=weights.type.dtype)
    if density:
        widths = emit("subtract", emit("getitem", edges, index=(slice(1, None),)),
                      emit("getitem", edges, index=(slice(None, -1),)))
        counts = emit("divide", emit("divide", counts, widths), emit("sum", counts, axis=None))
    return counts, edges


FUNCTIONS = {"numpy.histogram": histogram}
