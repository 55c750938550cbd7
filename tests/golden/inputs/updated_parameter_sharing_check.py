import numpy as np
from lifted import grad, kernel

WEIGHTS = np.linspace(0.5, 1.5, 4)


@kernel
def smooth(a: "f64[n,4]", b: "f64[n,4]") -> "f64[]":
    for i in range(1, a.shape[0]):
        a[i] += 0.5 * a[i - 1] * b[i]
    return np.sum(a * WEIGHTS) + np.sum(b)


@kernel
def reads_only(a: "f64[n,4]", b: "f64[n,4]") -> "f64[]":
    return np.sum(a * b)


smooth_grad = grad(smooth, wrt=("a", "b"))
