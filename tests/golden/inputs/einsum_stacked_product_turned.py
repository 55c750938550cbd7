import numpy as np
from lifted import grad, kernel


@kernel
def mahalanobis(q: "f64[k,d,d]", x: "f64[n,d]", mu: "f64[k,d]", lower: "f64[d,d]") -> "f64[]":
    qmat = q * lower
    diff = x[:, None, :] - mu[None, :, :]
    qdiff = np.einsum("kij,nkj->nki", qmat, diff)
    return np.sum(qdiff * qdiff) + np.sum(np.einsum("nki,nkj->kij", qdiff, diff) * lower)


mahalanobis_grad = grad(mahalanobis, wrt=("q", "mu"))
