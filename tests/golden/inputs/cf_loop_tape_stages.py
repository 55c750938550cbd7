import numpy as np
from lifted import grad, kernel


@kernel
def midpoint_steps(y0: "f64[n]", r: "f64[n]", h: "f64[]"):
    y = y0
    for i in range(20):
        k1 = r * y * (1.0 - y)
        y2 = y + 0.5 * h * k1
        k2 = r * y2 * (1.0 - y2)
        y = y + h * k2
    return np.sum(y * y)


midpoint_steps_grad = grad(midpoint_steps, wrt=("y0", "r"))
