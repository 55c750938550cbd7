import numpy as np
from lifted import grad, kernel


@kernel
def running_logsumexp(x: "f64[n]", y: "f64[n]"):
    m = x[0]
    s = 1.0
    for i in range(1, len(x)):
        if x[i] > m:
            s = s * np.exp(m - x[i]) + 1.0
            m = x[i]
        else:
            s += np.exp(x[i] - m)
    total = 0.0
    for i in range(len(y)):
        total += y[i] * np.exp(x[i] - m) / s
    return m + np.log(s) + total


running_logsumexp_grad = grad(running_logsumexp, wrt=("x", "y"))
