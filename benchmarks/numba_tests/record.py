"""Run numba's test modules with `njit`/`jit` replaced by a recorder: each call of a compiled usecase is noted as
`(usecase, args)` and answered by the Python function itself, so the test method goes on to its next argument set.

numba must be importable (the test modules import `numba.tests.support`, `numba.core.errors`, ...): the installed
release provides those; the test modules themselves are loaded from the checkout by path. A test method that
expects numba's own behaviour (a `TypingError`, a compiled-only attribute) fails after recording what it called:
its failure is ignored.
"""
from __future__ import annotations

import contextlib
import copy
import io
import sys
import time
import unittest
import warnings
from pathlib import Path

import numpy as np

from ..corpus.driver import load_module
from ..limits import TimedOut, time_limit

FILES = ("test_np_functions", "test_array_reductions", "test_array_manipulation", "test_array_methods",
         "test_array_exprs", "test_array_attr", "test_ufuncs")
PER_USECASE = 400  # calls noted per usecase (some tests loop over thousands of argument sets)
METHOD_LIMIT = 5  # seconds per test method in Python


class Recorded:
    """What `njit(pyfunc)` returns while recording: calls `pyfunc`, noting the arguments first."""

    def __init__(self, pyfunc, calls: dict) -> None:
        self.py_func = pyfunc
        self.__name__ = getattr(pyfunc, "__name__", "usecase")
        self._calls = calls

    def __call__(self, *args, **kwargs):
        noted = self._calls.setdefault(self.py_func, [])
        if len(noted) < PER_USECASE:
            try:
                noted.append((copy.deepcopy(args), copy.deepcopy(kwargs)))
            except Exception:  # noqa: BLE001  an argument deepcopy cannot copy (a generator): not noted
                pass
        return self.py_func(*args, **kwargs)

    def __getattr__(self, name):  # `cfunc.overloads`, `cfunc.signatures`: numba's own; the test fails there
        raise AttributeError(name)


def _recorder(calls: dict):
    def jit(*args, **kwargs):
        if args and callable(args[0]) and not isinstance(args[0], (str, tuple, list)):
            return Recorded(args[0], calls)
        return lambda pyfunc: Recorded(pyfunc, calls)
    return jit


def record(numba_root: Path, files: tuple[str, ...] = FILES,
           methods: tuple[int, int] | None = None) -> tuple[dict, dict]:
    """Run every test method of `files` (numba/tests/<file>.py under `numba_root`) with the recorder in place:
    ({usecase: [(args, kwargs), ...]}, {usecase: test module name}). `methods` (K, N): only the K-th of N
    consecutive parts of each module's test methods (test_np_functions is one class of 213 methods whose
    recording alone can outlast one piece of a scan)."""
    import numba

    calls: dict = {}
    saved = {name: getattr(numba, name) for name in ("jit", "njit")}
    recorder = _recorder(calls)
    numba.jit = numba.njit = recorder
    import numba.core.decorators as decorators
    saved_decorators = {name: getattr(decorators, name) for name in ("jit", "njit")}
    decorators.jit = decorators.njit = recorder
    origin: dict = {}
    try:
        for stem in files:
            with _quiet():
                try:
                    module = load_module(numba_root / "numba" / "tests" / f"{stem}.py", f"numba_corpus.{stem}")
                except Exception as exc:  # noqa: BLE001
                    print(f"{stem}: not loaded ({type(exc).__name__}: {exc})", file=sys.stderr)
                    continue
            before = set(calls)
            started = time.perf_counter()
            _run_tests(module, methods)
            print(f"{stem}: {len(set(calls) - before)} usecases called ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr, flush=True)
            for usecase in set(calls) - before:
                origin[usecase] = stem
    finally:
        for name, value in saved.items():
            setattr(numba, name, value)
        for name, value in saved_decorators.items():
            setattr(decorators, name, value)
    return calls, origin


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _run_tests(module, methods: tuple[int, int] | None = None) -> None:
    tests = list(_flatten(unittest.defaultTestLoader.loadTestsFromModule(module)))
    if methods:
        k, n = methods
        tests = tests[(k - 1) * len(tests) // n:k * len(tests) // n]
    for test in tests:
        result = unittest.TestResult()
        with _quiet():
            try:
                with time_limit(METHOD_LIMIT, what="a test method"):
                    test.run(result)
            except (Exception, TimedOut):  # noqa: BLE001
                pass


def _flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item
