"""Hostile kernels (tests/hostile_corpus.py), batches 3 to 5: bool arithmetic, weak scalars, signed zeros in
reductions; control flow that differs between the examples of a vmap; calls sharing arrays, whole-array
overlapping writes, literal index lists; Tangent's lists where NumPy takes an array."""
from __future__ import annotations

import numpy as np

from hostile_case import IDX, M, X, case


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
