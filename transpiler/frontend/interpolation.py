"""`np.interp(x, xp, fp, left=None, right=None)`, composed from comparisons, gathers and arithmetic as NumPy's C
`arr_interp` (numpy/_core/src/multiarray/compiled_base.c) computes it, in float64 (NumPy converts all three):

* the interval of each x: `j` = how many of `xp` are <= x (NumPy's `searchsorted(xp, x, side='right')`, 0 for
  NaN), less one, which is what `binary_search_with_guess` finds in an increasing `xp`; x above `xp[-1]` gives `right` (default `fp[-1]`), below `xp[0]` `left` (default
  `fp[0]`), at `j == len(xp) - 1` `fp[-1]`, on a sample point (`xp[j] == x`) `fp[j]`, NaN itself (but `fp[0]`
  for a single sample point, as NumPy's branch for it gives);
* inside, `slope * (x - xp[j]) + fp[j]` with `slope = (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])`, and where that is
  NaN `slope * (x - xp[j+1]) + fp[j+1]`, and where that is NaN too and `fp[j] == fp[j+1]`, `fp[j]`;
* NumPy does not check that `xp` increases; where it does not, its answer is whatever its search (which starts
  from the previous x's interval) meets, so a run-time check raises a located ValueError there (NaN in `xp` too,
  but for NaNs last among at most 4 sample points, which NumPy's linear search reads as +inf, as `searchsorted`
  does, and a single sample point, which NumPy's own branch handles and this formula matches). NumPy's ValueErrors for an
  empty `xp` and for `fp` of another length are run-time checks; `period=` is refused.

Derivatives with respect to x, xp and fp come from the formula (a gather for fp and xp); on a sample point, the
right-hand interval's (where the two intervals' slopes differ it is a kink, and this is one of its one-sided
derivatives).
"""
from __future__ import annotations

from ..ir import Const
from .call_args import Emitter, arg, arity
from .running_sums import as_array


UNORDERED = ("{loc}: np.interp's xp is not increasing (or holds NaN, beyond NaNs last that NumPy's guessed search "
             "never reads before its bisection): NumPy's result is then whatever its search meets from the previous "
             "x's interval, which Lifted does not model")


def _float64(emit: Emitter, x):
    return x if x.type.dtype == "f64" else emit("astype", x, dtype="f64")


def interp(lowering, node, builder, positional, keywords):
    """`np.interp(x, xp, fp, left=None, right=None, period=None)`."""
    arity(lowering, node, "np.interp", positional, keywords, 3, 6, ("left", "right", "period"),
          hint="np.interp(x, xp, fp, left=None, right=None)")
    emit = Emitter(lowering, node, builder)
    period_value, period_node = arg(lowering, positional, keywords, 5, "period", node)
    if period_value is not None and not (isinstance(period_value, Const) and period_value.value is None):
        raise lowering.error(period_node, "np.interp's `period=` is not supported in kernels",
                             "np.interp(x % p, xp, fp) with xp sorted and padded by one period each side")
    x, xp, fp = (_float64(emit, as_array(lowering, node, builder, v)) for v in positional[:3])
    for name, a in (("xp", xp), ("fp", fp)):
        if a.type.rank != 1:
            raise emit.error(f"np.interp's `{name}` must be 1-D (NumPy raises ValueError for rank {a.type.rank})",
                             f"a 1-D `{name}`")
    n = emit.dims(xp)[0]
    emit("check_assert", emit("less", 0, n), message="array of sample points is empty", error="ValueError")
    emit("check_assert", emit("equal", emit.dims(fp)[0], n), message="fp and xp are not of the same length.",
         error="ValueError")
    if fp.type.shape != xp.type.shape:  # (lengths named apart, equal once checked)
        fp = emit("reshape", fp, n)
    ahead, behind = emit("getitem", xp, index=(slice(1, None),)), emit("getitem", xp, index=(slice(None, -1),))
    # (NaNs last, where np.sort puts them, are NumPy's +inf in the linear search it uses for up to 4 sample
    # points, which `searchsorted` matches; its guessed search from the previous x's interval for more reads them
    # as smaller than x at the guess and larger in its bisection: a value that depends on the previous x's)
    ordered = emit("all", emit("logical_or", emit("less_equal", behind, ahead), emit("isnan", ahead)), axis=None)
    linear = emit("logical_or", emit("less_equal", n, 4), emit("logical_not", emit("any", emit("isnan", xp),
                                                                                     axis=None)))
    exact = emit("logical_or", linear, _guesses_read_no_nan(emit, x, xp, n))
    emit("check_assert", emit("logical_and", ordered, exact), message=UNORDERED.format(loc=lowering.locate(node)),
         error="ValueError")
    bounds = []
    for index, key, default in ((3, "left", 0), (4, "right", -1)):
        value, _ = arg(lowering, positional, keywords, index, key, node)
        given = value is not None and not (isinstance(value, Const) and value.value is None)
        bounds.append(_float64(emit, as_array(lowering, node, builder, value)) if given else
                      emit("getitem", fp, index=(default,)))
    low_value, high_value = bounds

    last = emit("subtract", n, 1)
    # how many of the (checked increasing) xp are <= x: NumPy's searchsorted, which puts NaN last; NaN's count is 0
    at_or_below = emit("where", emit("isnan", x), 0, emit("searchsorted", xp, x, side="right"))
    j = emit("maximum", emit("subtract", at_or_below, 1), 0)
    here = emit("minimum", j, emit("maximum", emit("subtract", n, 2), 0))
    there = emit("minimum", emit("add", here, 1), last)

    def read(a, positions):
        args, index = lowering._index(a, [positions])
        return lowering._bind(builder, node, "getitem", args, {"index": tuple(index)})

    x_here, x_there, f_here, f_there = read(xp, here), read(xp, there), read(fp, here), read(fp, there)
    slope = emit("divide", emit("subtract", f_there, f_here), emit("subtract", x_there, x_here))
    forward = emit("add", emit("multiply", slope, emit("subtract", x, x_here)), f_here)
    backward = emit("add", emit("multiply", slope, emit("subtract", x, x_there)), f_there)
    inside = emit("where", emit("isnan", forward),
                  emit("where", emit("logical_and", emit("isnan", backward), emit("equal", f_here, f_there)),
                       f_here, backward), forward)
    # on a sample point NumPy's value is fp[j] itself; its derivative is the right-hand interval's (NumPy's
    # interval there), the one `forward` has: `stop_gradient(fp[j]) - (stop_gradient(forward) - forward)` is fp[j]
    # bit for bit (a finite `forward` less itself is +0.0, and -0.0 - +0.0 is -0.0) with `forward`'s derivative
    # only (the branch `fp[j]` had none in x, so d/dx was 0 on a sample point even where both slopes agree)
    on_point = emit("subtract", emit("stop_gradient", f_here),
                    emit("subtract", emit("stop_gradient", forward), forward))
    on_point = emit("where", emit("isfinite", forward), on_point, f_here)
    inside = emit("where", emit("equal", x_here, x), on_point, inside)
    inside = emit("where", emit("equal", j, last), emit("getitem", fp, index=(-1,)), inside)
    inside = emit("where", emit("less", x, emit("getitem", xp, index=(0,))), low_value, inside)
    inside = emit("where", emit("greater", x, emit("getitem", xp, index=(-1,))), high_value, inside)
    # (NaN itself, but for one sample point: NumPy's branch for it compares, and gives fp[0])
    result = emit("where", emit("logical_and", emit("isnan", x), emit("less", 1, n)), x, inside)
    if result.type.rank == 0:  # (NumPy's scalar for one x)
        return emit("getitem", result, index=())
    return result


