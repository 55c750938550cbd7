"""Independent component analysis with Student-t latents: the log-probability a factory function returns.

Ported from autograd's examples/ica.py (https://github.com/HIPS/autograd, MIT license): `make_ica_funs` as written
there, with autograd's own imports, called at module level; its `logprob` is differentiated. Changes: annotations
on `logprob`'s parameters (and `@kernel` on it); the sizes of the original's `__main__` become module constants;
plotting and the optimiser are left out.
"""
import autograd.numpy as np
from autograd.scipy.stats import t

from lifted import grad, kernel

observed_dimension = 6
latent_dimension = 2


def make_ica_funs(observed_dimension, latent_dimension):
    """These functions implement independent component analysis.

    The model is:
    latents are drawn i.i.d. for each data point from a product of student-ts.
    weights are the same across all datapoints.
    each data = latents * weghts + noise."""

    def sample(weights, n_samples, noise_std, rs):
        latents = rs.randn(latent_dimension, n_samples)
        latents = np.array(sorted(latents.T, key=lambda a_entry: a_entry[0])).T
        noise = rs.randn(n_samples, observed_dimension) * noise_std
        observed = predict(weights, latents) + noise
        return latents, observed

    def predict(weights, latents):
        return np.dot(weights, latents).T

    @kernel
    def logprob(weights: "f64[o,l]", latents: "f64[l,n]", noise_std: "f64[]", observed: "f64[n,o]"):
        preds = predict(weights, latents)
        log_lik = np.sum(t.logpdf(preds, 2.4, observed, noise_std))
        return log_lik

    num_weights = observed_dimension * latent_dimension

    def unpack_weights(weights):
        return np.reshape(weights, (observed_dimension, latent_dimension))

    return num_weights, sample, logprob, unpack_weights


num_weights, sample, logprob, unpack_weights = make_ica_funs(observed_dimension, latent_dimension)
logprob_grad = grad(logprob, wrt=("weights", "latents", "noise_std"))
