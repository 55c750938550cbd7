"""The GMM log-posterior of ADBench/GradBench, straight-line: logsumexp over components, einsum for Q(x - mu).

Each component's lower-triangular Q is gathered from the packed parameters [exp(q_k), l_k] with a constant index
matrix `tri` (diagonal from q, below it from l column by column, as GradBench's `gmm` defines it) and masked by
`lower`. The Wishart constant (a gammaln of sizes only) is computed outside and passed in as `const`.
"""
import numpy as np
from scipy.special import multigammaln

NAME = "gmm"
TITLE = "Gaussian mixture log-posterior with Wishart prior (ADBench), d/d(alpha, mu, q, l)"
SIZES = [{"d": 2, "k": 5, "n": 1000}, {"d": 10, "k": 25, "n": 1000}, {"d": 32, "k": 50, "n": 1000}]
QUICK = [{"d": 2, "k": 5, "n": 1000}, {"d": 10, "k": 25, "n": 1000}]
TINY = {"d": 3, "k": 2, "n": 4}
WRT = (0, 1, 2, 3)


def label(size):
    return f"d={size['d']},k={size['k']},n={size['n']}"


def tri_indices(d):
    """`tri[i, j]` indexes [exp(q) | l] (length d + d(d-1)/2) for Q[i, j]; 0 above the diagonal (masked)."""
    tri = np.zeros((d, d), dtype=np.int64)
    position = d
    for j in range(d):
        tri[j, j] = j
        for i in range(j + 1, d):
            tri[i, j] = position
            position += 1
    return tri, np.tril(np.ones((d, d)))


def wishart_constant(d, k, gamma, m):
    """The part of the log posterior that depends on sizes only: k (nD log(gamma/sqrt 2) - log Gamma_D(n/2))."""
    n = d + m + 1
    return k * (n * d * np.log(gamma / np.sqrt(2.0)) - multigammaln(0.5 * n, d))


def packed_inputs(alpha, mu, q, l, x, gamma=1.0, m=0):
    """Arguments of `f` from GradBench-style parameters (the order `inputs` returns)."""
    n, d = x.shape
    k = alpha.shape[0]
    tri, lower = tri_indices(d)
    const = wishart_constant(d, k, gamma, m) - n * d * 0.5 * np.log(2.0 * np.pi)
    return (alpha, mu, q, l, x, tri, lower, np.float64(gamma), np.float64(m), np.float64(const))


def inputs(size, rng):
    d, k, n = size["d"], size["k"], size["n"]
    return packed_inputs(rng.normal(size=k), rng.uniform(size=(k, d)), rng.normal(size=(k, d)),
                         rng.normal(size=(k, d * (d - 1) // 2)), rng.normal(size=(n, d)))


LIFTED = '''
import numpy as np
from scipy.special import logsumexp
from lifted import grad, kernel


@kernel
def f(alpha: "f64[k]", mu: "f64[k,d]", q: "f64[k,d]", l: "f64[k,m]", x: "f64[n,d]", tri: "i64[d,d]",
      lower: "f64[d,d]", gamma: "f64[]", wishart_m: "f64[]", const: "f64[]") -> "f64[]":
    packed = np.concatenate((np.exp(q), l), axis=1)
    qmat = packed[:, tri] * lower
    diff = x[:, None, :] - mu[None, :, :]
    qdiff = np.einsum("kij,nkj->nki", qmat, diff)
    sum_q = np.sum(q, axis=1)
    beta = alpha + sum_q - 0.5 * np.sum(qdiff * qdiff, axis=2)
    likelihood = np.sum(logsumexp(beta, axis=1)) - x.shape[0] * logsumexp(alpha)
    frobenius = np.sum(np.exp(2.0 * q)) + np.sum(l * l)
    prior = -0.5 * gamma * gamma * frobenius + wishart_m * np.sum(sum_q)
    return likelihood + prior + const


f_grad = grad(f, wrt=("alpha", "mu", "q", "l"))
'''


def _lse(xp, v, axis=None):
    top = xp.max(v, axis=axis, keepdims=True)
    total = xp.log(xp.sum(xp.exp(v - top), axis=axis, keepdims=True)) + top
    return xp.sum(total, axis=axis) if axis is not None else xp.sum(total)


def xp_f(xp, alpha, mu, q, l, x, tri, lower, gamma, wishart_m, const):
    packed = xp.concatenate((xp.exp(q), l), axis=1)
    qmat = packed[:, tri] * lower
    diff = x[:, None, :] - mu[None, :, :]
    qdiff = xp.einsum("kij,nkj->nki", qmat, diff)
    sum_q = xp.sum(q, axis=1)
    beta = alpha + sum_q - 0.5 * xp.sum(qdiff * qdiff, axis=2)
    likelihood = xp.sum(_lse(xp, beta, axis=1)) - x.shape[0] * _lse(xp, alpha)
    frobenius = xp.sum(xp.exp(2.0 * q)) + xp.sum(l * l)
    prior = -0.5 * gamma * gamma * frobenius + wishart_m * xp.sum(sum_q)
    return likelihood + prior + const


def torch_f(torch, alpha, mu, q, l, x, tri, lower, gamma, wishart_m, const):
    packed = torch.cat((torch.exp(q), l), dim=1)
    qmat = packed[:, tri] * lower
    diff = x[:, None, :] - mu[None, :, :]
    qdiff = torch.einsum("kij,nkj->nki", qmat, diff)
    sum_q = torch.sum(q, dim=1)
    beta = alpha + sum_q - 0.5 * torch.sum(qdiff * qdiff, dim=2)
    top = torch.amax(beta, dim=1, keepdim=True)
    lse_beta = torch.log(torch.sum(torch.exp(beta - top), dim=1)) + top[:, 0]
    top_alpha = torch.max(alpha)
    lse_alpha = torch.log(torch.sum(torch.exp(alpha - top_alpha))) + top_alpha
    likelihood = torch.sum(lse_beta) - x.shape[0] * lse_alpha
    frobenius = torch.sum(torch.exp(2.0 * q)) + torch.sum(l * l)
    prior = -0.5 * gamma * gamma * frobenius + wishart_m * torch.sum(sum_q)
    return likelihood + prior + const
