"""The windows np.hanning, np.hamming, np.blackman, np.bartlett and np.kaiser of an M known only at run time
(frontend/run_time_windows.py; numba's `np_bartlett(M)` usecase): NumPy's values bit for bit on both targets for
int, bool and float M (below 1, 1, just above 1, fractional, large), NumPy's ValueError for a NaN or infinite M,
every transform against central differences and autograd (the corpus driver's checks)."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.jax.corpus import bit_for_bit
from gradcheck import load_source

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
WINDOWS = ["hanning", "hamming", "blackman", "bartlett"]
INTEGERS = [-3, 0, 1, 2, 5, 12]
FLOATS = [-2.0, 0.0, 0.5, 0.7, 1.0, 1.1, 1.5, 2.0, 3.5, 5.0, 12.25]


def _text(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"


@pytest.mark.parametrize("name", WINDOWS)
def test_windows_of_a_run_time_integer_m_are_numpys_bits(name):
    module = load_source(_text('M: "i64[]"', f"np.{name}(M)"), f"window_{name}.py")
    for m in INTEGERS:
        bit_for_bit(module, [np.int64(m)], getattr(np, name)(m))


@pytest.mark.parametrize("name", WINDOWS + ["kaiser"])
def test_windows_of_a_run_time_float_m_are_numpys_bits(name):
    body = "np.kaiser(M, 5.0)" if name == "kaiser" else f"np.{name}(M)"
    module = load_source(_text('M: "f64[]"', body), f"window_f_{name}.py")
    with np.errstate(all="ignore"):
        for m in FLOATS:
            bit_for_bit(module, [np.float64(m)], np.kaiser(m, 5.0) if name == "kaiser" else getattr(np, name)(m))
        for m in (np.nan, np.inf):
            with pytest.raises(ValueError):
                module.f(np.float64(m))


def test_window_of_a_computed_m_and_bool_m():
    module = load_source(_text('x: "f64[n]", b: "bool[]"', "np.hanning(len(x) + 1) * x.sum() + np.bartlett(b)[0]"),
                         "window_len.py")
    for n, b in ((0, True), (3, True), (6, True)):
        x = np.linspace(-1.0, 2.0, n)
        bit_for_bit(module, [x, np.bool_(b)], np.hanning(n + 1) * x.sum() + np.bartlett(b)[0])


def all_forms_pass(text: str, params: list[str], inputs: list[list], c: bool, tmp_path) -> None:
    """Every form passes, but vmap over M: the window's length is M's, so it would differ between examples (a
    located refusal)."""
    with np.errstate(all="ignore"):
        outcomes = check_kernel(text, params, inputs, lambda args: args, c=c, folder=tmp_path)
    left = {form: (outcome, detail) for form, (outcome, detail) in outcomes.items() if outcome not in ("pass", "skip")}
    fv = left.pop("fv", ("refused", "this shape depends on the batched inputs"))
    assert fv[0] == "refused" and "this shape depends on the batched inputs" in fv[1], outcomes
    assert left == {} and outcomes["f"][0] == "pass" and outcomes["c"][0] == "pass", outcomes
    assert "f64" not in text or {"vjp", "fj"} <= set(outcomes), outcomes  # (an int M has no derivative)


@pytest.mark.parametrize("name", WINDOWS + ["kaiser"])
def test_windows_of_a_float_constant_are_numpys_bits(name):
    for m in (2.5, 0.7, 1.0, -1.5, 5.0):
        body = f"np.kaiser({m}, 5.0)" if name == "kaiser" else f"np.{name}({m})"
        module = load_source(_text('x: "f64[]"', body + " * x"), f"window_c_{name}.py")
        with np.errstate(all="ignore"):
            expected = (np.kaiser(m, 5.0) if name == "kaiser" else getattr(np, name)(m)) * np.float64(1.5)
        bit_for_bit(module, [np.float64(1.5)], expected)


@pytest.mark.parametrize("body", ["np.bartlett(M) * 2.0", "np.blackman(M)", "np.kaiser(M, 14.0)",
                                  "np.hamming(M).sum()"])
def test_every_form_on_both_targets(body, tmp_path):
    all_forms_pass(_text('M: "f64[]"', body), ["M"], [[np.float64(5.0)], [np.float64(1.1)], [np.float64(12.5)],
                                                     [np.float64(1.0)]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("name", ["bartlett", "hanning"])
def test_integer_m_on_both_targets(name, tmp_path):
    all_forms_pass(_text('M: "i64[]"', f"np.{name}(M)"), ["M"], [[np.int64(m)] for m in (0, 1, 5, 12)], c=True,
                   tmp_path=tmp_path)
