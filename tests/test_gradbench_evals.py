"""The GradBench eval ports compute the right derivatives on tiny inputs: each generated derivative agrees with
central finite differences in float64 and with autograd (on the same source, or on an independent formula where
the source mutates arrays, which autograd cannot run). The real evals validate the full sizes through
`benchmarks.gradbench.runner`; these tests keep the default suite fast and need no GradBench checkout.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source

autograd = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402

from benchmarks.gradbench import det, kmeans, ode  # noqa: E402
from benchmarks.gradbench.tool import serve  # noqa: E402


def exchange(*messages) -> list[dict]:
    lines = "".join(json.dumps({"id": i} | m) + "\n" for i, m in enumerate(messages))
    out = io.StringIO()
    serve(io.StringIO(lines), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def evaluate(module: str, function: str, input: dict):
    _, define, response = exchange({"kind": "start"}, {"kind": "define", "module": module},
                                   {"kind": "evaluate", "module": module, "function": function,
                                    "input": input | {"min_runs": 1, "min_seconds": 0}})
    assert define["success"], define
    assert response["success"], response.get("error")
    return response["output"]


# ode ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,s", [(1, 1), (5, 1), (6, 3)])
def test_ode_gradient_agrees_with_finite_differences_and_autograd(n, s):
    generated = load_source(ode.SOURCE, "ode_kernel.py")
    x = np.random.default_rng(n + s).uniform(0.5, 1.5, size=n)
    gradient = generated.gradient(x, s)
    assert_close(gradient, central_difference(lambda x: generated.primal(x, s)[-1], [x], 0),
                 rtol=1e-6, atol=1e-9, what="ode gradient vs FD")
    oracle = autograd_kernels(ode.SOURCE)
    assert_close(generated.primal(x, s), oracle["primal"](x, s), rtol=1e-14, what="ode primal")
    assert_close(gradient, autograd.grad(oracle["last"])(x, s), rtol=1e-12, atol=1e-15, what="ode vs autograd")


def test_ode_exact_for_a_low_degree_solution():
    """With n = 3 the solution is a polynomial of degree 3 in t, which classical RK4 integrates exactly."""
    x = np.array([0.5, 2.0, -1.5])
    y = evaluate("ode", "primal", {"x": x.tolist(), "s": 2})
    t = 2.0
    expected = [x[0] * t, x[0] * x[1] * t ** 2 / 2, x[0] * x[1] * x[2] * t ** 3 / 6]
    assert y == pytest.approx(expected, rel=1e-12)
    assert evaluate("ode", "gradient", {"x": x.tolist(), "s": 2}) == pytest.approx(
        [expected[2] / v for v in x], rel=1e-12)


# kmeans ---------------------------------------------------------------------------------------------------------

def kmeans_inputs(n=9, k=3, d=2, seed=0):
    points = np.random.default_rng(seed).random((n, d))
    return points, points[-k:].copy() + 0.01  # every centroid keeps at least its own point


def direct_cost(points, centroids):
    """The eval's definition, written independently of the kernel (an n x k x d difference)."""
    return anp.sum(anp.min(anp.sum((points[:, None, :] - centroids[None, :, :]) ** 2, axis=2), axis=1))


def test_kmeans_gradient_and_hessian_diagonal_agree_with_finite_differences_and_autograd():
    generated = load_source(kmeans.SOURCE, "kmeans_kernel.py")
    points, centroids = kmeans_inputs()
    assert generated.cost(points, centroids) == pytest.approx(float(direct_cost(points, centroids)), rel=1e-12)
    gradient, hvp_ones = generated.grad_and_hvp(points, centroids, np.ones_like(centroids))
    assert_close(gradient, generated.cost_grad(points, centroids), rtol=1e-14, what="jvp(grad) primal output")
    assert_close(gradient, central_difference(generated.cost, [points, centroids], 1), rtol=1e-6, atol=1e-8,
                 what="kmeans gradient vs FD")
    assert_close(gradient, autograd.grad(direct_cost, 1)(points, centroids), rtol=1e-12, what="vs autograd")
    assert_close(gradient, autograd.grad(autograd_kernels(kmeans.SOURCE)["cost"], 1)(points, centroids),
                 rtol=1e-12, what="vs autograd on the kernel source")
    # The Hessian is diagonal, so H @ ones is its diagonal.
    size = centroids.size
    hessian = autograd.hessian(direct_cost, 1)(points, centroids).reshape(size, size)
    assert_close(hessian, np.diag(np.diag(hessian)), atol=0, what="the kmeans Hessian is diagonal")
    assert_close(hvp_ones.reshape(-1), np.diag(hessian), rtol=1e-12, what="Hessian diagonal vs autograd")
    fd = [central_difference(lambda c: generated.cost_grad(points, c)[j, l], [centroids], 0)[j, l]
          for j in range(centroids.shape[0]) for l in range(centroids.shape[1])]
    assert_close(hvp_ones.reshape(-1), fd, rtol=1e-6, what="Hessian diagonal vs FD of the gradient")


def test_kmeans_tool_dir_is_the_newton_step_to_the_cluster_means():
    points, centroids = kmeans_inputs(n=12, k=4, d=3, seed=1)
    output = evaluate("kmeans", "dir", {"points": points.tolist(), "centroids": centroids.tolist()})
    closest = np.argmin(((points[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    expected = [centroids[j] - points[closest == j].mean(axis=0) for j in range(len(centroids))]
    assert_close(np.array(output), np.array(expected), rtol=1e-12, atol=1e-14, what="kmeans dir")
    cost = evaluate("kmeans", "cost", {"points": points.tolist(), "centroids": centroids.tolist()})
    assert cost == pytest.approx(float(direct_cost(points, centroids)), rel=1e-12)


# det ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ell", [1, 2, 3, 5])
def test_det_expansion_by_minors_and_its_gradient(ell):
    generated = load_source(det.SOURCE, "det_kernel.py")
    a = np.random.default_rng(ell).random((ell, ell))
    tables = det.tables(ell)
    assert generated.primal(a, *tables) == pytest.approx(np.linalg.det(a), rel=1e-12, abs=1e-15)
    gradient = generated.gradient(a, *tables)
    assert_close(gradient, central_difference(lambda a: generated.primal(a, *tables), [a], 0),
                 rtol=1e-6, atol=1e-9, what="det gradient vs FD")
    assert_close(gradient, autograd.grad(anp.linalg.det)(a), rtol=1e-10, atol=1e-14, what="det vs autograd")


def test_det_tool_output_is_row_major():
    a = np.array([[2.0, 1.0, 0.5], [0.0, 3.0, 1.0], [1.0, -1.0, 4.0]])
    assert evaluate("det", "primal", {"A": a.reshape(-1).tolist(), "ell": 3}) == pytest.approx(np.linalg.det(a))
    cofactors = np.linalg.det(a) * np.linalg.inv(a).T
    assert evaluate("det", "gradient", {"A": a.reshape(-1).tolist(), "ell": 3}) == pytest.approx(
        cofactors.reshape(-1).tolist())
