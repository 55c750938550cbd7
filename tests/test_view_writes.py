"""Writes through views: `b.T[0] = v`, `np.flip(b)[0] = v`, `b[::-1][:2] = v`, `b[:, 0][mask] = v`, and through a
reshape of an array the kernel made (`g = out.reshape(4, 4); g[1, 2] = v` changes `out`).

Python writes into the array the view looks into, and every other name and view of that array sees it. The
compiler composes the write into one index of that array where it can (normalize/view_index.py) and otherwise
updates a copy of the view and writes it back through the view's inverse (normalize/view_writes.py). Each
program below is checked against Python running the same source (values), central differences of Python and
autograd on a functional rewrite of it (`written(b, positions, v)`: the same elements replaced; gradients),
`jvp` against the gradient, `vmap` against a loop over examples, and the C target against the NumPy backend.
What Python would do differently depending on the caller's array (a reshape of a parameter may be a copy), and
what Python refuses (a write through `np.diagonal`), is refused with a located error and a hint.
"""
from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

from gradcheck import assert_close, central_difference, check_against_python, load_source
from lifted.transpiler import TranspileError, transpile_source
from lifted.transpiler.normalize.view_index import compose, reshaped
from test_c_backend import c_module
from vmap_oracle import loop

HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, vmap\n"
CASES = {  # name -> (kernel body writing through a view, the same computation written functionally)
    "transpose_row": ("""
    b = x * 1.0
    t = b.T
    b.T[0] = y * 2.0
    return np.sum(b * x) + np.sum(np.sin(t) * t)
""", """
    b = x * 1.0
    b = written(b, P(b).T[0], y * 2.0)
    t = b.T
    return np.sum(b * x) + np.sum(np.sin(t) * t)
"""),
    "transpose_block_added": ("""
    b = x * 1.0
    b.T[1:3] += x[:2] * y[0]
    return np.sum(b * b)
""", """
    b = x * 1.0
    b = written(b, P(b).T[1:3], x[:2] * y[0], add=True)
    return np.sum(b * b)
"""),
    "swapaxes_element_alias": ("""
    b = x * 1.0
    c = b
    np.swapaxes(b, 0, 1)[2, 1] = y[0] * y[1]
    return np.sum(c * c * x)
""", """
    b = x * 1.0
    b = written(b, np.swapaxes(P(b), 0, 1)[2, 1], y[0] * y[1])
    c = b
    return np.sum(c * c * x)
"""),
    "flip_row": ("""
    b = x * 1.0
    np.flip(b, 0)[0] = np.tanh(y)
    return np.sum(b * x)
""", """
    b = x * 1.0
    b = written(b, np.flip(P(b), 0)[0], np.tanh(y))
    return np.sum(b * x)
"""),
    "reversed_slices": ("""
    b = x * 1.0
    r = b[::-1]
    b[::-1][:2] = y * y
    return np.sum(b * x) + np.sum(r[0] * y)
""", """
    b = x * 1.0
    b = written(b, P(b)[::-1][:2], y * y)
    r = b[::-1]
    return np.sum(b * x) + np.sum(r[0] * y)
"""),
    "rot90_slice": ("""
    b = x * 1.0
    np.rot90(b)[0, 1:] = y[1:] ** 2
    return np.sum(np.sin(b))
""", """
    b = x * 1.0
    b = written(b, np.rot90(P(b))[0, 1:], y[1:] ** 2)
    return np.sum(np.sin(b))
"""),
    "expand_dims_row": ("""
    b = x * 1.0
    np.expand_dims(b, 0)[0, 1] = np.cos(y)
    return np.sum(b * x)
""", """
    b = x * 1.0
    b = written(b, np.expand_dims(P(b), 0)[0, 1], np.cos(y))
    return np.sum(b * x)
"""),
    "squeeze_element_added": ("""
    b = x * 1.0
    np.squeeze(b[None])[2, 2] += 3.0 * y[2]
    return np.sum(b * b)
""", """
    b = x * 1.0
    b = written(b, np.squeeze(P(b)[None])[2, 2], 3.0 * y[2], add=True)
    return np.sum(b * b)
"""),
    "named_view_of_a_view": ("""
    b = x * 1.0
    t = np.flip(b.T, 1)
    t[1:3, 0] = y[:2]
    return np.sum(b * b) + np.sum(t[0] * y)
""", """
    b = x * 1.0
    b = written(b, np.flip(P(b).T, 1)[1:3, 0], y[:2])
    t = b.T[:, ::-1]  # (autograd has no np.flip rule)
    return np.sum(b * b) + np.sum(t[0] * y)
"""),
    "masked_column": ("""
    b = x * 1.0
    m = y > 0
    b[:, 0][m] = 2.0 * x[0][m]
    return np.sum(b * x)
""", """
    b = x * 1.0
    b = written(b, P(b)[:, 0][y > 0], 2.0 * x[0][y > 0])
    return np.sum(b * x)
"""),
    "index_array_through_a_flip": ("""
    b = x * 1.0
    np.flip(b, 1)[:, [0, 2]] = x[:, :2] * y[3]
    return np.sum(b * b)
""", """
    b = x * 1.0
    b = written(b, np.flip(P(b), 1)[:, [0, 2]], x[:, :2] * y[3])
    return np.sum(b * b)
"""),
    "flipped_diagonal_in_a_loop": ("""
    b = x * 1.0
    for i in range(4):
        np.flip(b, 1)[i, i] = y[i] * b[i, 0]
    return np.sum(b * x)
""", """
    b = x * 1.0
    for i in range(4):
        b = written(b, np.flip(P(b), 1)[i, i], y[i] * b[i, 0])
    return np.sum(b * x)
"""),
    "reshape_grid_of_a_flat_buffer": ("""
    out = np.zeros(16)
    g = out.reshape(4, 4)
    g[1, 2] = y[0]
    g[0] += x[0] * y
    return np.sum(out * out) + np.sum(g * x)
""", """
    out = np.zeros(16)
    out = written(out, P(out).reshape(4, 4)[1, 2], y[0])
    out = written(out, P(out).reshape(4, 4)[0], x[0] * y, add=True)
    g = out.reshape(4, 4)
    return np.sum(out * out) + np.sum(g * x)
"""),
    "reshape_rows_in_a_loop": ("""
    out = np.zeros(8)
    g = out.reshape(2, 4)
    for i in range(2):
        g[i] = y * (i + 1.0) + x[i]
    return np.sum(out * np.arange(8.0)) + np.sum(g * g)
""", """
    out = np.zeros(8)
    for i in range(2):
        out = written(out, P(out).reshape(2, 4)[i], y * (i + 1.0) + x[i])
    g = out.reshape(2, 4)
    return np.sum(out * np.arange(8.0)) + np.sum(g * g)
"""),
    "strided_write_through_a_reshape": ("""
    out = np.zeros((4, 4))
    out[...] = x
    g = out.reshape(2, 8)
    g[:, ::3] = np.sin(y[:3])
    return np.sum(out * x)
""", """
    out = x * 1.0
    out = written(out, P(out).reshape(2, 8)[:, ::3], np.sin(y[:3]))
    return np.sum(out * x)
"""),
    "ravel_of_a_new_array": ("""
    out = np.zeros((2, 4))
    np.ravel(out)[::2] = y * x[1]
    return np.sum(out * x[:2])
""", """
    out = np.zeros((2, 4))
    out = written(out, np.ravel(P(out))[::2], y * x[1])
    return np.sum(out * x[:2])
"""),
    "reshape_of_a_copy": ("""
    b = x.copy()
    g = b.reshape(16)
    g[3:7] = y * x[0, 0]
    return np.sum(b * x)
""", """
    b = x * 1.0
    b = written(b, P(b).reshape(16)[3:7], y * x[0, 0])
    return np.sum(b * x)
"""),
    "parameter_transposed": ("""
    x.T[0] = y
    return np.sum(x * x)
""", """
    x = written(x, P(x).T[0], y)
    return np.sum(x * x)
"""),
    "array_in_a_tuple": ("""
    b = x * 1.0
    c = x * 2.0
    t = (b, c)
    t[1].T[1] = y
    return np.sum(b * c)
""", """
    b = x * 1.0
    c = x * 2.0
    c = written(c, P(c).T[1], y)
    return np.sum(b * c)
"""),
}
ORACLE_HEAD = '''
import numpy as onp
import autograd.numpy as np


def P(b):
    """The positions of `b`'s elements in its flat order: the oracle indexes these as the program indexes `b`."""
    return onp.arange(int(onp.prod(onp.shape(b)))).reshape(onp.shape(b))


def written(b, positions, value, add=False):
    """`b` with the elements at `positions` replaced by `value` (added to it: `add`), without writing in place."""
    positions = onp.asarray(positions)
    flat = onp.ravel(positions)
    picks = onp.zeros((int(onp.prod(onp.shape(b))), flat.size))
    picks[flat, onp.arange(flat.size)] = 1.0
    new = np.ravel(value * onp.ones(positions.shape))
    if add:
        new = new + np.ravel(b)[flat]
    return np.reshape(np.ravel(b) * (1.0 - picks.sum(axis=1)) + np.dot(picks, new), onp.shape(b))
'''


