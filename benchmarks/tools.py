"""One adapter per AD tool: turn a workload and its inputs into zero-argument `primal()` and `grad()` calls.

Inputs are converted to each tool's arrays once, outside the timed calls; every `grad()` returns the gradients
of the workload's WRT arguments as a tuple (as the tool produces them: `to_numpy` converts for the checks).
A tool that is not installed, or that cannot differentiate a workload, is reported with the reason and skipped;
nothing is ever replaced by another tool's numbers.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .workloads import Workload

ROOT = Path(__file__).resolve().parents[1]


class Unsupported(Exception):
    """This tool cannot run this workload (the message says why); the report shows it as a skip."""


@dataclass
class Prepared:
    primal: Callable[[], Any]
    grad: Callable[[], tuple]
    compile_s: float | None = None  # JAX: tracing + XLA compilation of primal and gradient, measured apart
    notes: list[str] = field(default_factory=list)


class Tool:
    name = ""
    label = ""
    allocates_through_numpy = False  # tracemalloc sees its arrays

    def missing(self) -> str | None:
        """None when usable here, else why not (shown in the report)."""
        return None

    def prepare(self, workload: Workload, args: tuple) -> Prepared:
        raise NotImplementedError

    def to_numpy(self, value) -> np.ndarray:
        return np.asarray(value, dtype=np.float64)


def _module_missing(name: str) -> str | None:
    try:
        importlib.import_module(name)
    except Exception as error:  # an installed package can still fail to import
        return f"`import {name}` failed: {type(error).__name__}: {error}"
    return None


# -- Lifted ------------------------------------------------------------------------------------------------

_LIFTED_CACHE: dict[str, Any] = {}


def lifted_module(workload: Workload, source: str | None = None, path: str | None = None):
    """Transpile a workload's kernel source with transpile_source and load the generated module (cached)."""
    source = source if source is not None else workload.module.LIFTED
    key = path or f"benchmarks/workloads/{workload.name}_kernel.py"
    if (key, source) in _LIFTED_CACHE:
        return _LIFTED_CACHE[(key, source)]
    from lifted.transpiler import transpile_source

    generated = transpile_source(source, key)
    module = type(sys)(f"lifted_generated_{workload.name}")
    module.__file__ = key
    exec(compile(generated, key, "exec", dont_inherit=True), module.__dict__)
    module.__lifted_generated_source__ = generated
    _LIFTED_CACHE[(key, source)] = module
    return module


class Lifted(Tool):
    name, label = "lifted", "Lifted (generated NumPy)"
    allocates_through_numpy = True

    def missing(self):
        return _module_missing("transpiler")

    def prepare(self, workload, args):
        try:
            m = lifted_module(workload)
        except Exception as error:
            raise Unsupported(f"transpile failed: {type(error).__name__}: {error}") from error
        f, f_grad = m.f, m.f_grad
        return Prepared(lambda: f(*args), lambda: f_grad(*args))


class HandNumPy(Tool):
    name, label = "numpy", "hand-written NumPy adjoint"
    allocates_through_numpy = True

    def prepare(self, workload, args):
        grad = getattr(workload.module, "numpy_grad", None)
        if grad is None:
            raise Unsupported("no hand-written adjoint for this workload")
        f = lifted_module(workload).f  # the primal is the same NumPy code either way
        return Prepared(lambda: f(*args), lambda: grad(*args))


class Autograd(Tool):
    name, label = "autograd", "autograd"
    allocates_through_numpy = True

    def missing(self):
        return _module_missing("autograd")

    def prepare(self, workload, args):
        import autograd
        import autograd.numpy as anp

        xp_f = workload.module.xp_f
        wrt = workload.wrt

        def f(*a):
            return xp_f(anp, *a)

        g = autograd.grad(f, wrt if len(wrt) > 1 else wrt[0])
        if len(wrt) > 1:
            return Prepared(lambda: f(*args), lambda: tuple(g(*args)))
        return Prepared(lambda: f(*args), lambda: (g(*args),))


