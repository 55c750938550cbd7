import numpy as np
from lifted import grad, jvp, kernel


@kernel
def ranked(x: "f64[3,5]", w: "f64[5]"):
    ordered = np.sort(x, axis=1)
    band = np.trace(x, offset=1) + np.sum(np.diagonal(x, -1))
    return np.sum(ordered * w) * band


ranked_grad = grad(ranked, wrt="x")
ranked_jvp = jvp(ranked, wrt="x")
