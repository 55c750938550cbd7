"""The Rosenbrock function, minimised with its gradient.

Ported from autograd's examples/rosenbrock.py (https://github.com/HIPS/autograd, MIT license), with autograd's own
imports. Changes: `@kernel` and the annotation.
"""
import autograd.numpy as np
from scipy.optimize import minimize

from lifted import kernel, value_and_grad


@kernel
def rosenbrock(x: "f64[2]"):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


rosenbrock_with_grad = value_and_grad(rosenbrock)

if __name__ == "__main__":
    result = minimize(rosenbrock_with_grad, x0=np.array([0.0, 0.0]), jac=True, method="CG")
    print(f"Found minimum at {result.x}")
