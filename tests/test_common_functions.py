"""Common NumPy functions users write that Lifted refused (transpiler/frontend/common_functions.py): np.copy,
np.empty, np.empty_like, np.ascontiguousarray, np.asanyarray, np.asarray_chkfinite, np.fix, np.take and `a.take`,
np.vdot, np.tri, np.dstack, np.nan_to_num.

Each is checked as the corpus drivers check a kernel (benchmarks/corpus/checks.py): NumPy running the same source
bit for bit (values, dtypes, shapes, exceptions), every transform against central differences and autograd, vmap
against a loop; the C target against the NumPy backend where `c=True`.
"""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.jax.corpus import bit_for_bit
from exact_values import same_values
from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
HOSTILE = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, 1e308, 5e-324, -2.5, 3.7])


def kernel_module(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"


AUTOGRAD_HEADER = '''import autograd.numpy as np


def _dstack(tup):  # autograd's np.dstack and np.block have no forward rule: NumPy's definitions in its terms
    return np.concatenate([np.atleast_3d(a) for a in tup], axis=2)


def _block(arrays):
    depth = lambda v: depth(v[0]) + 1 if isinstance(v, list) else 0
    leaves = lambda v: [x for p in v for x in leaves(p)] if isinstance(v, list) else [v]
    d = depth(arrays)
    rank = max([d] + [np.ndim(a) for a in leaves(arrays)])

    def go(v, level):
        if not isinstance(v, list):
            return np.reshape(v, (1,) * (rank - np.ndim(v)) + np.shape(v))
        return np.concatenate([go(p, level + 1) for p in v], axis=level - d)
    return go(arrays, 0)
'''


def autograd_oracle(text: str) -> str:
    """The source for autograd: its NumPy, np.dstack and np.block written as NumPy writes them."""
    body = text[text.index("@kernel"):].replace("@kernel\n", "").replace("np.dstack(", "_dstack(")
    return AUTOGRAD_HEADER + "\n\n" + body.replace("np.block(", "_block(")


def all_forms_pass(text: str, params: list[str], inputs: list[list], c: bool = False, tmp_path=None,
                   oracle: str | None = None) -> None:
    """`oracle`: the module autograd runs where it cannot run the source (a function written out in its terms)."""
    with np.errstate(all="ignore"):
        if oracle is None and ("np.dstack(" in text or "np.block(" in text):
            oracle = autograd_oracle(text)
        outcomes = check_kernel(text, params, inputs, lambda args: args, c=c, folder=tmp_path, oracle_text=oracle)
        documented = lambda detail: any(known in detail for known in (  # noqa: E731  (refused, located: a
            "floating-point scalar", "boolean mask that differs between examples",  # gradient of an integer; x[m]
            "assigning through index arrays that differ between examples",  # and a[i] = v under vmap;
            "a slice whose bounds differ between examples",  # np.trim_zeros: a length per example;
            "has no derivative where its argument holds repeated values",  # np.unique at ties, at run time;
            "has no derivative where its arguments hold repeated values"))  # the set functions at ties)
        assert {form: outcome for form, (outcome, detail) in outcomes.items() if outcome not in ("pass", "skip")
                and not (outcome == "refused" and documented(detail))} == {}, outcomes
        assert outcomes["f"][0] == "pass" and (not c or outcomes["c"][0] == "pass"), outcomes
        module, python = load_source(text, "corpus_case.py"), {}
        exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
        for args in inputs:
            copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
            try:
                expected = python["f"](*copies)
            except Exception as raised:  # noqa: BLE001  NumPy raises: so must the generated module, the same type
                with pytest.raises(type(raised)):
                    module.f(*args)
                continue
            bit_for_bit(module, args, expected)


def _draws(shape, dtype) -> list:
    rng = np.random.default_rng(3)
    drawn = (rng.normal(size=shape) * 3).astype(dtype)
    hostile = np.resize(HOSTILE, shape).astype(dtype) if np.dtype(dtype).kind == "f" else \
        np.resize(np.array([0, -1, 1, 2, -7, 3]), shape).astype(dtype)
    return [drawn, hostile]


def _parse(note: str):
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[note[1:4]]
    return dtype, tuple(int(n) for n in note[5:-2].split(",") if n)


ONE_ARRAY = [
    ('"f64[3,4]"', "np.copy(x) * x"), ('"f32[2,3]"', "np.copy(x, order='F')"), ('"f64[]"', "np.copy(x)"),
    ('"i32[3]"', "np.copy(x, 'C', subok=True)"),
    ('"f64[3,4]"', "np.ascontiguousarray(x.T) * x.T"), ('"f64[]"', "np.ascontiguousarray(x)"),
    ('"f64[3]"', "np.ascontiguousarray(x, dtype=np.float32)"),
    ('"f64[3,4]"', "np.asanyarray(x) * 2.0"), ('"i64[2]"', "np.asanyarray(x, np.float64)"),
    ('"f64[4,3]"', "np.asarray_chkfinite(x) * x"), ('"i32[3]"', "np.asarray_chkfinite(x)"),
    ('"f64[3,4]"', "np.fix(x) + x"), ('"f32[5]"', "np.fix(x)"), ('"i32[3]"', "np.fix(x)"), ('"f64[]"', "np.fix(x)"),
    ('"f64[3,4]"', "np.take(x, 5) * x"), ('"f64[3,4]"', "np.take(x, [0, -1, 3, 3, 11])"),
    ('"f64[3,4]"', "np.take(x, [[0, 2], [2, 0]], axis=1)"), ('"f64[3,4]"', "np.take(x, [1, -3], axis=-2) * 2.0"),
    ('"f64[3,4]"', "np.take(x, [5, -7, 13], axis=1, mode='wrap')"),
    ('"f64[3,4]"', "np.take(x, [5, -7, 13, 1], 0, None, 'clip')"),
    ('"f64[3,4]"', "x.take([4, 4, 0]) * x[0, 0]"), ('"f32[4]"', "x.take(2)"),
    ('"f64[3,4]"', "x.take([1, 0], axis=0, mode='clip')"), ('"f64[3,4]"', "np.take(x, [True, False], axis=1)"),
    ('"f64[3,4]"', "np.take(x, [], axis=0)"),
    ('"f64[3,4]"', "np.vdot(x, x.T)"), ('"f64[2,3]"', "np.vdot(x, np.arange(6))"), ('"i32[4]"', "np.vdot(x, x)"),
    ('"f64[3]"', "np.tri(3, 4, -1) @ np.ones(4) * x"), ('"f64[2]"', "np.tri(2, dtype=np.int32) * x"),
    ('"f64[2]"', "np.tri(0, 3, k=5)"), ('"f64[2]"', "np.tri(3, M=2, k=1, dtype=bool)"), ('"f64[2]"', "np.tri(-1)"),
    ('"f64[2]"', "np.tri(2, -3) * x[0]"), ('"f64[2]"', "np.tril_indices(-2)"),
    ('"f64[3,4]"', "np.inner(x, [1.0, -2.0, 0.5, 3.0])"), ('"f64[4]"', "np.inner([1, 2, 3, 4], x) * x"),
    ('"i32[3]"', "np.inner(x, [True, False, True])"), ('"f32[2,3]"', "np.inner([[1.0, 2.0, 0.5]], x)"),
    ('"f32[3]"', "np.inner(x, (2, -1, 0))"), ('"f64[]"', "np.inner(x, [2.0, 1.0])"),
    ('"f64[0]"', "np.inner(x, [])"), ('"f64[2,3]"', "np.tensordot([1.0, -0.5], x, 1)"),
    ('"f64[2,3]"', "np.dstack((x, x * 2.0))"), ('"f64[3]"', "np.dstack([x, x])"), ('"f64[]"', "np.dstack((x, x))"),
    ('"f64[2,3,2]"', "np.dstack((x, x[:, :, :1]))"),
    ('"f64[3,4]"', "np.nan_to_num(x) * x"), ('"f32[6]"', "np.nan_to_num(x, nan=-1.0, posinf=9)"),
    ('"f64[]"', "np.nan_to_num(x)"), ('"i32[3]"', "np.nan_to_num(x)"),
    ('"f64[5]"', "np.nan_to_num(x, copy=True, neginf=-7.5)"),
]


@pytest.mark.parametrize("note, body", ONE_ARRAY)
def test_common_functions_are_numpys(note, body):
    """NumPy's bits on hostile inputs (NaN, infinities, signed zeros), every transform against differences and
    autograd, vmap against a loop."""
    dtype, shape = _parse(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)])


