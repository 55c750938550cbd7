"""NumPy functions added because users' programs (autograd's test suite, docs/corpora.md) hit them as refusals:
np.cross, np.diagonal and np.trace (offsets, axes, stacks), np.sort and np.argsort, np.pad, np.append, np.rot90,
`.squeeze()`, and the stacking functions given one array; then (the second half) what users write every day:
NaN and infinity as constants, shapes compared as tuples, run-time asserts, np.partition read at its kth
positions, np.r_ and np.c_, np.pad's reflect/symmetric/wrap modes, np.gradient at coordinates, np.all/np.any.

The generic registry test (tests/test_primitives.py) checks each against autograd, finite differences and a loop
for vmap; here: NumPy's exact bits and dtypes on the forms the registry cases do not cover (2-vectors, float32,
ties, NaN, signed zeros), the C target against the NumPy backend, and the located refusals.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import TranspileError
from test_c_backend import assert_agree, c_module

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, vjp, vmap\n"


def python_functions(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def assert_same_bits(got, expected) -> None:
    got, expected = np.ascontiguousarray(got), np.ascontiguousarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape, (got.dtype, got.shape, expected.shape)
    assert np.array_equal(got.view(np.uint8), expected.view(np.uint8)), (got, expected)


CROSS_2D = HEADER + '''

@kernel
def two_two(a: "f64[4,2]", b: "f64[2]"):
    return np.cross(a, b)


@kernel
def two_three(a: "f64[2,4]", b: "f32[4,3]"):
    return np.cross(a, b, axisa=0, axisc=0)


@kernel
def three_two(a: "f64[3]", b: "f64[4,2]"):
    return np.cross(a, b)


@kernel
def f(a: "f64[4,2]", b: "f64[4,3]"):
    return np.sum(np.sin(np.cross(a, b) + np.cross(b, a, axisc=0).T)) + np.sum(np.cross(a, a[::-1]) ** 2)


g = grad(f, wrt=("a", "b"))
'''


def test_cross_of_2_vectors_has_numpys_bits_and_derivatives():
    """NumPy 2 deprecates 2-vectors (a warning) but computes them: a2 = 0, so a product is dropped or negated."""
    rng = np.random.default_rng(0)
    python = python_functions(CROSS_2D)
    module = load_source(CROSS_2D)
    args = {"two_two": [rng.normal(size=(4, 2)), rng.normal(size=2)],
            "two_three": [rng.normal(size=(2, 4)), rng.normal(size=(4, 3)).astype(np.float32)],
            "three_two": [rng.normal(size=3), rng.normal(size=(4, 2))]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name, values in args.items():
            assert_same_bits(getattr(module, name)(*values), python[name](*values))
        check_against_python(CROSS_2D, [rng.normal(size=(4, 2)), rng.normal(size=(4, 3))])


SORTS = HEADER + '''

@kernel
def sorts(x: "f32[2,5]", v: "f64[6]"):
    return np.sort(x), np.sort(x, axis=0), np.sort(v), np.argsort(v), np.argsort(x, axis=None, kind="stable"), \\
        np.sort(v, kind="mergesort")
'''


def test_sort_keeps_numpys_bits_with_ties_nan_and_signed_zeros():
    module, python = load_source(SORTS), python_functions(SORTS)
    x = np.array([[0.5, -0.0, 0.0, np.nan, -1.0], [2.0, 2.0, -0.0, -np.inf, 0.0]], dtype=np.float32)
    v = np.array([0.0, -0.0, np.nan, 1.0, -0.0, 1.0])
    for got, expected in zip(module.sorts(x, v), python["sorts"](x, v)):
        assert_same_bits(got, expected)


def test_sort_derivative_follows_the_stable_order_at_ties():
    """At a tie the cotangent goes back through NumPy's stable order: the first of equal values takes the first
    place's cotangent (a one-sided derivative there)."""
    text = HEADER + ('\n\n@kernel\ndef f(x: "f64[4]", w: "f64[4]"):\n    return np.sum(np.sort(x) * w)\n\n\n'
                     "g = grad(f)\n")
    x, w = np.array([1.0, 0.5, 1.0, -2.0]), np.array([1.0, 2.0, 3.0, 4.0])
    assert np.array_equal(load_source(text).g(x, w), np.array([3.0, 2.0, 4.0, 1.0]))  # sorted order: 3, 1, 0, 2


