import numpy as np
from functools import partial
from lifted import grad, kernel


def layer(x, W, act=np.tanh):
    return act(x @ W)


@kernel
def f(x: "f64[n,d]", W: "f64[d,d]", s: "f64[]"):
    def scaled(v):
        return v * s
    relu = partial(layer, act=lambda z: np.maximum(z, 0.0))
    return np.sum(scaled(layer(x, W))) + np.sum(relu(x, W))


f_grad = grad(f, wrt=("W", "s"))
