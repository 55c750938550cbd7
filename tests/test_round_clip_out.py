"""`np.around(a, decimals, out)` / `np.round`, `np.clip(a, a_min, a_max, out)` and the method `a.clip(lo, hi, out)`
with an `out` array, positional or keyword (numba's np_around_array, np_round_array, np_clip, array_clip usecases,
refused before as "takes 1 to 2 positional arguments"): the result written into `out` as a ufunc's `out=` is
(normalize/ufunc_out.py), np.around's `out` of a's shape, checked at run time (NumPy's ValueError where the sizes
differ), and of the result's dtype and rank (else a located refusal: NumPy rounds in out's dtype, or raises).
Values and exceptions against NumPy running the same source, every transform and the C target through the corpus
driver's checks."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"


def _text(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    " + body + "\n"


def _vectors(n: int, m: int) -> list:
    return [np.linspace(-7.3, 8.55, n), np.full(m, 9.0)]


NAMED = 'x: "f64[n]", out: "f64[m]"'
SAME = 'x: "f64[n]", out: "f64[n]"'
BODIES = [
    (NAMED, "np.around(x, 0, out)\n    return x"), (NAMED, "np.around(x, 1, out)\n    return out * 2.0"),
    (NAMED, "y = np.round(x, -1, out=out)\n    return y"), (NAMED, "np.around(x, out=out)\n    return out"),
    (NAMED, "return np.round(x, decimals=2, out=out) + 1.0"),
    (SAME, "np.clip(x, -5, 5, out)\n    return out"), (SAME, "return np.clip(x, 0, None, out=out) * x"),
    (SAME, "x.clip(-5, 5, out)\n    return out + x"), (SAME, "return x.clip(None, 1.5, out=out)"),
    (SAME, "np.clip(x, -1, 1, x)\n    return x"),
]


@pytest.mark.parametrize("signature, body", BODIES)
def test_values_and_errors_are_numpys(signature, body):
    text = _text(signature, body)
    python: dict = {}
    exec(compile(text, "python_reference", "exec"), python)
    module = load_source(text, "round_out.py")
    for n, m in ((5, 5), (0, 0), (1, 1)) + (((3, 4), (4, 1)) if signature == NAMED else ()):
        try:
            expected = python["f"](*_vectors(n, m))
        except Exception as raised:  # noqa: BLE001  NumPy raises: the kernel raises the same class
            with pytest.raises(type(raised)):
                module.f(*_vectors(n, m))
            continue
        got = module.f(*_vectors(n, m))
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert np.array_equal(got, expected) and np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize("signature, body", [BODIES[1], BODIES[4], BODIES[6], BODIES[8]])
def test_every_form_on_both_targets(signature, body, tmp_path):
    with np.errstate(all="ignore"):
        outcomes = check_kernel(_text(signature, body), ["x", "out"], [_vectors(5, 5), _vectors(3, 3)],
                                lambda args: args, c=True, folder=tmp_path)
    assert {form: outcome for form, (outcome, _) in outcomes.items() if outcome not in ("pass", "skip")} == {}, \
        outcomes
    assert outcomes["c"][0] == "pass" and {"vjp", "fj", "fv"} <= set(outcomes), outcomes


@pytest.mark.parametrize("signature, body, word", [
    ('x: "f64[n]", out: "i64[n]"', "np.around(x, 1, out)\n    return out", "dtype"),
    ('x: "f64[n]", out: "f32[n]"', "np.round(x, 1, out=out)\n    return out", "dtype"),
    ('x: "f64[n]", out: "f64[1,n]"', "np.around(x, 1, out)\n    return out", "rank"),
])
def test_refusals_are_located(signature, body, word):
    with pytest.raises(TranspileError) as info:
        load_source(_text(signature, body), "round_out.py")
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)
