"""The frontend: finding kernels and declarations in a module, and the names the kernels can see.

Each behaviour is checked twice where it matters: what `parse_module` finds, and what the generated module
computes (transpiled, exec'd into a fresh module, compared against the same computation in plain NumPy).
"""
from __future__ import annotations

import ast
import types

import numpy as np
import pytest
import scipy.special

from lifted.transpiler import transpile_source
from lifted.transpiler.frontend import parse_module

PATH = "examples/model.py"
RNG = np.random.default_rng(3)
W, B, X = RNG.normal(size=3), 0.7, RNG.normal(size=(5, 3))


def load(source: str) -> types.ModuleType:
    module = types.ModuleType("generated_model")
    exec(compile(transpile_source(source, PATH), PATH, "exec", dont_inherit=True), module.__dict__)
    return module


def function_node(code: str, name: str) -> ast.FunctionDef:
    return next(n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef) and n.name == name)


# loss(w, b, x) = sum((x @ w + b)^2) and its gradients, written out by hand
LOSS = '''import numpy as np
from lifted import kernel, grad, value_and_grad, vjp

@kernel
def loss(w: "f64[d]", b: "f64[]", x: "f64[n,d]"):
    r = x @ w + b
    return np.sum(r * r)

{declarations}
'''


def plain_loss(w, b, x):
    return np.sum((x @ w + b) ** 2)


def plain_dw(w, b, x):
    return x.T @ (2 * (x @ w + b))


def plain_db(w, b, x):
    return np.sum(2 * (x @ w + b))


def plain_dx(w, b, x):
    return np.outer(2 * (x @ w + b), w)


# -- finding kernels ----------------------------------------------------------------------------------------
def test_kernels_are_found_by_their_decorator_in_both_forms():
    source = '''import numpy as np
import lifted
from lifted import kernel

@kernel
def plain(x: "f64[n]"):
    return np.sum(x)

@lifted.kernel
def qualified(x: "f64[n]"):
    return np.sum(x * x)

def helper(x):
    return x

@staticmethod
def decorated_otherwise(x):
    return x
'''
    parsed = parse_module(source, PATH)
    assert list(parsed.kernels) == ["plain", "qualified"]
    assert (parsed.kernels["plain"].loc.line, parsed.kernels["plain"].loc.col) == (6, 5)
    assert parsed.kernels["qualified"].loc.line == 10
    module = load(source)
    x = RNG.normal(size=4)
    assert module.plain(x) == pytest.approx(np.sum(x))
    assert module.qualified(x) == pytest.approx(np.sum(x * x))
    assert not hasattr(module, "helper") and not hasattr(module, "decorated_otherwise")


def test_qualified_transform_declaration_is_found():
    source = LOSS.replace("from lifted import kernel, grad, value_and_grad, vjp", "import lifted") \
        .replace("@kernel", "@lifted.kernel").format(declarations="dloss = lifted.grad(loss)")
    parsed = parse_module(source, PATH)
    assert [(d.target, d.transform, d.func) for d in parsed.declarations] == [("dloss", "grad", "loss")]
    np.testing.assert_allclose(load(source).dloss(W, B, X), plain_dw(W, B, X))


def test_docstring_is_kept_and_not_mistaken_for_a_statement():
    source = 'import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(x: "f64[n]"):\n' \
             '    """Half the squared norm."""\n    return 0.5 * np.sum(x * x)\n'
    module = load(source)
    assert module.f.__doc__ == "Half the squared norm."
    assert module.f(np.array([3.0, 4.0])) == pytest.approx(12.5)


# -- declarations and `wrt` ---------------------------------------------------------------------------------
def test_declarations_record_wrt_as_written():
    parsed = parse_module(LOSS.format(declarations='''g_name = grad(loss, wrt="w")
g_names = grad(loss, wrt=("w", "b"))
g_pos = grad(loss, wrt=1)
g_poss = grad(loss, wrt=(0, 2))
g_default = grad(loss)
vg = value_and_grad(loss, wrt=("x",))
pullback = vjp(loss, wrt="w")'''), PATH)
    found = {d.target: (d.transform, d.func, d.wrt, d.wrt_is_tuple) for d in parsed.declarations}
    assert found == {
        "g_name": ("grad", "loss", ("w",), False),
        "g_names": ("grad", "loss", ("w", "b"), True),
        "g_pos": ("grad", "loss", (1,), False),
        "g_poss": ("grad", "loss", (0, 2), True),
        "g_default": ("grad", "loss", None, False),
        "vg": ("value_and_grad", "loss", ("x",), True),
        "pullback": ("vjp", "loss", ("w",), False),
    }
    assert (parsed.declarations[0].loc.line, parsed.declarations[0].loc.col) == (9, 10)


def test_wrt_as_a_name_gives_one_array():
    module = load(LOSS.format(declarations='dw = grad(loss, wrt="w")'))
    np.testing.assert_allclose(module.dw(W, B, X), plain_dw(W, B, X), rtol=1e-12)