C_TARGET = HEADER + '''

@kernel
def f(a: "f64[4,3]", b: "f64[3,4]", m: "f64[3,5]", s: "f64[2,3,4]", v: "f64[6]"):
    c = np.cross(a, b, axisb=0) + np.cross(b, a, axisa=0, axisc=-1)
    d = np.trace(m, 1) + np.sum(np.diagonal(s, -1, 2, 1)) + np.trace(s, axis1=1, axis2=2)[1]
    p = np.pad(m, ((1, 0), (0, 2)), constant_values=0.5)[:, :6] + np.pad(m, (1, 0), mode="edge")
    r = np.sum(np.rot90(m) @ np.append(m, m[:1], axis=0)[:3]) + np.sum(np.hstack(s)[:, :5] @ np.rot90(m, 3))
    q = np.sort(v) * np.sort(m, axis=0)[0, :1] + np.hstack(a)[:6] + np.vstack(a)[1, 0]
    e = np.einsum(a, [0, 1], b, [1, 2], [2, 0]) + np.gradient(b, 0.5, edge_order=2)[1][[2, 0, 1, 1]]
    e = e + a[[3, 1, 2, 0]] @ b
    w = np.select([e > 0.5, e < -0.5], [e * e, np.tanh(e)], default=0.25) + np.gradient(m, axis=1)[[0, 1, 2, 2], :4]
    return np.sum(np.tanh(c)) * d + np.sum(p * p) + r + np.sum(q * q) + np.sum(w * w)


f_grad = grad(f, wrt=("a", "b", "m", "s", "v"))
f_jvp = jvp(f, wrt=("a", "m", "v"))
f_vmap = vmap(f, in_axes=(0, None, 0, None, 0))
'''


def test_the_c_target_computes_the_numpy_backends_numbers(tmp_path):
    """f, its gradient, its JVP and its vmap on the C CPU target against the NumPy backend; the vmap also
    against a loop over the examples."""
    rng = np.random.default_rng(3)
    args = [rng.normal(size=(4, 3)), rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(2, 3, 4)),
            rng.normal(size=6)]
    tangents = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=6)]
    batch = [rng.normal(size=(2, 4, 3)), args[1], rng.normal(size=(2, 3, 5)), args[3], rng.normal(size=(2, 6))]
    reference = load_source(C_TARGET)
    compiled, _ = c_module(C_TARGET, tmp_path, "coverage")
    for name, values in (("f", args), ("f_grad", args), ("f_jvp", args + tangents), ("f_vmap", batch)):
        assert_agree(getattr(compiled, name)(*values), getattr(reference, name)(*values), name)
    loop = np.array([reference.f(*(b[i] if k in (0, 2, 4) else b for k, b in enumerate(batch))) for i in range(2)])
    np.testing.assert_allclose(reference.f_vmap(*batch), loop, rtol=1e-12)
    python = python_functions(C_TARGET)["f"]
    np.testing.assert_allclose(reference.f(*args), python(*args), rtol=1e-14)


REFUSED = [  # (id, parameters, expression, a word the message must contain)
    ("cross_length", 'a: "f64[n,d]", b: "f64[n,3]"', "np.cross(a, b)", "length"),
    ("cross_booleans", 'a: "bool[3]", b: "bool[3]"', "np.cross(a, b)", "boolean"),
    ("cross_axis", 'a: "f64[3]", b: "f64[3]"', "np.cross(a, b, axisa=1)", "axisa"),
    ("pad_mode", 'x: "f64[3]"', "np.pad(x, 1, mode='median')", "median"),
    ("pad_reflect_unknown_length", 'x: "f64[n]"', "np.pad(x, 1, mode='reflect')", "build time"),
    ("pad_wrap_empty", 'x: "f64[0]"', "np.pad(x, 1, mode='wrap')", "empty"),
    ("pad_runtime_value", 'x: "f64[3]", c: "f64[]"', "np.pad(x, 1, constant_values=c)", "build time"),
    ("pad_negative", 'x: "f64[3]"', "np.pad(x, -1)", "negative"),
    ("hstack_unknown_rows", 'x: "f64[n,3]"', "np.hstack(x)", "first axis"),
    ("rot90_same_axes", 'x: "f64[3,3]"', "np.rot90(x, axes=(1, -1))", "different axes"),
    ("sort_kind", 'x: "f64[3]"', "np.sort(x, kind='bogo')", "kind"),
    ("partition", 'x: "f64[7]"', "np.partition(x, 3)", "np.sort"),
    ("partition_slice", 'x: "f64[7]"', "np.sum(np.partition(x, 3)[:3])", "unspecified"),
    ("partition_other_position", 'x: "f64[7]"', "np.partition(x, 3)[2]", "kth"),
    ("partition_method", 'x: "f64[7]"', "np.partition(x, 3).max()", "unspecified"),
    ("partition_out_of_bounds", 'x: "f64[7]"', "np.partition(x, 7)[0]", "out of bounds"),
    ("argpartition", 'x: "f64[7]"', "np.argpartition(x, 3)[3]", "equal values"),
    ("r_directive", 'x: "f64[3]"', "np.r_['0,2', x]", "directives"),
    ("r_open_slice", 'x: "f64[3]"', "np.r_[x, 2:]", "stop"),
    ("shape_ordering", 'x: "f64[n,2]"', "x if x.shape < (3, 2) else x", "=="),
    ("shape_against_array", 'x: "f64[2]"', "x if x.shape == x else x", "elementwise"),
    ("tuples_of_arrays", 'x: "f64[2]"', "x if (x, x) == (x, x) else x", "arrays"),
    ("select_not_boolean", 'x: "f64[3]"', "np.select([x], [x])", "boolean"),
    ("select_lengths", 'x: "f64[3]"', "np.select([x > 0, x < 0], [x])", "as many"),
    ("gradient_short", 'x: "f64[2]"', "np.gradient(x, edge_order=2)", "at least 3"),
    ("gradient_coordinate_matrix", 'x: "f64[4]", t: "f64[4,2]"', "np.gradient(x, t)", "1-D"),
    ("gradient_coordinate_length", 'x: "f64[4]", t: "f64[5]"', "np.gradient(x, t)", "length"),
    ("gradient_spacings_named_length", 'x: "f64[n]"', "np.gradient(x, 1.0, 2.0)", "spacing"),
]


