"""Python's own semantics where generated code once differed (issue #11 and the generated-code contract): the
un-transpiled function is the reference for the value, its dtype, and Python number against NumPy scalar, on the
NumPy backend and the C CPU target, and vmap against a Python loop over the examples; derivatives against
finite differences and autograd (tests/gradcheck.py), and at singular matrices against cofactors computed here
from minors.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from gradcheck import check_against_python, check_second_order, load_source
from lifted.transpiler import TranspileError
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp, vmap\n"


def _python(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def _same(got, expected, what: str) -> None:
    """Equal values (NaN, signed zeros), dtypes, and a Python number where Python has one."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), what
        for k, (g, e) in enumerate(zip(got, expected)):
            _same(g, e, f"{what}[{k}]")
        return
    assert (type(got) in (bool, int, float)) == (type(expected) in (bool, int, float)), \
        f"{what}: {type(got).__name__} where Python has {type(expected).__name__}"
    assert np.asarray(got).dtype == np.asarray(expected).dtype, f"{what}: {np.asarray(got).dtype} vs " \
                                                                f"{np.asarray(expected).dtype}"
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape and np.array_equal(got, expected, equal_nan=True), f"{what}: {got} vs {expected}"
    if expected.dtype.kind == "f":
        assert np.array_equal(np.signbit(got), np.signbit(expected)), f"{what}: signs {got} vs {expected}"


@pytest.fixture(autouse=True)
def _divisions_by_zero_are_compared_not_warned():
    with np.errstate(divide="ignore"):
        yield


def _modules(source: str, folder, name: str):
    return {"numpy": load_source(source, f"{name}.py"), "c": c_module(source, folder, name)[0]}


# -- 1. a `for` with `break` over range(a, ...) with a NumPy integer `a` -------------------------------------------
STOPPING_FOR = HEAD + '''
@kernel
def f(x: "f32[n]", a: "i64[]"):
    s = x * 0.0
    i = 0
    for i in range(a, 5):
        s = x * i + s
        if i > 2:
            break
    return s, x[0] / (i - 3)


@kernel
def peeled(x: "f32[n]", a: "i64[]", step: "i64[]"):
    t = x * 1.0
    u = t
    for i in range(a, 9, step):
        u = u * i
        t = x
    return u, t
'''


@pytest.mark.parametrize("start", [np.int64(0), np.int64(1), 2, np.int64(4)])  # (an np.int32 is refused at entry)
def test_a_stopping_for_over_a_numpy_integer_start_runs_python_ints(start, tmp_path):
    """`range` makes Python ints of NumPy bounds, so `x32 * i` is float32 (it was float64: the `while` the loop
    becomes started from the bound itself), and `x[0] / (i - 3)` at i = 3 divides by a Python int zero; the C
    module no longer refuses a Python int `a`, whose weakness now changes nothing."""
    python = _python(STOPPING_FOR)
    x = np.array([1.5, -2.25], np.float32)
    for name, module in _modules(STOPPING_FOR, tmp_path, "stopping").items():
        for function, args in (("f", (x, start)), ("peeled", (x, start, np.int64(3)))):
            try:
                expected = python[function](*args)
            except ZeroDivisionError:
                with pytest.raises(ZeroDivisionError):
                    getattr(module, function)(*args)
                continue
            _same(getattr(module, function)(*args), expected, f"{name} {function}{args[1:]!r}")


# -- 2. vmap: an example's Python number in the batch (a range start that differs between examples, merges) -------
PER_EXAMPLE = HEAD + '''
@kernel
def ranged(a: "i64[]", x: "f32[n]"):
    s = x * 0.0
    for i in range(a, 5):
        s = s + x * i
        if i > 3:
            break
    t = 0.5
    for j in range(a, 4):
        t = t * 1.1
    return s, x * t, x > t


@kernel
def merged(x: "f32[n]"):
    t = 0.0
    if x[0] > 0.0:
        t = 0.1
    k = 0.25
    while x[1] + k < 2.0:
        k = k + 0.7
    return x * t, np.where(x > 0.5, t, x), x * k, np.maximum(x, k)


ranges = vmap(ranged, in_axes=(0, None))
merges = vmap(merged)
'''


def test_vmap_keeps_an_examples_python_numbers_weak(tmp_path):
    """Each example's `i` (a range with a batched start), `t` (a Python float carried or merged per example) is a
    Python number, which NumPy converts to float32 beside a float32 array; the batch held them as int64 and
    float64 arrays and computed in float64 (values rounded otherwise, dtype float64)."""
    python = _python(PER_EXAMPLE)
    x = np.array([0.3, 2.0, -1.7], np.float32)
    starts = np.array([0, 3, 7, 4])
    xs = np.array([[0.3, 2.0, 1.1], [-1.0, 1.7, 0.9], [1.2, 0.9, -0.3]], np.float32)
    for name, module in _modules(PER_EXAMPLE, tmp_path, "per_example").items():
        loop = [python["ranged"](a, x) for a in starts]
        for k, got in enumerate(module.ranges(starts, x)):
            _same(got, np.stack([e[k] for e in loop]), f"{name} ranges[{k}]")
        loop = [python["merged"](e) for e in xs]
        for k, got in enumerate(module.merges(xs)):
            _same(got, np.stack([e[k] for e in loop]), f"{name} merges[{k}]")