@pytest.mark.parametrize("note, body", [
    ('"f64[3,4]"', "np.empty((2, 3))"), ('"f64[2]"', "np.empty(3, np.int32)"), ('"f64[2]"', "np.empty((), bool)"),
    ('"f64[2,3]"', "np.empty_like(x)"), ('"f64[2,3]"', "np.empty_like(x, np.float32)"),
    ('"i32[2,3]"', "np.empty_like(x, shape=(4,))"), ('"f64[0]"', "np.empty_like(x)"),
    ('"f32[]"', "np.empty_like(x, subok=False, order='C')"),
])
def test_empty_has_numpys_shape_and_dtype(note, body):
    """NumPy leaves np.empty's values uninitialised (any value is a run of the program): Lifted's are zeros; the
    shape and dtype are NumPy's."""
    dtype, shape = _parse(note)
    text = kernel_module(f"x: {note}", body)
    module, python = load_source(text), {}
    exec(compile(text, "python_reference", "exec"), python)
    for x in _draws(shape, dtype):
        got, want = module.f(x), python["f"](x)
        assert (type(got), got.shape, got.dtype) == (type(want), want.shape, want.dtype) and not got.any()


def test_empty_written_before_it_is_read():
    """The usual use: an output buffer filled in a loop, then read: every form as Python computes it."""
    text = kernel_module('x: "f64[4]"', "g(x)").replace("@kernel\ndef f", (
        "def g(x):\n    y = np.empty_like(x)\n    z = np.empty((4,))\n    for i in range(4):\n"
        "        y[i] = x[i] * x[3 - i]\n        z[i] = np.sin(x[i])\n    return y + z\n\n\n@kernel\ndef f"))
    all_forms_pass(text, ["x"], [[a] for a in _draws((4,), np.float64)], c=True)