def source(names) -> str:
    """One module: `f_<name>(x, y)` per case, its gradient, its JVP in `x` and its vmap."""
    text = HEAD
    for name in names:
        text += (f'\n\n@kernel\ndef f_{name}(x: "f64[4,4]", y: "f64[4]") -> "f64[]":{CASES[name][0]}\n\n'
                 f'g_{name} = grad(f_{name}, wrt=("x", "y"))\nj_{name} = jvp(f_{name}, wrt="x")\n'
                 f'v_{name} = vmap(f_{name}, in_axes=(0, 0))\n')
    return text


def oracles(names) -> dict:
    namespace: dict = {}
    text = ORACLE_HEAD + "".join(f"\n\ndef f_{name}(x, y):{CASES[name][1]}" for name in names)
    exec(compile(text, "oracle", "exec", dont_inherit=True), namespace)
    return namespace


def _inputs(seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(4, 4)), rng.normal(size=4)


def check(module, names) -> None:
    """Values against Python, gradients against central differences and autograd, the JVP, vmap."""
    from autograd import grad as autograd_grad

    python: dict = {}
    exec(compile(source(names), "python_reference", "exec", dont_inherit=True), python)
    oracle = oracles(names)
    x, y = _inputs()
    for name in names:
        f = python[f"f_{name}"]
        run = lambda *a: f(*[v.copy() for v in a])  # noqa: E731  (Python writes into its arguments)
        value = getattr(module, f"f_{name}")(x.copy(), y.copy())
        assert_close(value, run(x, y), rtol=1e-12, atol=1e-12, what=f"{name}: value vs Python")
        assert_close(oracle[f"f_{name}"](x, y), run(x, y), rtol=1e-12, atol=1e-12, what=f"{name}: oracle")
        gradients = getattr(module, f"g_{name}")(x.copy(), y.copy())
        for position, got in enumerate(gradients):
            assert_close(got, central_difference(run, [x, y], position), rtol=1e-6, atol=1e-6,
                         what=f"{name}: d/d argument {position} vs finite differences")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                expected = autograd_grad(oracle[f"f_{name}"], position)(x.copy(), y.copy())
            assert_close(got, expected, rtol=1e-9, atol=1e-10, what=f"{name}: d/d argument {position} vs autograd")
        direction = np.random.default_rng(1).normal(size=x.shape)
        primal, tangent = getattr(module, f"j_{name}")(x.copy(), y.copy(), direction)
        assert_close(primal, value, rtol=1e-12, atol=1e-12, what=f"{name}: jvp value")
        assert_close(tangent, np.sum(gradients[0] * direction), rtol=1e-9, atol=1e-10, what=f"{name}: jvp")
        xs, ys = np.stack([x, x * 0.5, -x]), np.stack([y, -y, y * 2.0])
        assert_close(getattr(module, f"v_{name}")(xs.copy(), ys.copy()), loop(run, [xs, ys], (0, 0)), rtol=1e-12,
                     atol=1e-12, what=f"{name}: vmap vs a loop")


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_write_through_a_view_changes_the_array_it_looks_into_as_in_python(name):
    check(load_source(source([name])), [name])


