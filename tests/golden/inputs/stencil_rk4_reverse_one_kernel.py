import numpy as np
from lifted import grad, kernel


# GradBench ode's right-hand side: a shift by one element. The reverse RK4 step repeats its last adjoint one
# element on (29 equations, inside the stencil budget), so each reverse step is one kernel, not two.
@kernel
def shifted_rhs(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


@kernel
def last_state(x: "f64[n]", s: "i64[]") -> "f64[]":
    h = 2.0 / s
    y = np.zeros_like(x)
    for step in range(s):
        k1 = shifted_rhs(x, y)
        k2 = shifted_rhs(x, y + 0.5 * h * k1)
        k3 = shifted_rhs(x, y + 0.5 * h * k2)
        k4 = shifted_rhs(x, y + h * k3)
        y = y + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0
    return y[-1]


last_state_grad = grad(last_state, wrt="x")