@pytest.mark.parametrize("params, expr, word", [pytest.param(*r[1:], id=r[0]) for r in REFUSED])
def test_what_numpy_would_compute_otherwise_is_a_located_refusal(params, expr, word):
    text = HEADER + f"\n\n@kernel\ndef f({params}):\n    return {expr}\n"
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc is not None and info.value.loc.line == 7, str(info.value)
    assert word in str(info.value), str(info.value)


def test_reverse_mode_of_a_diagonal_of_unknown_sizes_is_a_located_refusal():
    """The diagonal's length of an (n, m) matrix is min(n, m - k): its cotangent cannot be placed without them."""
    text = HEADER + '\n\n@kernel\ndef f(x: "f64[n,m]"):\n    return np.trace(x, 1)\n\n\ng = grad(f)\n'
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc is not None and info.value.loc.line == 7 and "square" in str(info.value)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 5))
    forward = load_source(text.replace("g = grad(f)", "h = jvp(f)"))
    assert forward.f(x) == np.trace(x, 1)


def test_a_python_list_in_an_index_is_the_array_numpy_makes_of_it():
    """`x[[0, 2]]` gathers, `x[[True, False, True]]` masks, `a[[0, 0, 1]] = v` writes (the last write wins)."""
    text = HEADER + '''

@kernel
def f(x: "f64[3,4]", v: "f64[3,4]"):
    a = x * 1.0
    a[[0, 0, 1]] = v
    a[:, [1, 3]] += x[[True, False, True]].T[:3]
    return np.sum(np.sin(a * x[[2, 0, 1]]))


g = grad(f, wrt=("x", "v"))
'''
    rng = np.random.default_rng(5)
    check_against_python(text, [rng.normal(size=(3, 4)), rng.normal(size=(3, 4))])


GRADIENTS = HEADER + '''

@kernel
def g(x: "f64[5,4,3]", v: "f32[6]", i: "i64[4]"):
    return (np.gradient(v), np.gradient(x, axis=-1, edge_order=2), np.gradient(x, 0.5, 2, 3, edge_order=2),
            np.gradient(x, axis=(0, -1)), np.gradient(i), np.gradient(v, 0.3))


@kernel
def f(x: "f64[3,4,5]"):
    gx, gy, gz = np.gradient(x, 0.5, 1, 3.0)
    return np.sum(np.sin(gx * gy - gz))


grad_f = grad(f)
'''


def test_np_gradient_has_numpys_bits_and_derivatives():
    """Float32 stays float32, integers become float64, each axis's spacing divides as NumPy divides."""
    rng = np.random.default_rng(2)
    args = [rng.normal(size=(5, 4, 3)), rng.normal(size=6).astype(np.float32), np.array([1, 4, 9, 16])]
    module, python = load_source(GRADIENTS), python_functions(GRADIENTS)
    flat = lambda values: [a for v in values for a in (v if isinstance(v, tuple) else (v,))]  # noqa: E731
    for got, expected in zip(flat(module.g(*args)), flat(python["g"](*args)), strict=True):
        assert_same_bits(got, expected)
    check_against_python(GRADIENTS.replace("grad_f = grad(f)", "g = grad(f)").replace("def g(", "def h("),
                         [rng.normal(size=(3, 4, 5))])


SELECTS = HEADER + '''

@kernel
def f(a: "f64[3,4,5]", b: "f32[4,5]", c: "f32[5]", i: "i64[5]"):
    return (np.select([a > 0, a < -1, b > 0.5], [a, a * a, b]), np.select([b > 0, c < 0], [b, c], default=0.1),
            np.select([c > 0], [i], 2), np.select((c > 0, c < -0.5), (1.5, c), default=-np.inf),
            np.select([i > 2], [c], default=i.shape[0]))
'''


