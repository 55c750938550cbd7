"""NumPy functions added because users' programs (autograd's test suite, docs/corpora.md) hit them as refusals:
np.cross, np.diagonal and np.trace (offsets, axes, stacks), np.sort and np.argsort, np.pad, np.append, np.rot90,
`.squeeze()`, and the stacking functions given one array.

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
    ("pad_mode", 'x: "f64[3]"', "np.pad(x, 1, mode='reflect')", "reflect"),
    ("pad_runtime_value", 'x: "f64[3]", c: "f64[]"', "np.pad(x, 1, constant_values=c)", "build time"),
    ("pad_negative", 'x: "f64[3]"', "np.pad(x, -1)", "negative"),
    ("hstack_unknown_rows", 'x: "f64[n,3]"', "np.hstack(x)", "first axis"),
    ("rot90_same_axes", 'x: "f64[3,3]"', "np.rot90(x, axes=(1, -1))", "different axes"),
    ("sort_kind", 'x: "f64[3]"', "np.sort(x, kind='bogo')", "kind"),
    ("partition", 'x: "f64[7]"', "np.partition(x, 3)", "np.sort"),
    ("select_not_boolean", 'x: "f64[3]"', "np.select([x], [x])", "boolean"),
    ("select_lengths", 'x: "f64[3]"', "np.select([x > 0, x < 0], [x])", "as many"),
    ("gradient_short", 'x: "f64[2]"', "np.gradient(x, edge_order=2)", "at least 3"),
    ("gradient_coordinates", 'x: "f64[4]", t: "f64[4]"', "np.gradient(x, t)", "coordinate"),
    ("gradient_unknown_length", 'x: "f64[n]"', "np.gradient(x)", "length"),
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


@pytest.mark.parametrize("annotation, condition, word", [('"f64[n,2]"', "len(x) == 3", "run time"),
                                                         ('"f64[3,2]"', "x.shape[1] == 3", "false")])
def test_an_assert_not_known_true_at_build_time_is_a_located_refusal(annotation, condition, word):
    text = HEADER + f"\n\n@kernel\ndef f(x: {annotation}):\n    assert {condition}\n    return x\n"
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc is not None and (info.value.loc.line, info.value.loc.col) == (7, 12), str(info.value)
    assert word in str(info.value), str(info.value)