def test_the_c_target_computes_the_numpy_backends_numbers(tmp_path):
    """Every case in one module (the C build is the slow part): each generated function against the NumPy
    module's, which the tests above check against Python."""
    names = sorted(CASES)
    numpy_module = load_source(source(names))
    compiled, _ = c_module(source(names), tmp_path, "view_writes")
    x, y = _inputs()
    direction = np.random.default_rng(1).normal(size=x.shape)
    xs, ys = np.stack([x, x * 0.5, -x]), np.stack([y, -y, y * 2.0])
    for name in names:
        for function, args in ((f"f_{name}", (x, y)), (f"g_{name}", (x, y)), (f"j_{name}", (x, y, direction)),
                               (f"v_{name}", (xs, ys))):
            got = getattr(compiled, function)(*[a.copy() for a in args])
            expected = getattr(numpy_module, function)(*[a.copy() for a in args])
            for g, e in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple)
                            else (expected,)):
                assert_close(g, e, rtol=1e-10, atol=1e-12, what=f"{function} on the C target")


def test_a_write_through_a_view_in_a_called_kernel_reaches_the_callers_array():
    """The callee's `a.T[0] = v` writes into the caller's `b` (inlined), which the caller's `t = b.T` sees."""
    check_against_python(HEAD + '''

@kernel
def helper(a: "f64[4,4]", v: "f64[4]") -> "f64[]":
    a.T[0] = v
    np.flip(a, 0)[0, 1:] = v[1:] * 2.0
    return np.sum(a * a)


@kernel
def f(x: "f64[4,4]", y: "f64[4]") -> "f64[]":
    b = x * 1.0
    t = b.T
    s = helper(b, y)
    return np.sum(b * x) + np.sum(t[1] * y) + s


g = grad(f, wrt=("x", "y"))
''', list(_inputs()))


