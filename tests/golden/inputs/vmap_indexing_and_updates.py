import numpy as np
from lifted import kernel, vmap


@kernel
def pick(x: "f64[n,d]", i: "i64[]", v: "f64[d]"):
    row = x[i].copy()
    x[i] = v * 2.0
    x[:, 0] += row[1]
    return x, np.outer(row, v)


pick_rows = vmap(pick, in_axes=(None, 0, 0))
pick_all = vmap(pick, in_axes=(0, 0, None), out_axes=(0, 1))
