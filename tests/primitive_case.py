"""The case table of the generic primitive test (tests/test_primitives.py): a case is one small kernel
exercising one registry entry; `case(...)` adds one to CASES (the family modules primitive_cases_*.py call it).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lifted.transpiler.ir.types import parse_annotation


SIZES = {"n": 3, "d": 4, "m": 2, "k": 5}  # values of the named dimensions in annotations
FD_STEP = 1e-6
FD_TOL = 1e-6
AUTOGRAD_RTOL = 1e-10
AUTOGRAD_ATOL = 1e-12

# Sampling domains: each keeps the primitives away from poles, branch cuts and non-differentiable points.
DOMAINS: dict[str, Callable[[np.random.Generator, tuple], np.ndarray]] = {
    "normal": lambda rng, shape: rng.normal(size=shape),
    "pos": lambda rng, shape: rng.uniform(0.5, 2.0, size=shape),  # log, sqrt, power base, denominators
    "neg": lambda rng, shape: rng.uniform(-2.0, -0.5, size=shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, size=shape),  # arcsin, arccos
    "small": lambda rng, shape: rng.uniform(-0.5, 0.5, size=shape),
    "half": lambda rng, shape: rng.uniform(0.5, 1.0, size=shape),
    "big": lambda rng, shape: rng.uniform(2.0, 4.0, size=shape),  # numerators of mod, away from 0
    "prob": lambda rng, shape: rng.uniform(0.1, 0.9, size=shape),  # logit
    # square matrices (stacks of them) away from singular: a random matrix plus 3 on the diagonal
    "matrix": lambda rng, shape: rng.normal(size=shape) + 3.0 * np.eye(shape[-1]),
    # symmetric positive definite in the lower triangle, noise above it (which cholesky and eigh never read)
    "spd_lower": lambda rng, shape: _spd(rng, shape) + np.triu(rng.normal(size=shape), 1),
    "spd_upper": lambda rng, shape: _spd(rng, shape) + np.tril(rng.normal(size=shape), -1),
}


def _spd(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    m = rng.normal(size=shape)
    return m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])


@dataclass(frozen=True)
class Param:
    name: str
    annotation: str | None  # None: written without an annotation (unknown rank)
    dtype: str
    shape: tuple[int, ...]  # the concrete shape inputs are drawn with

    @property
    def is_float(self) -> bool:
        return self.dtype in ("f32", "f64")


@dataclass(frozen=True)
class Case:
    prim: str  # the registry entry this case exists for (the coverage key)
    name: str  # pytest id
    params: tuple[Param, ...]
    body: str  # NumPy statements; the last line is the expression under test
    domain: dict = field(default_factory=dict)  # param name -> DOMAINS key (default "normal")
    fixed: dict = field(default_factory=dict)  # param name -> fixed value (integer indices)
    oracle: str | None = None  # autograd body where autograd needs another spelling
    vjp: bool = False  # also check vjp of the raw expression under a random cotangent
    rtol: float = AUTOGRAD_RTOL  # against autograd (loosened only for float32 round trips)
    fd_tol: float | None = FD_TOL  # None: no finite-difference check (said why at the case)
    ir: Callable | None = None  # builds the expression from symbolic params (entries no source can produce)
    linear: bool = True  # also check grad under the linear readout `np.sum(e)` (id `<name>-linear`)
    forward: bool = True  # False: forward mode refuses this entry (its JVP rule raises, said why at the case)
    hessian: bool = False  # also check second order (hessian, jvp(grad), vjp(grad)) of `f` against autograd

    @property
    def wrt(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.is_float)


def _params(spec: str) -> tuple[Param, ...]:
    """`"x: f64[3,4], y: f64[n], z: ?[3,4], i: i64[]"`; `?[...]` is an unannotated parameter of that shape."""
    params = []
    for part in spec.split(", "):
        name, annotation = (s.strip() for s in part.split(":"))
        if annotation.startswith("?"):
            dtype, dims, annotation_text = "f64", annotation[2:-1], None
        else:
            dtype, dims = annotation[:-1].split("[")
            annotation_text = annotation
            parse_annotation(annotation)  # a typo in the table fails loudly
        shape = tuple(SIZES[d] if d in SIZES else int(d) for d in dims.split(",") if d)
        params.append(Param(name, annotation_text, dtype, shape))
    return tuple(params)


CASES: list[Case] = []


def case(prim: str, name: str, params: str, body: str, **options) -> None:
    CASES.append(Case(prim, name, _params(params), textwrap.dedent(body).strip(), **options))
