import numpy as np
from lifted import jvp, kernel


@kernel
def damped(x: "f64[n]", k: "f64[]"):
    v = x
    for step in range(3):
        if np.sum(v) > 0.0:
            v = v - 0.1 * k * np.sin(v)
        else:
            v = v * 0.5
    return np.sum(v * v)


damped_jvp = jvp(damped, wrt=("x", "k"))
