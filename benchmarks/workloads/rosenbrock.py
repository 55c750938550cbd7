"""The n-dimensional Rosenbrock function, vectorised with slices."""
import numpy as np

from .vectors import inputs, label  # noqa: F401  (one vector of n numbers)

NAME = "rosenbrock"
TITLE = "Rosenbrock function, sum of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2"
SIZES = [{"n": 100}, {"n": 10_000}, {"n": 1_000_000}]
QUICK = [{"n": 100}, {"n": 10_000}]
TINY = {"n": 6}
SCALING = [{"n": 10 ** e} for e in range(1, 8)]
WRT = (0,)


LIFTED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]") -> "f64[]":
    head = x[:-1]
    return np.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)


f_grad = grad(f, wrt=("x",))
'''


def xp_f(xp, x):
    head = x[:-1]
    return xp.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)


def torch_f(torch, x):
    head = x[:-1]
    return torch.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)


def tangent_f(x):
    head = x[:-1]
    return np.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)


def numpy_grad(x):
    head = x[:-1]
    r = x[1:] - head * head
    dx = np.zeros_like(x)
    dx[1:] = 200.0 * r
    dx[:-1] += -400.0 * r * head - 2.0 * (1.0 - head)
    return (dx,)