def test_wrt_as_a_tuple_of_names_gives_a_tuple_in_that_order():
    module = load(LOSS.format(declarations='g = grad(loss, wrt=("x", "w"))'))
    dx, dw = module.g(W, B, X)
    np.testing.assert_allclose(dx, plain_dx(W, B, X), rtol=1e-12)
    np.testing.assert_allclose(dw, plain_dw(W, B, X), rtol=1e-12)


def test_wrt_as_a_position():
    module = load(LOSS.format(declarations="db = grad(loss, wrt=1)"))
    assert module.db(W, B, X) == pytest.approx(plain_db(W, B, X), rel=1e-12)


def test_wrt_as_a_tuple_of_positions():
    module = load(LOSS.format(declarations="g = grad(loss, wrt=(0, 1))"))
    dw, db = module.g(W, B, X)
    np.testing.assert_allclose(dw, plain_dw(W, B, X), rtol=1e-12)
    assert db == pytest.approx(plain_db(W, B, X), rel=1e-12)


def test_wrt_defaults_to_the_first_parameter():
    module = load(LOSS.format(declarations="g = grad(loss)"))
    np.testing.assert_allclose(module.g(W, B, X), plain_dw(W, B, X), rtol=1e-12)


def test_one_name_tuple_keeps_the_tuple():
    module = load(LOSS.format(declarations='vg = value_and_grad(loss, wrt=("b",))'))
    value, grads = module.vg(W, B, X)
    assert value == pytest.approx(plain_loss(W, B, X), rel=1e-12)
    assert isinstance(grads, tuple) and len(grads) == 1
    assert grads[0] == pytest.approx(plain_db(W, B, X), rel=1e-12)


def test_vjp_takes_the_cotangent_last():
    module = load(LOSS.format(declarations='pullback = vjp(loss, wrt="w")'))
    value, dw = module.pullback(W, B, X, 3.0)
    assert value == pytest.approx(plain_loss(W, B, X), rel=1e-12)
    np.testing.assert_allclose(dw, 3.0 * plain_dw(W, B, X), rtol=1e-12)


def test_transforms_are_listed_in_the_generated_module():
    module = load(LOSS.format(declarations='g = grad(loss, wrt=("w", "b"))\ndb = grad(loss, wrt=1)'))
    assert module.__lifted_transforms__ == {
        ("grad", "loss", ("w", "b"), True): "g",
        ("grad", "loss", ("b",), False): "db",
    }


# -- names a kernel sees ------------------------------------------------------------------------------------
CONSTANTS = '''import numpy as np
from lifted import kernel, grad

SCALE = 2.5
SHIFT = -0.25
POWER = 3
TINY = 1e-3
NAME = "not a number"
FLAG = True

@kernel
def f(x: "f64[n]"):
    y = SCALE * x + SHIFT
    return np.sum(y ** POWER) + TINY

df = grad(f)
'''


def test_module_level_numeric_constants_are_seen_by_kernels():
    parsed = parse_module(CONSTANTS, PATH)
    assert parsed.constants == {"SCALE": 2.5, "SHIFT": -0.25, "POWER": 3, "TINY": 1e-3}
    module = load(CONSTANTS)
    x = RNG.normal(size=6)
    assert module.f(x) == pytest.approx(np.sum((2.5 * x - 0.25) ** 3) + 1e-3, rel=1e-12)
    np.testing.assert_allclose(module.df(x), 3 * 2.5 * (2.5 * x - 0.25) ** 2, rtol=1e-12)


@pytest.mark.parametrize("header, np_name", [
    ("import numpy as np", "np"),
    ("import numpy", "numpy"),
    ("import numpy as xp", "xp"),
], ids=["np", "numpy", "other_alias"])
def test_numpy_under_any_import_name(header, np_name):
    source = f'''{header}
from lifted import kernel, grad

@kernel
def f(x: "f64[n]"):
    return {np_name}.sum({np_name}.tanh(x) * {np_name}.exp(x)) + {np_name}.pi

df = grad(f)
'''
    assert parse_module(source, PATH).modules == {np_name: "numpy"}
    module = load(source)
    x = RNG.normal(size=5)
    assert module.f(x) == pytest.approx(np.sum(np.tanh(x) * np.exp(x)) + np.pi, rel=1e-12)
    expected = (1 - np.tanh(x) ** 2) * np.exp(x) + np.tanh(x) * np.exp(x)
    np.testing.assert_allclose(module.df(x), expected, rtol=1e-12)


def test_scipy_special_logsumexp_imported_by_name():
    source = '''import numpy as np
from scipy.special import logsumexp
from lifted import kernel, grad

@kernel
def f(x: "f64[n,k]"):
    return np.sum(logsumexp(x, axis=1))

df = grad(f)
'''
    parsed = parse_module(source, PATH)
    assert parsed.modules == {"np": "numpy", "logsumexp": "scipy.special.logsumexp"}
    code = transpile_source(source, PATH)
    assert "import scipy.special" in code
    module = load(source)
    x = RNG.normal(size=(4, 3))
    assert module.f(x) == pytest.approx(np.sum(scipy.special.logsumexp(x, axis=1)), rel=1e-12)
    softmax = np.exp(x - scipy.special.logsumexp(x, axis=1, keepdims=True))
    np.testing.assert_allclose(module.df(x), softmax, rtol=1e-12)


