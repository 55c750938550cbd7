"""The benchmark workloads: each module holds one function written once per tool, side by side.

A workload module defines:

* `NAME`, `TITLE`: a short key and a one-line description;
* `SIZES`, `QUICK`, `TINY`: dicts of size parameters for the full run, the `--quick` run and the tests;
  `SCALING` (optional): sizes for the gradient/primal scaling study;
* `label(size)`: how a size reads in tables;
* `inputs(size, rng)`: the arguments, a tuple of NumPy arrays (float64, or int64 for indices), and `WRT`, the
  positions of the arguments the gradient is taken with respect to;
* `LIFTED`: the Lifted kernel source; it defines the kernel `f` and `f_grad = grad(f, wrt=(...))`;
* `xp_f(xp, *args)`: the same function over a NumPy-like namespace (autograd.numpy, jax.numpy);
* `torch_f(torch, *args)`: the same function for PyTorch;
* `tangent_f` (optional): a plain NumPy function in tangent-ad's subset, defined at module level so tangent can
  read its source;
* `numpy_grad(*args)` (optional): a hand-written NumPy adjoint returning the tuple of gradients.

Adding a workload is one module here and one entry in `ALL`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

ALL = ("mlp", "logistic", "rosenbrock", "logsumexp", "gmm", "rk4")


@dataclass(frozen=True)
class Workload:
    module: ModuleType

    @property
    def name(self) -> str:
        return self.module.NAME

    @property
    def title(self) -> str:
        return self.module.TITLE

    @property
    def wrt(self) -> tuple[int, ...]:
        return self.module.WRT

    def sizes(self, kind: str = "full") -> list[dict]:
        return list({"full": self.module.SIZES, "quick": self.module.QUICK, "tiny": [self.module.TINY],
                     "scaling": getattr(self.module, "SCALING", [])}[kind])

    def label(self, size: dict) -> str:
        return self.module.label(size)

    def find_size(self, label: str) -> dict:
        for kind in ("full", "quick", "tiny", "scaling"):
            for size in self.sizes(kind):
                if self.label(size) == label:
                    return size
        raise KeyError(f"{self.name} has no size labelled {label!r}")

    def inputs(self, size: dict, seed: int = 0) -> tuple:
        import numpy as np

        return self.module.inputs(size, np.random.default_rng(seed))


def get(name: str) -> Workload:
    if name not in ALL:
        raise KeyError(f"unknown workload {name!r}; known: {', '.join(ALL)}")
    return Workload(importlib.import_module(f"{__name__}.{name}"))


def all_workloads(names: tuple[str, ...] | list[str] = ALL) -> list[Workload]:
    return [get(name) for name in names]
