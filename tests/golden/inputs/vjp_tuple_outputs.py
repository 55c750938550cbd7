import numpy as np
from lifted import kernel, vjp


@kernel
def polar(r: "f64[n]", theta: "f64[n]"):
    return r * np.cos(theta), r * np.sin(theta)


polar_vjp = vjp(polar, wrt=("r", "theta"))