# -- 3. a loop that runs no iteration returns its Python-number start --------------------------------------------
ZERO_TRIPS = HEAD + '''
@kernel
def f(x: "f32[n]", k: "i64[]"):
    t = 0.1
    j = 0
    for i in range(k):
        t = t * x[i]
    while j < k:
        j = j + 1
    return t, t * 3.0, x * t, j


@kernel
def summed(x: "f32[n]", k: "i64[]"):
    t = 0.1
    for i in range(k):
        t = np.sum(x * t)
    return t


@kernel
def exact(x: "f32[n]", k: "i64[]"):
    t = 0.5
    for i in range(k):
        t = t + x[i]
    return x * t, t + x[0]


exacts = vmap(exact, in_axes=(None, 0))
'''


def test_a_loop_that_runs_no_iteration_returns_pythons_number(tmp_path):
    """Python returns the start itself (`0.1`, a Python float; 0.3000...04 for `t * 3.0`) where the loop does not
    run and a float32 where it does; both backends follow (the C module holds a flag for it). A batch holds one
    dtype: starts it holds exactly (0.5 in float32) agree with the loop example by example where the number and a
    float32 give one dtype (`x * t`, `t + x[0]`); 0.1 is refused, and so is `t * 2.0` (a Python float where the
    loop did not run, float32 where it did: Python's examples stack to float64 or float32 depending on the data).
    (The C target ran `summed` as one loop kernel holding `t` in a C float: 0.10000000149 where the loop did not
    run.)"""
    python = _python(ZERO_TRIPS)
    x = np.array([1.5, 2.5, 0.7], np.float32)
    for name, module in _modules(ZERO_TRIPS, tmp_path, "zero_trips").items():
        for k in (0, np.int64(0), 2):
            _same(module.f(x, k), python["f"](x, k), f"{name} f(k={k!r})")
            _same(module.summed(x, k), python["summed"](x, k), f"{name} summed(k={k!r})")
        counts = np.array([0, 2, 1])
        batch = module.exacts(x, counts)
        for example, count in enumerate(counts):
            expected = python["exact"](x, count)
            for got, value in zip(batch, expected):
                assert np.array_equal(got[example], value) and got.dtype == np.float32, (name, count, got, value)
    with pytest.raises(TranspileError) as refusal:
        load_source(ZERO_TRIPS + "fs = vmap(f, in_axes=(None, 0))\n", "zero_trips.py")
    error = refusal.value
    assert "`t` is the Python number 0.1 on some examples and float32 on others" in error.message
    assert error.loc.line == 8 and "0.5" in error.hint  # the loop
    doubled = ZERO_TRIPS.replace("return x * t, t + x[0]", "return x * t, t * 2.0")
    with pytest.raises(TranspileError) as refusal:
        load_source(doubled, "zero_trips.py")
    assert "`t` is the Python number 0.5 where the loop runs no iteration and float32 otherwise; `multiply` (line " \
        "28) computes float64 with the number" in refusal.value.message
    assert refusal.value.loc.line == 26 and refusal.value.hint


# -- 4. vmap of np.clip between per-example scalar bounds: NumPy's loop for uniform bounds --------------------------
CLIP = HEAD + '''
@kernel
def f(x: "f64[]", lo: "f64[]", hi: "f64[]"):
    return np.clip(x, lo, hi)


@kernel
def rows(x: "f64[n]", lo: "f64[]", hi: "f64[]"):
    return np.clip(x, lo, hi)


every = vmap(f)
bounds = vmap(f, in_axes=(None, 0, 0))
row_bounds = vmap(rows, in_axes=(None, 0, 0))
'''


def test_vmap_of_clip_between_per_example_scalar_bounds_matches_a_loop(tmp_path):
    """np.clip(-0.0, 0.0, 1.0) is -0.0 (NumPy's loop for scalar bounds keeps x where it equals a bound); a batch of
    bounds is an array, for which NumPy's clip is minimum(maximum(...)), 0.0 there. NaN and infinities too."""
    python = _python(CLIP)
    values = np.array([-0.0, 0.0, -1.0, 1.0, 0.5, np.nan, np.inf, -np.inf])
    x, lo, hi = np.array(list(itertools.product(values, repeat=3))).T
    with np.errstate(invalid="ignore"):
        for name, module in _modules(CLIP, tmp_path, "clip").items():
            _same(module.every(x, lo, hi), np.array([python["f"](*e) for e in zip(x, lo, hi)]), f"{name} every")
            _same(module.bounds(-0.0, lo, hi), np.array([python["f"](-0.0, *e) for e in zip(lo, hi)]),
                  f"{name} bounds")
            _same(module.row_bounds(values, lo, hi), np.stack([python["rows"](values, *e) for e in zip(lo, hi)]),
                  f"{name} rows")


