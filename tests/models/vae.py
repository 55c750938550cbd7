"""A variational autoencoder's evidence lower bound on binary images.

Written for Lifted after autograd's examples/variational_autoencoder.py: encoder and decoder are lists of
(weights, bias) layers with batch normalisation between them, the encoder's output is split into means and log
standard deviations with `np.shape`, the decoder's logits are scored by a Bernoulli log density through
`np.logaddexp`. The reparameterisation noise is a parameter.
"""
import autograd.numpy as np
from autograd.scipy.stats import norm

from lifted import grad, kernel

DECODER = "[(f64[z,h], f64[h]), (f64[h,p], f64[p])]"
ENCODER = "[(f64[p,h], f64[h]), (f64[h,2*z], f64[2*z])]"


def normalise(act):
    centred = act - np.mean(act, axis=0, keepdims=True)
    return centred / (np.std(act, axis=0, keepdims=True) + 1)


def mlp(layers, x):
    for weights, bias in layers[:-1]:
        x = np.maximum(0, normalise(x @ weights + bias))
    last_w, last_b = layers[-1]
    return x @ last_w + last_b


def gaussian_parts(out):
    half = np.shape(out)[-1] // 2
    return out[:, :half], out[:, half:]


def diagonal_log_density(x, mean, log_std):
    return np.sum(norm.logpdf(x, mean, np.exp(log_std)), axis=-1)


@kernel
def elbo(decoder: DECODER, encoder: ENCODER, images: "f64[n,p]", noise: "f64[n,z]"):
    mean, log_std = gaussian_parts(mlp(encoder, images))
    codes = noise * np.exp(log_std) + mean
    logits = mlp(decoder, codes)
    likelihood = np.sum(-np.logaddexp(0, -logits * images), axis=-1)
    prior = diagonal_log_density(codes, 0, 0)
    posterior = diagonal_log_density(codes, mean, log_std)
    return np.mean(prior + likelihood - posterior)


elbo_grad = grad(elbo, wrt=("decoder", "encoder"))
