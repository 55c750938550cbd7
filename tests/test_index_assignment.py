"""Assignment through integer index arrays and boolean masks (`a[idx] = v`, `a[i, idx] += v`, `a[mask] = v`).

NumPy's semantics with repeated indices: `a[idx] = v` keeps the last write of each element, and
`a[idx] += v` is `a[idx] = a[idx] + v` (also the last write wins; duplicates do not accumulate). The oracle
below spells that out as a sequence of single-element writes in C order, with `where`, so autograd can trace
it; it never runs the code under test. Every case checks the primal against NumPy, `grad` against central
finite differences and autograd, and `jvp` against a central directional difference.
"""
from __future__ import annotations

from dataclasses import dataclass

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from gradcheck import assert_close, central_difference, load_source
from lifted.transpiler import TranspileError, transpile_source


def written(np_module, a, index, v, add: bool):
    """`a` after `a[index] = v` (or `+= v`), one element at a time in C order: later writes replace earlier
    ones. Positions come from a gather of flat element numbers (`index` may hold negative entries)."""
    positions = np.arange(np.size(a)).reshape(np.shape(a))[index]
    values = v + np.zeros(positions.shape)  # broadcast (autograd sums it back)
    flat = np_module.reshape(a, (-1,))
    element = np.arange(np.size(a))
    out = flat
    for where, value in zip(positions.ravel(), np_module.reshape(values, (-1,))):
        new = flat[where] + value if add else value + np.zeros(np.size(a))  # full size: autograd wants it
        out = np_module.where(element == where, new, out)
    return np_module.reshape(out, np.shape(a))


@dataclass(frozen=True)
class Case:
    params: str  # the kernel's parameter list
    statement: str  # the update of `a`, a float copy of `x`
    wrt: tuple[str, ...]
    inputs: dict  # name -> value (index arrays and masks fixed, floats drawn from their shape)
    index: object  # the same index for the oracle: a function of the integer inputs


def _case(params, statement, wrt, inputs, index):
    return Case(params, statement, wrt, inputs, index)


I = np.array([1, -1, 3, 1, 5])  # -1 and 5 name the same element of a length-6 axis: a repeat too
CASES = {
    "set_repeats_and_negative": _case('x: "f64[n]", v: "f64[k]", i: "i64[k]"', "a[i] = v * v", ("x", "v"),
                                      {"x": (6,), "v": (5,), "i": I}, lambda i: i),
    "add_repeats_do_not_accumulate": _case('x: "f64[n]", v: "f64[k]", i: "i64[k]"', "a[i] += v * v", ("x", "v"),
                                           {"x": (6,), "v": (5,), "i": I}, lambda i: i),
    "set_scalar_broadcast": _case('x: "f64[n]", s: "f64[]", i: "i64[k]"', "a[i] = s * s", ("x", "s"),
                                  {"x": (6,), "s": (), "i": I}, lambda i: i),
    "add_scalar_broadcast": _case('x: "f64[n]", s: "f64[]", i: "i64[k]"', "a[i] += np.sin(s)", ("x", "s"),
                                  {"x": (6,), "s": (), "i": I}, lambda i: i),
    "set_rows": _case('x: "f64[n,d]", v: "f64[k,d]", i: "i64[k]"', "a[i] = v * v", ("x", "v"),
                      {"x": (5, 3), "v": (4, 3), "i": np.array([0, 2, 0, 4])}, lambda i: i),
    "add_rows_broadcast_row": _case('x: "f64[n,d]", v: "f64[d]", i: "i64[k]"', "a[i, :] += v * v", ("x", "v"),
                                    {"x": (5, 3), "v": (3,), "i": np.array([0, 2, 0, 4])}, lambda i: (i, slice(None))),
    "set_in_row_by_int": _case('x: "f64[n,d]", v: "f64[k]", i: "i64[k]"', "a[1, i] = np.exp(v)", ("x", "v"),
                               {"x": (3, 5), "v": (4,), "i": np.array([4, 0, 4, -5])}, lambda i: (1, i)),
    "add_columns": _case('x: "f64[n,d]", v: "f64[n,k]", i: "i64[k]"', "a[:, i] += v * a[:, i]", ("x", "v"),
                         {"x": (3, 5), "v": (3, 4), "i": np.array([2, 2, 0, 3])}, lambda i: (slice(None), i)),
    "set_axes_go_first": _case('x: "f64[m,n,d]", v: "f64[k,n]", i: "i64[k]"', "a[0, :, i] = v * v", ("x", "v"),
                               {"x": (2, 3, 4), "v": (4, 3), "i": np.array([3, 1, 3, 0])},
                               lambda i: (0, slice(None), i)),
    "add_ellipsis_axes_first": _case('x: "f64[m,n,d]", v: "f64[k,n]", i: "i64[k]"', "a[1, ..., i] += v * v",
                                     ("x", "v"), {"x": (2, 3, 5), "v": (4, 3), "i": np.array([1, 4, 1, -4])},
                                     lambda i: (1, Ellipsis, i)),
    "set_2d_index_array": _case('x: "f64[n]", v: "f64[m,k]", i: "i64[m,k]"', "a[i] = v * v", ("x", "v"),
                                {"x": (6,), "v": (2, 3), "i": np.array([[0, 5, 0], [2, 5, 1]])}, lambda i: i),
    "set_mask_scalar": _case('x: "f64[n]", s: "f64[]", m: "bool[n]"', "a[m] = s * s", ("x", "s"),
                             {"x": (6,), "s": (), "m": np.array([True, False, True, True, False, False])},
                             lambda m: m),
    "add_mask_data": _case('x: "f64[n,d]", s: "f64[]"', "a[x > 0.2] += s * a[x > 0.2]", ("x", "s"),
                           {"x": (3, 4), "s": ()}, None),
    "set_mask_values": _case('x: "f64[n]", v: "f64[k]", m: "bool[n]"', "a[m] = v * v", ("x", "v"),
                             {"x": (6,), "v": (3,), "m": np.array([False, True, True, False, True, False])},
                             lambda m: m),
}