@pytest.mark.parametrize("body", ["np.take(x, i)", "np.take(x, i, axis=0, mode='wrap') * 2.0",
                                  "x.take(i, axis=-1, mode='clip')", "np.take(x, i[0], axis=1)"])
def test_take_with_run_time_indices(body):
    """Indices known only at run time, repeated and negative; out of range raises IndexError as NumPy's."""
    text = kernel_module('x: "f64[3,4]", i: "i64[5]"', body)
    x = np.random.default_rng(1).normal(size=(3, 4))
    sets = [[x, np.array([0, -1, 2, 2, 1])], [x, np.array([3, 2, 1, 0, -3])], [x, np.array([7, -9, 0, 12, 2])]]
    all_forms_pass(text, ["x", "i"], sets)


def test_asarray_chkfinite_raises_numpys_value_error():
    module = load_source(kernel_module('x: "f64[3]"', "np.asarray_chkfinite(x) * 2.0"))
    assert np.array_equal(module.f(np.array([1.0, -0.0, 2.0])), np.array([2.0, -0.0, 4.0]))
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="infs or NaNs"):
            module.f(np.array([1.0, bad, 2.0]))


def test_ascontiguousarray_aliases_as_numpys():
    """NumPy returns the array itself where it is C-contiguous, a copy where not: a write through the result of
    a parameter's depends on the caller's layout, so it is refused, located; of an array the kernel made, C-contiguous,
    it reaches the array, as in Python."""
    text = kernel_module('x: "f64[3]"', "g(x)").replace(
        "@kernel\ndef f", "def g(x):\n    y = np.zeros(3) + x\n    z = np.ascontiguousarray(y)\n    z[0] = 7.0\n"
        "    return y\n\n\n@kernel\ndef f")
    all_forms_pass(text, ["x"], [[np.array([1.0, 2.0, 3.0])]])
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[2,3]"', "h(x)").replace(
            "@kernel\ndef f", "def h(x):\n    z = np.ascontiguousarray(x)\n    z[0] = 7.0\n    return x\n\n\n"
            "@kernel\ndef f"))
    assert info.value.loc is not None and info.value.hint


