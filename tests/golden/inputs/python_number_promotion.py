"""NumPy 2's promotion: an int32 array keeps int32 with Python ints and sizes (`len(j)`), goes int64 with an
int64 scalar; a NumPy function of a literal (np.sqrt(2.0)) is a float64. `c` is a scalar parameter that a Python
int would promote otherwise than its annotation's int64: the compiled (C) module refuses a Python int for it."""
import numpy as np
from lifted import grad, kernel


@kernel
def scaled(x: "f64[n]", j: "i32[n]", c: "i64[]") -> "f64[]":
    y = j * c + j * len(j) + j * 2
    return np.sum(x * y) + np.sum(x * np.sqrt(2.0))


scaled_grad = grad(scaled)
