"""A fixed-step RK4 integration of an elementwise logistic-growth ODE, d/d(y0, r) of the final sum of squares.

Needs loops in the kernel language (a `for` over range(steps)); every tool runs the same 50 steps.
"""
import numpy as np

NAME = "rk4"
TITLE = "RK4, 50 steps of y' = r y (1 - y) elementwise, d/d(y0, r) of sum(y_T^2)"
STEPS = 50
SIZES = [{"n": 10}, {"n": 1000}, {"n": 100_000}]
QUICK = [{"n": 10}, {"n": 1000}]
TINY = {"n": 4, "steps": 3}
WRT = (0, 1)


def label(size):
    return f"n={size['n']:.0e}".replace("e+0", "e")


def inputs(size, rng):
    n = size["n"]
    steps = size.get("steps", STEPS)
    return (rng.uniform(0.1, 0.9, size=n), rng.uniform(0.5, 1.5, size=n), np.float64(1.0 / steps), np.int64(steps))


LIFTED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(y0: "f64[n]", r: "f64[n]", h: "f64[]", steps: "i64[]") -> "f64[]":
    y = y0
    for i in range(steps):
        k1 = r * y * (1.0 - y)
        y2 = y + 0.5 * h * k1
        k2 = r * y2 * (1.0 - y2)
        y3 = y + 0.5 * h * k2
        k3 = r * y3 * (1.0 - y3)
        y4 = y + h * k3
        k4 = r * y4 * (1.0 - y4)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(y * y)


f_grad = grad(f, wrt=("y0", "r"))
'''


def _step(y, r, h):
    k1 = r * y * (1.0 - y)
    y2 = y + 0.5 * h * k1
    k2 = r * y2 * (1.0 - y2)
    y3 = y + 0.5 * h * k2
    k3 = r * y3 * (1.0 - y3)
    y4 = y + h * k3
    k4 = r * y4 * (1.0 - y4)
    return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def xp_f(xp, y0, r, h, steps):
    y = y0
    for _ in range(int(steps)):
        y = _step(y, r, h)
    return xp.sum(y * y)


def jax_f(jnp, y0, r, h, steps):
    """JAX keeps the loop rolled (lax.fori_loop) so compile time does not grow with the step count."""
    from jax import lax

    y = lax.fori_loop(0, steps, lambda i, y: _step(y, r, h), y0)
    return jnp.sum(y * y)


JAX_STATIC = (3,)  # `steps` is a Python int at trace time


def torch_f(torch, y0, r, h, steps):
    y = y0
    for _ in range(int(steps)):
        y = _step(y, r, h)
    return torch.sum(y * y)


def tangent_f(y0, r, h, steps):
    y = y0
    for i in range(steps):
        k1 = r * y * (1.0 - y)
        y2 = y + 0.5 * h * k1
        k2 = r * y2 * (1.0 - y2)
        y3 = y + 0.5 * h * k2
        k3 = r * y3 * (1.0 - y3)
        y4 = y + h * k3
        k4 = r * y4 * (1.0 - y4)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(y * y)


def numpy_grad(y0, r, h, steps):
    """The adjoint written by hand: a forward sweep that keeps each step's stage values, then the reverse."""
    stages = []
    y = y0
    for _ in range(int(steps)):
        k1 = r * y * (1.0 - y)
        y2 = y + 0.5 * h * k1
        k2 = r * y2 * (1.0 - y2)
        y3 = y + 0.5 * h * k2
        k3 = r * y3 * (1.0 - y3)
        y4 = y + h * k3
        k4 = r * y4 * (1.0 - y4)
        stages.append((y, y2, y3, y4))
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    g = 2.0 * y
    gr = np.zeros_like(r)
    for y, y2, y3, y4 in reversed(stages):
        gk1, gk2, gk3, gk4 = g * (h / 6.0), g * (h / 3.0), g * (h / 3.0), g * (h / 6.0)
        gy = g
        gy4 = gk4 * r * (1.0 - 2.0 * y4)
        gr += gk4 * y4 * (1.0 - y4)
        gy = gy + gy4
        gk3 = gk3 + gy4 * h
        gy3 = gk3 * r * (1.0 - 2.0 * y3)
        gr += gk3 * y3 * (1.0 - y3)
        gy = gy + gy3
        gk2 = gk2 + gy3 * (0.5 * h)
        gy2 = gk2 * r * (1.0 - 2.0 * y2)
        gr += gk2 * y2 * (1.0 - y2)
        gy = gy + gy2
        gk1 = gk1 + gy2 * (0.5 * h)
        g = gy + gk1 * r * (1.0 - 2.0 * y)
        gr += gk1 * y * (1.0 - y)
    return g, gr