def test_the_new_functions_on_the_c_target(tmp_path):
    body = "np.vdot(np.nan_to_num(x), np.fix(y) + np.take(y, [1, 0, 2, 2, 0, 1])) + np.sum(np.tri(2, 3) * x)"
    text = kernel_module('x: "f64[2,3]", y: "f64[6]"', body)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3))
    x[1, 0] = np.nan
    all_forms_pass(text, ["x", "y"], [[x, rng.normal(size=6) * 3]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("note, shape, body", [
    ('x: "f64[n]", a: "f64[]"', (6,), "np.nan_to_num(x, nan=a, posinf=a * 2.0, neginf=-a) * x"),
    ('x: "f32[n]", a: "f64[]"', (6,), "np.nan_to_num(x, nan=a, neginf=None)"),
    ('x: "f64[2,n]", a: "f64[]"', (2, 3), "np.nan_to_num(x * a, posinf=a)"),
    ('x: "f64[]", a: "f64[]"', (), "np.nan_to_num(x, nan=a) + a"),
])
def test_nan_to_num_with_fills_known_at_run_time(note, shape, body, tmp_path):
    """np.nan_to_num's `nan=`/`posinf=`/`neginf=` passed in: NumPy's np.copyto of the number into x's dtype (a
    float64 past float32's range is inf there); derivatives reach the fill where it was written, on both targets."""
    dtype = np.float32 if "f32" in note else np.float64
    inputs = [[x, a] for x in _draws(shape, dtype) for a in (1.5, -0.0, 1e300)]
    all_forms_pass(kernel_module(note, body), ["x", "a"], inputs, c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.take(v, [0], out=v)", "out="), ("np.take(v, [0], mode='fast')", "mode"),
    ("np.take(v, [0.5])", "integers"), ("np.take(v, [0], axis=2)", "out of bounds"),
    ("np.nan_to_num(v, copy=False)", "copy=False"), ("np.nan_to_num(v, nan=v)", "a number here"),
    ("np.empty(3, order='A')", "order"), ("np.empty_like(m, order='X')", "order"),
    ("np.asanyarray(m, order='CF')", "order"), ("np.tri(3, k=int(v[0]))", "build time"),
    ("np.vdot(2.0, v)", "Python number"),
])
def test_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


# np.average, np.take_along_axis, np.compress, np.extract, np.vander, np.broadcast_arrays, np.tril_indices and the
# others, np.logspace (frontend/averages_and_selections.py), np.geomspace (geometric_sequences.py), np.block ---------
TWO_ARRAYS = [
    ("np.average(x)", "f64"), ("np.average(x, axis=1, weights=w)", "f64"), ("np.average(x, -1, w, True)", "f64"),
    ("np.average(x, weights=x * x)", "f64"), ("np.average(x, axis=(0, 1), returned=True)", "f64"),
    ("np.average(x, axis=0, keepdims=True, weights=x * x + 1.0)", "f64"),
    ("np.average(x, axis=0, returned=True)", "f64"),
    ("np.average(x, axis=1, weights=w - w)", "f64"), ("np.average(x, weights=x * 0.0 + 1.0, returned=True)", "f32"),
    ("np.average(x, axis=1, weights=[1, 2, 3, 4])", "i32"), ("np.average(x, axis=0)", "i32"),
    ("np.take_along_axis(x, np.argsort(x, axis=1), axis=1)", "f64"),
    ("np.take_along_axis(x, np.argsort(x, axis=0)[:1], axis=0) * 2.0", "f64"),
    ("np.take_along_axis(x, np.argsort(w), axis=None)", "f64"),
    ("np.take_along_axis(x, np.argmax(x, 1)[:, None], -1)", "f32"),
    ("np.compress(w > 0, w)", "f64"), ("np.compress([True, False, True], x, axis=0)", "f64"),
    ("np.compress(w, x, axis=1)", "f64"), ("np.compress([1, 0], x)", "f64"), ("np.compress(w > 0, x, axis=-1)", "i32"),
    ("np.extract(x > 0, x)", "f64"), ("np.extract(x > 1, x * w)", "f32"),
    ("np.vander(w)", "f64"), ("np.vander(w, 3, increasing=True)", "f64"), ("np.vander(w, N=0)", "f64"),
    ("np.vander(w, 1)", "f64"), ("np.vander(w)", "i32"), ("np.vander(w, 2) @ w[:2]", "f32"),
    ("np.broadcast_arrays(x, w)[1] * x", "f64"), ("np.broadcast_arrays(x, x)[0]", "f64"),
    ("np.broadcast_arrays(w, x[:, :1])", "f64"), ("np.broadcast_arrays(x)", "f64"),
    ("x[np.tril_indices(3)]", "f64"), ("x[np.triu_indices(3, 1, 4)]", "f64"), ("np.tril_indices_from(x, -1)", "f64"),
    ("x[np.triu_indices_from(x, k=2)] * 2.0", "f64"), ("np.tril_indices(0)", "f64"),
    ("np.logspace(0.0, w[0], 5)", "f64"), ("np.logspace(1, 2, num=4, base=2.0, endpoint=False) * w", "f64"),
    ("np.block([[x, x], [x * 2.0, x]])", "f64"), ("np.block([w, x[0]])", "f64"), ("np.block([[x], [w]])", "f32"),
    ("np.block(x) * x", "f64"), ("np.block([[[x]]])", "i32"), ("np.block([w[0], w])", "f64"),
    ("np.block([[x[:1, :1], w[None, :3]], [x[1:, :1], x[1:, 1:]]])", "f64"),
    ("np.geomspace(1, 1000, 4) * w", "f64"), ("np.geomspace(x[0, 0], w[0], 5)", "f64"),
    ("np.geomspace(-w[1], -3.0, 3, endpoint=False)", "f64"), ("np.geomspace(2.0, w[0], 1)", "f64"),
    ("np.geomspace(2.0, w[0], num=0)", "f64"), ("np.geomspace(x[0, 0], 0.0, 3)", "f64"),
    ("np.geomspace(1, 256, 9, dtype=np.int32)", "f64"), ("np.geomspace(x[0, 1], w[2], 7)", "f64"),
    ("np.logspace(x[0, 0], w[1], 3, dtype=np.float32)", "f64"), ("np.logspace(x[0, 1], 1.0, 4, base=2)", "f64"),
    ("np.linspace(x[0, 0], w[1], 5)", "f32"), ("np.linspace(x[0, 1], 1.0, 4, endpoint=False) * w", "f32"),
    ("np.logspace(x[0, 1], 1.0, 4)", "f32"), ("np.linspace(x[1, 0], w[0], 1)", "f32"),
    ("np.geomspace(x[0, 0], w[1], 5)", "f32"), ("np.geomspace(x[0, 1], w[2], 3, dtype=np.float32)", "f32"),
    ("np.geomspace(x[0, 1], 8, 4, endpoint=False, dtype=np.int32)", "f32"), ("np.geomspace(x[0, 0], w[1], 3)", "i32"),
]


@pytest.mark.parametrize("body, kind", TWO_ARRAYS)
def test_more_common_functions_are_numpys(body, kind):
    """NumPy's bits (values, dtypes, shapes, NumPy's ZeroDivisionError where weights sum to 0), every transform
    against differences and autograd, vmap against a loop, on drawn and hostile inputs."""
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32}[kind]
    text = kernel_module(f'x: "{kind}[3,4]", w: "{kind}[4]"', body)
    sets = [[x, w] for x, w in zip(_draws((3, 4), dtype), _draws((4,), dtype))]
    if "argsort" in body or "argmax" in body:  # ties and NaN make NumPy's order its algorithm's choice
        sets = sets[:1]
    all_forms_pass(text, ["x", "w"], sets)