# -- 5. det's derivatives at singular matrices -----------------------------------------------------------------
DET = HEAD + '''
@kernel
def f(a: "f64[n,n]") -> "f64[]":
    return np.linalg.det(a) * 1.5


g = grad(f)
fj = jvp(f)
gj = jvp(g)
h = hessian(f)
gs = vmap(g)
'''


def _cofactors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix from minors (the oracle: no inverse, no SVD)."""
    n = a.shape[0]
    return np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(n)]
                     for i in range(n)])


def _det_hessian(a: np.ndarray) -> np.ndarray:
    """d^2 det / da_ij da_kl from the cofactors of minors: the determinant with rows i, k and columns j, l left out,
    signed; 0 where i == k or j == l."""
    n = a.shape[0]
    out = np.zeros((n, n, n, n))
    for i, j, k, m in itertools.product(range(n), repeat=4):
        if i != k and j != m:
            minor = np.delete(np.delete(a, [i, k], 0), [j, m], 1)
            sign = (-1) ** (i + j + k + m) * (1 if (i < k) == (j < m) else -1)
            out[i, j, k, m] = sign * (np.linalg.det(minor) if minor.size else 1.0)
    return out


SINGULAR = [np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),  # rank 2: the cofactors are not 0
            np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]]),  # rank 1: they are 0
            np.zeros((3, 3)), np.array([[2.0, 1.0], [4.0, 2.0]])]


@pytest.mark.parametrize("a", SINGULAR, ids=["rank2", "rank1", "zeros", "2x2"])
def test_det_derivatives_at_a_singular_matrix_are_its_cofactors(a, tmp_path):
    """The rule was det(a) inv(a)^T, which raises LinAlgError where det(a) is 0; the derivative exists there (the
    cofactor matrix, a polynomial), and so does the second (from minors of minors)."""
    assert np.linalg.det(a) == 0.0
    first, second = 1.5 * _cofactors(a), 1.5 * _det_hessian(a)
    direction = np.cos(np.arange(a.size) + 0.5).reshape(a.shape)
    for name, module in _modules(DET, tmp_path, "det").items():
        np.testing.assert_allclose(module.g(a), first, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(module.fj(a, direction)[1], np.sum(first * direction), atol=1e-12, err_msg=name)
        np.testing.assert_allclose(module.gj(a, direction)[1], np.einsum("ijkl,kl->ij", second, direction),
                                   atol=1e-12, err_msg=name)
        np.testing.assert_allclose(module.h(a), second, atol=1e-12, err_msg=name)
        stack = np.stack([a, a + np.eye(len(a)), a])  # singular and regular examples in one batch
        np.testing.assert_allclose(module.gs(stack), np.stack([first, 1.5 * _cofactors(stack[1]), first]),
                                   atol=1e-12, err_msg=name)


def test_det_derivatives_away_from_singular_matrices_agree_with_the_oracles():
    a = np.array([[1.2, -0.3, 0.5], [0.4, 0.9, -1.1], [0.2, 0.7, 1.3]])
    source = HEAD + ('@kernel\ndef f(a: "f64[n,n]") -> "f64[]":\n    return np.linalg.det(a) * np.sum(a)\n\n'
                     'g = grad(f)\n')
    check_against_python(source, [a])
    check_second_order(source, [a], 0)
    module = load_source(source)
    np.testing.assert_allclose(module.g(a), _cofactors(a) * np.sum(a) + np.linalg.det(a), rtol=1e-12)


def test_the_third_derivative_of_det_is_refused_where_it_is_asked_for():
    with pytest.raises(TranspileError) as refusal:
        load_source(HEAD + '@kernel\ndef f(a: "f64[n,n]") -> "f64[]":\n    return np.linalg.det(a)\n\n'
                    'third = jvp(hessian(f))\n', "third.py")
    assert "third derivative of np.linalg.det" in refusal.value.message and refusal.value.loc.line == 5


# -- 6. Python's operators on Python values ----------------------------------------------------------------------
LOGIC = HEAD + '''
@kernel
def f(x: "f64[n]", k: "i64[]"):
    a = k > 2
    b = len(x) > 5
    return a & b, a | b, x[0] / (a | b)
'''


@pytest.mark.parametrize("k", [1, 3, np.int64(3)])
def test_and_or_of_python_bools_stay_python_bools(k, tmp_path):
    """`a & b` of Python bools is a Python bool, so `x[0] / (a | b)` raises ZeroDivisionError where both are
    False, as in Python (the NumPy backend computed np.logical_or, a NumPy bool, and returned inf)."""
    python = _python(LOGIC)
    x = np.array([1.0, 2.0, 3.0])
    for name, module in _modules(LOGIC, tmp_path, "logic").items():
        try:
            expected = python["f"](x, k)
        except ZeroDivisionError:
            with pytest.raises(ZeroDivisionError):
                module.f(x, k)
            continue
        _same(module.f(x, k), expected, f"{name} f(k={k!r})")


BOOL_ARITHMETIC = HEAD + '''
@kernel
def f(x: "f64[n]", k: "i64[]"):
    a = k > 2
    b = len(x) > 1
    c = a + b
    return c, (not a) + b, a * b, not (x[0] > 0.0), x * c, x[0] / (c - 2)


fs = vmap(f, in_axes=(0, None))
'''


@pytest.mark.parametrize("k", [np.int64(1), np.int64(3), 1, 3])
def test_arithmetic_on_python_bools_is_pythons(k, tmp_path):
    """`True + True` is 2 in Python (a NumPy bool's is True): `x * c` was `x * True` on the C target; `not b` is
    a Python bool whatever `b` is (it was np.logical_not, a NumPy bool, so `(not a) + b` was True, not 1). The C
    module and vmap refuse a Python int `k`, which would change these dtypes, at the call."""
    python = _python(BOOL_ARITHMETIC)
    xs = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    for name, module in _modules(BOOL_ARITHMETIC, tmp_path, "bools").items():
        if name == "c" and type(k) is int:
            with pytest.raises(TypeError, match="argument `k` is a Python int"):
                module.f(xs[0], k)
            continue
        _same(module.f(xs[0], k), python["f"](xs[0], k), f"{name} f(k={k!r})")
        if type(k) is int:  # (vmap is typed once, as the C module: it refuses the Python int the same way)
            with pytest.raises(TypeError, match="argument `k` is a Python int"):
                module.fs(xs, k)
            continue
        loop = [python["f"](x, k) for x in xs]
        for position, batch in enumerate(module.fs(xs, k)):
            np.testing.assert_array_equal(batch, np.stack([e[position] for e in loop]))


def test_bitwise_inverse_of_a_python_bool_is_refused():
    with pytest.raises(TranspileError) as refusal:
        load_source(HEAD + '@kernel\ndef f(x: "f64[n]"):\n    return x * ~(len(x) > 2)\n', "invert.py")
    assert "`~True` is -2" in refusal.value.message and refusal.value.loc.line == 5 and "not" in refusal.value.hint


# -- 7. the C target: an array slot that changes dtype in its loop --------------------------------------------------
def test_an_array_a_loop_makes_float64_from_float32_stays_on_the_host(tmp_path):
    """`y` enters the loop as float32 and leaves its first iteration float64 (`t` becomes float64 there: np.exp of
    a Python float): a C view has one element type, so the loop kernel failed to compile."""
    source = HEAD + '''
@kernel
def f(x: "f32[n]"):
    t = 0.1
    y = x * 1.0
    for i in range(3):
        t = np.exp(t) * x[i]
        y = y * t
    return y, t


fs = vmap(f)
'''
    xs = np.array([[0.3, 2.0, 1.1], [-1.0, 0.5, 0.25]], np.float32)
    python = _python(source)["f"]
    for name, module in _modules(source, tmp_path, "dtype_slot").items():
        got, expected = module.f(xs[0]), python(xs[0])
        assert got[0].dtype == expected[0].dtype and type(got[1]) is type(expected[1]), name
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-15)
        loop = [python(x) for x in xs]
        for k, batch in enumerate(module.fs(xs)):
            np.testing.assert_allclose(batch, np.stack([e[k] for e in loop]), rtol=1e-15)
            assert batch.dtype == np.float64


def test_a_python_int_start_a_loop_makes_a_float_is_returned_as_python_does(tmp_path):
    """`v = 0` then `v = v + x[0] * i` in a loop that may run no iteration: Python returns the int 0 where it does
    not run; the C target held `v` in a C double and returned 0.0 (mixed-dtype fuzz, seed 8153). The loop stays
    on the host there."""
    source = HEAD + '''
@kernel
def f(x: "f64[n]", m: "bool[n]"):
    v = 0
    for i in range(np.sum(m), 1):
        v = v + x[0] * i
        if i > 2:
            break
    return v
'''
    python = _python(source)
    x = np.array([0.5, 2.0, 3.0])
    for name, module in _modules(source, tmp_path, "int_start").items():
        for m in (np.array([True, True, False]), np.array([False, False, False])):
            _same(module.f(x, m), python["f"](x, m), f"{name} f(m={m})")