class Tangent(Tool):
    name, label = "tangent", "tangent-ad"
    allocates_through_numpy = True

    def missing(self):
        return _module_missing("tangent")

    def prepare(self, workload, args):
        import tangent

        tf = getattr(workload.module, "tangent_f", None)
        if tf is None:
            raise Unsupported("no tangent-ad formulation (its NumPy subset lacks an operation this workload needs)")
        wrt = workload.wrt
        try:
            with _quiet_stderr():
                g = tangent.grad(tf, wrt=wrt, verbose=0)
                out = g(*args)
        except Exception as error:
            raise Unsupported(f"tangent.grad failed: {type(error).__name__}: {str(error).strip().splitlines()[0]}")
        single = not isinstance(out, tuple)
        return Prepared(lambda: tf(*args), (lambda: (g(*args),)) if single else (lambda: g(*args)))


class _quiet_stderr:
    """tangent prints SyntaxWarnings from the code it generates; keep the benchmark log readable."""

    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


class Torch(Tool):
    name, label = "torch", "PyTorch CPU (eager)"

    def missing(self):
        return _module_missing("torch")

    def prepare(self, workload, args):
        import torch

        pin_torch_threads()
        wrt = workload.wrt
        tensors = []
        for i, a in enumerate(args):
            a = np.asarray(a)
            if a.ndim == 0 and a.dtype.kind in "iu":
                tensors.append(int(a))
            else:
                t = torch.from_numpy(np.array(a))
                tensors.append(t.requires_grad_(True) if i in wrt else t)
        inputs = [tensors[i] for i in wrt]
        f = workload.module.torch_f

        def primal():
            with torch.no_grad():
                return f(torch, *tensors)

        def grad():
            return torch.autograd.grad(f(torch, *tensors), inputs)

        return Prepared(primal, grad)

    def to_numpy(self, value):
        return value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)


class Jax(Tool):
    name, label = "jax", "JAX CPU (jit)"

    def missing(self):
        return _module_missing("jax")

    def prepare(self, workload, args):
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        wrt = workload.wrt
        static = tuple(getattr(workload.module, "JAX_STATIC", ()))
        values = [int(a) if i in static else jnp.asarray(a) for i, a in enumerate(args)]
        body = getattr(workload.module, "jax_f", None)
        xp_f = workload.module.xp_f

        def f(*a):
            return body(jnp, *a) if body is not None else xp_f(jnp, *a)

        primal = jax.jit(f, static_argnums=static)
        grad = jax.jit(jax.grad(f, argnums=wrt), static_argnums=static)
        start = time.perf_counter()
        primal_c = primal.lower(*values).compile()
        grad_c = grad.lower(*values).compile()
        compile_s = time.perf_counter() - start
        dynamic = [v for i, v in enumerate(values) if i not in static]
        return Prepared(lambda: primal_c(*dynamic).block_until_ready(),
                        lambda: jax.block_until_ready(grad_c(*dynamic)), compile_s)


TOOLS: dict[str, Tool] = {t.name: t for t in (Lifted(), HandNumPy(), Autograd(), Tangent(), Torch(), Jax())}
ORDER = tuple(TOOLS)


def pin_torch_threads() -> None:
    threads = int(os.environ.get("LIFTED_BENCH_THREADS", "0") or 0)
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def max_relative_error(expected: tuple, actual: tuple) -> float:
    """Largest |a - e| / max(1, |e|) over all gradient entries (GradBench's own comparison, ADBench's rule)."""
    worst = 0.0
    for e, a in zip(expected, actual):
        e, a = np.asarray(e, dtype=np.float64), np.asarray(a, dtype=np.float64)
        if e.shape != a.shape:
            return float("inf")
        if e.size:
            worst = max(worst, float(np.max(np.abs(a - e) / np.maximum(1.0, np.abs(e) + np.abs(a)))))
    return worst