def test_np_select_promotes_as_numpy_does():
    """Python numbers take part weakly (a float32 choice with `default=0.1` stays float32), arrays strongly."""
    rng = np.random.default_rng(4)
    args = [rng.normal(size=(3, 4, 5)), rng.normal(size=(4, 5)).astype(np.float32),
            rng.normal(size=5).astype(np.float32), np.arange(5)]
    for got, expected in zip(load_source(SELECTS).f(*args), python_functions(SELECTS)["f"](*args), strict=True):
        assert_same_bits(got, expected)


SECOND_ORDER = HEADER + '''

@kernel
def f(x: "f64[3,4]"):
    c = np.cross(x[:, :3], np.tanh(x[:, 1:]))
    s = np.sort(x * x, axis=1) * np.trace(x, 1)
    p = np.pad(x, ((1, 0), (0, 1)), mode="edge")[:3, :4] * np.gradient(x, axis=0)
    return np.sum(np.sin(c)) + np.sum(s * s) + np.sum(np.select([x > 0.2], [p], default=0.5) * np.rot90(x, 2))
'''


def test_second_order_through_the_added_functions():
    """Hessians through sort's permutation, the cross product's products, the diagonal, pads and np.gradient:
    against autograd and differences of the generated gradient (tests/gradcheck.py)."""
    from gradcheck import check_second_order

    x = np.random.default_rng(6).normal(size=(3, 4))
    check_second_order(SECOND_ORDER, [x], 0)


def test_an_assert_known_at_build_time_compiles_to_nothing():
    text = HEADER + '''

@kernel
def f(x: "f64[3,2]"):
    assert len(x) == 3 and x.ndim == 2, "three rows"
    return np.sum(x * x)


g = grad(f)
'''
    from lifted.transpiler import transpile_source

    assert "assert" not in transpile_source(text, "case.py").split("def f(")[1]
    check_against_python(text, [np.random.default_rng(7).normal(size=(3, 2))])


@pytest.mark.parametrize("annotation, condition, word, col", [('"f64[n,2]"', "x > 0", "truth", 12),
                                                              ('"f64[n,2]"', "x[0, 0] > 0, x", "message", 25),
                                                              ('"f64[3,2]"', "x.shape[1] == 3", "false", 12)])
def test_an_assert_that_cannot_run_as_python_runs_it_is_a_located_refusal(annotation, condition, word, col):
    """An array's truth (Python refuses it), a message that is not a string known at build time, and a condition
    false at build time (Python would raise at every call)."""
    text = HEADER + f"\n\n@kernel\ndef f(x: {annotation}):\n    assert {condition}\n    return x\n"
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc is not None and (info.value.loc.line, info.value.loc.col) == (7, col), str(info.value)
    assert word in str(info.value), str(info.value)


# --- constructs users write that Lifted used to refuse: NaN and infinity as constants, shapes compared as tuples,
# run-time asserts, np.partition, np.r_ and np.c_, np.pad's copying modes, np.gradient at coordinates ---------------
def check_by_differences(text: str, args: list) -> None:
    """`g` (a gradient over `f`'s arguments, all of them) against central differences of Python's `f`, for what
    autograd cannot differentiate (np.pad's copying modes, np.gradient's spacings)."""
    from gradcheck import assert_close, central_difference

    module, python = load_source(text), python_functions(text)
    np.testing.assert_allclose(module.f(*args), python["f"](*args), rtol=1e-13)
    for position, got in enumerate(module.g(*args)):
        assert_close(got, central_difference(python["f"], args, position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position}")


CONSTANTS = HEADER + '''

@kernel
def constants(x: "f64[5]", y: "f32[5]"):
    return (np.where(x > 0.0, x, np.nan), np.full(3, -np.inf), y + np.nan, np.where(y > 0, y, np.inf),
            x == np.nan, np.isnan(np.nan * x), np.full(2, np.nan, dtype=np.float32), np.maximum(y, -np.inf),
            np.where(x > 0.0, x, -np.nan), -np.nan)


@kernel
def f(x: "f64[5]"):
    clipped = np.where(x > 0.0, x, np.nan)
    top = -np.inf
    for i in range(5):
        top = np.maximum(top, x[i] * x[i])
    low = np.minimum(np.full(5, np.inf), x * x)
    kept = np.where(np.isnan(clipped), 0.5 * x, clipped)
    return np.sum(kept * low) + top * np.sum(np.where(x == np.inf, 0.0, np.sin(x)))


g = grad(f)
'''


def test_nan_and_inf_are_kernel_constants_with_numpys_bits():
    x = np.array([0.5, -1.0, 2.0, -0.2, np.inf])
    y = np.array([1.0, -2.0, 0.0, np.nan, -0.0], dtype=np.float32)
    module, python = load_source(CONSTANTS), python_functions(CONSTANTS)
    for got, expected in zip(module.constants(x, y), python["constants"](x, y), strict=True):
        assert_same_bits(got, expected)
    check_against_python(CONSTANTS, [np.array([0.5, -1.0, 2.0, -0.2, 1.3])])


SHAPES = HEADER + '''

@kernel
def f(x: "f64[n,2]", y: "f64[m,2]", z: "f64[n,2]", w: "f64[3]"):
    s = 1.0
    if x.shape == y.shape:
        s = s + 2.0
    if x.shape != z.shape or w.shape != (3,) or x.shape == [x.shape[0], 2]:
        s = s + 100.0
    if x.shape[0] == 4 and x.ndim == 2 and len(x.shape) == 2:
        s = s * 3.0
    if x.shape[1:] == (2,) and y.shape[-1] == 2 and (x.shape, w.shape) == ((x.shape[0], 2), (3,)):
        s = s + 0.5
    return s * np.sum(x * z) + np.sum(y) * w[0]


g = grad(f, wrt=("x", "y", "z", "w"))
v = vmap(f, in_axes=(0, None, 0, None))
'''


def test_shapes_compare_as_python_compares_tuples():
    """Decided at build time where the annotations decide (the same `n`, static sizes, a tuple against a list),
    compared at run time where they do not (`n` against `m`, `n` against 4)."""
    from lifted.transpiler import transpile_source

    primal = transpile_source(SHAPES, "case.py").split("def f(")[1].split("\ndef ")[0]
    assert "100.0" not in primal and "n == m" in primal, primal
    module, python = load_source(SHAPES), python_functions(SHAPES)
    rng = np.random.default_rng(8)
    for n, m in ((4, 4), (4, 3), (5, 5)):
        args = [rng.normal(size=(n, 2)), rng.normal(size=(m, 2)), rng.normal(size=(n, 2)), rng.normal(size=3)]
        assert module.f(*args) == python["f"](*args)
        batch = [np.stack([args[0], -args[0]]), args[1], np.stack([args[2], args[2]]), args[3]]
        assert_agree(module.v(*batch), np.array([python["f"](b, args[1], c, args[3])
                                                 for b, c in zip(batch[0], batch[2])]), "vmap")
    check_against_python(SHAPES.replace("v = vmap(f, in_axes=(0, None, 0, None))", ""),
                         [rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2)),
                          rng.normal(size=3)])


