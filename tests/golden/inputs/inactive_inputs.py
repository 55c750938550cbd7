import numpy as np
from lifted import grad, kernel


@kernel
def weighted(w: "f64[n]", data: "f64[n]", counts: "i64[n]"):
    scale = np.exp(data) / np.sum(np.exp(data))
    mask = counts > 0
    return np.sum(np.where(mask, w * scale, 0.0) ** 2)


weighted_grad = grad(weighted, wrt="w")
