"""Hostile kernels (tests/hostile_corpus.py) for the C target's own code: special values in its functions, and
empty and size-one shapes in every kernel shape it emits."""
from __future__ import annotations

import numpy as np

from hostile_case import M, SPECIAL, X, case


# -- special values in the C target's own functions ---------------------------------------------------------------
case("nan_and_inf_in_reductions", [SPECIAL], 0)('''
@kernel
def f(x: "f64[n]"):
    return np.max(x), np.min(x), np.sum(x), np.max(x[1:]), np.min(x[2:]), np.prod(x[3:])
''')

case("nan_rows_and_columns", [np.array([[1.0, np.nan, 2.0], [-np.inf, 0.0, -1.0], [3.0, 4.0, np.inf]])], 0)('''
@kernel
def f(A: "f64[n,d]"):
    return np.max(A, axis=1), np.min(A, axis=0), np.max(A * 2.0, axis=0), np.argmax(A, axis=1)
''')

case("sign_abs_of_special_values", [SPECIAL], 0)('''
@kernel
def f(x: "f64[n]"):
    return np.sign(x), np.abs(x), np.maximum(x, -0.0), np.minimum(0.0, x), np.where(x == 0.0, -x, x)
''')

case("logsumexp_with_infinities", [np.array([-np.inf, -np.inf, -np.inf]), np.array([np.inf, 1.0, 0.0])])('''
from scipy.special import logsumexp


@kernel
def f(x: "f64[n]", y: "f64[n]"):
    return logsumexp(x), logsumexp(y), logsumexp(x + y)
''')

case("logsumexp_rows_with_minus_infinity", [np.array([[0.5, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf]])], 0)('''
from scipy.special import logsumexp


@kernel
def f(A: "f64[n,d]"):
    return logsumexp(A, axis=1), logsumexp(A, axis=0)
''')

case("hand_written_logsumexp_with_infinities", [np.array([-np.inf, -np.inf, -np.inf])], 0)('''
@kernel
def f(x: "f64[n]"):
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))
''')

case("powers_at_zero_and_negative_bases", [np.array([-0.0, 0.0, -2.0, 3.0, -1.0])], 0)('''
@kernel
def f(x: "f64[n]"):
    return x ** 2, x ** 3, x ** -1, x ** 0.5, x ** 0, x ** -2, x ** 1.5, (x * 1.0) ** 4
''')

case("power_gradients_at_zero", [np.array([0.0, 1.5, 2.0])])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(x ** 2 + x ** 3 + x ** 1.0 + x ** 4)
''')

case("integer_powers_and_division_in_the_c_target", [np.array([3, -7, 4, 0]), np.array([2, 3, -2, 5])], 0)('''
@kernel
def f(k: "i64[n]", m: "i64[n]"):
    return k ** 2, k // m, k % m, np.maximum(k, m), np.abs(k), -k, k * m - 1
''')

case("bool_logic", [X, np.array([True, False, True, True, False])])('''
@kernel
def f(x: "f64[n]", b: "bool[n]"):
    c = ~b & (x > 0.0) | (x < -1.0)
    return np.sum(c), np.where(c, x, -x), c, np.logical_xor(b, c)
''')

case("float32_mixed_with_float64", [X.astype(np.float32), X[::-1].copy()])('''
@kernel
def f(x: "f32[n]", y: "f64[n]") -> "f64[]":
    z = x * y
    w = x * 2.0
    return np.sum(z * w) + np.sum(x)
''')

case("float32_reductions_and_rows", [M.astype(np.float32)])('''
@kernel
def f(A: "f32[n,d]"):
    return np.sum(A, axis=1), np.max(A, axis=0), np.mean(A), np.prod(A, axis=1)
''')

# -- empty and size-one shapes in every kernel shape of the C target ------------------------------------------------
case("empty_matrix_everywhere", [np.zeros((0, 3)), np.ones(3)])('''
@kernel
def f(A: "f64[n,d]", w: "f64[d]"):
    z = A @ w
    return np.sum(A, axis=1), np.sum(A, axis=0), z * 2.0, np.max(A, axis=1), A.T @ z
''')

case("empty_rows_in_every_reduction", [np.zeros((3, 0))])('''
@kernel
def f(A: "f64[n,d]"):
    return np.sum(A, axis=1), np.prod(A * 2.0, axis=1), np.mean(A * A, axis=0), np.sum(A)
''')

case("gradient_through_an_empty_matrix", [np.zeros((0, 3)), np.ones(3)], 1)('''
@kernel
def f(A: "f64[n,d]", w: "f64[d]") -> "f64[]":
    return np.sum(np.tanh(A @ w)) + np.sum(w * w) + np.sum(A * w)
''')

case("one_by_one_matrix", [np.array([[1.5]]), np.array([0.5])])('''
@kernel
def f(A: "f64[n,d]", w: "f64[d]") -> "f64[]":
    r = np.max(A, axis=1)
    c = np.sum(A, axis=0)
    return np.sum(A @ w) * np.sum(r) + np.sum(c * w) + np.prod(A)
''')

case("static_short_rows_with_no_rows", [np.zeros((0, 3))])('''
@kernel
def f(A: "f64[n,3]"):
    return np.sum(A * A, axis=1), np.max(A, axis=1), np.sum(A, axis=0)
''')

case("static_short_rows_gradient", [M[:, :3].copy()])('''
@kernel
def f(A: "f64[n,3]") -> "f64[]":
    s = np.sum(A * A, axis=1)
    m = np.max(A, axis=1, keepdims=True)
    return np.sum(np.exp(A - m)) + np.sum(s * s)
''')

case("empty_mask_selection", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    sel = x[x > 100.0]
    y = x * 1.0
    y[x > 100.0] = 0.0
    return np.sum(sel) + np.sum(y * x) + np.sum(sel * sel)
''')

case("clip_with_crossed_bounds", [np.array([0.5, -0.5, 2.0]), np.array([1.0, 0.0, 3.0]), np.array([0.0, 1.0, 1.0])], 1)('''
@kernel
def f(x: "f64[n]", lo: "f64[n]", hi: "f64[n]") -> "f64[]":
    return np.sum(np.clip(x, lo, hi) * np.arange(1, 4))
''')

case("in_place_in_a_loop_over_a_view_of_a_parameter", [M])('''
@kernel
def f(A: "f64[n,d]") -> "f64[]":
    col = A[:, 1]
    for i in range(3):
        col[i + 1] += col[i] * A[i, 0]
    return np.sum(A * A)
''')

case("while_with_data_dependent_trips_in_place", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    i = 0
    while i < 5 and a[i] < 2.0:
        a[i] = a[i] + 1.5
        if a[i] < 0.0:
            i += 1
            continue
        a[i:] *= 0.9
        i += 1
    return np.sum(a * x)
''')

case("square_roots_of_negative_zero_and_minus_infinity", [np.array([-np.inf, -0.0, 4.0, np.inf, 0.0]), -0.0], 0)('''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    return x ** 0.5, (x * 1.0) ** 0.5 * 2.0, np.sqrt(x), s ** 0.5
''')