def test_a_function_writing_the_array_it_is_passed_is_seen_through_the_callers_view():
    """A nested function's `v[i] = ...` in a `for` over a constant range (pymoo's WFG7) writes into the caller's
    `b`, which the caller's `g = b[1:]` sees (the view generator of test_property_views.py writes this form)."""
    check_against_python(HEAD + '''

@kernel
def f(x: "f64[4,4]", y: "f64[4]") -> "f64[]":
    b = x * 1.0
    g = b[1:]
    def update(v):
        for i in range(2):
            v[i] = v[i] * 1.5 + v[i + 1]
        return v
    b = update(b)
    return np.sum(g * b[1:]) + np.sum(b * y)


g = grad(f, wrt=("x", "y"))
''', list(_inputs()))


def test_a_write_composes_into_one_index_of_the_array_where_it_can():
    """`b[::-1][:2] = v` is `b[3:1:-1] = v`, `b.T[1:3] = v` is `b[:, 1:3] = v.T` (no copy of the view), a
    reshape's row a range of the flat buffer; an index array through a flip is a copy written back."""
    text = transpile_source(source(["reversed_slices", "transpose_block_added", "flip_row",
                                    "reshape_grid_of_a_flat_buffer", "index_array_through_a_flip"]), "case.py")
    assert "b[3:1:-1] = " in text and "b[-1] = " in text
    assert "out[6] = " in text and "out[0:4] = " in text and "b[:, 1:3] = " in text
    assert "np.flip(" in text.split("def f_index_array_through_a_flip")[1].split("\ndef ")[0]


