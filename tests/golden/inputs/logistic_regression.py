import numpy as np
from lifted import grad, kernel, value_and_grad


@kernel
def loss(w: "f64[d]", x: "f64[n,d]", y: "f64[n]") -> "f64[]":
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


loss_grad = grad(loss, wrt="w")
loss_vg = value_and_grad(loss, wrt=("w",))
