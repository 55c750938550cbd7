"""`np.histogram(a, bins=<edges>, density=None)`: explicit bin edges, as NumPy 2.4's numpy/lib/_histograms_impl.py
counts with them (its non-uniform path): `bin_edges = np.asarray(bins)` (NumPy's ValueError, at run time, where they
do not increase; a count of edges known only at run time too), `cum_n` the sorted data's `searchsorted(edges[:-1], 'left')` and `searchsorted(edges[-1:],
'right')` (the elements below each edge, and at or below the last), `n = np.diff(cum_n)` (int64). Counting the
elements below an edge gives `searchsorted`'s positions without the sort: the comparisons in NumPy's common dtype of
the data and the edges (float32 data against float64 edges in float64, as searchsorted casts), a NaN in the data
never below an edge (NumPy sorts it last), a NaN edge after every number (`left`: the count of numbers, `right`:
of all elements). `range=` is ignored, as NumPy ignores it with edges; `density=True` is `n / db / n.sum()` with
`db = np.diff(edges)` as float64. The edges are returned as given (their derivative is theirs); the counts have none.
Refused, located: `weights=` with edges (NumPy sums them in the order of an unstable argsort of the data, which
equal values leave unspecified), edges that are not 1-d (NumPy's ValueError), boolean data or edges.
"""
from __future__ import annotations

from ..call_args import Emitter, given
from ..running_sums import as_array
from ..searching import search_dtypes


def histogram_with_edges(lowering, node, builder, a, bins_value, bins_node, weights_value, weights_node, density):
    """`(hist, bin_edges)` for `a` (flattened) and the edges `bins_value`."""
    emit = Emitter(lowering, node, builder)
    edges = as_array(lowering, node, builder, bins_value)
    if edges.type.rank == 0:  # NumPy reads a 0-d value as a number of bins: the counts' length at run time
        raise lowering.error(bins_node, "np.histogram's number of bins must be known at build time (a count known "
                             "only at run time gives counts and edges of a length known only at run time)",
                             "a number written in the kernel: np.histogram(a, 10), or an array of edges")
    if edges.type.rank != 1:
        raise lowering.error(bins_node, "np.histogram's bins as an array are 1-d: NumPy raises ValueError ('`bins` "
                             "must be 1d, when an array')", "bins=[0.0, 0.5, 1.0]")
    count = edges.type.shape[0]
    if count == 0:  # (NumPy's asarray([]): float64)
        return emit("zeros", 0, dtype="i64"), emit("zeros", 0, dtype="f64")
    if edges.type.dtype == "bool" or a.type.dtype == "bool":
        raise lowering.error(bins_node, "np.histogram with boolean data or edges is not supported in kernels (NumPy "
                             "converts boolean data to uint8, with a warning)", "a.astype(np.float64)")
    if given(weights_value):
        raise lowering.error(weights_node, "np.histogram's weights= with bin edges is not supported in kernels: NumPy "
                             "adds the weights in the order of an unstable argsort of the data (equal values in an "
                             "unspecified order, so the sum's rounding)", "a number of equal bins: bins=10")
    lower, upper = (emit("getitem", edges, index=(slice(None, -1),)), emit("getitem", edges, index=(slice(1, None),)))
    emit("check_assert", emit("logical_not", emit("any", emit("greater", lower, upper), axis=None)),
         message="`bins` must increase monotonically, when an array", error="ValueError")
    # NumPy's `_search_sorted_inclusive` of the sorted data (its blocks' integer counts add up to the whole's)
    data, searched = search_dtypes(emit, emit("sort", a, axis=0), edges)
    below = emit("searchsorted", data, emit("getitem", searched, index=(slice(None, -1),)), side="left")
    at_most = emit("searchsorted", data, emit("getitem", searched, index=(slice(-1, None),)), side="right")
    cum = emit("concatenate", below, at_most, axis=0)
    counts = emit("subtract", emit("getitem", cum, index=(slice(1, None),)),
                  emit("getitem", cum, index=(slice(None, -1),)))
    if density:
        widths = emit("subtract", upper, lower)
        widths = widths if widths.type.dtype == "f64" else emit("astype", widths, dtype="f64")
        counts = emit("divide", emit("divide", counts, widths), emit("sum", counts, axis=None))
    return counts, edges
