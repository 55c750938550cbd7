"""Hand-written hostile kernels (issue #11): what the random generators do not write. Each entry is a kernel `f`
(source without imports or declarations), its arguments and the parameter differentiated; tests/hostile.py runs
it against Python, the NumPy backend, grad/jvp/vmap and the C CPU target."""
from __future__ import annotations

import numpy as np

X = np.array([0.7, -1.3, 2.1, 0.4, -0.2])
M = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 0.3, 1.1], [0.9, -0.4, 0.6]])
TIES = np.array([1.0, 3.0, 3.0, -2.0, 3.0])
SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 2.0])
IDX = np.array([0, 2, 2, 4, 0, 0])

CASES: dict[str, tuple[str, list, int]] = {}


def case(name: str, args: list, wrt: int = 0):
    def register(source: str) -> str:
        CASES[name] = (source, args, wrt)
        return source
    return register


# -- aliases and views through calls, loops and ifs --------------------------------------------------------------
case("view_written_by_a_callee", [X])('''
@kernel
def bump(v: "f64[k]", c: "f64[]"):
    v += c
    v[0] = v[0] * c


@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    bump(a[1:4], x[0])
    return np.sum(a * a * x)
''')

case("view_returned_by_a_callee_then_written", [X])('''
@kernel
def tail(v: "f64[n]"):
    return v[2:]


@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 2.0
    t = tail(a)
    t *= x[0]
    t[0] = 5.0 * x[1]
    return np.sum(a * x)
''')

case("view_made_in_a_branch_written_in_a_loop", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    if x[0] > 0:
        v = a[::2]
    else:
        v = a[1::2]
    for i in range(2):
        v *= x[i]
    return np.sum(a * a)
''')

case("negative_step_view_augmented", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    r = a[::-1]
    r += x
    r[1:3] *= x[0]
    return np.sum(a * a * x)
''')

case("negative_step_slice_with_bounds", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    a[3:0:-2] += x[:2] * x[0]
    a[-1:-4:-1] -= 0.5 * x[1:4]
    return np.sum(a * a)
''')

case("strided_view_of_a_parameter_updated", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    v = x[::2]
    v *= 3.0
    v[-1] = x[1] * x[1]
    return np.sum(x * x) + np.sum(v)
''')

case("broadcast_augmented_into_a_row_view", [M, X[:3]], 0)('''
@kernel
def f(A: "f64[n,d]", w: "f64[d]") -> "f64[]":
    B = A * 1.0
    B[1:3] += w
    B[:, 1:] *= B[:, :1]
    B[0] -= B[-1]
    return np.sum(B * B)
''')

case("column_view_written_through_a_name", [M], 0)('''
@kernel
def f(A: "f64[n,d]") -> "f64[]":
    B = A * 1.0
    col = B[:, 1]
    col *= A[:, 0]
    col[1:] += col[:-1]
    return np.sum(B * A)
''')

case("overlapping_self_assignment", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    a[1:] = a[:-1]
    a[:-1] += a[1:]
    return np.sum(a * x)
''')

case("transpose_view_written", [M], 0)('''
@kernel
def f(A: "f64[n,d]") -> "f64[]":
    B = A * 2.0
    T = B.T
    T[0] += 1.0
    T[:, 1] *= A[1]
    return np.sum(B * A)
''')

case("alias_swapped_in_a_loop", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    b = x * 2.0
    for i in range(3):
        a, b = b, a
        a[i] += b[i] * x[i]
    return np.sum(a * b)
''')

# -- reductions: empty and size-1 axes, keepdims, negative axes ---------------------------------------------------
case("reductions_keepdims_negative_axes", [M], 0)('''
@kernel
def f(A: "f64[n,d]") -> "f64[]":
    s = np.sum(A, axis=-1, keepdims=True)
    m = np.max(A, axis=-2, keepdims=True)
    p = np.prod(A, axis=-1)
    q = np.mean(A * s, axis=(0, 1))
    return np.sum((A - s) * m) + np.sum(p) + q + np.sum(np.min(A, axis=-1, keepdims=True))
''')

case("size_one_axes", [M[:1], X[:1]], 0)('''
@kernel
def f(A: "f64[n,d]", v: "f64[m]") -> "f64[]":
    s = np.sum(A, axis=0)
    t = np.max(A, axis=0, keepdims=True)
    u = np.prod(v)
    return np.sum(s * t) + u * np.mean(A) + np.min(v)
''')

case("empty_sum_and_mean_of_rows", [np.zeros((0, 3))], 0)('''
@kernel
def f(A: "f64[n,d]") -> "f64[d]":
    return np.sum(A * A, axis=0) + 1.0
''')