def _text(c: Case) -> str:
    names = [p.split(":")[0].strip() for p in c.params.split(", ")]
    return f'''import numpy as np
from lifted import grad, jvp, kernel


@kernel
def f({c.params}):
    a = x * 1.0
    {c.statement}
    return np.sum(np.sin(a) * a)


f_grad = grad(f, wrt={c.wrt!r})
f_jvp = jvp(f, wrt={c.wrt!r})
''', names


def _inputs(c: Case, rng) -> list:
    values = []
    for name, spec in c.inputs.items():
        if isinstance(spec, tuple):
            values.append(rng.normal(size=spec) if spec else float(rng.normal()))
        else:
            values.append(spec)
    return values


def _oracle(c: Case, names: list[str]):
    """`f` written with `written` above: no assignment, so autograd traces it."""
    def f(*args):
        env = dict(zip(names, args))
        x = env["x"]
        a = x * 1.0
        add = " += " in c.statement
        rhs = c.statement.partition(" += " if add else " = ")[2]
        if c.index is None:  # the mask is computed from data: take it from the plain values
            index = np.asarray(autograd.tracer.getval(x)) > 0.2
            value = env["s"] * a[index]
        else:
            index = c.index(*[env[n] for n in names if n not in ("x", "v", "s")])
            value = _value(rhs, env, a, index)
        a = written(anp, a, index, value, add)
        return anp.sum(anp.sin(a) * a)
    return f


def _value(rhs: str, env: dict, a, index):
    """The right-hand sides used above, over autograd values."""
    v, s = env.get("v"), env.get("s")
    return {"v * v": lambda: v * v, "s * s": lambda: s * s, "np.sin(s)": lambda: anp.sin(s),
            "np.exp(v)": lambda: anp.exp(v), "v * a[:, i]": lambda: v * a[index]}[rhs]()


@pytest.mark.parametrize("name", sorted(CASES))
def test_index_assignment_gradient_and_tangent(name):
    c = CASES[name]
    text, names = _text(c)
    module = load_source(text, f"{name}.py")
    rng = np.random.default_rng(zlib_seed(name))
    args = _inputs(c, rng)
    oracle = _oracle(c, names)
    assert_close(module.f(*args), oracle(*args), rtol=1e-12, atol=1e-12, what=f"{name} primal")
    grads = module.f_grad(*args)
    tangents = [rng.normal(size=np.shape(args[names.index(w)])) for w in c.wrt]
    tangents = [t if np.ndim(t) else float(t) for t in tangents]
    for wrt, got in zip(c.wrt, grads):
        position = names.index(wrt)
        assert_close(got, central_difference(module.f, args, position), rtol=1e-6, atol=1e-7,
                     what=f"{name} d/d{wrt} (FD)")
        assert_close(got, autograd.grad(oracle, position)(*args), rtol=1e-10, atol=1e-12,
                     what=f"{name} d/d{wrt} (autograd)")
    value, tangent = module.f_jvp(*args, *tangents)
    assert_close(value, module.f(*args), rtol=1e-12, what=f"{name} jvp value")
    eps = 1e-6
    shifted = [list(args), list(args)]
    for wrt, t in zip(c.wrt, tangents):
        position = names.index(wrt)
        shifted[0][position] = args[position] + eps * t
        shifted[1][position] = args[position] - eps * t
    expected = (module.f(*shifted[0]) - module.f(*shifted[1])) / (2 * eps)
    assert_close(tangent, expected, rtol=1e-6, atol=1e-7, what=f"{name} jvp (FD)")
    for arg, original in zip(args, _inputs(c, np.random.default_rng(zlib_seed(name)))):
        assert_close(arg, original, what=f"{name}: the kernel left its arguments alone")


