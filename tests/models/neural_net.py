"""A multi-layer perceptron for classification of MNIST handwritten digits.

Ported from autograd's examples/neural_net.py (https://github.com/HIPS/autograd, MIT license): the model
functions as written there, with autograd's own imports, `@kernel` on the function that is differentiated and an
annotation for each of its parameters. Changes: none beyond those; data loading, initialisation and the training
loop are left out.
"""
import autograd.numpy as np
from autograd.misc.flatten import flatten
from autograd.scipy.special import logsumexp

from lifted import grad, kernel

PARAMS = "[(f64[d,h1], f64[h1]), (f64[h1,h2], f64[h2]), (f64[h2,k], f64[k])]"


def neural_net_predict(params, inputs):
    """Implements a deep neural network for classification.
    params is a list of (weights, bias) tuples.
    inputs is an (N x D) matrix.
    returns normalized class log-probabilities."""
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    """Computes l2 norm of params by flattening them into a vector."""
    flattened, _ = flatten(params)
    return np.dot(flattened, flattened)


@kernel
def log_posterior(params: PARAMS, inputs: "f64[n,d]", targets: "f64[n,k]", L2_reg: "f64[]"):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


log_posterior_grad = grad(log_posterior)