ASSERTS = HEADER + '''

@kernel
def f(x: "f64[n]", s: "f64[]"):
    assert np.all(x > 0), "x must be positive"
    total = 0.0
    for i in range(x.shape[0]):
        assert x[i] < 10.0 * s
        total = total + np.log(x[i]) * s
    if s > 1.0:
        assert x.shape == (3,), "three samples"
    return total


g = grad(f, wrt=("x", "s"))
j = jvp(f, wrt=("x",))
v = vmap(f, in_axes=(0, None))
'''


def _outcome(fn, *args):
    try:
        return "value", fn(*args)
    except AssertionError as exc:
        return "AssertionError", str(exc)


def test_a_run_time_assert_raises_pythons_assertion_error_in_every_transform_and_on_the_c_target(tmp_path):
    """The primal, the gradient's forward sweep, the JVP and the batch (every example checked) raise what Python's
    `f` raises, with its message; the C target's host does the same."""
    python = python_functions(ASSERTS)["f"]
    module = load_source(ASSERTS)
    compiled, _ = c_module(ASSERTS, tmp_path, "asserts")
    x = np.array([1.0, 2.0, 3.0])
    for args in ((x, 0.5), (x, 2.0), (-x, 0.5), (x, 0.2), (x[:2], 2.0)):
        kind, expected = _outcome(python, *args)
        for backend in (module, compiled):
            for name, extra in (("f", ()), ("g", ()), ("j", (np.ones_like(args[0]),))):
                got_kind, got = _outcome(getattr(backend, name), *args, *extra)
                assert got_kind == kind, (name, args, got)
                if kind == "AssertionError":
                    assert got == expected, (name, got)
                elif name == "f":
                    assert_agree(got, expected, name)
    batch = np.stack([x, x + 1.0])
    for s in (0.5, 0.35):  # every example passes; the second example's 4.0 fails `x[i] < 3.5`
        expected = _outcome(lambda: np.array([python(b, s) for b in batch]))
        for backend in (module, compiled):
            got = _outcome(backend.v, batch, s)
            assert got[0] == expected[0] and (got[0] != "value" or np.allclose(got[1], expected[1])), got


PARTITIONS = HEADER + '''

@kernel
def values(x: "f64[7]", m: "f32[3,4]", k: "i64[]"):
    return (np.partition(x, 3)[3], np.partition(x, (0, -1))[-1], np.partition(m, 1, axis=0)[1],
            np.partition(m, 2)[:, 2], np.partition(m, 5, axis=None)[5], np.partition(x, k)[k],
            np.partition(m, (1, 3), axis=-1)[..., 1])


@kernel
def middle(x: "f64[n]"):
    return np.partition(x, x.shape[0] // 2)[x.shape[0] // 2], np.partition(x, len(x) - 1)[-1]


@kernel
def f(x: "f64[7]", m: "f64[3,4]"):
    return np.partition(x, 3)[3] * np.sum(np.partition(m, 1, axis=0)[1] ** 2) + \\
        np.partition(m * x[:4], (0, 3))[:, 3] @ m[:, 0]


g = grad(f, wrt=("x", "m"))
'''