def zlib_seed(name: str) -> int:
    import zlib

    return zlib.crc32(name.encode())


def test_repeated_writes_give_the_last_write_its_gradient_only():
    """A hand-checkable instance of the rule: a[[1, 1]] = v keeps v[1]; v[0] gets nothing."""
    module = load_source('''import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", v: "f64[k]", i: "i64[k]"):
    a = x * 1.0
    a[i] = v
    return np.sum(a * a)


f_grad = grad(f, wrt=("x", "v"))
''', "last_write.py")
    dx, dv = module.f_grad(np.ones(3), np.array([2.0, 5.0]), np.array([1, 1]))
    assert_close(dx, [2.0, 0.0, 2.0], what="dx")
    assert_close(dv, [0.0, 10.0], what="dv")


def test_index_array_assignment_in_a_loop():
    text = '''import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", idx: "i64[k]"):
    out = np.zeros_like(x)
    for j in range(3):
        out[idx] = x[idx] * (j + 1.0) + out[idx] * x[idx]
        out[idx] += np.sin(out[idx])
    return np.sum(out * x)


f_grad = grad(f)
'''
    module = load_source(text, "scatter_loop.py")
    idx = np.array([0, 3, 3, 1, -2])
    x = np.random.default_rng(3).normal(size=5)

    def oracle(x):
        out = x * 0.0
        for j in range(3):
            out = written(anp, out, idx, x[idx] * (j + 1.0) + out[idx] * x[idx], add=False)
            out = written(anp, out, idx, anp.sin(out[idx]), add=True)
        return anp.sum(out * x)

    assert_close(module.f(x, idx), oracle(x), rtol=1e-12, what="primal")
    got = module.f_grad(x, idx)
    assert_close(got, central_difference(lambda x: module.f(x, idx), [x], 0), rtol=1e-6, atol=1e-7, what="FD")
    assert_close(got, autograd.grad(oracle)(x), rtol=1e-10, atol=1e-12, what="autograd")


def test_gradient_of_index_array_assignment_needs_the_rank():
    source = '''import numpy as np
from lifted import grad, kernel


@kernel
def f(x, v: "f64[k]", i: "i64[k]"):
    a = x * 1.0
    a[i] = v
    return np.sum(a * a)


f_grad = grad(f, wrt="v")
'''
    with pytest.raises(TranspileError) as info:
        transpile_source(source, "unannotated.py")
    assert info.value.loc is not None and info.value.loc.line == 8
    assert "rank" in info.value.message


def test_hessian_vector_product_through_index_array_assignment():
    """Forward mode over the generated gradient (which itself assigns through the index array)."""
    module = load_source('''import numpy as np
from lifted import grad, jvp, kernel


@kernel
def f(x: "f64[n]", v: "f64[k]", i: "i64[k]"):
    a = x * 1.0
    a[i] += v * v
    b = a - x * a
    return np.sum(np.sin(a) * b)


g = grad(f, wrt="v")
hvp = jvp(grad(f, wrt="v"), wrt="v")
''', "hvp_scatter.py")
    rng = np.random.default_rng(1)
    x, v, i = rng.normal(size=6), rng.normal(size=4), np.array([1, 4, 1, -2])  # -2 is 4 here
    t = rng.normal(size=4)
    _, got = module.hvp(x, v, i, t)
    eps = 1e-6
    assert_close(got, (module.g(x, v + eps * t, i) - module.g(x, v - eps * t, i)) / (2 * eps), rtol=1e-6,
                 atol=1e-8, what="hvp (FD of the gradient)")

    def oracle(v):
        a = written(anp, x * 1.0, i, v * v, add=True)
        return anp.sum(anp.sin(a) * (a - x * a))

    assert_close(got, autograd.hessian(oracle)(v) @ t, rtol=1e-10, atol=1e-12, what="hvp (autograd)")
    assert got[0] == 0.0 and got[1] == 0.0  # v[0] and v[1] were overwritten by later writes