LINSPACES = """
import numpy as np
from lifted import kernel, vjp, vmap


@kernel
def between(x: "{0}[3]"):
    return np.linspace(x[0], x[1], 7)


@kernel
def towards_one(x: "{0}[n]"):
    return np.linspace(x[0], 1.0, x.shape[0]), np.linspace(1.0, x[-1], len(x), endpoint=False)


between_vjp = vjp(between)
between_v = vmap(between)
towards_one_v = vmap(towards_one)
"""


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vmap_of_linspace_gives_each_examples_bits_and_dtype(dtype):
    """End points that differ per example: NumPy's own steps per example (the step, or the division first where the
    step is 0; stop itself as the last point), in the end points' dtype (float32 with a Python float stays float32),
    also for one point and for a number of points known only at run time."""
    text = LINSPACES.format("f32" if dtype == np.float32 else "f64")
    module, python = load_source(text), {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    rng = np.random.default_rng(5)
    examples = rng.normal(size=(6, 3)) * 1e3
    examples[1, 1] = examples[1, 0]  # a step of 0
    examples[2, 1] = np.nextafter(examples[2, 0], np.inf)  # a step that underflows to 0
    examples = examples.astype(dtype)
    loop = np.stack([python["between"](e) for e in examples])
    got = module.between_v(examples)
    assert got.dtype == loop.dtype == dtype and np.array_equal(got, loop)
    assert module.between_vjp.__annotations__["ct"] == f"{'f32' if dtype == np.float32 else 'f64'}[7]"
    for n in (1, 2, 3, 5):
        rows = rng.normal(size=(4, n)).astype(dtype)
        for k, got in enumerate(module.towards_one_v(rows)):
            loop = np.stack([python["towards_one"](row)[k] for row in rows])
            assert got.dtype == loop.dtype == dtype and np.array_equal(got, loop), (n, k)


SCALAR_TYPES = ["np.float32(x) * w", "np.float64(w[0]) * x", "np.float32(0.5) * w + np.float64(2) * w",
                "np.int64(x * 3.0)", "np.int32(w > 0) * w", "np.bool_(w[1]) * w", "np.float64([1, 2, 3, 4]) * w",
                "np.float64(x) * 2.0", "np.double(np.sum(x)) + np.single(w)", "np.intp(3) * w", "np.intc(7) + w",
                "np.float32(x[0, 0] * w[0])", "np.int_(w) + np.bool(w[0] > 0)"]


@pytest.mark.parametrize("kind", ["f64", "f32"])
@pytest.mark.parametrize("body", SCALAR_TYPES)
def test_numpys_scalar_types_called_on_values(body, kind, tmp_path):
    """`np.float64(x)` and its kin: NumPy's values and dtypes (a scalar of a scalar, not weak; the array itself or a
    new one of an array), derivatives through the float casts, vmap, the C target on the first kind."""
    dtype = {"f64": np.float64, "f32": np.float32}[kind]
    text = kernel_module(f'x: "{kind}[3,4]", w: "{kind}[4]"', body)
    all_forms_pass(text, ["x", "w"], [[x, w] for x, w in zip(_draws((3, 4), dtype), _draws((4,), dtype))],
                   c=kind == "f64" and body in SCALAR_TYPES[:3], tmp_path=tmp_path)


SCALAR_TYPE_SHARING = """
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[3]"):
    y = np.float64(x)  # x itself
    y[0] = 5.0
    z = np.zeros(())
    s = np.float64(z)  # a new scalar
    z += 1.0
    return x * 1.0, s, z
"""


def test_a_scalar_type_of_an_array_of_its_dtype_is_the_array_and_of_a_0d_array_a_new_scalar():
    module, python = load_source(SCALAR_TYPE_SHARING), {}
    exec(compile(SCALAR_TYPE_SHARING, "python_reference", "exec", dont_inherit=True), python)
    x = np.array([1.0, 2.0, 3.0])
    same_values(module.f(x.copy()), python["f"](x.copy()), "np.float64 of an array and of a 0-d array")
    with pytest.raises(TranspileError, match=r"np.int32\(1099511627776\)`: Python integer 1099511627776 out of bounds "
                       "for int32"):
        load_source(kernel_module('w: "f64[4]"', "np.int32(2**40) + w"))


def test_average_raises_numpys_zero_division_error():
    module = load_source(kernel_module('x: "f64[2,3]", w: "f64[3]"', "np.average(x, axis=1, weights=w)"))
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        module.f(np.ones((2, 3)), np.array([1.0, -1.0, 0.0]))


def test_average_checks_run_time_lengths_of_its_weights():
    """Weights along an axis whose length is known only at run time: NumPy's ValueError where they differ (also
    where the axis has length 1, which multiplying would broadcast)."""
    text = kernel_module('x: "f64[n,d]", w: "f64[3]"', "np.average(x, axis=1, weights=w)")
    all_forms_pass(text, ["x", "w"], [[np.arange(6.0).reshape(2, 3), np.array([0.5, 1.0, 2.0])]])
    module = load_source(text)
    for x, w in ((np.ones((2, 1)), np.ones(3)), (np.ones((2, 4)), np.ones(3))):
        with pytest.raises(ValueError, match="Shape of weights"):
            module.f(x, w)


def test_more_functions_on_the_c_target(tmp_path):
    body = ("np.average(x, axis=1, weights=w) @ np.vander(x[:, 0], 3) + np.sum(np.take_along_axis(x, "
            "np.argsort(x, axis=0), axis=0)) + np.sum(np.logspace(0.0, w[0], 3)) + "
            "np.sum(np.geomspace(w[1], w[2] + 2.0, 4))")
    text = kernel_module('x: "f64[3,3]", w: "f64[3]"', body)
    rng = np.random.default_rng(7)
    all_forms_pass(text, ["x", "w"], [[rng.normal(size=(3, 3)), rng.uniform(0.5, 1.5, size=3)]], c=True,
                   tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.average(m, weights=v)", "need an axis"), ("np.average(m, axis=0, weights=v)", "does not match"),
    ("np.average(m, axis=2)", "out of bounds"), ("np.take_along_axis(m, v, axis=0)", "integers"),
    ("np.take_along_axis(m, np.argsort(v), axis=0)", "rank"), ("np.compress([True] * 4, v)", "longer"),
    ("np.vander(m)", "1-d"), ("np.broadcast_arrays(m, v[:2])", "do not broadcast"),
    ("np.tril_indices_from(v)", "2-d"), ("np.logspace(v, 1.0, len(v) * int(v[0]))", "build time"),
    ("np.logspace(0.0, 1.0, base=v[0])", "known at build time"), ("np.geomspace(1.0, v, 3)", "array bounds"),
    ("np.geomspace(1.0, 2.0, len(v) * int(v[0]))", "build time"), ("np.geomspace(1.0, 2.0, -1)", "negative"),
    ("np.block([[v], v])", "different depths"), ("np.block([1.0, v])", "Python number"), ("np.block([])", "empty"),
])
def test_more_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