def test_partition_read_at_its_kth_positions_has_numpys_values_and_sorts_derivatives():
    """Ties and NaN included (NaN sorts last, as NumPy's selection puts it); a `kth` known at run time is checked
    as NumPy checks it (a ValueError)."""
    module, python = load_source(PARTITIONS), python_functions(PARTITIONS)
    x = np.array([2.0, -1.0, np.nan, 2.0, 0.5, -1.0, 7.0])
    m = np.array([[3.0, 1.0, 1.0, -2.0], [0.5, np.nan, 4.0, 4.0], [1.0, 1.0, -3.0, 2.5]], dtype=np.float32)
    for k in (0, 4, -2):
        for got, expected in zip(module.values(x, m, k), python["values"](x, m, k), strict=True):
            assert_same_bits(got, expected)
    for got, expected in zip(module.middle(x), python["middle"](x), strict=True):  # the same position, written twice
        assert_same_bits(got, expected)
    for k in (7, -8):
        with pytest.raises(ValueError):
            python["values"](x, m, k)
        with pytest.raises(ValueError):
            module.values(x, m, k)
    rng = np.random.default_rng(9)
    check_against_python(PARTITIONS.replace("def values(", "def _values("), [rng.normal(size=7), rng.normal(size=(3, 4))])


TRICKS = HEADER + '''

@kernel
def parts(x: "f64[4]", y: "f32[3]", i: "i64[2]", m: "f64[4,2]"):
    return (np.r_[x, y], np.r_[y, 1.5, 2], np.r_[0:3, x], np.r_[i, 2], np.c_[x, x * 2], np.c_[m, x, 0:4],
            np.r_[y, i], np.r_[[1.0, 2.0], x[0], 1:2:0.5], np.c_[y], np.r_[m, m], np.r_[i, True])


@kernel
def f(x: "f64[4]", y: "f64[3]"):
    return np.sum(np.r_[x, y, 0.5] ** 2 * np.r_[1:9]) + np.sum(np.sin(np.c_[x, x * y[0], 0:4] @ np.r_[y[:2], 1.0]))


g = grad(f, wrt=("x", "y"))
'''


