import numpy as np
from lifted import grad, kernel


@kernel
def embed_and_mask(E: "f64[n,d]", w: "f64[d]", idx: "i64[m]"):
    total = 0.0
    for j in range(3):
        picked = E[idx] @ w
        total = total + np.sum(np.tanh(picked)) * (j + 1.0)
    big = E[E > 1.0]
    return total + np.sum(big * big)


embed_and_mask_grad = grad(embed_and_mask, wrt=("E", "w"))
