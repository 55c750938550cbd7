import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n,d]", W: "f64[3,2]", y: "f64[n,k]"):
    return np.sum((np.tanh(x @ W) - y) ** 2)


f_grad = grad(f, wrt=("x", "W", "y"))
