import numpy as np
from lifted import grad, kernel


@kernel
def bilinear(a: "f64[n,k]", b: "f64[k,m]", u: "f64[n]", v: "f64[m]"):
    c = np.einsum("nk,km->nm", a, b)
    return np.sum(c * np.outer(u, v)) + np.sum(np.transpose(c) ** 2)


bilinear_grad = grad(bilinear, wrt=("a", "b", "u"))
