import numpy as np
from lifted import grad, kernel


@kernel
def gated(x: "f64[b,h]", W: "f64[h+1,2*k]") -> "f64[]":
    z = np.concatenate([x, np.ones((x.shape[0], 1))], axis=1) @ W
    gate, value = z.reshape(z.shape[0], 2, -1)[:, 0], z.reshape(z.shape[0], 2, -1)[:, 1]
    return np.sum(np.tanh(value) / (1.0 + np.exp(-gate)))


@kernel
def blocks(v: "f64[n*m]", M: "f64[n,m]") -> "f64[]":
    return np.sum(v * M.ravel()) + np.sum(v.reshape(M.shape[0], -1) ** 2)


gated_grad = grad(gated, wrt=("x", "W"))
blocks_grad = grad(blocks)
