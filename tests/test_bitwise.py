"""Bitwise operators, integer arithmetic and two index forms, against NumPy running the same source.

`& | ^ ~ << >>` on integers and np.bitwise_and ... np.right_shift, np.gcd, np.lcm, np.fmod, np.ldexp, np.frexp
and divmod (primitives/bitwise.py, primitives/integer_arithmetic.py); `x[()]`, `x[t]` for a tuple `t` and an index
array beside None (normalize/index.py). The reference is the un-transpiled source run by NumPy, bit for bit (dtype,
NumPy or Python scalar, values, NaN, the sign of zeros), on the NumPy backend and the C target, over edge values:
INT_MIN and INT_MAX, shift counts from -70 to 70 (NumPy's shifts are defined for every count; C's are not),
zero divisors, infinities, NaN, signed zeros and subnormals. Derivatives (fmod, ldexp, frexp's mantissa, the
gathers with new axes) against central differences and autograd; vmap against a Python loop.
"""
from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler.errors import TranspileError
from test_c_backend import c_module, compare_all
from test_property import index_forms_seeds, inputs_for, program_for_seed
from lazy_seeds import LazySeeds
from vmap_oracle import assert_same, build, loop

HEADER = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n"

INTEGERS = HEADER + '''
@kernel
def f(a: "i32[n]", b: "i64[n]", s: "i32[n]", t: "i64[n]", m: "bool[n]"):
    return (a & b, a | 3, a ^ s, ~a, ~b, ~m, m ^ m, m & a, a | m, m & True, a << s, a >> s, b << s, b >> t,
            a << t, a >> t, m << 40, m << t, 1 << t, a << 3, b >> 62, 3 >> s, np.left_shift(a, -1),
            np.bitwise_and(a, b), np.bitwise_or(m, m), np.bitwise_xor(b, 5), np.invert(m), np.bitwise_not(a),
            np.bitwise_invert(b), np.left_shift(b, s), np.right_shift(a, t), np.bitwise_left_shift(a, 2),
            np.bitwise_right_shift(b, 1), np.gcd(a, b), np.lcm(a, b), np.gcd(a, 0), np.lcm(s, 6), np.fmod(a, s),
            np.fmod(b, t), divmod(a, s), np.divmod(b, 3), np.ldexp(1.5, s), np.frexp(b))
'''
FLOATS = HEADER + '''
@kernel
def f(x: "f64[n]", y: "f64[n]", u: "f32[n]", e: "i32[n]", k: "i64[n]"):
    m, p = np.frexp(u)
    q, r = np.divmod(x, y)
    return (np.fmod(x, y), np.fmod(u, 2), np.fmod(x, e), np.ldexp(u, e), np.ldexp(x, k), np.ldexp(e, 3), m, p,
            np.frexp(x), q, r, divmod(u, u), np.divmod(e, 0.5), np.fmod(-0.0, y))
'''
SCALARS = HEADER + '''
@kernel
def f(n: "i64[]", a: "i32[]"):
    return (n << 3, 5 & n, ~n, n ^ 6, np.left_shift(n, 70), 1 << 62, -5 >> 1, 7 & 3, True ^ False, divmod(n, 3),
            divmod(7, -2), np.divmod(7, -2), np.gcd(n, 4), np.lcm(6, 4), a << n, np.frexp(3.0), np.ldexp(3, 2))
'''
AUGMENTED = HEADER + '''
@kernel
def f(a: "i32[n]", b: "i64[n]", m: "bool[n]", i: "i64[k]", x: "f32[n]"):
    c = a.copy()
    c &= 6
    c <<= b
    c[i] ^= 3
    d = b.copy()
    e = d
    d >>= 1
    d |= b
    q = m.copy()
    q &= a > 0
    q ^= True
    n = 5
    n <<= 2
    n &= 7
    w = a.copy()
    w += b
    y = x * 1.0
    y += b
    return c, d, e, q, n, w, y
'''
I32 = [-2**31, -2**31 + 1, -7, -1, 0, 1, 6, 2**31 - 1]
I64 = [-2**63, -2**63 + 1, -2**31, -1, 0, 1, 12, 2**40 + 3, 2**63 - 1]
FLOAT_EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 3.75, -7.25, 1e-310, -5e-324, 1e300, np.inf, -np.inf, np.nan, 2.0**-149]