REFUSED = {  # name -> (kernel body, the line refused (1: the first of the body), what the message says)
    "diagonal_is_read_only": ("b = x * 1.0\nnp.diagonal(b)[0] = 1.0\nreturn np.sum(b)", 2, "read-only"),
    "broadcast_to_is_read_only": ("v = np.broadcast_to(y, (2, 4))\nv[0, 1] = 1.0\nreturn np.sum(v)", 2,
                                  "read-only"),
    "a_gather_is_a_copy": ("b = x * 1.0\nb[[0, 2]][0] = 1.0\nreturn np.sum(b)", 2, "a new array"),
    "arithmetic_is_a_new_array": ("b = x * 1.0\n(b * 2.0)[0] = 1.0\nreturn np.sum(b)", 2, "a new array"),
    "reshape_of_a_parameter": ("np.reshape(x, (16,))[0] = 1.0\nreturn np.sum(x)", 1, "is a reshape"),
    "reshape_of_an_array_of_a_parameter": (  # `np.array(x)` keeps `x`'s layout (order "K"); `x.copy()` is C
        "b = np.array(x)\ng = b.reshape(16)\ng[0] = 1.0\nreturn np.sum(b)", 3, "is a reshape"),
    "reshape_of_a_transposed_product": (  # `x.T * 1.0` is laid out as `x.T` (Fortran order): its reshape copies
        "h = x.T * 1.0\ng = h.reshape(16)\ng[0] = 1.0\nreturn np.sum(h)", 3, "is a reshape"),
    "reshape_of_an_array_a_loop_transposes": (
        "out = np.zeros((4, 4))\nfor i in range(2):\n    g = out.reshape(16)\n    g[i] = 1.0\n"
        "    out = out.T * 1.0\nreturn np.sum(out)", 4, "is a reshape"),
    "reshape_of_a_parameter_read_after_its_update": (
        "g = x.reshape(2, 8)\nx[0] = 7.0\nreturn np.sum(g)", 3, "may or may not have been changed"),
    "reshape_read_after_a_function_writes_its_array": (  # (the caller's names were not checked: a wrong gradient)
        "b = x * 1.0\ng = b.reshape(2, 8)\ndef update(v):\n    v[0] = 7.0 * v[1]\n    return v\nb = update(b)\n"
        "return np.sum(g * b)", 7, "may or may not have been changed"),
    "view_of_a_scalar": (  # `np.sum(x)` is a NumPy scalar in Python: its reshape is a new array (main: a crash)
        "s = np.sum(x)\nr = s[None]\nr[0] = 5.0\nreturn s + r[0]", 3, "a view of a 0-d value"),
    "reshape_of_a_scalar": ("s = np.sum(x)\nnp.reshape(s, (1,))[0] = 5.0\nreturn s", 2, "a view of a 0-d value"),
    "stop_gradient_is_the_array_itself": (
        "b = x * 1.0\nstop_gradient(b)[0] = 1.0\nreturn np.sum(b)", 2,
        "is a view of another array"),
    "module_level_array": ("M.T[0] = 1.0\nreturn np.sum(M * x)", 1, "module-level array"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_write_python_would_make_differently_or_refuse_is_a_located_error(name):
    body, line, message = REFUSED[name]
    text = (HEAD.replace("vmap", "stop_gradient, vmap") + "\nM = np.ones((4, 4))\n\n\n@kernel\ndef f(x: \"f64[4,4]\", y: \"f64[4]\"):\n"
            + "".join(f"    {row}\n" for row in body.splitlines()))
    with pytest.raises(TranspileError) as error:
        transpile_source(text, "case.py")
    first = text.splitlines().index("def f(x: \"f64[4,4]\", y: \"f64[4]\"):") + 1
    assert error.value.loc is not None and error.value.loc.line == first + line, str(error.value)
    assert message in str(error.value) and error.value.hint, str(error.value)


def _random_item(rng: random.Random, size: int, new_axes: bool):
    size, roll = max(size, 1), rng.random()
    if roll < 0.3:
        return rng.randint(-size, size - 1)
    if roll < 0.4 and new_axes:
        return None
    if roll < 0.45:
        return Ellipsis
    if roll < 0.6:
        return rng.choice([slice(None), slice(None, None, -1)])
    return slice(rng.choice([None, rng.randint(-size - 1, size + 1)]), rng.choice([None, rng.randint(-size - 1,
                 size + 1)]), rng.choice([None, 1, 2, -1, -2]))


def test_the_index_arithmetic_selects_what_numpy_selects():
    """`compose` (`a[outer][inner]` as one index) and `reshaped` (`a.reshape(s)[ints]` as one index of `a`)
    against NumPy on random shapes and indexes: the same elements in the same layout, or no answer."""
    rng = random.Random(2)
    composed = 0
    for _ in range(4000):
        shape = tuple(rng.randint(1, 4) for _ in range(rng.randint(1, 3)))
        a = np.arange(int(np.prod(shape))).reshape(shape)
        outer = [_random_item(rng, shape[min(k, len(shape) - 1)], True) for k in range(rng.randint(0, len(shape)))]
        try:
            view = a[tuple(outer)]
        except (IndexError, TypeError):
            continue
        inner = [_random_item(rng, view.shape[min(k, view.ndim - 1)] if view.ndim else 1, False)
                 for k in range(rng.randint(0, view.ndim))]
        try:
            region = view[tuple(inner)]
        except (IndexError, TypeError):
            continue
        items = compose(shape, outer, inner, lambda index: pytest.fail("no run-time index here"))
        if items is not None:
            composed += 1
            assert np.array_equal(a[tuple(items)], region) and a[tuple(items)].shape == region.shape, \
                (shape, outer, inner, items)
    assert composed > 2000
    found = 0
    for _ in range(2000):
        parent = tuple(rng.randint(1, 4) for _ in range(rng.randint(1, 3)))
        size = int(np.prod(parent))
        view = rng.choice([(size,), tuple(reversed(parent)), (1, size)] + ([(2, size // 2)] if size % 2 == 0 else []))
        inner = [rng.randint(-d, d - 1) for d in view[:rng.randint(0, len(view))]]
        answer = reshaped(view, parent, inner)
        if answer is not None:
            found += 1
            items, parent_region, view_region = answer
            a = np.arange(size).reshape(parent)
            assert np.shape(a[tuple(items)]) == parent_region and np.shape(a.reshape(view)[tuple(inner)]) == view_region
            assert np.array_equal(np.reshape(a[tuple(items)], view_region), a.reshape(view)[tuple(inner)])
    assert found > 1000
