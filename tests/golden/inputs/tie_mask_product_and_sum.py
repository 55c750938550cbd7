import numpy as np
from lifted import grad, kernel


@kernel
def nearest(points: "f64[n,d]", centroids: "f64[k,d]") -> "f64[]":
    distances = (np.sum(points * points, axis=1)[:, None] - 2.0 * (points @ centroids.T)
                 + np.sum(centroids * centroids, axis=1)[None, :])
    return np.sum(np.min(distances, axis=1))


nearest_grad = grad(nearest, wrt="centroids")


@kernel
def ties(a: "f64[n,k]", b: "f64[k,m]", w: "f64[k]"):
    mask = a == np.max(a, axis=1, keepdims=True)
    x = mask * w * 0.5
    return x @ b, np.sum(x, axis=1)
