"""More of NumPy's elementwise functions (primitives/more_elementwise.py, frontend/more_elementwise.py) against
NumPy itself running the same source.

* the NumPy backend gives NumPy's bits (dtype, NumPy scalar or Python number, values, NaN, signed zeros) on hostile
  inputs (zeros of both signs, NaN, infinities, 1e308, the smallest subnormal) in every dtype and as Python
  numbers; where NumPy has no loop Lifted models (float16, int8) or raises, the build refuses, located;
* the C target computes the same bits as the NumPy backend;
* every transform (vjp, jvp, grad, vmap) agrees with finite differences, autograd and a loop (the corpus driver's
  checks, benchmarks/corpus/checks.py);
* the refusals name the place and say what to write instead.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.corpus.oracles import Wrong
from benchmarks.jax.corpus import bit_for_bit
from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, vjp, vmap\n"
FLOATS = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, -5e-324, 1.0, -1.0, 2.5, -3.5, 8.0, 0.5,
          9.0, -12.0, 3.0, 1e-300, 7.0]
INTS = [0, -1, 1, 2, -7, 3, 8, -8, 27, 100]
NUMPY_TYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}

UNARY = ["np.cbrt(x)", "np.spacing(x)", "np.positive(x)", "np.conj(x)", "np.conjugate(x)", "np.real(x)",
         "np.imag(x)", "np.iscomplex(x)", "np.isreal(x)", "np.isrealobj(x)", "np.angle(x)", "np.angle(x, deg=True)",
         "np.i0(x)", "np.modf(x)", "np.isneginf(x)", "np.isposinf(x)", "np.ediff1d(x)",
         "np.ediff1d(x, to_begin=2, to_end=[1, -1])"]
BINARY = ["np.copysign(x, y)", "np.heaviside(x, y)", "np.nextafter(x, y)", "np.logical_xor(x, y)",
          "np.float_power(x, y)", "np.isclose(x, y)", "np.isclose(x, y, rtol=0.5, atol=1.0, equal_nan=True)",
          "np.allclose(x, y)", "np.allclose(x, x, equal_nan=True)", "np.array_equal(x, y)",
          "np.array_equal(x, x, equal_nan=True)", "np.array_equiv(x, y)", "np.polyval(y, x)",
          "np.polyval(y[:3], x)", "np.polyval([2, -1.5], x)"]


def _values(dtype: str, count: int, rng: np.random.Generator):
    if dtype == "bool":
        return rng.random(count) < 0.5
    pool = FLOATS if dtype.startswith("f") else INTS
    with np.errstate(over="ignore"):  # (1e308 is inf in float32)
        return np.array([pool[i % len(pool)] for i in rng.permutation(count)], dtype=NUMPY_TYPES[dtype])


def _argument(kind: str, rng: np.random.Generator):
    """(annotation, value): `f32[n]` an array; `py:f64` a Python number; `np:f64` a NumPy scalar."""
    if kind.startswith(("py:", "np:")):
        dtype = kind[3:]
        value = _values(dtype, 1, rng)[0]
        return f"{dtype}[]", (value.item() if kind.startswith("py:") else value)
    dtype = kind.split("[")[0]
    value = _values(dtype, 12, rng) if kind.endswith("[n]") else np.zeros((12, 0), NUMPY_TYPES[dtype])
    return kind.replace("n", "12"), value


def _same_as_numpy(body: str, kinds: list[str]) -> None:
    """The kernel `return <body>` over parameters x, y of these kinds: NumPy's bits, or a located refusal where
    NumPy has no loop Lifted models or raises."""
    rng = np.random.default_rng(abs(hash((body, tuple(kinds)))) % 2 ** 32)
    names = ["x", "y"][:len(kinds)]
    notes, args = zip(*[_argument(k, rng) for k in kinds])
    signature = ", ".join(f'{n}: "{a}"' for n, a in zip(names, notes))
    text = HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"
    python: dict = {}
    exec(compile(text, "python_reference", "exec"), python)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = python["f"](*args)
        except (TypeError, ValueError, IndexError):
            expected = None
        results = expected if isinstance(expected, tuple) else (expected,)
        unmodelled = expected is None or any(np.asarray(r).dtype in (np.float16, np.int8) for r in results)
        try:
            module = load_source(text, "more_case.py")
        except TranspileError as refused:
            assert unmodelled, f"refused where NumPy computes {expected!r}: {refused}"
            assert "more_case.py:7" in str(refused)
            return
        assert not unmodelled, f"compiled where NumPy gives {expected!r}"
        bit_for_bit(module, list(args), expected)


@pytest.mark.parametrize("kind", ["f64[n]", "f32[n]", "i64[n]", "i32[n]", "bool[n]", "f64[n,0]", "py:f64", "np:f64",
                                  "np:f32", "py:i64", "np:i32"])
@pytest.mark.parametrize("body", UNARY)
def test_unary_functions_give_numpy_bits(body, kind):
    if "ediff1d" in body and "bool" in kind:
        pytest.skip("NumPy's ediff1d subtracts booleans: a TypeError (the refusal is tested below)")
    _same_as_numpy(body, [kind])


@pytest.mark.parametrize("kinds", [("f64[n]", "f64[n]"), ("f32[n]", "f32[n]"), ("f32[n]", "py:f64"),
                                   ("i32[n]", "f64[n]"), ("i64[n]", "i64[n]"), ("f32[n]", "i32[n]"),
                                   ("py:f64", "f32[n]"), ("np:f64", "np:f32"), ("bool[n]", "bool[n]")])
@pytest.mark.parametrize("body", BINARY)
def test_binary_functions_give_numpy_bits(body, kinds):
    _same_as_numpy(body, list(kinds))


@pytest.mark.parametrize("kind", ["f64[n]", "f32[n]", "i64[n]", "i32[n]"])
@pytest.mark.parametrize("call", ["np.unwrap(x)", "np.unwrap(x, axis=0)", "np.unwrap(x, period=4.0)",
                                  "np.unwrap(x, discont=5.0, period=6)", "np.unwrap(x, period=6)"])
def test_unwrap_gives_numpy_bits(call, kind):
    """Phases with jumps of every size, on both axes, the boundary case |d| = period/2 included."""
    rng = np.random.default_rng(7)
    dtype = NUMPY_TYPES[kind.split("[")[0]]
    x = (rng.normal(size=(3, 8)) * 6).astype(dtype)
    x[0, :4] = np.array([0, 3, 6, 9]) if dtype in (np.int32, np.int64) else np.array([0.0, np.pi, 0.0, -np.pi])
    text = HEADER + f'\n\n@kernel\ndef f(x: "{kind.replace("[n]", "[3,8]")}"):\n    return {call}\n'
    python: dict = {}
    exec(compile(text, "python_reference", "exec"), python)
    bit_for_bit(load_source(text, "unwrap_case.py"), [x], python["f"](x))


def test_spacing_and_nextafter_at_the_edges():
    """npy_spacing: NaN for an infinity, the smallest subnormal up from either zero, the step away from zero
    elsewhere (negative for negative numbers), inf past the largest float."""
    module = load_source(HEADER + '\n\n@kernel\ndef f(x: "f64[n]", y: "f32[n]"):\n'
                         "    return np.spacing(x), np.spacing(y), np.nextafter(x, -x), np.nextafter(y, y * 0)\n")
    x = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1.7976931348623157e308, 5e-324, -5e-324])
    with np.errstate(over="ignore"):
        y = x.astype(np.float32)
    with np.errstate(all="ignore"):
        bit_for_bit(module, [x, y], (np.spacing(x), np.spacing(y), np.nextafter(x, -x),
                                     np.nextafter(y, y * 0)))


def test_real_is_the_array_itself():
    """np.real of a real array is a view of it (`x.real`): writing through it writes the array."""
    text = HEADER + '\n\n@kernel\ndef f(x: "f64[4]"):\n    y = x * 2.0\n    r = np.real(y)\n    r[1] = -7.0\n' \
                    "    return y, r + 1.0, np.real(2.5)\n"
    python: dict = {}
    exec(compile(text, "python_reference", "exec"), python)
    x = np.array([1.0, -0.0, np.nan, 3.0])
    bit_for_bit(load_source(text, "real_case.py"), [x], python["f"](x))


# --- the C target: the same bits as the NumPy backend ----------------------------------------------------------
C_SOURCE = HEADER + '''

@kernel
def exact(x: "f64[24]", y: "f64[24]", s: "f32[24]", k: "i32[24]"):
    fr, wh = np.modf(x)
    sf, sw = np.modf(s)
    return (np.copysign(x, y), np.copysign(s, -1.0), np.copysign(k, y), np.heaviside(x, y), np.heaviside(s, 0.5),
            np.heaviside(k, 2), np.nextafter(x, y), np.nextafter(s, s * 2), np.spacing(x), np.spacing(s),
            np.spacing(k), fr, wh, sf, sw, np.modf(k)[0], np.positive(x), np.conj(s), np.imag(x), np.imag(k),
            np.iscomplex(x), np.isreal(s), np.logical_xor(x, k), np.isneginf(x), np.isposinf(s),
            np.isclose(x, y), np.isclose(s, k, equal_nan=True), np.float_power(x, y), np.float_power(s, 2),
            np.float_power(k, -1.5), np.angle(x), np.angle(s, deg=True), np.allclose(x, x, equal_nan=True),
            np.array_equal(x, y), np.polyval(y[:3], x), np.ediff1d(x, to_begin=y[:2]), np.unwrap(x * 3.0))


@kernel
def roots(x: "f64[n]", s: "f32[n]", k: "i64[n]"):
    return np.cbrt(x), np.cbrt(s), np.cbrt(k), np.i0(x), np.i0(s)


@kernel
def bessel(x: "f64[n]"):
    return np.sum(np.i0(x) * x)


bessel_grad = grad(bessel)
'''


def _hostile(dtype, rng: np.random.Generator, count: int = 24):
    return _values({np.float64: "f64", np.float32: "f32", np.int32: "i32", np.int64: "i64"}[dtype], count, rng)


def test_c_target_gives_the_numpy_backends_bits(tmp_path):
    from test_c_backend import c_module

    rng = np.random.default_rng(3)
    x, y = _hostile(np.float64, rng), _hostile(np.float64, rng)
    s, k = _hostile(np.float32, rng), _hostile(np.int32, rng)
    reference = load_source(C_SOURCE, "more_c.py")
    compiled, _ = c_module(C_SOURCE, tmp_path, "more_c")
    with np.errstate(all="ignore"):
        expected = reference.exact(x, y, s, k)
        got = compiled.exact(x, y, s, k)
        assert len(got) == len(expected)
        for i, (g, e) in enumerate(zip(got, expected)):
            try:
                bit_for_bit(type("m", (), {"f": staticmethod(lambda *a, g=g: g)}), [], e)
            except Wrong as wrong:
                raise AssertionError(f"result {i}: {wrong}") from None
        # cbrt: C's cbrt against NumPy's (NumPy's SIMD loop may round the last bit otherwise); i0 runs on the host
        x, s, k = (_hostile(t, rng) for t in (np.float64, np.float32, np.int64))
        for g, e in zip(compiled.roots(x, s, k), reference.roots(x, s, k)):
            assert g.dtype == e.dtype and np.array_equal(np.isnan(g), np.isnan(e))
            np.testing.assert_allclose(g, e, rtol=4 * np.finfo(e.dtype).eps, atol=0)
            assert np.array_equal(np.signbit(g[e == 0]), np.signbit(e[e == 0]))
        # i0's derivative, I1, through the host module's helper (no scipy)
        x = np.array([0.0, -0.5, 3.0, 8.0, 9.5, -20.0])
        np.testing.assert_array_equal(compiled.bessel_grad(x), reference.bessel_grad(x))


def test_cuda_kernels_compile_with_nvcc(tmp_path):
    """The same C expressions in CUDA (float and double overloads of nextafter, copysign, cbrt, trunc)."""
    import subprocess

    from lifted.transpiler.pipeline import transpile_c
    from lifted.transpiler.backends.c.compile import nvcc

    compiler = nvcc()
    if compiler is None:
        pytest.skip("nvcc is not installed")
    (tmp_path / "more.cu").write_text(transpile_c(C_SOURCE, "more_cuda.py", target="cuda").kernels)
    result = subprocess.run([compiler, "-ptx", "-arch=sm_80", "-std=c++14", str(tmp_path / "more.cu"), "-odir",
                             str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]


# --- every transform against finite differences, autograd and a loop ----------------------------------------------
DERIVATIVE_CASES = [
    ('x: "f64[n]"', "np.cbrt(x) * x", [[np.array([0.7, -1.3, 8.0])]]),
    ('x: "f64[n]"', "np.i0(x) * x", [[np.array([0.7, -1.3, 8.5, 0.0, -12.0])]]),
    ('x: "f32[n]"', "np.i0(x)", [[np.array([0.7, -1.3, 9.5], np.float32)]]),
    ('x: "f64[n]", y: "f64[n]"', "np.copysign(x, y) + np.heaviside(x, y) * x + np.nextafter(x, y)",
     [[np.array([0.7, -1.3, 2.0]), np.array([-0.5, 0.25, 3.0])]]),
    ('x: "f64[n]"', "np.modf(x * 3.0)[0] * x + np.modf(x)[1]", [[np.array([0.7, -1.3, 2.1])]]),
    ('x: "f32[n]", y: "f64[]"', "np.float_power(x, y)", [[np.array([0.7, 1.3, 2.0], np.float32), 1.5]]),
    ('p: "f64[3]", x: "f64[n]"', "np.polyval(p, x)", [[np.array([1.5, -2.0, 0.5]), np.array([0.3, -1.1, 2.0])]]),
    ('x: "f64[2,n]"', "np.unwrap(x * 4.0)", [[np.array([[0.1, 1.2, -0.7], [2.0, -1.5, 0.4]])]]),
    ('x: "f64[n]", b: "f64[]"', "np.ediff1d(x, to_begin=b, to_end=x[:1])", [[np.array([0.1, 1.2, -0.7]), 0.5]]),
    ('x: "f64[n]"', "np.real(x) * np.conj(x) + np.positive(x) + np.angle(x) + np.imag(x)",
     [[np.array([0.7, -1.3, 2.0])]]),
    ('x: "f64[n]", y: "f64[n]"', "np.where(np.isclose(x, y, atol=0.5), x * y, x) * np.allclose(x, x)",
     [[np.array([0.7, -1.3, 2.0]), np.array([0.5, 0.25, 3.0])]]),
]


@pytest.mark.parametrize("signature, body, inputs", DERIVATIVE_CASES, ids=[c[1] for c in DERIVATIVE_CASES])
def test_every_transform_agrees_with_the_oracles(signature, body, inputs):
    text = HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"
    params = [p.split(":")[0].strip() for p in signature.split(", ")]
    outcomes = check_kernel(text, params, inputs, lambda args: args)
    failed = {form: outcome for form, (outcome, _) in outcomes.items() if outcome not in ("pass", "skip")}
    assert failed == {}, outcomes


# --- refusals: located, with a hint ---------------------------------------------------------------------------------
REFUSALS = [
    ('x: "f64[n]"', "np.angle(True) * x", "Python bool"),
    ('x: "i32[n]"', "np.ediff1d(x, to_begin=0.5)", "same_kind"),
    ('p: "f64[k]", x: "f64[n]"', "np.polyval(p, x)", "coefficients"),
    ('x: "bool[n]"', "np.unwrap(x)", "booleans"),
    ('x: "f64[n]"', "np.isclose(x, x, rtol=np.inf)", "rtol"),
    ('x: "f64[n]", y: "f64[k]"', "np.array_equal(x, y)", "not known at build time"),
    ('x: "bool[n]"', "np.cbrt(x)", "float16"),
    ('x: "bool[n]"', "np.positive(x)", "error"),
]


@pytest.mark.parametrize("signature, body, word", REFUSALS, ids=[r[1] for r in REFUSALS])
def test_refusals_are_located(signature, body, word):
    text = HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"
    with pytest.raises(TranspileError) as info:
        load_source(text, "refused.py")
    assert word in str(info.value) and "refused.py:7" in str(info.value)
