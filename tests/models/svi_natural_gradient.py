"""Black-box variational inference with a diagonal Gaussian, and its natural gradient.

Written for Lifted after the structure of autograd's examples/black_box_svi.py and
natural_gradient_black_box_svi.py: a factory builds the objective from a log density and declares its gradient
inside (`gradient = grad(elbo_loss)`), returning both; a kernel at module level preconditions that gradient by
the inverse Fisher information. The Monte Carlo noise is a parameter (a kernel draws no random numbers).
"""
import autograd.numpy as np
from autograd import grad
from autograd.scipy.stats import norm

from lifted import kernel


def make_svi(log_density, dim):
    def split(params):
        return params[:dim], params[dim:]

    def entropy(log_std):
        return 0.5 * dim * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

    @kernel
    def elbo_loss(params: "f64[p]", noise: "f64[s,d]"):
        mean, log_std = split(params)
        draws = noise * np.exp(log_std) + mean
        return -(entropy(log_std) + np.mean(log_density(draws)))

    gradient = grad(elbo_loss)
    return elbo_loss, gradient, split


def banana(z):
    first, second = z[:, 0], z[:, 1]
    return norm.logpdf(first, 0.0, 1.5) + norm.logpdf(second, 0.3 * first ** 2, 0.5)


elbo_loss, elbo_gradient, split = make_svi(banana, 2)


def inverse_fisher(params):
    _, log_std = split(params)
    return 1.0 / np.concatenate([np.exp(-2.0 * log_std), 2.0 * np.ones(len(log_std))])


@kernel
def natural_step_size(params: "f64[p]", noise: "f64[s,d]"):
    step = inverse_fisher(params) * elbo_gradient(params, noise)
    return np.sqrt(np.sum(step ** 2))


step_size_grad = grad(natural_step_size)
