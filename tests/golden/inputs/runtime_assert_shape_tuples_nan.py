import numpy as np
from lifted import grad, jvp, kernel, vmap


@kernel
def f(x: "f64[n]", y: "f64[m]", s: "f64[]"):
    assert np.all(x > -10.0), "x is bounded below"
    total = np.where(np.isnan(x), np.nan, x * s)
    if x.shape == y.shape:
        total = total * 2.0 + np.sum(y)
    return np.sum(np.maximum(total, -np.inf)) + np.partition(x, 1)[1]


f_grad = grad(f, wrt=("x", "s"))
f_jvp = jvp(f, wrt=("s",))
f_vmap = vmap(f, in_axes=(0, None, None))
