import numpy as np
from lifted import jacfwd, kernel


@kernel
def skin(t: "f64[3,k]", w: "f64[v,k]") -> "f64[3,v]":
    return np.sin(t) @ np.transpose(w)


skin_jacobian = jacfwd(skin, wrt="t")
