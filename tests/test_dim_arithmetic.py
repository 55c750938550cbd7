"""Dimensions written as sums and products in annotations (`"f64[2*h]"`, `"f64[n*m]"`, `"f64[h+1]"`): their
canonical form, the shape rules that produce them (concatenate, reshape, flatten), the run-time argument checks
and their messages, and every transform against Python, autograd and finite differences."""
from __future__ import annotations

import numpy as np
import pytest
from autograd import grad as autograd_grad
from autograd import hessian as autograd_hessian

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError
from lifted.transpiler.ir.dims import dim_product, dim_quotient, dim_sum, parse_dim
from lifted.transpiler.ir.types import parse_annotation

HEADER = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp\n"


@pytest.mark.parametrize("written, canonical", [
    ("h+h", "2*h"), ("2 * (h + 1)", "2*h+2"), ("(h)*2", "2*h"), ("m*n", "m*n"), ("n*m", "m*n"), ("n - 1", "n-1"),
    ("1 + n", "n+1"), ("n*n - 1", "n*n-1"), ("(n+1)*(n-1)", "n*n-1"), ("3*2", 6), ("n-n", 0), ("-n+4", "-n+4"),
    ("2*h+i+1", "2*h+i+1"), ("i+2*h+1", "2*h+i+1"),
])
def test_dimensions_have_one_canonical_spelling(written, canonical):
    assert parse_dim(written) == canonical
    assert parse_annotation(f"f64[k,{written}]").shape == ("k", canonical)


def test_size_arithmetic_of_shape_rules():
    assert dim_sum(["h", 1]) == "h+1" and dim_sum(["h", "h"]) == "2*h" and dim_sum(["n-1", 1]) == "n"
    assert dim_product(["n", "m"]) == "m*n" and dim_product([2, "h"]) == "2*h" and dim_product([]) == 1
    assert dim_quotient("2*h", 2) == "h" and dim_quotient("m*n", "n") == "m" and dim_quotient("2*h+1", 2) is None
    assert dim_sum(["?3", 1]) is None


@pytest.mark.parametrize("annotation", ["f64[2h]", "f64[n/2]", "f64[n**2]", "f64[f(n)]", "f64[-1]"])
def test_other_dimension_expressions_are_located_errors(annotation):
    text = HEADER + f'@kernel\ndef f(x: "{annotation}"):\n    return np.sum(x)\n\ng = grad(f)\n'
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert (info.value.loc.line, info.value.loc.col) == (4, 10), info.value.format()
    assert "dimension" in info.value.message


# Each kernel: its source, arguments (sizes chosen to fit the annotations), and the parameter differentiated.
KERNELS = {
    "halves": ('''
@kernel
def f(x: "f64[2*h]", y: "f64[h]"):
    a = x.reshape(2, -1)
    return np.sum(a[0] * np.sin(a[1]) * y) + np.sum(x[:3] ** 2)
''', [(6,), (3,)]),
    "flattened": ('''
@kernel
def f(x: "f64[n*m]", W: "f64[n,m]"):
    return np.sum(np.tanh(x * W.ravel())) + np.sum(x.reshape(W.shape[0], -1) @ W.T)
''', [(6,), (2, 3)]),
    "bias_row": ('''
@kernel
def f(x: "f64[k,h]", W: "f64[h+1,o]"):
    ones = np.ones((x.shape[0], 1))
    z = np.concatenate([x, ones], axis=1) @ W
    return np.sum(np.tanh(z) ** 2)
''', [(4, 3), (4, 2)]),
    "stacked_halves": ('''
@kernel
def f(z: "f64[2*h]", w: "f64[h]"):
    both = np.concatenate([w, w * w])
    return np.sum(np.cos(z * both)) + np.sum(z[1:] * z[:-1])
''', [(8,), (4,)]),
    "runtime_repeat": ('''
@kernel
def f(h0: "f64[1,s]", x: "f64[b,s]", v: "f64[b*s]"):
    hs = np.repeat(h0, x.shape[0], axis=0)
    flat = np.repeat(h0[0], x.shape[0])
    return np.sum(np.tanh(hs * x)) + np.sum(flat * v) + np.sum(h0.repeat(len(x), axis=1) ** 2)
''', [(1, 3), (4, 3), (12,)]),
    "differences": ('''
@kernel
def f(x: "f64[n]", d: "f64[n-1]"):
    return np.sum((x[1:] - x[:-1] - d) ** 2)
''', [(5,), (4,)]),
}


def _arguments(shapes, seed=3):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


@pytest.mark.parametrize("name", list(KERNELS))
def test_kernels_with_size_arithmetic_through_every_transform(name):
    body, shapes = KERNELS[name]
    text = HEADER + body + '''
g = grad(f)
fj = jvp(f)
fv = vjp(f)
fh = hessian(f)
'''
    module, python = load_source(text, f"{name}.py"), autograd_kernels(text)["f"]
    args = _arguments(shapes)
    assert_close(module.f(*args), python(*args), rtol=1e-12, atol=1e-12, what="value vs Python")
    gradient = module.g(*args)
    assert_close(gradient, autograd_grad(python, 0)(*args), rtol=1e-9, atol=1e-10, what="grad vs autograd")
    assert_close(gradient, central_difference(module.f, args, 0), rtol=1e-6, atol=1e-7, what="grad vs FD")
    tangent = np.random.default_rng(4).normal(size=args[0].shape)
    value, directional = module.fj(*args, tangent)
    assert_close(value, python(*args), rtol=1e-12, atol=1e-12, what="jvp value")
    assert_close(directional, np.sum(gradient * tangent), rtol=1e-9, atol=1e-10, what="jvp vs grad")
    value, cotangent = module.fv(*args, 2.0)
    assert_close(cotangent, 2.0 * gradient, rtol=1e-9, atol=1e-10, what="vjp")
    assert_close(module.fh(*args), autograd_hessian(python, 0)(*args), rtol=1e-8, atol=1e-9, what="hessian")


