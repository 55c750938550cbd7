"""The reductions' parameters after `axis` given by position, as NumPy binds them (frontend/reducer_keywords.py
AFTER_AXIS; numba's `a.sum(a1, a2)` usecase, refused before as "takes 0 to 1 positional arguments"): `x.sum(0,
np.float32)`, `np.var(x, 0, None, None, 1)`, the methods `x.all()`/`x.any()` whose second is NumPy's dtype; a
positional `out` of None is NumPy's default, another `out` a located refusal. Values, dtypes and exceptions against
NumPy running the same source; every form and the C target through the corpus driver's checks."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
SIGNATURE = 'x: "f64[n,m]", i: "i32[n,m]"'
BODIES = [
    "x.sum(0, np.float32)", "i.sum(1, np.int32)", "i.sum(None, np.float64, None, True)",
    "np.sum(x, 0, None, None, False, 2.0)", "x.max(1, None, True)", "np.min(x, 0, None, False, 7.0, x > 0)",
    "x.var(0, None, None, 1)", "np.std(x, None, np.float32, None, 0, True)", "x.mean(1, np.float32, None, True)",
    "np.nanmean(x, 0, None, None, True)", "x.all(0, None, None, True)", "x.any(1, None, None, False)",
    "np.any(x, 0, None, True)", "np.ptp(x, 1, None, True)", "np.nanargmax(x, 0, None)", "x.prod(0, None, out=None)",
    "np.sum(x, 1, np.int64, None, False, 3, i > 0)", "np.amax(x, 0, None, True)",
]


def _text(body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({SIGNATURE}):\n    return {body}\n"


def _inputs(n: int, m: int) -> list:
    return [np.linspace(-7.3, 8.55, n * m).reshape(n, m),
            (np.arange(n * m, dtype=np.int32).reshape(n, m) * 700001) - 5]


@pytest.mark.parametrize("body", BODIES)
def test_values_are_numpys(body):
    module = load_source(_text(body), "positions.py")
    python: dict = {}
    exec(compile(_text(body), "python_reference", "exec"), python)
    with np.errstate(all="ignore"):
        for n, m in ((3, 4), (2, 1), (1, 3)):
            expected, got = python["f"](*_inputs(n, m)), module.f(*_inputs(n, m))
            assert np.asarray(got).dtype == np.asarray(expected).dtype and np.shape(got) == np.shape(expected)
            assert np.array_equal(got, expected, equal_nan=True), (got, expected)


@pytest.mark.parametrize("body", ["x.sum(0, np.float32) * x[0]", "np.var(x, 0, None, None, 1) + x.max(0, None, False)"])
def test_every_form_on_both_targets(body, tmp_path):
    with np.errstate(all="ignore"):
        outcomes = check_kernel(_text(body), ["x", "i"], [_inputs(3, 4), _inputs(2, 2)], lambda args: args, c=True,
                                folder=tmp_path)
    assert {form: outcome for form, (outcome, _) in outcomes.items() if outcome not in ("pass", "skip")} == {}, \
        outcomes
    assert outcomes["c"][0] == "pass" and {"vjp", "fj"} <= set(outcomes), outcomes


@pytest.mark.parametrize("body", ["x.sum(0, None, x[0])", "np.max(x, 0, x[0])", "x.all(0, np.int32)"])
def test_an_out_array_and_all_s_dtype_are_refused_located(body):
    with pytest.raises(TranspileError) as info:
        load_source(_text(body), "positions.py")
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint, str(info.value)
