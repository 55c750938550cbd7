"""Every ML-From-Scratch case, by family (benchmarks/mlfs/cases_nn.py, cases_models.py)."""
from __future__ import annotations

from ..numpy_ml.cases import NumpyMLCase
from .cases_models import kernel_cases, regression_cases, unsupervised_cases, utils_cases
from .cases_nn import activation_cases, layer_cases, loss_cases

FAMILIES = {"activations": activation_cases, "losses": loss_cases, "layers": layer_cases,
            "regression": regression_cases, "kernels": kernel_cases, "utils": utils_cases,
            "unsupervised": unsupervised_cases}


def cases(mlfs, only: set[str] | None = None) -> list[NumpyMLCase]:
    found = [case for make in FAMILIES.values() for case in make(mlfs)]
    return [case for case in found if not only or case.name in only]
