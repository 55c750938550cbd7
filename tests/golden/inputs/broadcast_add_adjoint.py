import numpy as np
from lifted import grad, kernel


@kernel
def affine_energy(x: "f64[n,d]", b: "f64[d]", s: "f64[n,1]", c: "f64[]"):
    z = x * s + b + c
    return np.sum(z * z)


affine_energy_grad = grad(affine_energy, wrt=("b", "s", "c"))
