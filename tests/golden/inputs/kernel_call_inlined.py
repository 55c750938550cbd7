import numpy as np
from lifted import grad, kernel


@kernel
def softplus(z: "f64[n]"):
    return np.log1p(np.exp(z))


@kernel
def model(a: "f64[n]", b: "f64[n]"):
    return np.sum(softplus(a * b) + softplus(a - b))


model_grad = grad(model, wrt=(0, 1))
