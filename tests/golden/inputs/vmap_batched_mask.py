"""vmap with a boolean mask per example: the selection kept dense (np.where), reductions and writes through it."""
import numpy as np
from lifted import grad, kernel, vmap


@kernel
def masked_loss(w: "f64[d]", x: "f64[d]", m: "bool[d]") -> "f64[]":
    z = w * x
    z[m] += 1.0
    return np.sum(np.log(z[m] ** 2 + 1.0)) + np.sum(w[m])


losses = vmap(masked_loss, in_axes=(None, 0, 0))
per_example = vmap(grad(masked_loss), in_axes=(None, 0, 0))
