"""GradBench `gmm`: the GMM log-posterior (ADBench, with GradBench's fixes); `objective` and `jacobian`.

The kernel is the one in benchmarks/workloads/gmm.py: each component's lower-triangular Q is gathered from
[exp(q_k), l_k] with a constant index matrix, the likelihood uses logsumexp, Q(x - mu) is one einsum. The terms
that depend on the sizes only (the Gaussian normaliser and the Wishart constant) are an input computed once.
"""
import numpy as np

from ..workloads import gmm as workload

SOURCE = workload.LIFTED.replace("def f(", "def objective(").replace(
    "f_grad = grad(f, wrt=", "jacobian = grad(objective, wrt=")


def prepare(function, input):
    def matrix(rows, width):
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), width)

    d = int(input["d"])
    return workload.packed_inputs(
        np.asarray(input["alpha"], dtype=np.float64), matrix(input["mu"], d), matrix(input["q"], d),
        matrix(input["l"], d * (d - 1) // 2), matrix(input["x"], d), gamma=float(input["gamma"]),
        m=int(input["m"]))


def output(function, value):
    if function == "objective":
        return float(value)
    alpha, mu, q, l = value
    return {"alpha": alpha.tolist(), "mu": mu.tolist(), "q": q.tolist(), "l": l.tolist()}
