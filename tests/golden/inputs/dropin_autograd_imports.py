import autograd.numpy as np
import autograd.scipy.stats.norm as norm
from autograd import elementwise_grad, grad
from autograd.scipy.special import logsumexp

from lifted import kernel


@kernel
def mixture_log_likelihood(means: "f64[k]", log_weights: "f64[k]", x: "f64[n]"):
    log_p = norm.logpdf(x[:, None], means, 1.0) + log_weights - logsumexp(log_weights)
    return np.sum(logsumexp(log_p, axis=1))


@kernel
def softplus(x: "f64[n]"):
    return np.logaddexp(x, 0.0)


mixture_grad = grad(mixture_log_likelihood, argnum=0)
softplus_slopes = elementwise_grad(softplus)
