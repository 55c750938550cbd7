"""vmap of a kernel with a tree parameter: a tree prefix of in_axes batches some leaves (an ensemble of layers)."""
import numpy as np
from lifted import kernel, vmap


@kernel
def mlp(params: "[(f64[d,h], f64[h]), (f64[h,k], f64[k])]", x: "f64[d]"):
    for W, b in params:
        out = x @ W + b
        x = np.tanh(out)
    return out


ensemble = vmap(mlp, in_axes=([(0, 0), (0, None)], None))
