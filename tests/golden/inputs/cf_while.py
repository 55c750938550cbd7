import numpy as np
from lifted import grad, kernel


@kernel
def halve_until_small(x: "f64[]", y: "f64[n]"):
    v = x * np.sum(y)
    steps = 0
    while v > 0.1 and steps < 50:
        v = v * 0.5 + 0.01 * y[0]
        steps += 1
    return v * np.sum(y * y)


halve_until_small_grad = grad(halve_until_small, wrt=("x", "y"))
