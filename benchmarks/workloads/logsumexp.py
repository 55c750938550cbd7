"""LogSumExp of a vector, written from its primitives (max, exp, sum, log) as GradBench's `lse` asks."""
import numpy as np

from .vectors import inputs, label  # noqa: F401  (one vector of n numbers)

NAME = "logsumexp"
TITLE = "log-sum-exp of a vector, max-shifted for stability"
SIZES = [{"n": 100}, {"n": 10_000}, {"n": 1_000_000}]
QUICK = [{"n": 100}, {"n": 10_000}]
TINY = {"n": 7}
SCALING = [{"n": 10 ** e} for e in range(1, 8)]
WRT = (0,)


LIFTED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]") -> "f64[]":
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


f_grad = grad(f, wrt=("x",))
'''


def xp_f(xp, x):
    a = xp.max(x)
    return a + xp.log(xp.sum(xp.exp(x - a)))


def torch_f(torch, x):
    a = torch.max(x)
    return a + torch.log(torch.sum(torch.exp(x - a)))


def tangent_f(x):
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


def numpy_grad(x):
    e = np.exp(x - np.max(x))
    return (e / np.sum(e),)
