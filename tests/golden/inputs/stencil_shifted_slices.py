"""Step-1 slices and their adjoints: on the C target the gradient is one kernel reading x at i - 1, i, i + 1
inside windows (a chunk inside every window runs without the tests); a shift written as a concatenation is a
guarded shifted load."""
import numpy as np
from lifted import grad, kernel


@kernel
def rosenbrock(x: "f64[n]") -> "f64[]":
    head = x[:-1]
    return np.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)


@kernel
def smooth_rows(a: "f64[m,n]") -> "f64[]":
    d = a[:, 1:] - a[:, :-1]
    return np.sum(d * d)


@kernel
def shift(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


rosenbrock_grad = grad(rosenbrock)
smooth_rows_grad = grad(smooth_rows)
