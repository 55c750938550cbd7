import numpy as np
from lifted import grad, kernel


@kernel
def hinge(points: "f64[n,d]", centroids: "f64[k,d]") -> "f64[]":
    distances = (np.sum(points * points, axis=1)[:, None] - 2.0 * (points @ centroids.T)
                 + np.sum(centroids * centroids, axis=1)[None, :])
    return np.sum(np.maximum(distances - 1.0, 0.0))


hinge_grad = grad(hinge, wrt="centroids")
