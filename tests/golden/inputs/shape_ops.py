import numpy as np
from lifted import grad, kernel


@kernel
def reshaped(x: "f64[6,4]", y: "f64[6]"):
    blocks = x.reshape(3, -1)
    column = np.expand_dims(y, 1)
    joined = np.concatenate((x, column), axis=1)
    stacked = np.stack((y, y * 2.0), axis=0)
    return np.sum(blocks ** 2) + np.sum(np.tanh(joined)) + np.sum(np.squeeze(column, 1) * stacked)


reshaped_grad = grad(reshaped, wrt=("x", "y"))
