"""Run CuPy's test methods with `xp = numpy` under the stand-in `cupy.testing` (benchmarks/cupy_tests/stand_in.py),
noting for each run what it built, with which loop values and class parameters, and what NumPy returned or raised.

The test classes are not run through pytest: each method that carries a `numpy_cupy_*` decorator is called once per
combination of its loops (the stand-in's dtype and order loops, pytest's `parametrize` marks) and of its class's
`testing.parameterize` dicts, on an instance made without `__init__` (its `setUp` run where it has one).
"""
from __future__ import annotations

import contextlib
import inspect
import io
import itertools
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..corpus.driver import load_module
from ..limits import TimedOut, time_limit
from . import stand_in

FILES = ("math_tests/test_sumprod", "math_tests/test_arithmetic", "math_tests/test_explog", "math_tests/test_misc",
         "math_tests/test_trigonometric", "math_tests/test_hyperbolic", "math_tests/test_rounding",
         "math_tests/test_special", "math_tests/test_floating", "math_tests/test_window",
         "manipulation_tests/test_shape", "manipulation_tests/test_transpose", "manipulation_tests/test_join",
         "manipulation_tests/test_split", "manipulation_tests/test_tiling", "manipulation_tests/test_rearrange",
         "manipulation_tests/test_dims", "manipulation_tests/test_add_remove",
         "indexing_tests/test_indexing", "indexing_tests/test_generate", "indexing_tests/test_insert",
         "sorting_tests/test_sort", "sorting_tests/test_search", "sorting_tests/test_count",
         "statistics_tests/test_order", "statistics_tests/test_meanvar", "statistics_tests/test_correlation",
         "statistics_tests/test_histogram", "logic_tests/test_comparison", "logic_tests/test_truth",
         "logic_tests/test_content", "logic_tests/test_ops", "logic_tests/test_type_test",
         "creation_tests/test_basic", "creation_tests/test_ranges", "creation_tests/test_matrix",
         "creation_tests/test_from_data", "linalg_tests/test_product", "linalg_tests/test_norms",
         "linalg_tests/test_einsum", "binary_tests/test_elementwise", "binary_tests/test_packing")
COMBINATIONS = 60  # loop combinations run per method and class parameter set
METHOD_LIMIT = 5  # seconds per run in Python


@dataclass
class Run:
    """One call of a test method: its loop values, the instance's attributes, the builds and NumPy's outcome."""
    loops: dict
    attributes: dict
    builds: list  # [((line, column), array)] in the order built
    stray: str = ""  # why the builds cannot become parameters (a build in a helper or a loop)
    result: object = None
    raised: BaseException | None = None


@dataclass
class Method:
    """A test method of one class (a parameterized class's copies share it) and its runs."""
    module: str
    path: Path
    cls: str
    name: str
    function: object
    check: dict
    runs: list = field(default_factory=list)
    not_run: str = ""


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _parametrize_loops(function, cls) -> list[tuple[tuple[str, ...], list[tuple]]]:
    """pytest's `parametrize` marks of the method and its class as loops: (names, [value tuples])."""
    loops = []
    for mark in getattr(function, "pytestmark", []) + list(getattr(cls, "pytestmark", [])):
        if getattr(mark, "name", "") != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = tuple(n.strip() for n in names.split(",")) if isinstance(names, str) else tuple(names)
        rows = [tuple(getattr(v, "values", v)) if len(names) > 1 or hasattr(v, "values") else (v,) for v in values]
        loops.append((names, rows))
    return loops


def combinations(function, cls) -> list[dict]:
    loops = getattr(function, stand_in.LOOPS, []) + _parametrize_loops(function, cls)
    found = []
    for choice in itertools.islice(itertools.product(*(rows for _, rows in loops)), COMBINATIONS):
        values = {}
        for (names, _), row in zip(loops, choice):
            values.update(zip(names, row))
        found.append(values)
    return found


def _instance(cls, attributes: dict):
    instance = cls.__new__(cls)
    for key, value in attributes.items():
        setattr(instance, key, value)
    if hasattr(instance, "setUp"):
        with _quiet():
            try:
                started = instance.setUp()
                if inspect.isgenerator(started):
                    next(started)
            except KeyboardInterrupt:
                raise
            except BaseException:  # noqa: BLE001  a setUp of CuPy's own (a memory pool), a pytest fixture
                pass
    return instance


def run_method(method: Method, cls) -> None:
    """Every run of `method` (its loops by its class's parameter sets) into `method.runs`."""
    function = method.function
    given = {"self", method.check["xp"]}
    for attributes in getattr(cls, stand_in.PARAMS, [{}]):
        for loops in combinations(function, cls):
            missing = [p for p in list(inspect.signature(function).parameters) if p not in given | set(loops)]
            if missing:
                method.not_run = f"a pytest fixture argument ({missing[0]})"
                return
            instance = _instance(cls, attributes)
            del stand_in.BUILDS[:]
            run = Run(dict(loops), dict(attributes), [])
            with _quiet():
                try:
                    with time_limit(METHOD_LIMIT, what="a test method"):
                        run.result = function(instance, **{method.check["xp"]: np}, **loops)
                except (Exception, TimedOut) as exc:  # noqa: BLE001
                    run.raised = exc
                except KeyboardInterrupt:
                    raise
                except BaseException:  # noqa: BLE001  pytest.skip or xfail for these arguments: no run
                    method.not_run = method.not_run or "pytest.skip or xfail for its arguments"
                    continue
            seen = set()
            nested = _nested_codes(function.__code__)
            for code, place, array in stand_in.BUILDS:
                if code in nested:
                    run.stray = "an input built in a comprehension or a nested function"
                elif code is not function.__code__:
                    run.stray = "an input built outside the test method (a helper)"
                elif place in seen:
                    run.stray = "an input built in a loop"
                seen.add(place)
                run.builds.append((place, array))
            method.runs.append(run)


def _nested_codes(code) -> set:
    found, waiting = set(), [code]
    while waiting:
        inner = [c for c in waiting.pop().co_consts if hasattr(c, "co_code")]
        found.update(inner)
        waiting += inner
    return found


def record(root: Path, files: tuple[str, ...] = FILES) -> list[Method]:
    """Every compared test method of `files` (tests/cupy_tests/<file>.py under `root`), with its runs."""
    finder = stand_in.install()
    methods: list[Method] = []
    try:
        for stem in files:
            path = root / "tests" / "cupy_tests" / f"{stem}.py"
            name = "cupy_corpus." + stem.replace("/", ".")
            with _quiet():
                try:
                    module = load_module(path, name)
                except Exception as exc:  # noqa: BLE001
                    print(f"{stem}: not loaded ({type(exc).__name__}: {exc})", file=sys.stderr)
                    continue
            found = 0
            for cls in list(vars(module).values()):
                if not (isinstance(cls, type) and cls.__module__ == name and cls.__name__.startswith("Test")):
                    continue
                for attribute in sorted(dir(cls)):
                    function = inspect.getattr_static(cls, attribute, None)
                    check = getattr(function, stand_in.CHECK, None)
                    if not attribute.startswith("test") or not inspect.isfunction(function) or check is None:
                        continue
                    method = Method(stem, path, cls.__name__, attribute, function, check)
                    if check["scipy"]:
                        method.not_run = "a SciPy comparison (sp_name)"
                    else:
                        run_method(method, cls)
                    methods.append(method)
                    found += 1
            print(f"{stem}: {found} compared test methods", file=sys.stderr, flush=True)
    finally:
        stand_in.uninstall(finder)
    return methods
