"""Hand-written hostile kernels (issue #11): what the random generators do not write. Each entry is a kernel `f`
(source without imports or declarations), its arguments and the parameter differentiated; tests/hostile.py runs
it against Python, the NumPy backend, grad/jvp/vmap and the C CPU target. The cases live in parts by theme
(tests/hostile_corpus_*.py, imported here in the corpus's order) and below; CASES holds them all."""
from __future__ import annotations

import numpy as np

# the parts, in the corpus's order (importing one adds its cases to CASES)
import hostile_corpus_semantics
import hostile_corpus_c_target
import hostile_corpus_batches
from hostile_case import CASES, IDX, M, SPECIAL, TIES, X, case

__all__ = ["CASES", "IDX", "M", "PARTS", "SPECIAL", "TIES", "X", "case"]
PARTS = (hostile_corpus_semantics, hostile_corpus_c_target, hostile_corpus_batches)


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