def _integer_args() -> list:
    grid = [(x, y, s) for x in I32 for y in I64 for s in range(-70, 71, 3)]
    a, b, s = (np.array(v) for v in zip(*grid))
    return [a.astype(np.int32), b.astype(np.int64), s.astype(np.int32), s.astype(np.int64), s % 3 == 0]


def _float_args() -> list:
    x, y = (np.array(v) for v in zip(*[(p, q) for p in FLOAT_EDGES for q in FLOAT_EDGES]))
    exponents = np.resize(np.array([0, 1, -1, 5, 128, -149, -1100, 1100, 2**31 - 1, -2**31]), x.shape)
    return [x, y, x.astype(np.float32), exponents.astype(np.int32), exponents.astype(np.int64) * 3]


def _python(text: str):
    module = types.ModuleType("python_reference")
    exec(compile(text, "python_reference", "exec", dont_inherit=True), module.__dict__)
    return module


def assert_bits(got, expected, what: str) -> None:
    """NumPy's bits: the same Python or NumPy type, dtype, shape, values, NaN and the sign of every zero."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), what
        for k, (g, e) in enumerate(zip(got, expected)):
            assert_bits(g, e, f"{what}[{k}]")
        return
    assert type(got) is type(expected) or (isinstance(got, np.ndarray) and isinstance(expected, np.ndarray)), \
        f"{what}: {type(got).__name__} where NumPy gives {type(expected).__name__}"
    g, e = np.asarray(got), np.asarray(expected)
    assert (g.dtype, g.shape) == (e.dtype, e.shape), f"{what}: {g.dtype}{g.shape} where NumPy gives {e.dtype}{e.shape}"
    assert np.array_equal(g, e, equal_nan=e.dtype.kind == "f"), f"{what}: values differ"
    if e.dtype.kind == "f":
        assert np.array_equal(np.signbit(g), np.signbit(e)), f"{what}: signs differ"


PROGRAMS = {"integers": (INTEGERS, _integer_args), "floats": (FLOATS, _float_args),
            "scalars": (SCALARS, lambda: [np.int64(-13), np.int32(5)]),
            "python_scalars": (SCALARS, lambda: [13, np.int32(-3)]),
            "augmented": (AUGMENTED, lambda: [np.array([3, -5, 7, 2**31 - 1], np.int32), np.array([-9, 4, 2**40, 1]),
                                              np.array([True, False, True, True]), np.array([0, 2, 2]),
                                              np.array([0.1, -2.5, 3.0, 1e30], np.float32)])}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_numpy_backend_gives_numpys_bits(name):
    text, args = PROGRAMS[name]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        assert_bits(load_source(text).f(*args()), _python(text).f(*args()), name)


@pytest.mark.parametrize("name", ["integers", "floats", "augmented"])
def test_c_target_gives_numpys_bits(name, tmp_path):
    text, args = PROGRAMS[name]
    module, kernels = c_module(text, tmp_path, name)
    assert kernels >= 1
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        assert_bits(module.f(*args()), _python(text).f(*args()), name)


def test_nep50_dtypes():
    """A Python int keeps the array's dtype (`x32 << 2` is int32); a bool array with a Python int is int64; `&`,
    `|`, `^` of booleans are booleans; gcd and fmod promote as NumPy does."""
    text = HEADER + '''
@kernel
def f(a: "i32[n]", b: "i64[n]", m: "bool[n]"):
    return a << 2, 2 << a, a & b, m << 1, m | m, m ^ True, a & m, np.gcd(a, 3), np.fmod(a, 2.5), np.ldexp(a, 1)
'''
    got = load_source(text).f(np.arange(3, dtype=np.int32), np.arange(3), np.array([True, False, True]))
    assert [g.dtype.name for g in got] == ["int32", "int32", "int64", "int64", "bool", "bool", "int32", "int32",
                                           "float64", "float64"]


REFUSED = [
    ("x & 1", 'x: "f64[n]"', "takes integers or booleans"),
    ("~x", 'x: "f32[n]"', "takes integers or booleans"),
    ("m << m", 'm: "bool[n]"', "int8"),
    ("np.gcd(m, m)", 'm: "bool[n]"', "takes integers"),
    ("np.gcd(i, 2.0)", 'i: "i64[n]"', "takes integers"),
    ("np.ldexp(x, 2.0)", 'x: "f64[n]"', "exponent"),
    ("np.ldexp(m, 2)", 'm: "bool[n]"', "float16"),
    ("np.frexp(m)", 'm: "bool[n]"', "float16"),
    ("np.fmod(m, m)", 'm: "bool[n]"', "int8"),
    ("np.bitwise_count(i)", 'i: "i64[n]"', "uint8"),
    ("1 << -1", 'i: "i64[n]"', "negative count"),
    ("1 << 63", 'i: "i64[n]"', "does not fit an int64"),
    ("~True", 'i: "i64[n]"', "`~True` is -2"),
    ("x[i, None]", 'x: "f64[n,3]", i: "bool[n]"', "mask combined with None"),
    ("a & 2**40", 'a: "i32[n]"', "does not fit the i32"),
    ("np.ldexp(x, 2**31)", 'x: "f64[n]"', "does not fit the i32"),
    ("np.left_shift(b, 2**64)", 'b: "i64[n]"', "does not fit the i64"),
    ("x[()]", 'x: "i64[n]"', None),  # (accepted: see test_index_forms)
]


@pytest.mark.parametrize("expression, params, word", REFUSED, ids=[r[0] for r in REFUSED])
def test_refusals_are_located(expression, params, word):
    text = HEADER + f"@kernel\ndef f({params}):\n    return {expression}\n"
    if word is None:
        load_source(text, "refused.py")
        return
    with pytest.raises(TranspileError) as info:
        load_source(text, "refused.py")
    assert info.value.loc is not None
    message = str(info.value)
    assert word in message and "refused.py:6:" in message and "hint:" in message, message


STATEMENTS = [
    ("z = x.copy()\n    z[i, None] = 1.0", "index array combined with None"),
    ("z = i.copy()\n    z += x", "cannot cast back"),
    ("z = i > 0\n    z |= i", "cannot cast back"),
]


@pytest.mark.parametrize("body, word", STATEMENTS, ids=[w for _, w in STATEMENTS])
def test_statement_refusals_are_located(body, word):
    """An assignment through an index array beside None; an in-place update NumPy cannot cast back into the
    array's dtype (it raises UFuncTypeError)."""
    text = HEADER + f'@kernel\ndef f(x: "f64[n]", i: "i64[n]"):\n    {body}\n    return z\n'
    with pytest.raises(TranspileError) as info:
        load_source(text, "refused.py")
    assert word in str(info.value) and "refused.py:7:" in str(info.value) and info.value.hint, str(info.value)