case("empty_vector", [np.zeros(0)], 0)('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 2.0
    y[y > 0] = 0.0
    return np.sum(y * x) + np.prod(x)
''')

case("empty_rows_reduced_over_the_empty_axis", [np.zeros((3, 0))], 0)('''
@kernel
def f(A: "f64[n,d]") -> "f64[n]":
    return np.sum(np.exp(A), axis=1) + np.prod(A, axis=-1)
''')

# -- NaN, inf, -0.0 and ties -----------------------------------------------------------------------------------
case("max_min_with_ties_gradient", [TIES])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.max(x) * 2.0 + np.min(x * x) + np.sum(np.maximum(x, 3.0)) + np.sum(np.minimum(x, x[::-1]))
''')

case("special_values_through_max_min", [SPECIAL], 0)('''
@kernel
def f(x: "f64[n]") -> "f64[n]":
    return np.maximum(x, 0.0) + np.minimum(x, 1.0) * 0.5
''')

case("special_values_through_abs_sign_where", [SPECIAL], 0)('''
@kernel
def f(x: "f64[n]") -> "f64[n]":
    return np.where(x > 0.0, np.abs(x), np.sign(x)) + np.sign(x) * 0.0
''')

case("negative_zero_through_products", [np.array([-0.0, 0.0, -1.0, 2.0])], 0)('''
@kernel
def f(x: "f64[n]") -> "f64[n]":
    y = x * 1.0
    y[0] = -0.0
    return y * -1.0 + np.abs(y) * 0.0 - y
''')

case("nan_reductions", [SPECIAL], 0)('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.max(x)
''')

case("abs_sign_derivative_at_zero", [np.array([0.0, -0.0, 1.5, -2.0])])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(np.abs(x) * np.sign(x + 1.0)) + np.sum(np.maximum(x, 0.0))
''')

# -- dtypes ----------------------------------------------------------------------------------------------------
case("integer_bool_mixing", [X, np.array([1, -2, 3, 0, 2]), np.array([True, False, True, True, False])])('''
@kernel
def f(x: "f64[n]", k: "i64[n]", b: "bool[n]") -> "f64[]":
    y = x * k + b
    z = k // 2 + b * 3
    w = np.where(b, x, k)
    return np.sum(y * z) + np.sum(w * x) + np.sum(k * b) + np.sum(b)
''')

case("integer_result_and_true_division", [np.array([3, -7, 4]), 2], 0)('''
@kernel
def f(k: "i64[n]", m: "i64[]"):
    return k // m, k % m, k / m, -k // m, k ** 2
''')

case("float32_annotations", [X.astype(np.float32), np.float32(0.5)])('''
@kernel
def f(x: "f32[n]", c: "f32[]") -> "f32[]":
    y = x * c + 1.0
    return np.sum(y * y) / 3.0
''')

case("bool_sum_and_mean", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    count = np.sum(x > 0.0)
    frac = np.mean(x > 0.0)
    return np.sum(x) * count + frac * np.sum(x * x)
''')

# -- gathers, scatters with duplicates ---------------------------------------------------------------------------
case("duplicate_index_gather", [X, IDX])('''
@kernel
def f(x: "f64[n]", idx: "i64[k]") -> "f64[]":
    g = x[idx]
    return np.sum(g * g * x[idx[::-1]])
''')

case("duplicate_index_scatter_add_and_assign", [X, IDX])('''
@kernel
def f(x: "f64[n]", idx: "i64[k]") -> "f64[]":
    a = x * 1.0
    a[idx] += x[idx] * 2.0
    b = x * 1.0
    b[idx] = x[idx[::-1]]
    return np.sum(a * b)
''')

case("np_add_at_duplicates", [X, IDX])('''
@kernel
def f(x: "f64[n]", idx: "i64[k]") -> "f64[]":
    a = np.zeros(x.shape[0])
    np.add.at(a, idx, x[idx] * x[idx])
    return np.sum(a * x)
''')

case("negative_indices_gather_and_scatter", [X, np.array([-1, -5, 2, -1])])('''
@kernel
def f(x: "f64[n]", idx: "i64[k]") -> "f64[]":
    a = x * 1.0
    a[idx] -= x[idx]
    return np.sum(a * x[idx][0]) + np.sum(x[idx] ** 2)
''')

case("matrix_row_gather_with_duplicates", [M, np.array([3, 0, 3, 1])], 0)('''
@kernel
def f(A: "f64[n,d]", idx: "i64[k]") -> "f64[]":
    B = A * 1.0
    B[idx] += A[idx] * 2.0
    return np.sum(B[idx, 1] * B[:, 0][idx])
''')

# -- while loops with data-dependent trips, break, continue -----------------------------------------------------
case("while_data_dependent_trip_count", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    t = 0.0
    i = 0
    while np.sum(y * y) < 50.0 and i < 20:
        y = y * 1.3 + 0.1
        i += 1
        if np.max(y) > 4.0:
            break
        t = t + np.sum(y)
    return t + np.sum(y) * i
''')

