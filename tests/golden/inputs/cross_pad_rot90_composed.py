import numpy as np
from lifted import grad, kernel


@kernel
def torque(r: "f64[n,3]", f: "f64[3,n]", m: "f64[2,3]"):
    t = np.cross(r, f, axisb=0)
    framed = np.pad(m, ((1, 0), (0, 1)), "constant", constant_values=0.5)
    turned = np.rot90(np.append(m, m[:1], axis=0))
    return np.sum(t * t) + np.sum(np.tanh(framed)) + np.sum(turned * turned[0])


torque_grad = grad(torque, wrt=("r", "f", "m"))