@pytest.mark.parametrize("args, message", [
    ([(5,), (3,)], 'argument `x` has shape (5,), but its annotation "f64[2*h]" asks for 2*h = 6 on axis 0 (where h = 3)'),
    ([(7,), (4,)], 'asks for 2*h = 8 on axis 0 (where h = 4)'),
])
def test_argument_checks_evaluate_size_arithmetic(args, message):
    module = load_source(HEADER + KERNELS["halves"][0] + "\ng = grad(f)\n", "halves.py")
    for function in (module.f, module.g):
        with pytest.raises(TypeError) as info:
            function(*_arguments(args))
        assert message in str(info.value)


def test_argument_checks_learn_a_size_from_a_multiple():
    """`h` only appears as `2*h`: it is read from that size, which must then be even (and `h+1` agrees)."""
    text = HEADER + '''
@kernel
def f(x: "f64[2*h]", y: "f64[h+1]"):
    return np.sum(x.reshape(2, -1)[0] * y[1:])
'''
    module = load_source(text)
    for _ in range(2):  # refused after arguments like them passed, and the other way round
        assert np.isclose(module.f(np.arange(6.0), np.ones(4)), 3.0)
        with pytest.raises(TypeError, match=r'"f64\[2\*h\]" asks for 2\*h on axis 0, which no size h >= 0 gives'):
            module.f(np.ones(7), np.ones(4))
        with pytest.raises(TypeError, match=r'"f64\[h\+1\]" asks for h\+1 = 4 on axis 0 \(where h = 3\)'):
            module.f(np.ones(6), np.ones(5))
        assert np.isclose(module.f(np.ones(8), np.ones(5)), 4.0)


def test_a_product_of_unknown_names_is_the_same_product_everywhere():
    text = HEADER + '''
@kernel
def f(x: "f64[n*m]", y: "f64[n*m]"):
    return np.sum(x * y)
'''
    module = load_source(text)
    assert module.f(np.ones(6), np.ones(6)) == 6.0
    with pytest.raises(TypeError, match=r'"f64\[m\*n\]" asks for m\*n = 6 on axis 0'):
        module.f(np.ones(6), np.ones(5))


def test_offset_sizes_are_checked_against_their_base():
    """`n-1` was once checked as a name of its own: any length passed."""
    module = load_source(HEADER + KERNELS["differences"][0])
    with pytest.raises(TypeError, match=r'asks for n-1 = 4 on axis 0 \(where n = 5\)'):
        module.f(np.ones(5), np.ones(3))


def test_shape_rules_carry_the_arithmetic_so_no_runtime_broadcasting_is_needed():
    """`concatenate` of `[h]` and `[1]` is `[h+1]`, flattening `[n,m]` is `[m*n]`: they meet the annotations
    statically, and the gradients need no `_unbroadcast` helper."""
    text = HEADER + '''
@kernel
def f(x: "f64[h]", y: "f64[h+1]", W: "f64[n,m]", v: "f64[n*m]"):
    return np.sum(np.concatenate([x, np.ones(1)]) * y) + np.sum(W.ravel() * v)

g = grad(f, wrt=("x", "W"))
'''
    from lifted.transpiler import transpile_source

    code = transpile_source(text, "rules.py")
    assert "_unbroadcast(" not in code and "_same_shape(" not in code


def test_sizes_equal_for_some_values_only_are_checked_where_they_meet():
    """`2*h` meets `h+1`: equal only when h = 1, which the run time checks (as for `p-3` meeting `d`)."""
    text = HEADER + '''
@kernel
def f(x: "f64[2*h]", y: "f64[h+1]"):
    return np.sum(x * y)

g = grad(f)
'''
    module = load_source(text)
    assert module.f(np.ones(2), np.ones(2)) == 2.0
    assert_close(module.g(np.ones(2), np.array([2.0, 3.0])), [2.0, 3.0])
    with pytest.raises(ValueError, match="must be equal"):
        module.f(np.ones(6), np.ones(4))


def test_einsum_checks_sizes_named_differently_at_run_time():
    """A letter whose sizes the annotations name differently (`b` and a slice of length `q-3`): checked where
    they meet, as for elementwise operations and matmul (sizes that compute more precisely must not turn into
    build errors)."""
    text = HEADER + '''
@kernel
def f(x: "f64[b,3]", p: "f64[q]"):
    return np.sum(np.einsum("bi,b->i", x, np.tanh(p[3:])) ** 2)

g = grad(f, wrt=("x", "p"))
'''
    module, python = load_source(text), autograd_kernels(text)["f"]
    rng = np.random.default_rng(8)
    x, p = rng.normal(size=(4, 3)), rng.normal(size=7)
    assert_close(module.f(x, p), python(x, p), rtol=1e-13, atol=1e-13)
    dx, dp = module.g(x, p)
    assert_close(dx, autograd_grad(python, 0)(x, p), rtol=1e-12, atol=1e-12)
    assert_close(dp, autograd_grad(python, 1)(x, p), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="must be equal"):
        module.f(x, rng.normal(size=6))
