import numpy as np
from lifted import grad, kernel


@kernel
def lse(x: "f64[n]") -> "f64[]":
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


@kernel
def spread(x: "f64[n]", w: "f64[n]") -> "f64[]":
    m = np.mean(x * w)
    c = x - m
    return np.sum(c * c) + np.max(np.abs(w))


lse_grad = grad(lse)
spread_grad = grad(spread, wrt=("x", "w"))
