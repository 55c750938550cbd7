"""ML-From-Scratch's models outside deep_learning: the regressions' penalties (with their own `grad` as the oracle)
and predictions, utils/kernels.py's kernels (closures), utils' statistics, and steps of PCA, the Gaussian mixture
and k-means (values; derivatives where the step is differentiable)."""
from __future__ import annotations

import numpy as np

from ..numpy_ml.cases import M, N, NumpyMLCase, _case, _rng
from .cases_nn import mlfs_builder

VECTOR, MATRIX = f"f64[{M}]", f"f64[{N}, {M}]"


def regression_cases(mlfs) -> list[NumpyMLCase]:
    from mlfromscratch.supervised_learning import logistic_regression as lr
    from mlfromscratch.supervised_learning import regression as r

    found = []
    for label, obj in (("l1_regularization", r.l1_regularization(0.3)), ("l2_regularization", r.l2_regularization(0.3)),
                       ("l1_l2_regularization", r.l1_l2_regularization(0.3, l1_ratio=0.4))):
        rng = _rng(label)

        def oracle(module, args, obj=obj):
            return {"nm1": (module.g(args[0].copy()), obj.grad(args[0].copy()), 1)}
        found.append(_case(label, "regression", lambda b, o=obj: b.method(o, "__call__") + "(w)", {"w": VECTOR},
                           [[rng.standard_normal(M)] for _ in range(3)], "g = grad(f, wrt=0)\n", oracle,
                           builder=mlfs_builder()))
    X = _rng("regression X").standard_normal((N, M))
    for label, model in (("LinearRegression", r.LinearRegression()), ("RidgeRegression", r.RidgeRegression(0.1)),
                         ("PolynomialRegression", r.PolynomialRegression(degree=2)),
                         ("LassoRegression", r.LassoRegression(degree=2, reg_factor=0.1)),
                         ("ElasticNet", r.ElasticNet(degree=2)),
                         ("PolynomialRidgeRegression", r.PolynomialRidgeRegression(degree=2, reg_factor=0.1))):
        width = next(k for k in range(1, 64) if _predicts(model, X, k))  # the weights the features need
        rng = _rng(label)
        found.append(_case(f"{label}.predict", "regression",
                           lambda b, m=model: b.method(m, "predict", "self_", {"self.w": "w"}) + "(X, w)",
                           {"X": MATRIX, "w": f"f64[{width}]"},
                           [[rng.standard_normal((N, M)), rng.standard_normal(width)] for _ in range(2)],
                           builder=mlfs_builder()))
    rng = _rng("LogisticRegression.predict")
    found.append(_case("LogisticRegression.predict", "regression",
                       lambda b: b.method(lr.LogisticRegression(), "predict", "self_", {"self.param": "param"})
                       + "(X, param)", {"X": MATRIX, "param": VECTOR},
                       [[rng.standard_normal((N, M)), rng.standard_normal(M)] for _ in range(2)],
                       builder=mlfs_builder()))
    return found


def _predicts(model, X: np.ndarray, width: int) -> bool:
    model.w = np.zeros(width)
    try:
        model.predict(X)
    except ValueError:
        return False
    return True


def kernel_cases(mlfs) -> list[NumpyMLCase]:
    from mlfromscratch.utils import kernels

    found = []
    for label, closure in (("linear_kernel", kernels.linear_kernel()),
                           ("polynomial_kernel", kernels.polynomial_kernel(power=3, coef=1.0)),
                           ("rbf_kernel", kernels.rbf_kernel(gamma=0.5))):
        rng = _rng(label)
        found.append(_case(label, "kernels", lambda b, c=closure, n=label: b.function(c, n, None, "") + "(x1, x2)",
                           {"x1": VECTOR, "x2": VECTOR}, [[rng.standard_normal(M), rng.standard_normal(M)]
                                                          for _ in range(2)], builder=mlfs_builder()))
    return found


