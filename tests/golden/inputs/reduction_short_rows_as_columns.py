import numpy as np
from lifted import grad, kernel


@kernel
def rotation_energy(rot: "f64[p,3]", x: "f64[p,3]", w: "f64[p]") -> "f64[]":
    squared = np.sum(rot * rot, axis=1)
    along = np.sum(rot * x, axis=1, keepdims=True)
    return np.sum(w * np.sqrt(squared + 1.0)) + np.sum(np.max(x * along, axis=1))


rotation_energy_grad = grad(rotation_energy, wrt=("rot", "x", "w"))
