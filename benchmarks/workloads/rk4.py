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
from runtime import grad, kernel


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
