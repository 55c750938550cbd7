import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]"):
    y = x * x + np.sin(x)
    return np.sum(y * x)


f_grad = grad(f)
