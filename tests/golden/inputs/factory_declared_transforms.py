import itertools

import numpy as np
from lifted import grad, kernel


def make_svi(log_density, sizes):
    shapes = list(itertools.pairwise(sizes))

    @kernel
    def objective(params: "f64[2*d]", noise: "f64[s,d]"):
        half = np.shape(params)[0] // 2
        draws = noise * np.exp(params[half:]) + params[:half]
        total = 0.0
        for m, n in shapes:
            total = total + m * n * np.sum(params[half:])
        return total - np.mean(log_density(draws))

    gradient = grad(objective)
    return objective, gradient


def log_density(z):
    return -0.5 * np.sum(z ** 2, axis=1)


objective, gradient = make_svi(log_density, [1, 2, 3])


@kernel
def preconditioned(params: "f64[2*d]", noise: "f64[s,d]"):
    return np.sum(gradient(params, noise) * np.exp(params))
