"""`**` in C kernels: whole exponents by repeated squaring, pow elsewhere; NumPy's numbers either way."""
from __future__ import annotations

import ctypes
import ctypes.util
import re

import numpy as np
import pytest

from gradcheck import autograd_kernels, central_difference, load_source
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module

POWER = '''
import numpy as np
from lifted import kernel


@kernel
def power(a: "f64[n]", b: "f64[n]") -> "f64[n]":
    return a ** b


@kernel
def power32(a: "f32[n]", b: "f32[n]") -> "f32[n]":
    return a ** b
'''


def test_power_agrees_with_numpy_on_whole_and_other_exponents_and_edge_values(tmp_path):
    module, _ = c_module(POWER, tmp_path, "power")
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 1e-5, 1e-160, 3e-155, 1e155, 1e300, np.inf, -np.inf,
               np.nan, 0.999, -1.001, 7.3]
    exponents = [0.0, -0.0, 1.0, 2.0, 3.0, 7.0, 64.0, 127.0, 128.0, 1023.0, 1024.0, 1025.0, 2.5, -1.0, -2.0,
                 0.5, 1e9, np.inf, np.nan]
    a, b = (np.array(v) for v in zip(*[(x, e) for x in special for e in exponents]))
    rng = np.random.default_rng(8)
    a = np.concatenate((a, rng.uniform(-1.5, 1.5, 5000)))
    b = np.concatenate((b, rng.integers(0, 140, 5000).astype(float)))
    with np.errstate(all="ignore"):
        expected = a ** b
        np.testing.assert_allclose(module.power(a, b), expected, rtol=1e-13, atol=0, equal_nan=True)
        a32, b32 = a.astype(np.float32), b.astype(np.float32)
        np.testing.assert_allclose(module.power32(a32, b32), a32 ** b32, rtol=1e-6, atol=0, equal_nan=True)
    assert np.array_equal(np.signbit(module.power(a, b)), np.signbit(expected))


# -- powers of element work in SIMD lanes -------------------------------------------------------------------------
# A power whose exponent varies per element (or is a whole constant) runs its repeated squaring as a SIMD loop and
# a chunk with a result lifted_fpower would refuse runs lifted_power again lane by lane. The oracle below is
# lifted_fpower written in Python (Python floats are IEEE doubles; `pow` is the C library's, through ctypes), so the
# kernels must give its bits exactly, whichever path each element took.

_LIBM = ctypes.CDLL(ctypes.util.find_library("m"))
_LIBM.pow.restype, _LIBM.pow.argtypes = ctypes.c_double, (ctypes.c_double, ctypes.c_double)


def fpower(a: float, b: float) -> float:
    """templates/c_prelude.cuh.j2's lifted_fpower: repeated squaring for whole 0 <= b <= 1024, pow elsewhere."""
    if b == 2:
        return a * a
    if 0 <= b <= 1024 and b == float(int(b)):
        result, base, e = 1.0, a, int(b)
        while e > 0:
            if e % 2:
                result *= base
            if e > 1:
                base *= base
            e //= 2
        if b == 0 or 2.2250738585072014e-308 <= abs(result) <= 1.7976931348623157e308 or (result == 0 and a == 0):
            return result
    return _LIBM.pow(a, b)


def fpower_array(a, b, dtype=np.float64):
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    out = np.array([fpower(float(x), float(y)) for x, y in zip(a.ravel(), b.ravel())]).reshape(a.shape)
    return out.astype(dtype)


def assert_same_bits(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    same &= np.signbit(actual) == np.signbit(expected)
    assert same.all(), f"{(~same).sum()} of {same.size} differ, first at {np.argwhere(~same)[:3].tolist()}"


SQUARING = '''
import numpy as np
from lifted import grad, kernel


@kernel
def table(t: "f64[n]", e: "f64[m]") -> "f64[n,m]":
    return t[:, None] ** e


@kernel
def table32(t: "f32[n]", e: "f32[m]") -> "f32[n,m]":
    return t[:, None] ** e


@kernel
def by_int(a: "f64[n]", k: "i64[n]") -> "f64[n]":
    return a ** k


@kernel
def then_more(a: "f64[n]", b: "f64[n]") -> "f64[n]":
    p = a ** b
    return p * (p + a) - a


@kernel
def cube(a: "f64[n]") -> "f64[n]":
    return a ** 3 + a ** 0 + a ** 1024.0


@kernel
def rows(t: "f64[n]", e: "f64[m]", x: "f64[m]") -> "f64[n]":
    return np.sum(t[:, None] ** e * x, axis=1)


@kernel
def columns(t: "f64[n]", e: "f64[m]", w: "f64[n]") -> "f64[m]":
    return np.sum(w[:, None] * t[:, None] ** e, axis=0)


@kernel
def fit(x: "f64[m]", t: "f64[n]", e: "f64[m]") -> "f64[]":
    r = np.sign(t) - (t[:, None] ** e) @ x
    return 0.5 * np.sum(r * r)


fit_grad = grad(fit)


@kernel
def moment(a: "f64[n]", b: "f64[n]") -> "f64[]":
    return np.sum(a ** b)


moment_grad = grad(moment, wrt=("a", "b"))
'''

EDGE_BASES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 1e-5, 1e-160, 3e-155, 1e155, 1e300, np.inf, -np.inf,
              np.nan, 0.999, -1.001, 7.3, 5e-324]
