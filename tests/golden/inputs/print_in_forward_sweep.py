import numpy as np
from lifted import grad, kernel


@kernel
def rollout(x: "f64[n]", steps: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(steps):
        x = np.tanh(x) + 0.1
        total = total + np.sum(x * x)
        print("step", i, total, end="\n")
    return total


rollout_grad = grad(rollout)
