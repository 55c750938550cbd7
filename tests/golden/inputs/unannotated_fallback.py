import numpy as np
from lifted import grad, kernel


@kernel
def energy(x, b):
    return np.sum(np.exp(x + b))


energy_grad = grad(energy, wrt=("x", "b"))
