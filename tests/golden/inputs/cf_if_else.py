import numpy as np
from lifted import grad, kernel


@kernel
def piecewise(x: "f64[n]", w: "f64[n]"):
    t = np.sum(x * w)
    if t > 2.0:
        y = t * t
        z = x * 2.0
    elif t > 0.5:
        y = np.sin(t)
        z = x * w
    else:
        y = -t
        z = np.tanh(x)
    return y + np.sum(z * w)


piecewise_grad = grad(piecewise, wrt=("x", "w"))