case("for_with_continue_and_break_on_data", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    acc = 0.0
    y = x * 1.0
    for i in range(5):
        if x[i] < 0:
            continue
        y[i] = y[i] * acc + 1.0
        acc = acc + x[i] * y[i]
        if acc > 3.0:
            break
    return acc + np.sum(y * x)
''')

case("while_that_never_runs", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 2.0
    while np.sum(y) > 1e9:
        y = y * 0.5
    return np.sum(y * y)
''')

case("loop_variable_after_break", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    s = 0.0
    for i in range(5):
        s = s + x[i] * x[i]
        if s > 1.0:
            break
    return s * i + x[i]
''')

# -- nested functions, defaults ----------------------------------------------------------------------------------
case("nested_calls_with_defaults", [X])('''
@kernel
def scale(v: "f64[n]", c: "f64[]" = 2.0, shift: "f64[]" = -1.0):
    return v * c + shift


@kernel
def twice(v: "f64[n]", c: "f64[]" = 0.5):
    return scale(scale(v, c), shift=c)


@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(twice(x) * scale(x)) + np.sum(twice(x, 3.0))
''')

case("closure_reading_an_updated_array", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0

    def h(v):
        return v * a[0]

    first = h(x)
    a[0] = x[1] * 3.0
    second = h(x)
    return np.sum(first * second)
''')

# -- reductions of views and misc ------------------------------------------------------------------------------
case("cumsum_of_a_reversed_view", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    c = np.cumsum(x[::-1])
    c[1:] *= x[:-1]
    return np.sum(c * c)
''')

case("power_with_negative_base_and_integer_exponents", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(x ** 3 + x ** 2.0 + (x * x) ** 0.5 + np.abs(x) ** -1.5)
''')

case("clip_at_its_bounds", [np.array([-1.0, 1.0, 0.5, 2.0, -3.0])])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(np.clip(x, -1.0, 1.0) * x)
''')

case("where_with_nan_in_the_untaken_branch", [np.array([-1.0, 0.0, 4.0, 2.0])])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    safe = np.where(x > 0.0, x, 1.0)
    return np.sum(np.where(x > 0.0, np.sqrt(safe), 0.0))
''')

# -- overlapping reads and writes: NumPy buffers the right-hand side ---------------------------------------------
case("augmented_with_its_own_reversal", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    a += a[::-1]
    a[1:] += a[:-1]
    a[:-1] *= a[1:]
    return np.sum(a * x)
''')

case("chained_views_written", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    v = a[::-1][1:4]
    v[::2] *= x[0]
    w = v[1:]
    w += 1.0
    return np.sum(a * a)
''')

case("callee_writes_into_a_view_of_a_parameter", [X])('''
@kernel
def scale_in_place(v: "f64[k]", c: "f64[]"):
    v *= c


@kernel
def f(x: "f64[n]") -> "f64[]":
    scale_in_place(x[1:3], x[0])
    scale_in_place(x[::-2], 0.5)
    return np.sum(x * x)
''')

