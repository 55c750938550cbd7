"""Bayesian optimisation's acquisition function: the expected new maximum under a Gaussian process.

Written for Lifted after autograd's examples/bayesian_optimization.py, over the factory of this folder's
gaussian_process.py: the posterior mean and covariance at candidate points, their standard deviations from the
diagonal, `norm.cdf` and `norm.pdf`, and a maximum that defaults for an empty array (`y.size == 0`).
"""
import autograd.numpy as np
from autograd.scipy.stats import norm
from gaussian_process import make_gp_funs, rbf_covariance

from lifted import grad, kernel


def expected_new_max(mean, std, best):
    return best - (mean - best) * norm.cdf(mean, best, std) + std * norm.pdf(mean, best, std)


def best_so_far(y, default=-np.inf):
    if y.size == 0:
        return default
    return np.max(y)


num_params, predict, log_marginal_likelihood = make_gp_funs(rbf_covariance, num_cov_params=2)


@kernel
def acquisition(candidates: "f64[m,1]", params: "f64[4]", x: "f64[n,1]", y: "f64[n]"):
    mean, cov = predict(params, x, y, candidates)
    return np.sum(expected_new_max(mean, np.sqrt(np.diag(cov)), best_so_far(y)))


acquisition_grad = grad(acquisition, wrt=("candidates", "params"))
