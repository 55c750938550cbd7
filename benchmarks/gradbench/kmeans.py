"""GradBench `kmeans`: the k-means cost sum_i min_j |C_j - P_i|^2 (`cost`) and the Newton direction J H^-1 (`dir`).

The squared distances come from one matrix product (|P_i|^2 - 2 P_i.C_j + |C_j|^2, an n x k array rather than
n x k x d), and the minimum over the centroids is a reduction whose adjoint goes to the closest centroid only.
`dir` needs the gradient J and the Hessian's diagonal: the Hessian of this cost is diagonal (each centroid's
coordinates only meet themselves), so its diagonal is the Hessian-vector product with a vector of ones.
`grad_and_hvp = jvp(grad(cost))` gives both in one forward-over-reverse pass; `dir` divides them.
"""
import numpy as np

SOURCE = '''
import numpy as np
from lifted import grad, jvp, kernel


@kernel
def cost(points: "f64[n,d]", centroids: "f64[k,d]") -> "f64[]":
    distances = (np.sum(points * points, axis=1)[:, None] - 2.0 * (points @ centroids.T)
                 + np.sum(centroids * centroids, axis=1)[None, :])
    return np.sum(np.min(distances, axis=1))


cost_grad = grad(cost, wrt="centroids")
grad_and_hvp = jvp(cost_grad, wrt="centroids")
'''


def prepare(function, input):
    points = np.asarray(input["points"], dtype=np.float64)
    centroids = np.asarray(input["centroids"], dtype=np.float64)
    return (points, centroids) if function == "cost" else (points, centroids, np.ones_like(centroids))


def entry(generated, function):
    """The timed callable: `dir` is J / diag(H), both from the generated forward-over-reverse function."""
    if function != "dir":
        return getattr(generated, function, None)

    def direction(points, centroids, ones):
        gradient, hessian_diagonal = generated.grad_and_hvp(points, centroids, ones)
        return gradient / hessian_diagonal

    return direction


def output(function, value):
    return float(value) if function == "cost" else np.asarray(value).tolist()
