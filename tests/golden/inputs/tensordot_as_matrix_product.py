import numpy as np
from lifted import grad, kernel


@kernel
def contraction(a: "f64[n,k,2]", b: "f64[2,n,m]", w: "f64[3,m,4]") -> "f64[]":
    c = np.tensordot(a, b, axes=([0, 2], [1, 0]))
    return np.sum(np.tanh(np.dot(c, w)))


contraction_grad = grad(contraction, wrt=("a", "b", "w"))
