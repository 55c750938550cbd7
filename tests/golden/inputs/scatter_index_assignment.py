import numpy as np
from lifted import grad, jvp, kernel


@kernel
def scatter_rows(x: "f64[n,d]", v: "f64[k,d]", idx: "i64[k]", mask: "bool[n]"):
    a = x * 1.0
    a[idx] = v * v
    a[idx, 0] += np.sin(v[:, 0])
    a[mask] = 2.0 * a[mask]
    return np.sum(np.tanh(a))


scatter_rows_grad = grad(scatter_rows, wrt=("x", "v"))
scatter_rows_jvp = jvp(scatter_rows, wrt=("x", "v"))
