import numpy as np
from lifted import grad, kernel


@kernel
def hinge(w: "f64[d]", x: "f64[n,d]", y: "f64[n]"):
    margin = y * (x @ w)
    loss = np.maximum(0.0, 1.0 - margin)
    clipped = np.clip(w, -1.0, 1.0)
    return np.mean(loss) + 0.1 * np.sum(np.where(w > 0, clipped, -clipped))


hinge_grad = grad(hinge)
