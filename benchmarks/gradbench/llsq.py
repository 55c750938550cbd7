"""GradBench `llsq`: the linear least-squares objective of cmpad, y(x) = 1/2 sum_i (s_i - sum_j x_j t_i^j)^2.

t_i = -1 + 2 i / (n - 1) and s_i = sign(t_i) depend on n only; the kernel receives t and the exponents 0..m-1 and
builds the powers and signs itself, so the timed evaluation does the whole computation.
"""
import numpy as np

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def primal(x: "f64[m]", t: "f64[n]", exponents: "f64[m]") -> "f64[]":
    powers = t[:, None] ** exponents
    r = np.sign(t) - powers @ x
    return 0.5 * np.sum(r * r)


gradient = grad(primal, wrt="x")
'''


def prepare(function, input):
    n = int(input["n"])
    x = np.asarray(input["x"], dtype=np.float64)
    t = -1.0 + np.arange(n, dtype=np.float64) * 2.0 / (n - 1)
    return (x, t, np.arange(x.shape[0], dtype=np.float64))


def output(function, value):
    return float(value) if function == "primal" else np.asarray(value).tolist()