EDGE_EXPONENTS = [0.0, -0.0, 1.0, 2.0, 3.0, 7.0, 64.0, 127.0, 128.0, 1023.0, 1024.0, 1025.0, 2.5, -1.0, -2.0,
                  -127.0, 0.5, 1e9, 2.0 ** 53, 2.0 ** 52 + 1, np.inf, -np.inf, np.nan]


@pytest.fixture(scope="module")
def squaring(tmp_path_factory):
    module, _ = c_module(SQUARING, tmp_path_factory.mktemp("squaring"), "squaring")
    return module


@pytest.mark.parametrize("n, m", [(1, 1), (3, 5), (16, 128), (33, 65), (257, 3), (1000, 64)])
def test_power_table_gives_lifted_fpower_bits_for_any_shape(squaring, n, m):
    """Whole exponents in [0, 1024] (the squaring's; a small base's high power is subnormal, which only pow
    rounds right), then with negative, fractional and too large ones mixed in (pow's)."""
    rng = np.random.default_rng(n * 1000 + m)
    t = -1.0 + 2.0 * np.arange(n) / max(n - 1, 1)
    whole = rng.integers(0, 1025, m).astype(float)
    mixed = whole.copy()
    mixed[rng.integers(0, m, max(m // 8, 1))] = rng.choice([-3.0, -1.0, 2.5, 1025.0, 4000.0])
    with np.errstate(all="ignore"):
        for e in (whole, mixed):
            assert_same_bits(squaring.table(t, e), fpower_array(t[:, None], e))
            np.testing.assert_allclose(squaring.table(t, e), t[:, None] ** e, rtol=1e-12, atol=0, equal_nan=True)


def test_power_table_edge_values_and_float32(squaring):
    t, e = np.array(EDGE_BASES), np.array(EDGE_EXPONENTS)
    with np.errstate(all="ignore"):
        assert_same_bits(squaring.table(t, e), fpower_array(t[:, None], e))
        t32, e32 = t.astype(np.float32), e.astype(np.float32)
        assert_same_bits(squaring.table32(t32, e32), fpower_array(t32[:, None], e32, np.float32))
        np.testing.assert_allclose(squaring.table32(t32, e32), t32[:, None] ** e32, rtol=1e-6, atol=0,
                                   equal_nan=True)


@pytest.mark.parametrize("most", [0, 1, 2, 3, 5, 7, 8])
def test_squaring_steps_past_a_lanes_last_bit_change_no_bit(squaring, most):
    """Two squaring steps per lane block: where the chunk's exponents end after an odd number of steps (or a
    lane's bits end before the chunk's), the extra step multiplies by 1.0 and squares a base no one reads (which
    may overflow to inf, or stay NaN); every element keeps lifted_fpower's bits, and NumPy's value within the
    squaring's round-off."""
    t = np.array(EDGE_BASES + [1e200, -1e200, 1e-200, -3.5, 0.75])
    e = np.arange(most + 1, dtype=float)
    with np.errstate(all="ignore"):
        assert_same_bits(squaring.table(t, e), fpower_array(t[:, None], e))
        np.testing.assert_allclose(squaring.table(t, e), t[:, None] ** e, rtol=1e-14, atol=0, equal_nan=True)


def test_power_of_integer_and_constant_exponents_and_work_after_it(squaring):
    rng = np.random.default_rng(3)
    a = np.concatenate((rng.uniform(-1.5, 1.5, 3000), EDGE_BASES))
    b = np.concatenate((rng.integers(0, 140, 3000).astype(float), EDGE_EXPONENTS[:len(EDGE_BASES)]))
    with np.errstate(all="ignore"):
        for k in (rng.integers(0, 1025, a.size), rng.integers(-5, 1100, a.size)):
            assert_same_bits(squaring.by_int(a, k), fpower_array(a, k))
        p = fpower_array(a, b)
        assert_same_bits(squaring.then_more(a, b), p * (p + a) - a)
        cube = (fpower_array(a, 3.0) + fpower_array(a, 0.0)) + fpower_array(a, 1024.0)
        np.testing.assert_allclose(squaring.cube(a), cube, rtol=1e-15, atol=0, equal_nan=True)
        np.testing.assert_allclose(squaring.cube(a), a ** 3 + a ** 0 + a ** 1024.0, rtol=1e-13, atol=0,
                                   equal_nan=True)


@pytest.mark.parametrize("n, m", [(5, 3), (130, 128), (64, 200)])
def test_power_in_row_and_column_reductions(squaring, n, m):
    rng = np.random.default_rng(m)
    t, w = rng.uniform(-1.2, 1.2, n), rng.standard_normal(n)
    e, x = rng.integers(0, 90, m).astype(float), rng.standard_normal(m)
    table = fpower_array(t[:, None], e)
    np.testing.assert_allclose(squaring.rows(t, e, x), np.sum(table * x, axis=1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(squaring.columns(t, e, w), np.sum(w[:, None] * table, axis=0), rtol=1e-12,
                               atol=1e-12)


def test_polynomial_fit_gradient_agrees_with_numpy_finite_differences_and_autograd(squaring):
    """llsq's form, and a power's derivative in its exponent and base (`b * a ** (b - 1)` squares with b - 1 = -1
    where b = 0: pow's lanes): against the NumPy backend, central differences and autograd."""
    from autograd import grad as autograd_grad

    numpy_module, oracle = load_source(SQUARING), autograd_kernels(SQUARING)
    python: dict = {}
    exec(compile(SQUARING, "python_reference", "exec", dont_inherit=True), python)
    n, m = 200, 12
    t = -1.0 + 2.0 * np.arange(n) / (n - 1)
    e = np.arange(m, dtype=float)
    x = np.random.default_rng(1).standard_normal(m)
    got = squaring.fit_grad(x, t, e)
    np.testing.assert_allclose(got, numpy_module.fit_grad(x, t, e), rtol=1e-11)
    np.testing.assert_allclose(got, central_difference(python["fit"], [x, t, e], 0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got, autograd_grad(oracle["fit"])(x, t, e), rtol=1e-11)
    a = np.random.default_rng(2).uniform(0.2, 2.0, 300)
    b = np.random.default_rng(4).integers(0, 9, 300).astype(float)
    for position, got in enumerate(squaring.moment_grad(a, b)):
        np.testing.assert_allclose(got, numpy_module.moment_grad(a, b)[position], rtol=1e-12)
        np.testing.assert_allclose(got, autograd_grad(oracle["moment"], position)(a, b), rtol=1e-12)
        np.testing.assert_allclose(got, central_difference(python["moment"], [a, b], position), rtol=1e-6,
                                   atol=1e-6)


def test_which_powers_square_in_simd_lanes(tmp_path):
    """The plan, in the emitted text: per-element and whole constant exponents start their squaring in a lane
    block, step over all lanes, two steps a block, while a lane has bits left, then count refusals (a reducing lane block) with a
    lane-by-lane retry; `a ** 2`, a constant that is not whole and a scalar exponent keep lifted_power."""
    source = SQUARING + '''

@kernel
def others(a: "f64[n]", s: "f64[]") -> "f64[n]":
    return a ** 2 + a ** 2.5 + a ** s
'''
    kernels = transpile_c(source, "squaring.py").kernels
    others = kernel_text(kernels, "others_k0")
    assert "lifted_fpower_bits" not in others and others.count("lifted_power(") == 3
    table = kernel_text(kernels, "table_k0")
    assert table.count("LIFTED_REDUCING_LANES(i, |, t_1_left)") == 1 and \
        table.count("for (; t_1_left != 0; t_1_left >>= 2)") == 1  # (the chunk's bits, ORed once; two steps a block)
    assert table.count("LIFTED_REDUCING_LANES(i, +, t_1_refused)") == 1 and "lifted_fpower_refused" in table
    assert "LIFTED_SERIAL_LANES(i)" in table and "= lifted_fpower(LIFTED_AT(t_1_a), LIFTED_AT(t_1_b));" in table
    assert "lifted_power" not in table
    cube = kernel_text(kernels, "cube_k0")
    assert cube.count("lifted_fpower_bits(") == 3  # a ** 3, a ** 0 and a ** 1024.0
    columns = kernel_text(kernels, "columns_k0")
    assert "LIFTED_REDUCING_LANES(lifted_o, |, " in columns and "LIFTED_SERIAL_LANES(lifted_o)" in columns


def kernel_text(kernels: str, name: str) -> str:
    """One kernel's C in a `.cu` text: from its header comment to the next kernel's."""
    start = kernels.index(f"// {name}: ")
    following = re.search(r"\n// \w+: \d-d index space", kernels[start + 1:])
    return kernels[start:start + 1 + following.start()] if following else kernels[start:]
