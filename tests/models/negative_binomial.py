"""Maximum likelihood for the negative binomial distribution: the log-likelihood and its first two derivatives
with respect to r, as Newton's method uses them.

Ported from autograd's examples/negative_binomial_maxlike.py (https://github.com/HIPS/autograd, MIT license), with
autograd's own imports. Changes: `@kernel` and annotations; `loglike`, a lambda over the data inside `fit_maxlike`
there, is a module-level kernel taking the data as a parameter (`grad` is declared at module level); sampling and
the Newton driver are left out.
"""
import autograd.numpy as np
from autograd.scipy.special import gammaln

from lifted import grad, kernel


def negbin_loglike(r, p, x):
    # the negative binomial log likelihood we want to maximize
    return gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p) + r * np.log(1 - p)


@kernel
def loglike(r: "f64[]", p: "f64[]", x: "f64[n]"):
    return np.sum(negbin_loglike(r, p, x))


loglike_r = grad(loglike, wrt="r")
loglike_rr = grad(loglike_r, wrt="r")
loglike_p = grad(loglike, wrt="p")
