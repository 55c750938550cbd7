"""Gaussian process regression: the log marginal likelihood of the kernel parameters, from a factory.

Ported from autograd's examples/gaussian_process.py (https://github.com/HIPS/autograd, MIT license):
`make_gp_funs` and `rbf_covariance` as written there, with autograd's own imports,
`make_gp_funs(rbf_covariance, num_cov_params=D + 1)` called at module level as in its `__main__`. Changes:
annotations on `log_marginal_likelihood` (and `@kernel` on it); plotting and the optimiser are left out.
"""
import autograd.numpy as np
from autograd.numpy.linalg import solve
import autograd.scipy.stats.multivariate_normal as mvn

from lifted import kernel, value_and_grad

D = 1


def make_gp_funs(cov_func, num_cov_params):
    """Functions that perform Gaussian process regression.
    cov_func has signature (cov_params, x, x')"""

    def unpack_kernel_params(params):
        mean = params[0]
        cov_params = params[2:]
        noise_scale = np.exp(params[1]) + 0.0001
        return mean, cov_params, noise_scale

    def predict(params, x, y, xstar):
        """Returns the predictive mean and covariance at locations xstar,
        of the latent function value f (without observation noise)."""
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_f_f = cov_func(cov_params, xstar, xstar)
        cov_y_f = cov_func(cov_params, x, xstar)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        pred_mean = mean + np.dot(solve(cov_y_y, cov_y_f).T, y - mean)
        pred_cov = cov_f_f - np.dot(solve(cov_y_y, cov_y_f).T, cov_y_f)
        return pred_mean, pred_cov

    @kernel
    def log_marginal_likelihood(params: "f64[p]", x: "f64[n,d]", y: "f64[n]"):
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        prior_mean = mean * np.ones(len(y))
        return mvn.logpdf(y, prior_mean, cov_y_y)

    return num_cov_params + 2, predict, log_marginal_likelihood


def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs**2, axis=2))


num_params, predict, log_marginal_likelihood = make_gp_funs(rbf_covariance, num_cov_params=D + 1)
objective_value_and_grad = value_and_grad(log_marginal_likelihood)
