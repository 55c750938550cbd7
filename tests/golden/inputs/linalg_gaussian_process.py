import numpy as np
from lifted import grad, kernel, jvp


@kernel
def gp_negative_log_likelihood(log_scale: "f64[]", log_noise: "f64[]", x: "f64[n,d]", y: "f64[n]"):
    diff = x[:, None, :] - x[None, :, :]
    k = np.exp(-0.5 * np.sum(diff * diff, axis=2) / np.exp(2.0 * log_scale)) + np.exp(log_noise) * np.eye(x.shape[0])
    chol = np.linalg.cholesky(k)
    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
    sign, logdet = np.linalg.slogdet(k)
    return 0.5 * y @ alpha + 0.5 * logdet + np.sum(np.log(np.diag(chol))) + 0.01 * np.trace(np.linalg.inv(k))


gp_grad = grad(gp_negative_log_likelihood, wrt=("log_scale", "log_noise"))
gp_tangent = jvp(gp_negative_log_likelihood, wrt="log_noise")
