import numpy as np
from lifted import grad, jvp, kernel


@kernel
def rosenbrock(x: "f64[n]"):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@kernel
def bump(x: "f64[]"):
    return np.exp(-x * x) * np.sin(x)


rosenbrock_hvp = jvp(grad(rosenbrock))
bump_grad = grad(bump)
bump_second = grad(bump_grad)