# -- ranges and slices at their edges -------------------------------------------------------------------------------
case("negative_step_range_and_out_of_bounds_slices", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    t = 0.0
    for i in range(4, -1, -2):
        t = t + x[i] * x[-i - 1]
    return t + np.sum(x[3:100]) + np.sum(x[10:]) * 2.0 + np.sum(x[-100:2] * x[-0])
''')

case("loop_over_zero_trips_keeps_the_values", [X, 0])('''
@kernel
def f(x: "f64[n]", k: "i64[]") -> "f64[]":
    y = x * 2.0
    for i in range(k):
        y = y * x
        y[i] = 0.0
    return np.sum(y)
''')

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

# -- batch 3: bool arithmetic, weak scalars, signed zeros in reductions ---------------------------------------------
case("bool_plus_bool_is_or", [X, np.array([True, False, True, False, False])])('''
@kernel
def f(x: "f64[n]", b: "bool[n]"):
    c = x > 0.0
    return np.sum(b + c), np.sum(b * c), b + c, np.sum((b + c) * x), np.mean(b * 1)
''')

case("float32_times_a_numpy_float64_scalar", [X.astype(np.float32), np.float64(0.5)])('''
@kernel
def f(x: "f32[n]", s: "f64[]"):
    return x * s, np.sum(x * s)
''')

case("negative_zeros_in_reductions", [np.array([[-0.0, -0.0], [-0.0, 1.0], [-0.0, -0.0]])], 0)('''
@kernel
def f(A: "f64[n,d]"):
    return np.sum(A), np.sum(A, axis=1), np.sum(A, axis=0), np.mean(A, axis=1), np.cumsum(A[:, 0]), np.max(A, axis=1)
''')

case("negative_zeros_in_vector_reductions", [np.array([-0.0, -0.0, -0.0])], 0)('''
@kernel
def f(x: "f64[n]"):
    return np.sum(x), np.mean(x), np.min(x), np.sum(x * 2.0), np.prod(-x), np.sum(x[1:])
''')

case("integer_mean_and_keepdims_everywhere", [np.array([[1, 2, 3], [4, 5, 7]])], 0)('''
@kernel
def f(k: "i64[n,d]"):
    return np.mean(k), np.mean(k, axis=0), np.sum(k, keepdims=True), np.max(k, axis=-1, keepdims=True), np.prod(k)
''')

case("int32_and_int64_mixing", [np.array([1, -2, 3], dtype=np.int32), np.array([4, 5, -6])], 0)('''
@kernel
def f(a: "i32[n]", b: "i64[n]"):
    return a * b, a + 1, a * 2.5, a // 2, np.sum(a), a * a
''')

case("while_with_break_in_nested_for", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    t = 0.0
    k = 0
    while k < 4:
        for j in range(5):
            if x[j] * k > 1.0:
                break
            t = t + x[j] * np.sin(t + k)
        k += 1
    return t
''')

case("scatter_assign_in_a_loop_with_duplicates", [X, IDX])('''
@kernel
def f(x: "f64[n]", idx: "i64[k]") -> "f64[]":
    a = x * 1.0
    for i in range(3):
        a[idx] = a[idx[::-1]] * x[i]
        a[idx[i]] += a[idx[i + 1]]
    return np.sum(a * x)
''')

case("mask_write_then_read_through_alias_in_branch", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    b = a
    if np.sum(x) > 0.0:
        a[a < 0.0] = 0.0
    else:
        b[b > 0.0] *= 2.0
    return np.sum(b * x) + np.sum(a)
''')

case("gather_of_a_view_after_write", [M, np.array([2, 0, 2])])('''
@kernel
def f(A: "f64[n,d]", idx: "i64[k]") -> "f64[]":
    B = A * 1.0
    row = B[1]
    row[idx] += A[0, idx]
    col = B[:, 2]
    col[idx] = col[idx] * 2.0
    return np.sum(B * A)
''')

# -- batch 4: control flow that differs between the examples of a vmap ---------------------------------------------
case("early_return_in_a_while_per_example", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    i = 0
    while i < 10:
        y = np.tanh(y) * 1.7 + 0.3
        if np.sum(y) > 4.0 + x[0]:
            return np.sum(y * x) + i
        i += 1
    return -np.sum(y)
''')

case("in_place_write_at_a_data_dependent_position", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    j = 0
    for i in range(5):
        if x[i] > x[j]:
            j = i
    a[j] = a[j] * a[j]
    a[j:] += 1.0
    return np.sum(a * x)
''')

case("break_then_write_through_a_row_view", [M])('''
@kernel
def f(A: "f64[n,d]") -> "f64[]":
    B = A * 1.0
    for row in B:
        if np.sum(row) > 1.0:
            row *= 0.5
            break
        row[0] = row[1] - row[2]
    return np.sum(B * B)
''')

case("continue_skips_an_in_place_update", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    for i in range(5):
        if a[i] < 0.0:
            continue
        a[i:] = a[i:] * 0.5 + x[i]
    return np.sum(a * a)
''')

# -- batch 5: calls sharing arrays, whole-array overlapping writes, literal index lists ------------------------------
case("callee_gets_the_same_array_twice", [X])('''
@kernel
def mix(a: "f64[n]", b: "f64[n]"):
    a += b
    a[0] = b[1] * 3.0
    return a * b


@kernel
def f(x: "f64[n]") -> "f64[]":
    v = x * 1.0
    w = mix(v, v)
    return np.sum(w * x) + np.sum(v)
''')

case("write_through_a_view_a_callee_returned_of_a_parameter", [X])('''
@kernel
def tail(v: "f64[n]"):
    return v[2:]


@kernel
def f(x: "f64[n]") -> "f64[]":
    t = tail(x)
    t *= x[0]
    return np.sum(x * x)
''')