def test_scipy_is_imported_only_where_the_source_uses_it():
    code = transpile_source(LOSS.format(declarations="g = grad(loss)"), PATH)
    assert "scipy" not in code


def test_kernels_call_other_kernels():
    source = '''import numpy as np
from lifted import kernel, grad

@kernel
def square(v: "f64[n]"):
    return v * v

@kernel
def f(x: "f64[n]"):
    return np.sum(square(np.sin(x)))

df = grad(f)
'''
    module = load(source)
    x = RNG.normal(size=5)
    assert module.f(x) == pytest.approx(np.sum(np.sin(x) ** 2), rel=1e-12)
    np.testing.assert_allclose(module.df(x), 2 * np.sin(x) * np.cos(x), rtol=1e-12)


def test_integer_array_indexing_gathers():
    source = '''import numpy as np
from lifted import kernel, grad

@kernel
def f(x: "f64[n]", i: "i64[k]"):
    return np.sum(x[i] * x[i])

df = grad(f)
'''
    module = load(source)
    x, i = RNG.normal(size=5), np.array([0, 3, 3, 1])
    assert module.f(x, i) == pytest.approx(np.sum(x[i] ** 2), rel=1e-12)
    expected = np.zeros(5)
    np.add.at(expected, i, 2 * x[i])
    np.testing.assert_allclose(module.df(x, i), expected, rtol=1e-12)


# -- SSA renaming keeps the source's names ------------------------------------------------------------------
SSA = '''import numpy as np
from lifted import kernel, grad

@kernel
def f(x: "f64[n]", w: "f64[n]"):
    x = x * 2.0
    y = np.sin(x) * w
    x = x + y
    y = y * x
    x = np.exp(-x)
    return np.sum(x * y)

df = grad(f, wrt=("x", "w"))
'''


def plain_ssa(x, w):
    x = x * 2.0
    y = np.sin(x) * w
    x = x + y
    y = y * x
    x = np.exp(-x)
    return np.sum(x * y)


def test_reassigned_names_compute_what_python_computes():
    module = load(SSA)
    x, w = RNG.normal(size=4), RNG.normal(size=4)
    assert module.f(x, w) == pytest.approx(plain_ssa(x, w), rel=1e-12)
    dx, dw = module.df(x, w)
    eps = 1e-6
    for value, position in ((dx, 0), (dw, 1)):
        for k in range(4):
            step = np.zeros(4)
            step[k] = eps
            args_plus = [x + step, w] if position == 0 else [x, w + step]
            args_minus = [x - step, w] if position == 0 else [x, w - step]
            fd = (plain_ssa(*args_plus) - plain_ssa(*args_minus)) / (2 * eps)
            assert value[k] == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_reassigned_names_keep_the_source_name_with_a_suffix():
    code = transpile_source(SSA, PATH)
    fn = function_node(code, "f")
    assigned = [t.id for node in ast.walk(fn) if isinstance(node, ast.Assign) for t in node.targets]
    assert assigned == ["x_1", "y", "x_2", "y_1", "x_3"]
    lines = ast.unparse(fn)
    assert "x_1 = x * 2.0" in lines
    assert "return np.sum(x_3 * y_1)" in lines
    # the gradient names adjoints after the source names too
    grad_fn = function_node(code, "df")
    grad_names = {t.id for node in ast.walk(grad_fn) if isinstance(node, ast.Assign) for t in node.targets}
    assert {"x_1", "y", "x_2", "y_1", "x_3", "dx", "dw"} <= grad_names, grad_names


def test_augmented_assignment_keeps_the_name():
    source = '''import numpy as np
from lifted import kernel

@kernel
def f(x: "f64[n]"):
    total = np.sum(x)
    total += 1.0
    total *= 3.0
    return total
'''
    module = load(source)
    x = RNG.normal(size=3)
    assert module.f(x) == pytest.approx((np.sum(x) + 1.0) * 3.0, rel=1e-12)
    fn = function_node(transpile_source(source, PATH), "f")
    assigned = [t.id for node in ast.walk(fn) if isinstance(node, ast.Assign) for t in node.targets]
    assert all(name.startswith("total") for name in assigned), assigned


def test_tuple_unpacking_of_a_kernel_result():
    source = '''import numpy as np
from lifted import kernel

@kernel
def moments(x: "f64[n]"):
    return np.mean(x), np.mean(x * x)

@kernel
def variance(x: "f64[n]"):
    m, m2 = moments(x)
    return m2 - m * m
'''
    module = load(source)
    x = RNG.normal(size=7)
    assert module.variance(x) == pytest.approx(np.var(x), rel=1e-12)
    m, m2 = module.moments(x)
    assert (m, m2) == (pytest.approx(np.mean(x)), pytest.approx(np.mean(x * x)))
