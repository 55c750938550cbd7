import numpy as np
from lifted import hessian, jacfwd, jacrev, kernel


@kernel
def layer(w: "f64[d,h]", x: "f64[d]"):
    return np.tanh(x @ w)


@kernel
def energy(x: "f64[n]"):
    return np.sum(x * x * x) + np.sum(x[1:] * x[:-1])


layer_jacfwd = jacfwd(layer, wrt="x")
layer_jacrev = jacrev(layer, wrt="x")
energy_hessian = hessian(energy)
