import numpy as np
from lifted import kernel, vmap


@kernel
def safe_log(x: "f64[n]", t: "f64[]"):
    if np.sum(x) > t:
        s = np.sum(np.log(x))
    else:
        s = -t
    return s


@kernel
def halve(x: "f64[]", y: "f64[n]"):
    v = x * np.sum(y)
    steps = 0
    while v > 0.1 and steps < 50:
        v = v * 0.5 + 0.01 * y[0]
        steps += 1
    return v, steps


@kernel
def partial_sum(x: "f64[n]", m: "i64[]"):
    s = 0.0
    for i in range(m):
        s = s + x[i]
    return s


safe_log_batched = vmap(safe_log, in_axes=(0, None))
halve_batched = vmap(halve, in_axes=(0, None))
partial_sum_batched = vmap(partial_sum, in_axes=(0, 0))