@pytest.mark.parametrize("body", ["np.sum(np.geomspace(a, b, 5) * np.arange(5.0))",
                                  "np.geomspace(a, b, 4, endpoint=False)", "np.logspace(a, b, 4, base=3.0)"])
def test_geomspace_and_logspace_differentiate_in_their_bounds(body):
    """Bounds of one sign (NumPy's log10 of the bounds is real there): derivatives with respect to both bounds
    against central differences and autograd, vmap against a loop."""
    text = kernel_module('a: "f64[]", b: "f64[]"', body)
    all_forms_pass(text, ["a", "b"], [[0.7, 2.5], [-0.5, -4.0], [3.0, 1.5]])


def _statement_kernel(signature: str, lines: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n" + "".join(f"    {line}\n" for line in lines.split("; "))


@pytest.mark.parametrize("lines", [
    "a = x.copy(); np.put_along_axis(a, i, 7.0, axis=1); return a",
    "a = x.copy(); b = a; np.put_along_axis(a, i, x[:, :2] * 2.0, 1); return b * x",
    "a = x.copy(); np.put_along_axis(a, i[:2, :1] % 3, w, axis=0); return a",
    "a = x * 1.0; np.put_along_axis(a, np.argsort(a, axis=1)[:, :1], 0.0, axis=-1); return a",
    "a = x * 2.0; v = a[1]; np.put_along_axis(arr=a, indices=i, values=w[:2] * x[:, 3:], axis=1); return v + w",
])
def test_put_along_axis_writes_in_place_as_numpys(lines):
    """An update in place of the array the name holds (every name holding it, and a view of it, sees it; repeated
    indices keep NumPy's last write; values broadcast): every form against Python, differences and autograd."""
    text = _statement_kernel('x: "f64[3,4]", i: "i64[3,2]", w: "f64[4]"', lines)
    x = np.random.default_rng(2).normal(size=(3, 4))
    sets = [[x, np.array([[0, -1], [2, 2], [1, 3]]), np.array([1.0, 2.0, 0.5, -3.0])],
            [x, np.array([[3, 3], [0, 1], [-4, 2]]), np.array([-1.0, 0.0, 4.0, 2.5])],
            [x, np.array([[0, 4], [0, 0], [0, 0]]), np.array([1.0, 1.0, 1.0, 1.0])]]  # (4: IndexError, as NumPy's)
    all_forms_pass(text, ["x", "i", "w"], sets)


@pytest.mark.parametrize("lines, word", [
    ("a = v.copy(); np.put_along_axis(a, np.array([0]), 1.0, axis=None); return a", "arr.flat"),
    ("a = v.copy(); np.put_along_axis(a, np.array([0]), 1.0); return a", "NumPy requires them"),
    ("np.put_along_axis(v * 2.0, np.array([0]), 1.0, axis=0); return v", "held by a name"),
    ("a = m.copy(); np.put_along_axis(a, np.array([0]), 1.0, axis=0); return a", "rank"),
])
def test_put_along_axis_refusals_have_a_place_and_a_hint(lines, word):
    with pytest.raises(TranspileError) as info:
        load_source(_statement_kernel('v: "f64[3]", m: "f64[2,3]"', lines))
    assert info.value.loc is not None and info.value.hint and word in str(info.value)


def test_put_along_axis_on_the_c_target(tmp_path):
    text = _statement_kernel('x: "f64[3,4]", i: "i64[3,2]"',
                             "a = x * 2.0; np.put_along_axis(a, i, np.sin(x[:, :2]), axis=1); return np.sum(a * x)")
    rng = np.random.default_rng(4)
    all_forms_pass(text, ["x", "i"], [[rng.normal(size=(3, 4)), np.array([[0, -1], [2, 2], [1, 3]])]], c=True,
                   tmp_path=tmp_path)


@pytest.mark.parametrize("body", ["np.tri(len(v)) @ v", "np.tri(v.shape[0], 3, -1) * 2.0", "np.tri(len(v) - 4, k=1)",
                                  "v[np.tril_indices(len(v))[1]]", "np.triu_indices(len(v), 1, 3)",
                                  "np.tril_indices_from(np.outer(v, v), -1)"])
def test_tri_and_triangle_indices_of_run_time_sizes(body):
    """Sizes known only at run time (a negative one gives empty axes, as NumPy's np.arange)."""
    text = kernel_module('v: "f64[n]"', body)
    all_forms_pass(text, ["v"], [[np.array([0.5, -1.0, 2.0])], [np.array([1.5])], [np.arange(6.0) - 2.5]])


@pytest.mark.parametrize("signature, body, in_axes, batch", [
    ('x: "f64[3,4]", i: "i64[5]"', "np.take(x, i, axis=1, mode='wrap')", (None, 0), lambda r: [
        r.normal(size=(3, 4)), r.integers(-9, 9, size=(6, 5))]),
    ('x: "f64[3,4]", i: "i64[3,2]"', "np.take_along_axis(x, i, axis=1)", (0, 0), lambda r: [
        r.normal(size=(6, 3, 4)), r.integers(-4, 4, size=(6, 3, 2))]),
    ('x: "f64[3,4]", w: "f64[4]"', "np.average(x, axis=1, weights=w)", (None, 0), lambda r: [
        r.normal(size=(3, 4)), r.uniform(0.5, 2.0, size=(6, 4))]),
    ('x: "f64[4]", y: "f64[2,2]"', "np.block([[y, x.reshape(2, 2)]]) * np.vdot(x, y)", (0, 0), lambda r: [
        r.normal(size=(6, 4)), r.normal(size=(6, 2, 2))]),
])
def test_vmap_over_other_arguments_is_a_loop(signature, body, in_axes, batch):
    """vmap with the indices or weights batched (the corpus checks batch the first argument only): a Python loop
    over the examples is the oracle, bit for bit but for a batched dot product's round-off."""
    text = kernel_module(signature, body) + f"\nfv = vmap(f, in_axes={in_axes!r})\n"
    module = load_source(text)
    args = batch(np.random.default_rng(11))
    got = module.fv(*args)
    size = next(a.shape[0] for a, axis in zip(args, in_axes) if axis == 0)
    expected = np.stack([module.f(*[a[b] if axis == 0 else a for a, axis in zip(args, in_axes)])
                         for b in range(size)])
    python = {}
    exec(compile(kernel_module(signature, body), "python_reference", "exec"), python)
    reference = np.stack([python["f"](*[a[b] if axis == 0 else a for a, axis in zip(args, in_axes)])
                          for b in range(size)])
    assert got.dtype == reference.dtype and np.array_equal(expected, reference)
    if "vdot" in body:  # a batched dot product is BLAS's over another layout: round-off apart (1.1e-16 here)
        np.testing.assert_allclose(got, reference, rtol=1e-12, atol=1e-15)
    else:
        assert np.array_equal(got, reference)


@pytest.mark.parametrize("body, bad, error", [
    ("np.sum(np.asarray_chkfinite(x) * x)", np.array([[1.0, np.nan, 2.0], [0.5, 1.0, 3.0]]), ValueError),
    ("np.sum(np.average(x, axis=1, weights=x[0]))", np.array([[1.0, -1.0, 0.0], [0.5, 1.0, 3.0]]),
     ZeroDivisionError),
    ("np.sum(np.geomspace(x[0, 0], x[1, 1], 3))", np.array([[0.0, 1.0, 2.0], [0.5, 1.0, 3.0]]), ValueError),
])
def test_run_time_checks_raise_numpys_errors_on_the_c_target(body, bad, error, tmp_path):
    """NumPy's errors from the run-time checks (np.asarray_chkfinite, np.average's zero weights, np.geomspace's zero
    bound) on the C target too, with its value where they pass."""
    from test_c_backend import c_module

    text = kernel_module('x: "f64[2,3]"', body) + "\ng = grad(f)\n"
    module, _ = c_module(text, tmp_path)
    reference = load_source(text)
    good = np.array([[1.0, 2.0, 0.5], [0.25, 1.5, 3.0]])
    np.testing.assert_allclose(module.f(good), reference.f(good), rtol=1e-12)
    np.testing.assert_allclose(module.g(good), reference.g(good), rtol=1e-10)
    for run in (module.f, module.g, reference.f, reference.g):
        with pytest.raises(error):
            run(bad)