DERIVATIVES = {
    "fmod": ('''
@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    return np.sum(np.fmod(x * 3.0, y) * np.sin(x) + np.fmod(2.5, y) ** 2)
''', lambda rng: [rng.uniform(-3, 3, 6), rng.uniform(0.5, 2.0, 6) * np.array([1, -1, 1, -1, 1, 1])]),
    "ldexp": ('''
@kernel
def f(x: "f64[n]", e: "i32[n]") -> "f64[]":
    return np.sum(np.ldexp(x, e) * np.cos(x) + np.ldexp(x * x, -2))
''', lambda rng: [rng.normal(size=6), np.array([0, 1, -1, 3, -4, 2], np.int32)]),
    "frexp": ('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    m, e = np.frexp(x * 1.7)
    return np.sum(m * m * x + e * x)
''', lambda rng: [rng.uniform(0.6, 5.0, 6) * np.array([1, -1, 1, -1, 1, 1])]),
    "bitwise_scale": ('''
@kernel
def f(x: "f64[n]", i: "i64[n]") -> "f64[]":
    return np.sum(x * ((i << 2) ^ (i >> 1)) + x * x * (~i & 3))
''', lambda rng: [rng.normal(size=6), np.array([5, -3, 0, 9, -8, 1])]),
    "gather_new_axis": ('''
@kernel
def f(x: "f64[n,d]", i: "i64[k]") -> "f64[]":
    return np.sum(np.sin(x[i, None] * x[None, i])) + np.sum(x[i, None, i] ** 2) + np.sum(x[()] * x[(0, 1)])
''', lambda rng: [rng.normal(size=(4, 4)), np.array([0, 3, -1, 3])]),
}


@pytest.mark.parametrize("name", list(DERIVATIVES))
def test_gradients_against_differences_and_autograd(name):
    text, draw = DERIVATIVES[name]
    check_against_python(HEADER + text + "\ng = grad(f)\n", draw(np.random.default_rng(5)))


VMAPPED = HEADER + '''
@kernel
def f(x: "f64[d]", i: "i64[d]", s: "i64[]") -> "f64[d]":
    m, e = np.frexp(x)
    return x * ((i << s) | (i >> s)) + np.fmod(x, 0.75) * np.ldexp(m, e + s) + np.gcd(i, s) + x[()] * x[i & 3, None][:, 0]


fv = vmap(f, in_axes=(0, 0, 0))
fv_shared = vmap(f, in_axes=(0, None, None))
'''


def test_vmap_matches_a_loop():
    module, python = build(VMAPPED, "bitwise_vmap"), _python(VMAPPED)
    rng = np.random.default_rng(3)
    x, i, s = rng.normal(size=(5, 4)) * 4, rng.integers(-9, 9, size=(5, 4)), np.array([0, 1, 70, -2, 63])
    assert_same(module.fv(x, i, s), loop(python.f, [x, i, s], (0, 0, 0)))
    assert_same(module.fv_shared(x, i[0], np.int64(3)), loop(python.f, [x, i[0], np.int64(3)], (0, None, None)))


INDEXING = HEADER + '''
@kernel
def f(x: "f64[n,d]", s: "f64[]", i: "i64[k]", j: "i32[k]"):
    t = (1, 2)
    u = (i, Ellipsis)
    return (x[()], s[()], x[t], x[u], x[i, None], x[None, i], x[i, None, j], x[:, None, i], x[..., None, j],
            x[0, None, i], x[None, i, j], x[i[:, None], None], x[(0, 2), 1], x[None, ..., i], x[i, ..., None])
'''


def test_index_forms(tmp_path):
    """`x[()]` is the whole array (a 0-d array's element as a NumPy scalar); a tuple value is the index; an index
    array beside None puts its axes where NumPy does (first where a None separates index arrays)."""
    rng = np.random.default_rng(1)
    args = [rng.normal(size=(4, 5)), np.float64(2.5), np.array([0, 3, -1]), np.array([1, 4, 2], np.int32)]
    expected = _python(INDEXING).f(*args)
    assert_bits(load_source(INDEXING).f(*args), expected, "numpy")
    module, _ = c_module(INDEXING, tmp_path, "indexing")
    assert_bits(module.f(*args), expected, "c")
    code = load_source.__globals__["transpile_source"](INDEXING, "indexing.py")
    assert "x[()]" in code and "np.expand_dims(x, 1)" in code


INDEX_FORMS_SEEDS = LazySeeds(4, lambda: index_forms_seeds(4))


@pytest.mark.parametrize("nth", INDEX_FORMS_SEEDS.positions)
def test_index_forms_programs_on_the_cpu_target(nth, tmp_path):
    """The property generator's programs with the gathers' other spellings (`index_forms=True`): every function
    (the gradients too) on the C target against the NumPy backend."""
    seed = INDEX_FORMS_SEEDS[nth]
    compare_all(program_for_seed(seed, index_forms=True)[0], tmp_path, inputs_for(seed), f"forms_{seed}")
