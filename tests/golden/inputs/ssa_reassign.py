import numpy as np
from lifted import grad, kernel

SCALE = 0.5


@kernel
def iterate(x: "f64[n]"):
    x = x * SCALE
    x += np.sin(x)
    x = x * x
    return np.sum(x)


iterate_grad = grad(iterate)
