"""`_quantile` of NumPy 2.4 (numpy/lib/_function_base_impl.py) computed at run time: q an array (NumPy's axis of
q first in the result) or a length known only at run time, for every method of its `_QuantileMethods` table,
the operations NumPy does in the dtypes it does them in:

* the sorted values with the reduced axis moved first (NumPy's `moveaxis(arr, axis, 0)`), read at integer
  positions (a gather: `s[positions]`, shape q.shape + the kept axes);
* the virtual index of the method (`(n - 1) * q` for 'linear'; `n * q + (alpha + q * (1 - alpha - beta)) - 1`
  for the continuous methods of Hyndman and Fan; floor, ceil and around of `(n - 1) * q` for 'lower', 'higher' and
  'nearest'; `_discrete_interpolation_to_boundaries` for 'inverted_cdf' and 'closest_observation'), n a weak
  Python int as NumPy's `values_count`;
* an integer index is the element itself (NumPy's `take`); otherwise `_get_indexes` (the floor and the next
  position, -1 at or past the last, 0 below the first), gamma `V - previous` computed in float64 (an intp index
  promotes) and cast back to V's dtype, fixed by the method ('midpoint', 'averaged_inverted_cdf'), and `_lerp`
  with gamma shaped q.shape + ones (or, for a weak Python q, NumPy's `float(gamma)`: rounded to a float32 input's
  dtype in the product);
* where a slice's last sorted value is NaN, that NaN.

The derivative with respect to q comes through gamma (the floor and the positions have none); with respect to the
data through the gathered sorted values (sort's stable permutation, as for a scalar q).
"""
from __future__ import annotations

from .call_args import Emitter

# Hyndman and Fan's (alpha, beta) of the continuous methods whose virtual index is `_compute_virtual_index`
_ALPHA_BETA = {"interpolated_inverted_cdf": (0, 1), "hazen": (0.5, 0.5), "weibull": (0, 0),
               "median_unbiased": (1 / 3.0, 1 / 3.0), "normal_unbiased": (3 / 8.0, 3 / 8.0)}
DISCRETE = ("inverted_cdf", "closest_observation", "lower", "higher", "nearest")


def _boundaries(emit: Emitter, index, closest: bool):
    """`_discrete_interpolation_to_boundaries`: the floor or the next position as gamma is 0 (and, for
    'closest_observation', the floor odd), as intp, negatives clipped to 0."""
    previous = emit("floor", index)
    following = emit("add", previous, 1)
    gamma = emit("subtract", index, previous)
    condition = emit("equal", gamma, 0)
    if closest:
        condition = emit("logical_and", condition, emit("equal", emit("mod", previous, 2), 1))
    chosen = emit("astype", emit("where", condition, previous, following), dtype="i64")
    return emit("where", emit("less", chosen, 0), 0, chosen)


def virtual_index(emit: Emitter, method: str, n, q):
    """NumPy's `get_virtual_index(n, q)` of `method`: an integer array for the discrete methods."""
    if method == "linear":
        return emit("multiply", emit("subtract", n, 1), q)
    if method in _ALPHA_BETA:
        alpha, beta = _ALPHA_BETA[method]
        shifted = emit("add", alpha, emit("multiply", q, 1 - alpha - beta))
        return emit("subtract", emit("add", emit("multiply", n, q), shifted), 1)
    if method in ("lower", "higher", "nearest"):
        scaled = emit("multiply", emit("subtract", n, 1), q)
        rounded = emit({"lower": "floor", "higher": "ceil", "nearest": "rint"}[method], scaled)
        return emit("astype", rounded, dtype="i64")
    if method == "midpoint":
        scaled = emit("multiply", emit("subtract", n, 1), q)
        return emit("multiply", 0.5, emit("add", emit("floor", scaled), emit("ceil", scaled)))
    if method == "averaged_inverted_cdf":
        return emit("subtract", emit("multiply", n, q), 1)
    if method == "inverted_cdf":
        return _boundaries(emit, emit("subtract", emit("multiply", n, q), 1), closest=False)
    if method == "closest_observation":
        return _boundaries(emit, emit("subtract", emit("subtract", emit("multiply", n, q), 1), 0.5), closest=True)
    raise AssertionError(method)


def _gamma(emit: Emitter, method: str, index, previous):
    """`_get_gamma`: `V - previous` (an intp `previous`: float64), fixed by the method, in V's dtype."""
    dtype = index.type.dtype
    wide = index if dtype == "f64" else emit("astype", index, dtype="f64")
    gamma = emit("subtract", wide, emit("astype", previous, dtype="f64"))
    if method == "midpoint":  # _get_gamma_mask(default 0.5, 0 where index % 1 == 0)
        gamma = emit("where", emit("equal", emit("mod", index, 1), 0), 0.0, 0.5)
    elif method == "averaged_inverted_cdf":  # _get_gamma_mask(default 1, 0.5 where gamma == 0)
        gamma = emit("where", emit("equal", gamma, 0), 0.5, 1.0)
    return gamma if dtype == "f64" else emit("astype", gamma, dtype=dtype)


def run_time_quantile(emit: Emitter, s, along: int, q, method: str, weak: bool, read):
    """`_quantile` of `s` (sorted along `along`) at q (an atom: an array, or a scalar; `weak` for a Python number);
    `read(t, positions)` reads `t` at integer positions along its first axis. The result has q's axes first."""
    rank = s.type.rank
    t = s if along == 0 else emit("transpose", s, axes=(along,) + tuple(a for a in range(rank) if a != along))
    n = emit.dims(s)[along]
    index = virtual_index(emit, method, n, q)
    if index.type.dtype in ("i32", "i64"):  # NumPy's take
        result = read(t, index)
    else:
        result = interpolate(emit, method, index, emit("subtract", n, 1), lambda p: read(t, p), weak,
                             s.type.dtype, 0 if weak else rank - 1)
    if s.type.dtype in ("f32", "f64"):  # slices whose last sorted value is NaN give that NaN
        last_value = read(t, -1)
        result = emit("where", emit("isnan", last_value), last_value, result)
    return result


def interpolate(emit: Emitter, method: str, index, last, read, weak: bool, dtype: str, expand: int):
    """`_get_indexes`, `_get_gamma` and `_lerp` at the virtual index `index`: `last` the last position (n - 1, one
    per slice or one for all), `read(positions)` the sorted values there (-1: the last), gamma given `expand`
    trailing axes of size 1 (NumPy's reshape to q.shape + ones), or, `weak`, NumPy's Python float."""
    previous = emit("floor", index)
    above, below = emit("greater_equal", index, last), emit("less", index, 0)
    following = emit("where", below, 0, emit("where", above, -1, emit("add", previous, 1)))
    previous = emit("where", below, 0, emit("where", above, -1, previous))
    previous, following = emit("astype", previous, dtype="i64"), emit("astype", following, dtype="i64")
    gamma = _gamma(emit, method, index, previous)
    a, b = read(previous), read(following)
    diff = emit("subtract", b, a)
    for _ in range(expand):  # gamma.reshape(q.shape + (1,) * (arr.ndim - 1))
        gamma = emit("expand_dims", gamma, axis=-1)
    rest, half = emit("subtract", 1, gamma), emit("greater_equal", gamma, 0.5)
    if weak and dtype == "f32":  # `float(gamma)`: a weak Python float, rounded to float32 in each product
        gamma, rest = emit("astype", gamma, dtype="f32"), emit("astype", rest, dtype="f32")
    return emit("where", half, emit("subtract", b, emit("multiply", diff, rest)),
                emit("add", a, emit("multiply", diff, gamma)))
