import numpy as np
from lifted import grad, kernel

grid = np.linspace(0.0, 1.0, 11)
weights = np.full(11, 0.1)
weights[0] = weights[-1] = 0.05
inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30]])
t = np.exp(-grid)


@kernel
def loss(w: "f64[3]", s: "f64[]") -> "f64[]":
    p = np.tanh(inputs @ w)
    return np.sum(p ** 2) + s * np.sum(weights * t * np.sin(s * grid))


loss_grad = grad(loss, wrt=("w", "s"))