def utils_cases(mlfs) -> list[NumpyMLCase]:
    from mlfromscratch.utils import data_manipulation as dm
    from mlfromscratch.utils import data_operation as do

    found = []
    for module, name, params, call in (
            (do, "mean_squared_error", {"y_true": MATRIX, "y_pred": MATRIX}, "(y_true, y_pred)"),
            (do, "calculate_variance", {"X": MATRIX}, "(X)"), (do, "calculate_std_dev", {"X": MATRIX}, "(X)"),
            (do, "euclidean_distance", {"x1": VECTOR, "x2": VECTOR}, "(x1, x2)"),
            (do, "calculate_covariance_matrix", {"X": MATRIX}, "(X)"),
            (do, "calculate_correlation_matrix", {"X": MATRIX}, "(X)"),
            (do, "calculate_entropy", {"y": f"i64[{N * 2}]"}, "(y)"),
            (do, "accuracy_score", {"y_true": f"i64[{N * 2}]", "y_pred": f"i64[{N * 2}]"}, "(y_true, y_pred)"),
            (dm, "normalize", {"X": MATRIX}, "(X)"), (dm, "standardize", {"X": MATRIX}, "(X)"),
            (dm, "polynomial_features", {"X": MATRIX}, "(X, degree=2)"),
            (dm, "make_diagonal", {"x": VECTOR}, "(x)"), (dm, "to_nominal", {"x": MATRIX}, "(x)"),
            (dm, "to_categorical", {"x": f"i64[{N}]"}, "(x, n_col=3)")):
        rng = _rng(name)
        inputs = [[rng.integers(0, M, int(a[4:-1])) if a.startswith("i64") else rng.standard_normal(
            tuple(int(d) for d in a[4:-1].split(", "))) for a in params.values()] for _ in range(2)]
        found.append(_case(name, "utils", lambda b, m=module, n=name, c=call: b.global_name(n, getattr(m, n)) + c,
                           params, inputs, builder=mlfs_builder()))
    return found


def unsupervised_cases(mlfs) -> list[NumpyMLCase]:
    from mlfromscratch.unsupervised_learning.gaussian_mixture_model import GaussianMixtureModel
    from mlfromscratch.unsupervised_learning.k_means import KMeans
    from mlfromscratch.unsupervised_learning.principal_component_analysis import PCA

    rng = _rng("PCA.transform")
    found = [_case("PCA.transform", "unsupervised", lambda b: b.method(PCA(), "transform") + "(X, 2)",
                   {"X": f"f64[6, {M}]"}, [[rng.standard_normal((6, M))] for _ in range(2)], builder=mlfs_builder())]
    rng = _rng("GaussianMixtureModel.multivariate_gaussian")
    gmm = GaussianMixtureModel(k=2)

    def spd(rng):
        a = rng.standard_normal((M, M))
        return a @ a.T + np.eye(M)
    found.append(_case("GaussianMixtureModel.multivariate_gaussian", "unsupervised",
                       lambda b: b.method(gmm, "multivariate_gaussian") + '(X, {"mean": mean, "cov": cov})',
                       {"X": MATRIX, "mean": VECTOR, "cov": f"f64[{M}, {M}]"},
                       [[rng.standard_normal((N, M)), rng.standard_normal(M), spd(rng)] for _ in range(2)],
                       builder=mlfs_builder()))
    fitted = GaussianMixtureModel(k=2)
    fitted.priors = np.array([0.4, 0.6])
    fitted.parameters = [{"mean": rng.standard_normal(M), "cov": spd(rng)} for _ in range(2)]
    found.append(_case("GaussianMixtureModel._get_likelihoods", "unsupervised",
                       lambda b: b.method(fitted, "_get_likelihoods") + "(X)", {"X": MATRIX},
                       [[rng.standard_normal((N, M))] for _ in range(2)], builder=mlfs_builder()))
    rng = _rng("KMeans._closest_centroid")
    found.append(_case("KMeans._closest_centroid", "unsupervised",
                       lambda b: b.method(KMeans(k=3), "_closest_centroid") + "(sample, centroids)",
                       {"sample": VECTOR, "centroids": f"f64[3, {M}]"},
                       [[rng.standard_normal(M), rng.standard_normal((3, M))] for _ in range(2)],
                       builder=mlfs_builder()))
    return found