case("callee_writes_into_a_slice_and_returns", [X])('''
@kernel
def bump(v: "f64[k]", c: "f64[]"):
    v += c
    v[0] = v[0] * c
    return c


@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    bump(a[1:4], x[0])
    bump(a[::-2], x[1])
    return np.sum(a * a * x)
''')

case("whole_array_reversed_assignment", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    a[:] = a[::-1]
    a[...] += a[::-1] * x
    return np.sum(a * x)
''')

case("literal_index_list_with_repeats", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    a[[0, 0, 2]] += x[[1, 2, 3]]
    a[[-1, 1]] = a[[1, -1]]
    return np.sum(a * x)
''')

case("new_axes_ellipsis_and_transposed_vectors", [M, X[:3]], 0)('''
@kernel
def f(A: "f64[n,d]", w: "f64[d]") -> "f64[]":
    B = A[:, None, :] * w[None, None, :]
    c = A[..., 0] * A[..., -1]
    return np.sum(B * B) + np.sum(c) + np.sum(w.T * A[None][0])
''')


# -- Tangent's corpus (tests/functions.py): lists where NumPy takes an array ------------------------------------------
case("reduction_of_a_list_of_numbers_and_scalars", [1.5])('''
@kernel
def f(a: "f64[]") -> "f64[]":
    b = [1, a * a, 2]
    return np.sum(b) + np.mean((a, 3.0)) * np.prod([a, a, 0.5])
''')

case("reduction_of_a_list_of_arrays_over_an_axis", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    rows = [x, x * x, np.tanh(x)]
    return np.sum(np.max(rows, axis=0)) + np.sum(np.sum(rows, 1) * np.array([1.0, -2.0, 0.5]))
''')

case("ufunc_of_lists", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    pair = np.maximum([x[0], x[1] * x[2]], [0.25, x[3]])
    return np.sum(np.exp([x[4], 1.0]) * pair)
''')


# -- rank-0 values updated in place, Python ints past a dtype's range (tests/test_hostile_ints.py) -----------------
case("rank_0_parameter_accumulated_in_a_loop", [X, 0.5])('''
@kernel
def f(x: "f64[n]", s: "f64[]") -> "f64[]":
    for i in range(len(x)):
        s += x[i] * x[i]
    return s
''')

case("zero_d_view_read_before_its_array_changes", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    v = y[0, ...]
    w = v * 2.0
    y[0] = 5.0
    return np.sum(y * x) + w
''')

case("reduction_alias_then_augmented", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    s = np.sum(x * x)
    t = s
    s += 1.0
    return t * s
''')

case("python_ints_past_int32_meet_floats", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    big = np.sum(x < 2**40) + np.sum(x * 1e-12 >= -2**31 - 1)
    return np.sum(x * 2**40 * 1e-12) + big * np.sum(x)
''')

# -- second round (hostile2): rank-0 parameters aliased, 0-d arrays, masks written twice, zeros in products -----
case("rank_0_parameter_aliased_in_a_tuple_then_updated", [X, np.float64(1.5)])('''
@kernel
def f(x: "f64[n]", a: "f64[]") -> "f64[]":
    b = a
    a += np.sum(x)
    t = (a, b)
    a *= 2.0
    return np.sum(x * t[1]) + t[0] * b + a
''')

case("zero_d_float32_array_accumulated", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    u = np.zeros((), np.float32)
    for i in range(len(x)):
        u += x[i] * x[i]
    return np.sum(x * u)
''')

case("mask_written_twice_through_a_column", [X, X[::-1].copy()])('''
@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    b = np.zeros((len(x), 2))
    b[:, 0][x > 0] = 2.0 * y[x > 0] * x[x > 0]
    return np.sum(b * b) + np.sum(b[:, 0][x > 0])
''')

case("product_with_zeros_gradient", [np.array([0.0, 2.0, 0.0, 3.0])])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.prod(x) + np.prod(x[1:] * 2.0)
''')

case("while_updates_its_minimum_until_a_bound", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    k = 0
    while np.max(a) < 5.0 and k < 20:
        a[np.argmin(a)] += 1.0
        k += 1
    return np.sum(a * x)
''')

case("cancelling_float32_sum", [np.array([-1.93, -1.91, 0.51, 1.79, 1.55], np.float32)])('''
@kernel
def f(a: "f32[n]") -> "f32[]":
    return np.sum(a * 1.0) - np.sum(a[::-1]) * 0.5
''')

case("zero_d_array_merged_then_aliased", [X])('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    u = np.zeros(())
    if x[0] > 0:
        u = np.ones(())
    v = u
    u += 1.0
    return np.sum(x * v)
''')
