"""Hostile kernels (tests/hostile_corpus.py), NumPy's semantics at its corners: aliases and views through calls,
loops and ifs; empty and size-1 reductions; NaN, inf, -0.0 and ties; dtypes; gathers and scatters with
duplicates; data-dependent while loops; nested functions and defaults; overlapping reads and writes; the
edges of ranges and slices."""
from __future__ import annotations

import numpy as np

from hostile_case import IDX, M, SPECIAL, TIES, X, case


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
