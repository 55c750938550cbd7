import numpy as np
from lifted import jvp, kernel


@kernel
def loss(w: "f64[d]", x: "f64[n,d]", y: "f64[n]"):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


@kernel
def polar(r: "f64[n]", theta: "f64[n]"):
    return r * np.cos(theta), r * np.sin(theta)


loss_jvp = jvp(loss, wrt="w")
polar_jvp = jvp(polar, wrt=("r", "theta"))
