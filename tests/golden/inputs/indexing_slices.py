import numpy as np
from lifted import grad, kernel


@kernel
def rosenbrock(x: "f64[n]"):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@kernel
def corners(m: "f64[4,5]"):
    return m[0, 0] * m[-1, -1] + np.sum(m[1:3, None, ::2] ** 2)


rosenbrock_grad = grad(rosenbrock)
corners_grad = grad(corners)
