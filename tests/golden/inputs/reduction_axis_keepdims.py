import numpy as np
from lifted import grad, kernel


@kernel
def normalized(x: "f64[n,d]"):
    centered = x - np.mean(x, axis=0, keepdims=True)
    scale = np.max(np.abs(centered), axis=1)
    return np.sum(centered.sum(axis=1) / scale)


normalized_grad = grad(normalized)
