"""Second derivatives of kernels with loops: through the tapes of the reverse sweep.

Forward over reverse (`jvp(grad(f))`, `hessian(f)`: tangents travel on their own tapes) and reverse over reverse
(`grad` of a kernel that calls `grad(f)`, `grad(grad(f))`: cotangents of popped values go onto adjoint tapes),
for `for` and `while` loops, branches inside loops, nested loops and in-place updates in loops; checked against
autograd's Hessian of the same computation and central finite differences of the generated gradient.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from gradcheck import load_source

EPS = 1e-6

# name -> (kernel body over x: "f64[n]", the same in autograd)
PROGRAMS = {
    "for_scalar_slot": ('''
    s = 0.0
    for i in range(len(x)):
        s = s + np.sin(x[i]) * s + x[i] * x[i] * x[i]
    return s
''', lambda x: _fold(lambda s, xi: s + anp.sin(xi) * s + xi ** 3, x, 0.0)),
    "while_vector": ('''
    y = x
    k = 0
    while k < 3:
        y = np.tanh(y * 1.5) + 0.1 * y
        k = k + 1
    return np.sum(y * y)
''', lambda x: anp.sum(_repeat(lambda y: anp.tanh(y * 1.5) + 0.1 * y, x, 3) ** 2)),
    "branch_in_loop": ('''
    s = 1.0
    for i in range(len(x)):
        if x[i] > 0.0:
            s = s + np.exp(-x[i]) * x[i] * s
        else:
            s = s * np.cos(x[i]) + x[i] * x[i]
    return s
''', lambda x: _fold(lambda s, xi: s + anp.exp(-xi) * xi * s if xi > 0 else s * anp.cos(xi) + xi * xi, x, 1.0)),
    "nested_loops": ('''
    y = x
    for k in range(3):
        for j in range(2):
            y = y + 0.1 * np.sin(y) * y
    return np.sum(y * y * y)
''', lambda x: anp.sum(_repeat(lambda y: y + 0.1 * anp.sin(y) * y, x, 6) ** 3)),
    "loop_over_rows": ('''
    s = 0.0
    for row in np.reshape(x, (2, 2)):
        s = s + np.sum(np.exp(row * s)) * np.sum(row)
    return s
''', lambda x: _fold(lambda s, row: s + anp.sum(anp.exp(row * s)) * anp.sum(row), anp.reshape(x, (2, 2)), 0.0)),
    "in_place_update_in_loop": ('''
    y = x * 1.0
    for i in range(1, 4):
        y[i] = y[i - 1] * np.sin(x[i]) + y[i]
    return np.sum(y * y)
''', lambda x: anp.sum(anp.stack(_prefix(x)) ** 2)),
}


def _prefix(x):
    ys = [x[0]]
    for i in range(1, 4):
        ys.append(ys[-1] * anp.sin(x[i]) + x[i])
    return ys


def _fold(step, xs, init):
    s = init
    for item in xs:
        s = step(s, item)
    return s


def _repeat(step, y, times):
    for _ in range(times):
        y = step(y)
    return y


def _source(body: str) -> str:
    return f'''
import numpy as np
from lifted import grad, hessian, jvp, kernel


@kernel
def f(x: "f64[4]") -> "f64[]":{body}

g = grad(f)
hvp_fr = jvp(grad(f))
h = hessian(f)


@kernel
def directional(x: "f64[4]", v: "f64[4]") -> "f64[]":
    return np.sum(g(x) * v)


hvp_rr = grad(directional)
'''


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_second_derivatives_through_loop_tapes(name):
    body, reference = PROGRAMS[name]
    m = load_source(_source(body), f"{name}.py")
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.8, 0.8, size=4)
    v = rng.normal(size=4)
    want = autograd.hessian(reference)(x)
    np.testing.assert_allclose(m.g(x), autograd.grad(reference)(x), rtol=1e-10, atol=1e-12)
    fd = np.stack([(m.g(x + EPS * e) - m.g(x - EPS * e)) / (2 * EPS) for e in np.eye(4)], axis=1)
    for got, what in ((m.h(x), "hessian"), (m.hvp_fr(x, v)[1], "jvp(grad)"), (m.hvp_rr(x, v), "grad(<grad, v>)")):
        expected = want if what == "hessian" else want @ v
        from_fd = fd if what == "hessian" else fd @ v
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11, err_msg=f"{name} {what} vs autograd")
        np.testing.assert_allclose(got, from_fd, rtol=1e-5, atol=1e-7, err_msg=f"{name} {what} vs FD")


def test_grad_of_grad_of_a_scalar_loop():
    m = load_source('''
import numpy as np
from lifted import grad, kernel


@kernel
def p(a: "f64[]") -> "f64[]":
    y = a
    for k in range(4):
        y = np.sin(y) * a + y
    return y


dp = grad(p)
ddp = grad(grad(p))
''', "scalar_loop.py")

    def reference(a):
        return _repeat(lambda y: anp.sin(y) * a + y, a, 4)

    for a in (0.3, -1.1):
        want = autograd.grad(autograd.grad(reference))(a)
        assert m.ddp(a) == pytest.approx(want, rel=1e-10)
        assert m.ddp(a) == pytest.approx((m.dp(a + EPS) - m.dp(a - EPS)) / (2 * EPS), rel=1e-6)
