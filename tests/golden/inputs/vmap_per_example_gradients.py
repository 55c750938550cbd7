import numpy as np
from lifted import grad, kernel, vmap


@kernel
def loss(w: "f64[d]", x: "f64[d]", y: "f64[]"):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


@kernel
def mlp(w1: "f64[d,h]", w2: "f64[h]", x: "f64[d]", y: "f64[]"):
    hidden = np.tanh(x @ w1)
    return (hidden @ w2 - y) ** 2


losses = vmap(loss, in_axes=(None, 0, 0))
per_example = vmap(grad(loss), in_axes=(None, 0, 0))
mlp_per_example = vmap(grad(mlp, wrt=("w1", "w2")), in_axes=(None, None, 0, 0))