def test_r_and_c_concatenate_with_numpys_dtypes():
    """Python numbers take part weakly (a float32 array with 1.5 stays float32), slices are aranges, vectors stand
    as columns in np.c_."""
    rng = np.random.default_rng(10)
    args = [rng.normal(size=4), rng.normal(size=3).astype(np.float32), np.array([3, -1]), rng.normal(size=(4, 2))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # autograd: "r_ is slow for array inputs"
        for got, expected in zip(load_source(TRICKS).parts(*args), python_functions(TRICKS)["parts"](*args),
                                 strict=True):
            assert_same_bits(got, expected)
        check_against_python(TRICKS, [rng.normal(size=4), rng.normal(size=3)])


PADS = HEADER + '''

@kernel
def pads(x: "f64[4]", m: "f32[3,5]", one: "f64[1,2]", t: "f64[2]"):
    return (np.pad(x, 2, mode="reflect"), np.pad(x, (5, 1), mode="symmetric"), np.pad(x, (3, 9), mode="wrap"),
            np.pad(m, ((1, 2), (6, 0)), mode="reflect"), np.pad(m, ((0, 4), (2, 2)), "symmetric", reflect_type="even"),
            np.pad(one, 3, mode="reflect"), np.pad(t, 7, mode="reflect"), np.pad(m, 1, mode="wrap"),
            np.pad(x, 0, mode="wrap"))


@kernel
def f(x: "f64[4]", m: "f64[3,5]"):
    return np.sum(np.sin(np.pad(x, (5, 2), mode="reflect")) * np.arange(11)) + \\
        np.sum(np.pad(m, ((2, 1), (1, 7)), mode="symmetric") ** 2 * np.pad(m, ((1, 2), (3, 5)), mode="wrap")[:, :13])


g = grad(f, wrt=("x", "m"))
'''


def test_pad_reflect_symmetric_and_wrap_have_numpys_bits_and_derivatives():
    """Pads longer than the axis (NumPy reflects again) and a length-1 axis (NumPy repeats it) included."""
    rng = np.random.default_rng(11)
    args = [rng.normal(size=4), rng.normal(size=(3, 5)).astype(np.float32), rng.normal(size=(1, 2)),
            rng.normal(size=2)]
    for got, expected in zip(load_source(PADS).pads(*args), python_functions(PADS)["pads"](*args), strict=True):
        assert_same_bits(got, expected)
    check_by_differences(PADS, [rng.normal(size=4), rng.normal(size=(3, 5))])


SPACED = HEADER + '''

@kernel
def spaced(f: "f64[5]", t: "f64[5]", m: "f32[4,5]", r: "f64[4]", h: "f64[]", i: "i64[5]", two: "f64[2]",
           t2: "f64[2]", r32: "f32[4]"):
    return (np.gradient(f, t), np.gradient(f, t, edge_order=2), np.gradient(m, r, t), np.gradient(m, r, t, edge_order=2),
            np.gradient(m, h), np.gradient(f, i), np.gradient(i, t), np.gradient(two, t2),
            np.gradient(m, 0.5, t, edge_order=2), np.gradient(f, h, edge_order=2), np.gradient(m, r32, axis=0))


@kernel
def f(y: "f64[5]", t: "f64[5]", m: "f64[4,5]", r: "f64[4]"):
    return np.sum(np.sin(np.gradient(y, t)) * np.gradient(y, t, edge_order=2)) + \\
        np.sum(np.gradient(m, r, axis=0) ** 2) + np.sum(np.gradient(m, 2.0, t, edge_order=2)[1] ** 3)


g = grad(f, wrt=("y", "t", "m", "r"))
'''


@pytest.mark.parametrize("even", [False, True])
def test_gradient_at_coordinates_has_numpys_bits_and_derivatives(even):
    """Uneven coordinates take NumPy's nonuniform formulas; even ones (every distance equal, as NumPy tests at run
    time) its uniform ones with the first distance; float32 samples stay float32 with float64 coordinates."""
    rng = np.random.default_rng(12)
    t = np.arange(5) * 0.3 + 1.0 if even else np.cumsum(rng.uniform(0.5, 1.5, size=5))
    r = np.arange(4) * 0.7 if even else np.cumsum(rng.uniform(0.5, 1.5, size=4))
    args = [rng.normal(size=5), t, rng.normal(size=(4, 5)).astype(np.float32), r, 0.7,
            np.array([0, 3, 4, 9, 20]), rng.normal(size=2), np.array([0.1, 0.4]), r.astype(np.float32)]
    module, python = load_source(SPACED), python_functions(SPACED)
    flat = lambda values: [a for v in values for a in (v if isinstance(v, tuple) else (v,))]  # noqa: E731
    for got, expected in zip(flat(module.spaced(*args)), flat(python["spaced"](*args)), strict=True):
        assert_same_bits(got, expected)
    check_by_differences(SPACED, [rng.normal(size=5), t, rng.normal(size=(4, 5)), r])


REFUSED_C_TARGET = HEADER + '''

@kernel
def f(x: "f64[5]", m: "f64[3,4]", t: "f64[5]"):
    a = np.where(x > 0.0, x, np.nan)
    b = np.where(np.isnan(a), -np.inf, a)
    top = np.maximum(np.max(b), -np.inf) + np.partition(x, 2)[2] * np.partition(m, 1, axis=0)[1] @ m[0]
    p = np.pad(m, ((2, 1), (1, 3)), mode="reflect") * np.pad(m, ((1, 2), (3, 1)), mode="wrap")
    q = np.pad(x, (1, 6), mode="symmetric") @ np.r_[x, m[0], 0.5, 0:2]
    c = np.c_[m, x[:3]] @ np.r_[x[:3], 1.0, 2.0]
    s = np.gradient(x, t, edge_order=2) @ x + np.sum(np.gradient(m, t[:3], axis=0) ** 2)
    if m.shape == (3, 4) and x.shape != m.shape:
        s = s * 2.0
    return top + np.sum(np.sin(p)) + q + np.sum(c * c) + s


f_grad = grad(f, wrt=("x", "m", "t"))
f_jvp = jvp(f, wrt=("x", "t"))
f_vmap = vmap(f, in_axes=(0, None, 0))
'''


def test_the_c_target_computes_the_numpy_backends_numbers_for_the_added_constructs(tmp_path):
    """NaN and infinity printed as the C expressions of the same IEEE values, partitions, pads, np.r_/np.c_ and
    gradients at coordinates: f, its gradient, JVP and vmap on the C target against the NumPy backend, and the
    vmap against a loop over the examples."""
    rng = np.random.default_rng(13)
    t = np.cumsum(rng.uniform(0.5, 1.5, size=5))
    args = [rng.normal(size=5), rng.normal(size=(3, 4)), t]
    tangents = [rng.normal(size=5), rng.normal(size=5)]
    batch = [rng.normal(size=(2, 5)), args[1], np.stack([t, np.arange(5.0)])]
    reference = load_source(REFUSED_C_TARGET)
    compiled, _ = c_module(REFUSED_C_TARGET, tmp_path, "refused")
    for name, values in (("f", args), ("f_grad", args), ("f_jvp", args + tangents), ("f_vmap", batch)):
        assert_agree(getattr(compiled, name)(*values), getattr(reference, name)(*values), name)
    python = python_functions(REFUSED_C_TARGET)["f"]
    loop = np.array([python(batch[0][i], batch[1], batch[2][i]) for i in range(2)])
    np.testing.assert_allclose(reference.f_vmap(*batch), loop, rtol=1e-12)
    np.testing.assert_allclose(reference.f(*args), python(*args), rtol=1e-14)


def test_random_kernels_with_checks_on_the_c_target(tmp_path):
    """The property generator's run-time asserts, shape tuples and NaN/inf constants (tests/test_property.py,
    checks=True) on the C target against the NumPy backend."""
    from test_c_backend import compare_all
    from test_property import inputs_for, program_for_seed

    for seed in (0, 2, 5, 8):
        compare_all(program_for_seed(seed, checks=True)[0], tmp_path, inputs_for(seed), name=f"checks{seed}")


SECOND_ORDER_ADDED = HEADER + '''

@kernel
def f(x: "f64[5]", t: "f64[5]"):
    p = np.partition(x * x, 2)[2] + np.r_[x[:2], np.sin(x[2:]), 0.5] @ np.r_[1:7]
    c = np.c_[x, np.tanh(x)] @ np.array([0.5, -1.0])
    g = np.gradient(np.sin(x) * x, t, edge_order=2)
    w = np.where(x > -5.0, x * x, np.nan)
    return p * np.sum(c * c) + np.sum(g * g) + np.sum(np.sin(w))
'''


def test_second_order_through_partition_r_c_gradient_and_nan_constants():
    """Hessians (also jvp(grad), vjp(grad)) through np.partition's kth read, np.r_, np.c_, np.gradient at
    coordinates and a NaN branch never taken: against differences of the generated gradient (autograd has no
    spacings for np.gradient)."""
    from gradcheck import check_second_order

    rng = np.random.default_rng(14)
    check_second_order(SECOND_ORDER_ADDED, [rng.normal(size=5), np.cumsum(rng.uniform(0.5, 1.5, size=5))], 0)


def test_second_order_through_the_copying_pads():
    """The Hessian of a program through np.pad's reflect, symmetric and wrap modes against differences of the
    generated gradient (autograd pads in constant mode only)."""
    text = HEADER + '''

@kernel
def f(x: "f64[4]"):
    return np.sum(np.sin(np.pad(x, (3, 2), mode="reflect")) * np.pad(x * x, (1, 4), mode="symmetric") *
                  np.pad(np.tanh(x), (2, 3), mode="wrap"))


first = grad(f)
second = jvp(grad(f))
'''
    module = load_source(text)
    x = np.random.default_rng(15).normal(size=4)
    columns = [(module.first(x + 1e-6 * e) - module.first(x - 1e-6 * e)) / 2e-6 for e in np.eye(4)]
    for k, e in enumerate(np.eye(4)):
        np.testing.assert_allclose(module.second(x, e)[1], columns[k], rtol=1e-6, atol=1e-7)


def test_all_and_any_as_functions_and_methods(tmp_path):
    text = HEADER + '''

@kernel
def f(m: "f64[3,4]", b: "bool[4]"):
    return (np.all(m > 0), np.all(m > -1.0, axis=0), m.all(axis=1, keepdims=True), (m > 0).any(), b.all(),
            np.any(b), np.all(m, axis=(0, 1)))


v = vmap(f, in_axes=(0, None))
'''
    m = np.array([[1.0, -2.0, 0.0, 3.0], [0.5, 0.5, 0.5, 0.5], [-0.5, 2.0, 1.0, np.nan]])
    b = np.array([True, True, False, True])
    module, python = load_source(text), python_functions(text)
    compiled, _ = c_module(text, tmp_path, "all_any")
    for got, c_got, expected in zip(module.f(m, b), compiled.f(m, b), python["f"](m, b), strict=True):
        assert_same_bits(got, expected)
        assert_same_bits(np.asarray(c_got), np.asarray(expected))
    batch = np.stack([m, np.abs(m) + 1.0])
    for k, got in enumerate(module.v(batch, b)):
        for i in range(2):
            assert_same_bits(got[i], python["f"](batch[i], b)[k])


def test_gradient_spacings_as_lists_module_arrays_and_module_scalars():
    text = HEADER + '''
T = np.array([0.0, 0.5, 1.5, 1.75, 3.0])
H = np.sum(T) * 0.1


@kernel
def f(y: "f64[5]"):
    return (np.gradient(y, [0.0, 1.0, 3.0, 3.5, 4.0]), np.gradient(y, T, edge_order=2), np.gradient(y, H),
            np.gradient(y, [0, 1, 2, 3, 4]))
'''
    y = np.sin(np.arange(5.0))
    for got, expected in zip(load_source(text).f(y), python_functions(text)["f"](y), strict=True):
        assert_same_bits(got, expected)
