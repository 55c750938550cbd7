"""The float32 judge of the C target against the NumPy backend (benchmarks/float32_judge.py): a float32 result
outside rtol 1e-6 of NumPy's passes where it is as close as NumPy's to the same program in float64, and only
there. The C target sums float32 in double and rounds once, NumPy pairwise in float32 (NPBench's conv2d)."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.float32_judge import as_float64, float32_agrees, widened
from gradcheck import load_source

# a sum that cancels: 4099 terms near +-1, result near -1 (NumPy's pairwise float32 sum 2.4e-4 off)
CANCELS = '''import numpy as np
from lifted import kernel


@kernel
def f(x: "f32[n]", w: "f32[n]") -> "f32[2]":
    out = np.empty((2,), dtype=np.float32)
    out[0] = np.sum(x * w)
    out[1] = 0.5
    return out
'''


def _arguments() -> list:
    rng = np.random.default_rng(3)
    x = rng.uniform(1.0, 1.001, 4099).astype(np.float32)
    return [x, np.where(np.arange(4099) < 2049, 1.0, -1.0).astype(np.float32)]


def test_widened_is_the_program_in_float64():
    wide = widened(CANCELS)
    assert '"f64[n]"' in wide and "np.float64" in wide and "f32" not in wide
    assert widened(CANCELS.replace("np.float32", "'float32'")) is None  # a float32 it cannot widen: no judge


def test_the_judge_takes_the_value_closer_to_float64_and_refuses_the_farther():
    args = _arguments()
    numpy_value = load_source(CANCELS).f(*args)
    high = load_source(widened(CANCELS)).f(*as_float64(args))
    closer = high.astype(np.float32)  # one rounding of the float64 value: what the C target's double sum gives
    assert not np.allclose(closer, numpy_value, rtol=1e-6, atol=1e-7)  # outside the plain check: the case
    assert float32_agrees(closer, numpy_value, high) is None
    assert "from the float64 value" in float32_agrees(numpy_value, closer, high)  # NumPy's, judged against C's


def test_the_c_target_passes_a_cancelling_float32_sum_in_the_corpus_checks(tmp_path):
    outcomes = check_kernel(CANCELS, ["x", "w"], [_arguments()], lambda args: args, c=True, folder=tmp_path,
                            only={"fv"})
    assert outcomes["c"][0] == "pass", outcomes


def test_the_random_programs_c_check_uses_the_judge():
    """tests/hostile.py's C check of a float32 result: a value outside rtol 1e-6 passes only by the judge. Its
    a-priori bound before (n eps32 times the largest magnitude: 6.1e-2 here) let this sum pass 1e-2 from float64,
    where NumPy's is within a few ulps of 500."""
    from hostile import HEAD, _float32_judge

    text = HEAD + '\n\n@kernel\ndef f(a: "f32[n]"):\n    return np.sum(a)\n'
    a = np.random.default_rng(5).random(1000, dtype=np.float32)
    exact = float(np.sum(a.astype(np.float64)))
    _float32_judge(text, "f", [a], np.float32(exact), np.sum(a))  # one rounding of float64's: passes
    with pytest.raises(AssertionError, match="float32 judge"):
        _float32_judge(text, "f", [a], np.float32(exact + 1e-2), np.sum(a))


# no float argument: a float32 result made from np.arange; NumPy's float32 np.sin is its own SIMD one, which differs
# from the C library's sinf in the last bit for about one input in seven (docs/backends.md)
SINES = '''import numpy as np
from lifted import kernel


@kernel
def f():
    return np.sin(np.arange(1, 400, dtype=np.float32) * np.float32(0.37))
'''


def test_a_float32_kernel_of_no_float_argument_is_judged_at_float32s_tolerance(tmp_path):
    """The corpus judge took a kernel for float32 by its arguments only: one of no parameters (CuPy's methods that
    build their inputs from literals) was held to float64's rtol 1e-10, and the C target's last-bit differences
    from NumPy's float32 sin were WRONG. The result's dtype counts too."""
    from test_c_backend import c_module
    c, _ = c_module(SINES, tmp_path, "sines")
    numpy_value = load_source(SINES).f()
    assert c.f().dtype == numpy_value.dtype == np.float32
    assert not np.allclose(c.f(), numpy_value, rtol=1e-10, atol=1e-12)  # (the case: some last bits differ)
    outcomes = check_kernel(SINES, [], [[]], lambda args: args, c=True, folder=tmp_path)
    assert outcomes["f"][0] == "pass" and outcomes["c"][0] == "pass", dict(outcomes.items())
