"""ML-From-Scratch's package from a checkout. Its `utils` imports matplotlib and progressbar at module level (the
plots of its examples), its `supervised_learning` sklearn, cvxopt and terminaltables: none is a kernel's code, so a
missing one is stood in by a module whose every attribute is an inert object."""
from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

MODULES = ("mlfromscratch.deep_learning.layers", "mlfromscratch.deep_learning.loss_functions",
           "mlfromscratch.deep_learning.activation_functions", "mlfromscratch.deep_learning.optimizers",
           "mlfromscratch.supervised_learning.regression", "mlfromscratch.supervised_learning.logistic_regression",
           "mlfromscratch.utils.kernels", "mlfromscratch.utils.data_operation",
           "mlfromscratch.utils.data_manipulation",
           "mlfromscratch.unsupervised_learning.principal_component_analysis",
           "mlfromscratch.unsupervised_learning.gaussian_mixture_model", "mlfromscratch.unsupervised_learning.k_means")


class _Reads(type):
    def __getattr__(cls, name: str) -> "Inert":  # `cvxopt.solvers.options[...] = False` on the class
        if name.startswith("__"):
            raise AttributeError(name)
        return Inert()


class Inert(metaclass=_Reads):
    """Anything a plotting module's import-time code asks of a stand-in: called, subclassed, read, indexed."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __call__(self, *args, **kwargs) -> "Inert":
        return Inert()

    def __getattr__(self, name: str) -> "Inert":
        if name.startswith("__"):
            raise AttributeError(name)
        return Inert()

    def __getitem__(self, key) -> "Inert":
        return Inert()

    def __setitem__(self, key, value) -> None:
        pass


class StandIn(types.ModuleType):
    """A missing package: a package (its submodules import too), every attribute the class Inert."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__path__: list[str] = []

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return Inert


def import_mlfs(path: Path) -> types.ModuleType:
    """`mlfromscratch` (the folder holding it: the checkout's root) with the modules the cases read imported."""
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
    for _ in range(32):
        try:
            for name in MODULES:
                importlib.import_module(name)
            return importlib.import_module("mlfromscratch")
        except ModuleNotFoundError as exc:
            if not exc.name or exc.name.split(".")[0] == "mlfromscratch" or exc.name in sys.modules:
                raise
            sys.modules[exc.name] = StandIn(exc.name)
    raise ImportError("ML-From-Scratch's imports did not settle")
