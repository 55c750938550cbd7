"""A corpus of real programs with control flow, their reverse-mode gradients against two oracles.

Together with tests/test_control_flow.py this is issue 3's corpus of (at least 40) control-flow programs with
checked gradients. Each program is a whole module (kernels, helpers, a `grad` declaration named `f_grad`);
its gradient is checked against central finite differences on every coordinate, and against autograd
running the untouched source on every array parameter. The programs that need a construct the language does
not have yet are at the end: they assert today's located error, and flip to gradient checks when it lands.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import assert_close, autograd_kernels, central_difference, load_source, random_inputs
from lifted.transpiler import TranspileError, transpile_source

HEADER = "import numpy as np\nfrom lifted import grad, kernel\n"


@dataclass(frozen=True)
class Program:
    source: str
    wrt: tuple[str, ...]
    inputs: Callable[[np.random.Generator], list] | None = None  # default: annotations, values in [0.5, 1.5]
    autograd: bool = True  # False where the source assigns into arrays, which autograd cannot trace

    def text(self) -> str:
        return HEADER + self.source + f"\nf_grad = grad(f, wrt={self.wrt!r})\n"


PROGRAMS = {
    # --- issue 3's named cases --------------------------------------------------------------------------
    "streaming_logsumexp_plus_equals_and_if": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    m = x[0] * y[0]
    s = 1.0
    for i in range(1, len(x)):
        z = x[i] * y[i]
        if z > m:
            s = s * np.exp(m - z) + 1.0
            m = z
        else:
            s += np.exp(z - m)
    return m + np.log(s)
''', ("x", "y"), lambda rng: [rng.normal(size=6), rng.normal(size=6)]),
    "sliding_window_slices_in_loop": Program('''
@kernel
def f(x: "f64[n]", w: "f64[k]"):
    total = 0.0
    for i in range(len(x) - 3):
        window = x[i:i + 3]
        total += np.sum(np.tanh(window * w[:3])) * w[3]
    return total
''', ("x", "w")),
    "prefix_slices_with_loop_bounds": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(1, len(x)):
        total = total + np.sum(x[:i] * y[len(x) - i:]) * y[i]
    return total
''', ("x", "y")),
    "while_trip_count_from_input_threshold": Program('''
@kernel
def f(x: "f64[n]", y: "f64[]"):
    total = 0.0
    i = 0
    while total < 2.0 and i < len(x):
        total = total + x[i] * x[i] * y
        i += 1
    return total * y + x[0]
''', ("x", "y"), lambda rng: [rng.uniform(0.5, 1.5, size=8), 0.8]),
    "while_halving_until_below": Program('''
@kernel
def f(x: "f64[]", y: "f64[]"):
    v = x * y
    steps = 0.0
    while v > 0.05:
        v = v * 0.5 + 0.001 * y
        steps = steps + 1.0
    return v * (steps + x)
''', ("x", "y"), lambda rng: [3.7, 1.3]),
    "rk4_damped_pendulum_100_steps": Program('''
@kernel
def accel(q: "f64[]", p: "f64[]", theta: "f64[k]"):
    return -theta[0] * np.sin(q) - theta[1] * p + theta[2] * np.cos(theta[3] * q)

@kernel
def f(state: "f64[m]", theta: "f64[k]"):
    h = 0.02
    q = state[0]
    p = state[1]
    for step in range(100):
        k1q = p
        k1p = accel(q, p, theta)
        k2q = p + 0.5 * h * k1p
        k2p = accel(q + 0.5 * h * k1q, p + 0.5 * h * k1p, theta)
        k3q = p + 0.5 * h * k2p
        k3p = accel(q + 0.5 * h * k2q, p + 0.5 * h * k2p, theta)
        k4q = p + h * k3p
        k4p = accel(q + h * k3q, p + h * k3p, theta)
        q = q + h / 6.0 * (k1q + 2.0 * k2q + 2.0 * k3q + k4q)
        p = p + h / 6.0 * (k1p + 2.0 * k2p + 2.0 * k3p + k4p)
    return q * q + 0.5 * p * p
''', ("state", "theta")),
    # --- loops ------------------------------------------------------------------------------------------
    "nested_loops_bilinear_form": Program('''
@kernel
def f(A: "f64[n,d]", u: "f64[n]", v: "f64[d]"):
    total = 0.0
    for i in range(A.shape[0]):
        row_total = 0.0
        for j in range(A.shape[1]):
            row_total += A[i, j] * v[j]
        total = total + u[i] * np.tanh(row_total)
    return total
''', ("A", "u", "v")),
    "triangular_nested_loops": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(len(x)):
        for j in range(i):
            total = total + np.sin(x[i] - y[j]) * x[j]
    return total
''', ("x", "y")),
    "logistic_loss_loop_over_rows": Program('''
@kernel
def f(X: "f64[n,d]", w: "f64[d]", b: "f64[]"):
    loss = 0.0
    sign = 1.0
    for row in X:
        z = row @ w + b
        loss = loss + np.log(1.0 + np.exp(-sign * z))
        sign = -sign
    return loss / X.shape[0]
''', ("X", "w", "b")),
    "rows_with_inner_range_and_slices": Program('''
@kernel
def f(X: "f64[n,h]", w: "f64[h]"):
    total = 0.0
    for row in X:
        for j in range(0, 6, 2):
            total = total + np.sum(row[j:j + 2] * w[j:j + 2]) ** 2
    return total
''', ("X", "w")),
    "cumulative_sum_via_loop": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    running = 0.0
    total = 0.0
    for i in range(len(x)):
        running = running + x[i]
        total += running * running * y[i]
    return total
''', ("x", "y")),
    "cumulative_product_vector_state": Program('''
@kernel
def f(X: "f64[n,d]", v: "f64[d]"):
    prod = np.ones(X.shape[1])
    acc = np.zeros(X.shape[1])
    for row in X:
        prod = prod * row
        acc = acc + prod * v
    return np.sum(acc * acc)
''', ("X", "v")),
    "horner_polynomial_over_coefficients": Program('''
@kernel
def f(c: "f64[h]", t: "f64[n]"):
    p = np.zeros_like(t)
    for coefficient in c:
        p = p * t + coefficient
    return np.sum(p * p)
''', ("c", "t")),
    "horner_with_range_and_index": Program('''
@kernel
def f(c: "f64[h]", t: "f64[]"):
    p = c[len(c) - 1]
    for i in range(len(c) - 2, -1, -1):
        p = p * t + c[i]
    return p
''', ("c", "t")),
    "euler_logistic_growth_ode": Program('''
@kernel
def f(u0: "f64[n]", r: "f64[n]"):
    u = u0
    h = 0.05
    for step in range(60):
        u = u + h * r * u * (1.0 - u)
    return np.sum(u)
''', ("u0", "r"), lambda rng: [rng.uniform(0.1, 0.5, 5), rng.uniform(0.5, 1.5, 5)]),
    "euler_lotka_volterra": Program('''
@kernel
def f(theta: "f64[k]", z0: "f64[m]"):
    a = z0[0]
    b = z0[1]
    for step in range(80):
        da = theta[0] * a - theta[1] * a * b
        db = theta[2] * a * b - theta[3] * b
        a = a + 0.01 * da
        b = b + 0.01 * db
    return a + 2.0 * b
''', ("theta", "z0")),
    "newton_sqrt_fixed_iterations": Program('''
@kernel
def f(a: "f64[n]"):
    r = a
    for k in range(6):
        r = 0.5 * (r + a / r)
    return np.sum(r * r * r)
''', ("a",)),
    "newton_sqrt_until_converged": Program('''
@kernel
def f(a: "f64[]", b: "f64[]"):
    target = a * a + b
    r = target
    count = 0
    while np.abs(r * r - target) > 1e-10 and count < 50:
        r = 0.5 * (r + target / r)
        count += 1
    return r * b
''', ("a", "b"), lambda rng: [1.7, 0.6]),
    "softmax_cross_entropy_loop_over_examples": Program('''
@kernel
def f(X: "f64[n,d]", W: "f64[d,k]", labels: "i64[n]"):
    loss = 0.0
    for i in range(X.shape[0]):
        z = X[i] @ W
        m = np.max(z)
        lse = m + np.log(np.sum(np.exp(z - m)))
        loss += lse - z[labels[i]]
    return loss / X.shape[0]
''', ("X", "W"), lambda rng: [rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.integers(0, 4, size=5)]),
    "power_iteration_rayleigh_quotient": Program('''
@kernel
def f(A: "f64[d,d]", v0: "f64[d]"):
    B = A @ A.T
    v = v0
    for k in range(15):
        w = B @ v
        v = w / np.sqrt(np.sum(w * w))
    return v @ (B @ v)
''', ("A", "v0")),
    "unrolled_gradient_descent_inner_loop": Program('''
@kernel
def f(target: "f64[n]", lr: "f64[]"):
    z = np.zeros_like(target)
    for k in range(20):
        g = 2.0 * (z - target) + 0.1 * np.sin(z)
        z = z - lr * g
    return np.sum(z * target)
''', ("target", "lr"), lambda rng: [rng.normal(size=5), 0.2]),
    "elman_rnn_over_sequence": Program('''
@kernel
def f(W: "f64[d,d]", U: "f64[d]", xs: "f64[h]"):
    state = np.zeros(W.shape[0])
    loss = 0.0
    for t in range(len(xs)):
        state = np.tanh(W @ state + U * xs[t])
        loss = loss + np.sum(state) * xs[t]
    return loss
''', ("W", "U", "xs")),
    "hmm_forward_algorithm_scaled": Program('''
@kernel
def f(T: "f64[k,k]", E: "f64[k,h]", obs: "i64[n]"):
    alpha = E[:, obs[0]] / T.shape[0]
    loglik = 0.0
    for t in range(1, len(obs)):
        alpha = (alpha @ T) * E[:, obs[t]]
        c = np.sum(alpha)
        loglik = loglik + np.log(c)
        alpha = alpha / c
    return loglik
''', ("T", "E"), lambda rng: [rng.uniform(0.1, 1.0, (4, 4)), rng.uniform(0.1, 1.0, (4, 6)),
                              rng.integers(0, 6, size=7)]),
    "exponential_moving_average_bias_corrected": Program('''
@kernel
def f(x: "f64[n]", beta: "f64[]"):
    m = 0.0
    power = 1.0
    total = 0.0
    for value in x:
        m = beta * m + (1.0 - beta) * value
        power = power * beta
        total = total + (m / (1.0 - power)) ** 2
    return total
''', ("x", "beta"), lambda rng: [rng.normal(size=5), 0.7]),
    # --- branches ---------------------------------------------------------------------------------------
    "piecewise_huber_per_element": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    loss = 0.0
    for i in range(len(x)):
        r = x[i] - y[i]
        if r > 1.0:
            loss = loss + r - 0.5
        elif r < -1.0:
            loss = loss - r - 0.5
        else:
            loss = loss + 0.5 * r * r
    return loss
''', ("x", "y"), lambda rng: [rng.normal(size=8) * 2.0, rng.normal(size=8)]),
    "piecewise_scalar_function": Program('''
@kernel
def f(x: "f64[]", y: "f64[n]"):
    t = x * np.sum(y)
    if t < -1.0:
        out = np.exp(t + 1.0)
    elif t < 0.5:
        out = 1.0 + t * (1.0 + t)
    elif t < 2.0:
        out = np.sin(t) + 2.0
    else:
        out = np.log(t) * t
    return out * np.sum(y * y)
''', ("x", "y")),
    "max_and_second_max_tracking": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    best = -1e9
    second = -1e9
    for i in range(len(x)):
        v = x[i] * y[i]
        if v > best:
            second = best
            best = v
        elif v > second:
            second = v
    return 2.0 * best + second
''', ("x", "y"), lambda rng: [rng.normal(size=7), rng.normal(size=7)]),
    "argmax_row_selection_by_score": Program('''
@kernel
def f(X: "f64[n,d]", w: "f64[d]"):
    best = 0
    best_score = X[0] @ w
    for i in range(1, X.shape[0]):
        score = X[i] @ w
        if score > best_score:
            best = i
            best_score = score
    return np.sum(np.tanh(X[best] * w)) + best_score
''', ("X", "w"), lambda rng: [rng.normal(size=(5, 3)), rng.normal(size=3)]),
    "conditional_expression_clamp_in_loop": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(len(x)):
        v = x[i] * y[i]
        total = total + (v if v < 0.8 else 0.8 + 0.1 * v)
    return total * total
''', ("x", "y"), lambda rng: [rng.normal(size=8), rng.normal(size=8)]),
    "branch_on_reduction_inside_while": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    v = x
    count = 0
    while count < 5:
        if np.sum(v * y) > 0.0:
            v = v * 0.8 - 0.1 * y
        else:
            v = np.tanh(v + y)
        count += 1
    return np.sum(v * v)
''', ("x", "y"), lambda rng: [rng.normal(size=5), rng.normal(size=5)]),
    "first_crossing_with_break": Program('''
@kernel
def f(x: "f64[n]", y: "f64[]"):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i] * y
        if total > 1.5:
            break
    return total * total
''', ("x", "y"), lambda rng: [rng.uniform(0.2, 0.9, size=8), 1.1]),
    "skip_negatives_with_continue": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(len(x)):
        if x[i] < 0.0:
            continue
        total = total + np.sqrt(x[i] * x[i] + y[i] * y[i])
    return total
''', ("x", "y"), lambda rng: [rng.normal(size=8), rng.normal(size=8)]),
    "early_returns_piecewise_top_level": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    s = np.sum(x * y)
    if s > 2.0:
        return s * s
    elif s > 0.0:
        return np.sin(s) + np.sum(y)
    t = np.tanh(x + y)
    return np.sum(t) * s
''', ("x", "y"), lambda rng: [rng.normal(size=5), rng.normal(size=5)]),
    "while_reads_element_at_taped_counter": Program('''
@kernel
def f(x: "f64[n]", y: "f64[]"):
    i = 0
    s = y
    while np.sin(x[i] * y) > -0.5 and i < 4:
        s = s * np.sin(x[i] * y) + x[i]
        i += 1
    return s
''', ("x", "y"), lambda rng: [np.array([0.3, 0.5, 0.9, 1.2, 0.4, 0.2]), 0.7]),
    # --- gathers and masks in loops ---------------------------------------------------------------------
    "gather_rows_in_loop": Program('''
@kernel
def f(E: "f64[n,d]", w: "f64[d]", idx: "i64[h]"):
    total = 0.0
    for j in range(3):
        picked = E[idx] @ w
        total = total + np.sum(np.tanh(picked) * (j + 1.0))
        w = w * 0.9 + 0.1 * np.mean(E[idx], axis=0)
    return total
''', ("E", "w"), lambda rng: [rng.normal(size=(5, 3)), rng.normal(size=3), np.array([0, 3, 3, 1, 4, 0])]),
    "mask_threshold_changes_per_iteration": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(4):
        level = -0.6 + 0.4 * i
        total = total + np.sum(x[y > level] ** 2) * (i + 1.0)
    return total
''', ("x",), lambda rng: [rng.normal(size=9), np.linspace(-1.0, 1.0, 9) + 0.05]),
    # --- assignment into arrays (autograd cannot trace it: finite differences only; tests/test_index_assignment
    # checks assignment through index arrays against autograd too) -----------------------------------------
    "rows_redone_in_reverse_then_array_updated": Program('''
@kernel
def f(X: "f64[n,d]", w: "f64[d]"):
    A = X * 1.0
    total = 0.0
    for i in range(len(w)):
        row = A[i]
        total = total + np.sum(np.tanh(row * w))
    A[1] = w * w
    A[:, 0] += total
    return total + np.sum(A * A)
''', ("X", "w"), lambda rng: [rng.normal(size=(5, 3)), rng.normal(size=3)], autograd=False),
    "scatter_in_either_branch_in_loop": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]", idx: "i64[k]"):
    a = x * 1.0
    s = 0.0
    for j in range(3):
        if np.sum(a) > 0.0:
            a[idx] = a[idx] * y[idx] + np.sin(a[idx])
        else:
            a[idx] += y[idx] * 0.5
        s = s + np.sum(np.tanh(a) * y)
    return s + np.sum(a * a)
''', ("x", "y"), lambda rng: [rng.normal(size=5), rng.uniform(0.5, 1.5, size=5), np.array([0, 3, 3, -1, 1])],
        autograd=False),
    "masked_and_scattered_updates_in_while": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]", idx: "i64[k]"):
    a = x * 1.0
    b = y * 1.0
    i = 0
    while i < 3 and np.sum(a * a) < 50.0:
        b = a * y
        a[idx] += b[idx] * a[idx]
        a[a > 0.1] = a[a > 0.1] * y[a > 0.1]
        i += 1
    return np.sum(np.sin(a)) + np.sum(b)
''', ("x", "y"), lambda rng: [rng.normal(size=5), rng.uniform(0.5, 1.5, size=5), np.array([0, 3, 3, -1, 1])],
        autograd=False),
    "scatter_through_index_array_in_loop": Program('''
@kernel
def f(x: "f64[n]", idx: "i64[k]"):
    out = np.zeros_like(x)
    for j in range(2):
        out[idx] = x[idx] * (j + 1.0)
    return np.sum(out * x)
''', ("x",), lambda rng: [rng.normal(size=5), np.array([4, 0, 4, 2])], autograd=False),
    "diagonal_update_inside_if_inside_loop": Program('''
@kernel
def f(S: "f64[n,n]", d: "f64[n]"):
    for i in range(len(d)):
        if d[i] > 0.0:
            S[i, i] += d[i] * S[i, 0]
    return np.sum(S * S)
''', ("S", "d"), lambda rng: [rng.normal(size=(5, 5)), rng.normal(size=5)], autograd=False),
    "prefix_sums_by_element_assignment": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    out = np.zeros_like(x)
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = out[i - 1] * y[i] + x[i]
    return np.sum(out * out)
''', ("x", "y"), autograd=False),
    "column_assignment_in_loop": Program('''
@kernel
def f(X: "f64[n,d]", w: "f64[d]"):
    Y = np.zeros_like(X)
    for j in range(X.shape[1]):
        Y[:, j] = np.tanh(X[:, j] * w[j]) + Y[:, j - 1] * 0.5
    return np.sum(Y * X)
''', ("X", "w"), autograd=False),
    # --- early return from inside loops ------------------------------------------------------------------
    "early_return_from_nested_loop": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(len(x)):
        for j in range(len(y)):
            total = total + x[i] * y[j]
            if total > 2.0:
                return total * x[i]
    return total
''', ("x", "y")),
    "early_return_from_while": Program('''
@kernel
def f(x: "f64[]", y: "f64[]"):
    v = x
    k = 0
    while k < 20:
        v = 0.5 * (v + y / v)
        if np.abs(v * v - y) < 1e-6:
            return v * x
        k += 1
    return -v
''', ("x", "y"), lambda rng: [2.3, 1.7]),
    # --- found by tests/test_property.py -------------------------------------------------------------------
    # Two values whose adjoints are the same array before a loop (both `x`): the loop's reverse sweep adds into
    # a copy of each, and the two copies must be two arrays (property seeds 391, 3397, 6234).
    "loop_accumulates_into_two_copies_of_one_adjoint": Program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    a = np.tanh(y)
    b = y * 2.0
    acc = 0.0
    for i in range(3):
        acc = acc + a[i] * b[i + 1]
    return np.sum(a * x) + np.sum(b * x) + acc
''', ("y",), lambda rng: [rng.normal(size=5), rng.normal(size=5)]),
    # `a + M` twice: both terms give `a` and `M` the same cotangents, so their sums are one expression; the
    # builder reuses the first sum for the second, which must then stay shared, never updated in place for `M`
    # alone (property seed 1114).
    "one_sum_is_the_adjoint_of_two_values": Program('''
@kernel
def f(M: "f64[n,d]"):
    a = M * 0.5
    v = (M / (1.0 + M * M)) / (1.0 + (a + M) * (a + M))
    return np.mean(v)
''', ("M",), lambda rng: [rng.normal(size=(5, 3))]),
}

# Programs that expose a bug today: xfail(strict) keeps the bug visible and flips to a failure once fixed.
KNOWN_BUGS: dict[str, str] = {}


def _inputs(program: Program, module, seed: int = 23) -> list:
    rng = np.random.default_rng(seed)
    return program.inputs(rng) if program.inputs else random_inputs(module.f, rng, positive=True)


def _copying(fn):
    """Call `fn` on copies: a kernel that assigns into an array parameter must not leak into the next call."""
    return lambda *args: fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name]))
                                  if name in KNOWN_BUGS else name for name in sorted(PROGRAMS)])
def test_program_gradients_match_finite_differences_and_autograd(name):
    program = PROGRAMS[name]
    text = program.text()
    module = load_source(text, f"{name}.py")
    oracle = autograd_kernels(text)["f"]  # plain NumPy on plain arrays: the untouched source, run as Python
    args = _inputs(program, module)
    primal = _copying(module.f)
    assert_close(primal(*args), _copying(oracle)(*args), rtol=1e-12, atol=1e-14, what=f"{name} primal")
    grads = _copying(module.f_grad)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    params = list(module.f.__code__.co_varnames[:module.f.__code__.co_argcount])
    assert len(grads) == len(program.wrt)
    for wrt, got in zip(program.wrt, grads):
        position = params.index(wrt)
        assert_close(got, central_difference(primal, args, position), rtol=1e-5, atol=1e-6,
                     what=f"{name} d/d{wrt} (FD)")
        if program.autograd:
            expected = autograd_grad(oracle, position)(*[np.asarray(a) if i == position else a
                                                         for i, a in enumerate(args)])
            assert_close(got, expected, rtol=1e-9, atol=1e-11, what=f"{name} d/d{wrt} (autograd)")


def test_corpus_and_control_flow_tests_reach_forty_programs():
    import test_control_flow

    # test_control_flow: its PROGRAMS table, plus the gather program and the 10,000-step tape program
    checked_here = len(PROGRAMS) - len(KNOWN_BUGS)
    assert checked_here + len(test_control_flow.PROGRAMS) + 2 >= 40


# --- Found by this corpus and tests/test_property.py: wrong gradients (strict xfail keeps them visible) --------
LOOP_CARRIED_USED_TWICE = '''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[n]", s: "f64[]"):
    acc = s
    for i in range(2):
        acc = acc * x[i] + acc
    return acc

f_grad = grad(f, wrt="x")
'''


def test_loop_carried_value_read_twice_in_one_statement():
    """Fixed: a read folded into a later expression counts there (backends/numpy `last_reads`), so the slot
    `dacc` is no longer assigned before `dx[i] += dacc * acc` reads it."""
    module = load_source(LOOP_CARRIED_USED_TWICE, "twice.py")
    x, s = np.array([0.5, 2.0, 3.0]), 1.0
    # d/dx0 = s * (1 + x1) = 3, d/dx1 = s * (1 + x0) = 1.5
    assert_close(module.f_grad(x, s), [3.0, 1.5, 0.0], what="dx")


def test_augmented_assignment_on_an_alias_agrees_with_python_or_is_refused():
    text = '''
import numpy as np
from lifted import kernel

@kernel
def f(x: "f64[n]"):
    a = x
    a += 1.0
    return np.sum(x)
'''
    try:
        module = load_source(text, "alias.py")
    except TranspileError as error:  # a located refusal is an acceptable fix
        assert error.loc.line == 8
        return
    python = autograd_kernels(text)["f"]
    assert module.f(np.zeros(3)) == python(np.zeros(3))  # Python: 3.0


EARLY_RETURN_READS_THE_INITIAL_VALUE = '''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[]", y: "f64[]"):
    v = x
    for k in range(3):
        v = v * y
        if v > 1.0:
            return v * x
    return -v

f_grad = grad(f, wrt=("x", "y"))
'''


def test_early_return_in_loop_keeps_the_path_through_the_initial_value():
    module = load_source(EARLY_RETURN_READS_THE_INITIAL_VALUE, "early.py")
    dx, dy = module.f_grad(0.6, 1.5)  # returns at k = 1: f = x * x * y * y
    assert_close(dy, 2 * 0.6 * 0.6 * 1.5, what="dy")
    assert_close(dx, 2 * 0.6 * 1.5 * 1.5, what="dx")  # 2.7; today 1.35


def test_len_in_while_condition_only():
    module = load_source('''
import numpy as np
from lifted import kernel

@kernel
def f(x: "f64[n]"):
    i = 0
    total = 0.0
    while i < len(x):
        total = total + x[i]
        i += 1
    return total
''', "len_while.py")
    assert_close(module.f(np.arange(4.0)), 6.0)


def test_gradient_of_a_kernel_that_assigns_into_a_parameter_leaves_the_argument_alone():
    program = PROGRAMS["diagonal_update_inside_if_inside_loop"]
    module = load_source(program.text(), "diagonal.py")
    S, d = np.zeros((3, 3)), np.ones(3)
    first = module.f_grad(S, d)
    assert_close(S, np.zeros((3, 3)), what="S after f_grad")
    for again, before in zip(module.f_grad(S, d), first):
        assert_close(again, before, what="second call")


# --- Issue 3's cases that need constructs not supported yet -------------------------------------------------
# Each asserts today's located error. When the construct lands, move the source into PROGRAMS (a gradient
# check) and delete it here. (`S[i, i] += d[i]` inside an if inside a loop, the early return from a nested
# loop and assignment through an index array started here and moved up when they landed.)
UNSUPPORTED: dict = {}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_control_flow_case_is_a_located_error(name):
    source, line, col, message = UNSUPPORTED[name]
    with pytest.raises(TranspileError) as info:
        transpile_source(HEADER + source + '\nf_grad = grad(f)\n', f"{name}.py")
    assert "not supported yet" in info.value.message
    assert message in info.value.message
    assert (info.value.loc.line, info.value.loc.col) == (line, col), info.value.loc
