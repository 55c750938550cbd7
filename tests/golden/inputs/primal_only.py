import numpy as np
from lifted import kernel


@kernel
def softmax(z: "f64[n,k]"):
    """Row-wise softmax, numerically stable."""
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=1, keepdims=True)
