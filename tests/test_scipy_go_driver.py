"""benchmarks.scipy_go (docs/corpora.md) keeps working without a SciPy checkout: a folder shaped like SciPy's
`go_benchmark_functions`, with a base class and benchmark functions of our own writing, goes through the
mechanical rewrite (constants of `__init__`, `self.nfev += 1` dropped, `self.N`), the not-converted reasons and
every form's check."""
from __future__ import annotations

import numpy as np

from benchmarks.corpus.checks import check_kernel
from benchmarks.scipy_go.__main__ import inputs, tally
from benchmarks.scipy_go.convert import cases

BASE = '''
from ..common import safe_import  # noqa: F401


class Benchmark:
    change_dimensionality = False

    def __init__(self, dimensions):
        self._dimensions = dimensions
        self.nfev = 0
        self.global_optimum = None

    @property
    def N(self):
        return self._dimensions

    @property
    def bounds(self):
        if self.change_dimensionality:
            return [self._bounds[0]] * self.N
        return self._bounds

    def change_dimensions(self, ndim):
        self._dimensions = ndim
'''

FUNCTIONS = '''
from numpy import abs, cos, exp, sum, arange
from numpy.random import uniform
from math import gamma
from .go_benchmark import Benchmark


class Bowl(Benchmark):
    change_dimensionality = True

    def __init__(self, dimensions=2):
        Benchmark.__init__(self, dimensions)
        self._bounds = list(zip([-3.0] * self.N, [3.0] * self.N))
        self.global_optimum = [[0.0 for _ in range(self.N)]]

    def fun(self, x, *args):
        self.nfev += 1
        weights = arange(1.0, self.N + 1.0)
        return sum(weights * x ** 2) + abs(x[0])


class Wells(Benchmark):
    def __init__(self, dimensions=2):
        Benchmark.__init__(self, dimensions)
        self._bounds = [(-1.0, 4.0), (-1.0, 4.0)]
        self.centres = np.array([[1.0, 1.0], [3.0, 2.0]])
        self.depth = [2.0, 1.5]

    def fun(self, x, *args):
        self.nfev += 1
        return -sum(self.depth * exp(-sum((x - self.centres) ** 2, axis=1)))


class Shaky(Benchmark):
    def __init__(self, dimensions=2):
        Benchmark.__init__(self, dimensions)
        self._bounds = [(-1.0, 1.0)] * 2

    def fun(self, x, *args):
        return sum(x * uniform(0.0, 1.0, size=2))


class Factorial(Benchmark):
    def __init__(self, dimensions=2):
        Benchmark.__init__(self, dimensions)
        self._bounds = [(0.0, 1.0)] * 2

    def fun(self, x, *args):
        return sum(x) * gamma(self.N)


class Guarded(Benchmark):
    def __init__(self, dimensions=2):
        Benchmark.__init__(self, dimensions)
        self._bounds = [(0.5, 1.0)] * 2

    def fun(self, x, *args):
        try:
            return sum(1.0 / x)
        except ZeroDivisionError:
            return np.nan
'''


def test_the_driver_rewrites_the_classes_and_checks_every_form(tmp_path):
    (tmp_path / "go_benchmark.py").write_text(BASE)
    (tmp_path / "go_funcs_A.py").write_text("import numpy as np\n" + FUNCTIONS)
    found = {case.label: case for case in cases(tmp_path)}
    assert sorted(found) == ["Bowl@2", "Bowl@5", "Factorial@2", "Guarded@2", "Shaky@2", "Wells@2"]
    bowl = found["Bowl@5"]
    assert "self_N = 5\n" in bowl.text and "nfev" not in bowl.text and 'def f(x: "f64[n]") -> "f64[]":' in bowl.text
    assert "from numpy import abs, cos, exp, sum, arange" in bowl.text and "uniform" not in bowl.text
    assert "self_centres = np.array([[1.0, 1.0], [3.0, 2.0]], dtype=np.float64)" in found["Wells@2"].text
    assert "self_depth = [2.0, 1.5]" in found["Wells@2"].text
    assert "random numbers `uniform` (numpy.random)" in found["Shaky@2"].not_converted
    assert "calls `gamma` (math)" in found["Factorial@2"].not_converted
    points = inputs(bowl)
    assert len(points) == 4 and all(np.all(np.abs(p[0]) <= 3.0) for p in points)
    assert np.array_equal(points[-1][0], np.zeros(5))  # SciPy's listed minimum last
    results = {}
    for label in ("Bowl@2", "Bowl@5", "Wells@2", "Guarded@2"):
        outcomes = check_kernel(found[label].text, ["x"], inputs(found[label]), lambda args: args)
        results[label] = {form: list(value) for form, value in outcomes.items()}
    for label in ("Bowl@2", "Bowl@5", "Wells@2"):
        assert {o for o, _ in results[label].values()} <= {"pass", "skip"}, results[label]
        assert results[label]["g"][0] == "pass" and results[label]["hvp"][0] in ("pass", "skip")
    assert results["Guarded@2"]["f"][0] == "refused" and "`try`" in results["Guarded@2"]["f"][1]
    results.update({"Shaky@2": {"not converted": found["Shaky@2"].not_converted}})
    per_form, refusals, not_converted = tally(results)
    assert per_form["f"]["pass"] == 3 and per_form["f"]["refused"] == 1 and sum(not_converted.values()) == 1
    assert any("`try` statements" in message for message in refusals)