def _guesses_read_no_nan(emit: Emitter, x, xp, n):
    """Whether NumPy's `binary_search_with_guess` meets no NaN of `xp` (NaNs last, F finite ones, more than 4 points)
    before its bisection, for every x: then each x's interval is `searchsorted`'s, as the formula takes it.

    By induction over the x (in C order, NaN x skipped: NumPy keeps the guess), the guess is the previous x's
    searchsorted interval `j` (0 at first), clamped to [1, len - 3]: the search compares `x < xp[g]`, then where not,
    `x < xp[g+1]` and `x < xp[g+2]`, each NaN read there as not above x (`searchsorted`: above); a NaN in its
    bisection or its cache tests is read as above x, as `searchsorted` does. x below `xp[0]` returns -1 first."""
    def read(a, positions):
        args, index = emit.lowering._index(a, [positions])
        return emit.lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})

    flat = emit("reshape", x, -1)
    size = emit.dims(flat)[0]
    finite = emit("sum", emit("logical_not", emit("isnan", xp)), axis=None)
    valid = emit("logical_not", emit("isnan", flat))
    j = emit("subtract", emit("searchsorted", xp, flat, side="right"), 1)
    positions = emit("arange", size)
    latest = emit("cummax", emit("where", valid, positions, -1), axis=0)  # the last non-NaN x up to each
    before = read(latest, emit("maximum", emit("subtract", positions, 1), 0))
    before = emit("where", emit("equal", positions, 0), -1, before)
    guess = emit("where", emit("less", before, 0), 0, read(j, emit("maximum", before, 0)))
    guess = emit("minimum", emit("maximum", guess, 1), emit("subtract", n, 3))
    last = emit("subtract", n, 1)  # (kept in range where len <= 4, whose linear search this is not)
    guess = emit("maximum", guess, 0)
    after = emit("minimum", emit("add", guess, 1), last)
    nan_at = lambda k: emit("less_equal", finite, k)  # noqa: E731  (xp[k] is NaN)
    past_first = emit("logical_and", emit("greater_equal", flat, read(xp, guess)),
                      emit("logical_or", nan_at(after),
                           emit("logical_and", emit("greater_equal", flat, read(xp, after)),
                                nan_at(emit("minimum", emit("add", guess, 2), last)))))
    searched = emit("logical_and", valid, emit("logical_not", emit("less", flat, emit("getitem", xp, index=(0,)))))
    bad = emit("logical_and", searched, emit("logical_or", nan_at(guess), past_first))
    return emit("logical_not", emit("any", bad, axis=None))


FUNCTIONS = {"numpy.interp": interp}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
