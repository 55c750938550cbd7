"""Mean negative log-likelihood of logistic regression, gradient with respect to the weights."""
import numpy as np

NAME = "logistic"
TITLE = "logistic regression loss, d/dw of mean cross-entropy"
SIZES = [{"n": 1000, "d": 10}, {"n": 10_000, "d": 100}, {"n": 100_000, "d": 100}]
QUICK = [{"n": 1000, "d": 10}, {"n": 10_000, "d": 100}]
TINY = {"n": 9, "d": 3}
WRT = (0,)


def label(size):
    return f"{size['n']}x{size['d']}"


def inputs(size, rng):
    n, d = size["n"], size["d"]
    x = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    y = (x @ w_true + rng.normal(size=n) > 0).astype(np.float64)
    return (0.1 * rng.normal(size=d), x, y)


LIFTED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(w: "f64[d]", x: "f64[n,d]", y: "f64[n]") -> "f64[]":
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


f_grad = grad(f, wrt=("w",))
'''


def xp_f(xp, w, x, y):
    p = 1.0 / (1.0 + xp.exp(-(x @ w)))
    return -xp.mean(y * xp.log(p) + (1.0 - y) * xp.log(1.0 - p))


def torch_f(torch, w, x, y):
    p = 1.0 / (1.0 + torch.exp(-(x @ w)))
    return -torch.mean(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))


def tangent_f(w, x, y):
    p = 1.0 / (1.0 + np.exp(-np.dot(x, w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def numpy_grad(w, x, y):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return (x.T @ ((p - y) / y.shape[0]),)
