"""A Gaussian mixture model's log-likelihood, as fitted by gradient descent.

Ported from autograd's examples/gmm.py (https://github.com/HIPS/autograd, MIT license): `log_normalize`,
`unpack_gmm_params` and `gmm_log_likelihood` as written there, with autograd's own imports. Changes: `@kernel` and
annotations (the number of components is a literal, 3 here, since the likelihood loops over them with `zip`);
plotting and the optimiser are left out.
"""
import autograd.numpy as np
from autograd.scipy.special import logsumexp
import autograd.scipy.stats.multivariate_normal as mvn

from lifted import grad, kernel

PARAMS = "{'log proportions': f64[3], 'means': f64[3,d], 'lower triangles': f64[3,d,d]}"


def log_normalize(x):
    return x - logsumexp(x)


def unpack_gmm_params(params):
    normalized_log_proportions = log_normalize(params["log proportions"])
    return normalized_log_proportions, params["means"], params["lower triangles"]


@kernel
def gmm_log_likelihood(params: PARAMS, data: "f64[n,d]"):
    cluster_lls = []
    for log_proportion, mean, cov_sqrt in zip(*unpack_gmm_params(params)):
        cov = np.dot(cov_sqrt.T, cov_sqrt)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


gmm_log_likelihood_grad = grad(gmm_log_likelihood)
