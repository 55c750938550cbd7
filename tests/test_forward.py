"""Forward mode and composed transforms: jvp, grad of grad, Hessian-vector products, Jacobians, Hessians.

Oracles: central finite differences, reverse mode through the identity <J v, w> = <v, J^T w>, and analytic
derivatives (second derivatives of scalar functions, the Rosenbrock Hessian). The corpus is every kernel of
the golden inputs and the whole-program tests of reverse mode and control flow.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from gradcheck import assert_close, central_difference, load_source, random_inputs
from test_control_flow import MUTATION_PROGRAMS
from test_control_flow import PROGRAMS as CONTROL_FLOW_PROGRAMS
from test_reverse import PROGRAMS as REVERSE_PROGRAMS
from lifted.transpiler import TranspileError, transpile_source
from lifted.transpiler.frontend.parse import parse_module

GOLDEN = Path(__file__).parent / "golden"
EPS = 1e-6


def _program(body: str) -> str:
    return "import numpy as np\nfrom lifted import kernel\n" + body


def _corpus() -> dict[str, str]:
    corpus = {}
    for path in sorted((GOLDEN / "inputs").glob("*.py")):
        text = path.read_text()
        if path.stem in ("tree_params_grad_vjp_jvp", "vmap_tree_prefix_axes", "shape_relation_checked_at_run_time"):
            continue  # trees, and sizes the annotations alone cannot draw: tests/test_function_values.py
        if parse_module(text, path.name).kernels:
            corpus[f"golden-{path.stem}"] = text
    for prefix, programs in (("reverse", REVERSE_PROGRAMS), ("control", CONTROL_FLOW_PROGRAMS),
                             ("mutation", MUTATION_PROGRAMS)):
        corpus.update({f"{prefix}-{name}": _program(body) for name, body in programs.items()})
    return corpus


CORPUS = _corpus()


def _float_params(fn) -> list[int]:
    params = list(inspect.signature(fn).parameters.values())
    return [i for i, p in enumerate(params) if p.annotation is inspect.Parameter.empty
            or str(p.annotation).startswith("f")]


def _with_forward_and_reverse(text: str) -> tuple[str, dict[str, list[int]]]:
    """The source plus `k__jvp = jvp(k, wrt=<float params>)` and `k__vjp = vjp(...)` for each kernel."""
    base = load_source(text, "base.py")
    lines, wrt = [text], {}
    for name, kernel in parse_module(text, "base.py").kernels.items():
        positions = _float_params(getattr(base, name))
        if positions:
            wrt[name] = positions
            spec = "(" + ", ".join(str(i) for i in positions) + ",)"
            lines.append(f"\n{name}__jvp = jvp({name}, wrt={spec})\n{name}__vjp = vjp({name}, wrt={spec})\n")
    return "".join(lines), wrt


def _fresh(values):
    return [np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in values]


def _outputs(value):
    return list(value) if isinstance(value, tuple) else [value]


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_jvp_matches_finite_differences_and_reverse_mode(case):
    text, wrt = _with_forward_and_reverse(CORPUS[case])
    module = load_source(text, f"{case}.py")
    rng = np.random.default_rng(5)
    for name, positions in wrt.items():
        primal = getattr(module, name)
        args = random_inputs(primal, rng, positive=True)
        value = primal(*_fresh(args))
        if not all(np.issubdtype(np.asarray(v).dtype, np.floating) for v in _outputs(value)):
            continue  # derivatives of integer outputs do not exist
        tangents = [rng.normal(size=np.shape(args[i])) if np.ndim(args[i]) else float(rng.normal())
                    for i in positions]
        got_value, tangent = getattr(module, f"{name}__jvp")(*_fresh(args), *tangents)

        def moved(step):
            shifted = _fresh(args)
            for i, t in zip(positions, tangents):
                shifted[i] = args[i] + step * t
            return _outputs(primal(*shifted))

        differences = [(hi - lo) / (2 * EPS) for hi, lo in zip(moved(EPS), moved(-EPS))]
        for got, want in zip(_outputs(got_value), _outputs(value)):
            assert_close(got, want, rtol=1e-12, atol=1e-14, what=f"{case} {name} value")
        for got, want in zip(_outputs(tangent), differences):
            assert_close(got, want, rtol=1e-5, atol=1e-6, what=f"{case} {name} tangent (FD)")
        # <J t, w> == <t, J^T w>, with J^T w from the generated reverse mode
        weights = [rng.normal(size=np.shape(v)) if np.ndim(v) else float(rng.normal()) for v in _outputs(value)]
        ct = tuple(weights) if isinstance(value, tuple) else weights[0]
        _, cotangents = getattr(module, f"{name}__vjp")(*_fresh(args), ct)
        forward = sum(np.sum(w * t) for w, t in zip(weights, _outputs(tangent)))
        backward = sum(np.sum(c * t) for c, t in zip(cotangents, tangents))
        assert_close(forward, backward, rtol=1e-10, atol=1e-10, what=f"{case} {name} <Jt, w> = <t, J'w>")


def test_jvp_signature_names_and_structure():
    module = load_source('''
import numpy as np
from lifted import jvp, kernel

@kernel
def polar(r: "f64[n]", theta: "f64[n]"):
    return r * np.cos(theta), r * np.sin(theta)

polar_jvp = jvp(polar, wrt=("r", "theta"))
polar_jvp_theta = jvp(polar, wrt="theta")
''')
    assert list(inspect.signature(module.polar_jvp).parameters) == ["r", "theta", "tr", "ttheta"]
    r, theta = np.array([1.0, 2.0]), np.array([0.3, -0.4])
    (x, y), (tx, ty) = module.polar_jvp_theta(r, theta, np.ones(2))
    assert_close(tx, -r * np.sin(theta)) and assert_close(ty, r * np.cos(theta))


def test_inactive_values_get_no_tangent_code():
    code = transpile_source('''
import numpy as np
from lifted import jvp, kernel

@kernel
def f(x: "f64[n]", data: "f64[n]"):
    scale = np.exp(data) / np.sum(np.exp(data))
    return np.sum(np.sin(x) * scale)

f_jvp = jvp(f)
''', "inactive.py")
    body = code[code.index("def f_jvp"):]
    assert "tdata" not in body and "tscale" not in body and "zeros" not in body
    assert "tx" in body


def test_a_loop_updating_an_array_in_place_copies_its_tangent_once():
    """The tangent of a slot the body updates in place is copied once before the loop (it is the caller's
    tangent, or shared), then updated in place as the primal is: no copy per iteration, the caller's arrays
    untouched. (Numbers: the golden input jvp_loop_slot_updated_in_place in the corpus above.)"""
    text = (GOLDEN / "inputs" / "jvp_loop_slot_updated_in_place.py").read_text()
    code = transpile_source(text, "slots.py")
    for name in ("recurrence", "updated_parameter", "branch_and_nested_loop", "alias_kept_across_steps"):
        body = code[code.index(f"def {name}_jvp("):]
        body = body[:body.index("\ndef ")] if "\ndef " in body else body
        loops = body[body.index("    for "):body.index("\n    del ", body.index("    for "))]
        assert ".copy()" not in loops, f"{name}: a copy inside the loop\n{body}"
    module = load_source(text, "slots.py")
    rng = np.random.default_rng(3)
    x, y, tx = rng.normal(size=6), rng.normal(size=6), rng.normal(size=6)
    kept = (x.copy(), tx.copy())
    module.recurrence_jvp(x, y, tx)
    module.updated_parameter_jvp(x, 0.7, tx)
    module.branch_and_nested_loop_jvp(x, y, tx)
    module.alias_kept_across_steps_jvp(x, tx)
    assert np.array_equal(x, kept[0]) and np.array_equal(tx, kept[1])


# --- any order: grad of grad, against analytic derivatives -----------------------------------------------------
SCALAR_FUNCTIONS = {  # f, f', f''
    "sin_times_x": ("np.sin(x) * x", lambda x: np.cos(x) * x + np.sin(x), lambda x: 2 * np.cos(x) - x * np.sin(x)),
    "gaussian": ("np.exp(-x * x)", lambda x: -2 * x * np.exp(-x * x), lambda x: (4 * x * x - 2) * np.exp(-x * x)),
    "log1p_square": ("np.log1p(x * x)", lambda x: 2 * x / (1 + x * x), lambda x: (2 - 2 * x * x) / (1 + x * x) ** 2),
    "tanh_cubed": ("np.tanh(x) ** 3", lambda x: 3 * np.tanh(x) ** 2 * (1 - np.tanh(x) ** 2),
                   lambda x: (6 * np.tanh(x) * (1 - np.tanh(x) ** 2) ** 2
                              - 6 * np.tanh(x) ** 3 * (1 - np.tanh(x) ** 2))),
}


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTIONS))
def test_grad_of_grad_equals_the_analytic_second_derivative(name):
    expr, first, second = SCALAR_FUNCTIONS[name]
    module = load_source(f'''
import numpy as np
from lifted import grad, jvp, kernel

@kernel
def f(x: "f64[]"):
    return {expr}

df = grad(f)
d2f = grad(df)
d2f_nested = grad(grad(f))
d2f_forward_over_reverse = jvp(grad(f))
d3f = grad(grad(grad(f)))
''', f"{name}.py")
    for x in (-1.3, 0.2, 0.9):
        assert_close(module.df(x), first(x), rtol=1e-12, atol=1e-14)
        assert_close(module.d2f(x), second(x), rtol=1e-12, atol=1e-14, what=f"{name} f'' at {x}")
        assert_close(module.d2f_nested(x), second(x), rtol=1e-12, atol=1e-14)
        assert_close(module.d2f_forward_over_reverse(x, 1.0)[1], second(x), rtol=1e-12, atol=1e-14)
        numeric = (module.d2f(x + EPS) - module.d2f(x - EPS)) / (2 * EPS)
        assert_close(module.d3f(x), numeric, rtol=1e-5, atol=1e-6, what=f"{name} f''' at {x}")


# --- Hessians, Hessian-vector products, Jacobians ---------------------------------------------------------------
ROSENBROCK = '''
import numpy as np
from lifted import grad, hessian, jacfwd, jacrev, jvp, kernel

@kernel
def rosenbrock(x: "f64[n]"):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

rosenbrock_grad = grad(rosenbrock)
rosenbrock_hessian = hessian(rosenbrock)
rosenbrock_hessian_fwd = jacfwd(rosenbrock_grad)
rosenbrock_hessian_rev = jacrev(rosenbrock_grad)
rosenbrock_hvp = jvp(grad(rosenbrock))
'''


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    """The analytic Hessian: tridiagonal."""
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i + 1, i + 1] += 200.0
        H[i, i + 1] = H[i + 1, i] = -400.0 * x[i]
    return H


@pytest.mark.parametrize("n", [2, 5, 12])
def test_rosenbrock_hessian_is_the_analytic_hessian(n):
    module = load_source(ROSENBROCK, "rosenbrock.py")
    x = np.random.default_rng(n).normal(size=n)
    expected = rosenbrock_hessian(x)
    for name in ("rosenbrock_hessian", "rosenbrock_hessian_fwd", "rosenbrock_hessian_rev"):
        assert_close(getattr(module, name)(x), expected, rtol=1e-12, atol=1e-10, what=name)
    v = np.random.default_rng(n + 1).normal(size=n)
    gradient, hvp = module.rosenbrock_hvp(x, v)
    assert_close(gradient, module.rosenbrock_grad(x), rtol=1e-14, atol=0)
    assert_close(hvp, module.rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-10, what="hvp = H v")


MLP = '''
import numpy as np
from lifted import grad, hessian, jacfwd, jacrev, jvp, kernel, vjp

@kernel
def layer(w: "f64[d,h]", x: "f64[n,d]"):
    return np.tanh(x @ w)

@kernel
def loss(w: "f64[d,h]", v: "f64[h]", x: "f64[n,d]", y: "f64[n]"):
    p = layer(w, x) @ v
    return np.mean((p - y) ** 2) + 0.01 * np.sum(w * w)

loss_hvp = jvp(grad(loss, wrt=("w", "v")), wrt=("w", "v"))
loss_hessian = hessian(loss, wrt="v")
loss_hessian_blocks = hessian(loss, wrt=("w", "v"))
layer_jacfwd = jacfwd(layer)
layer_jacrev = jacrev(layer, wrt=("w", "x"))
grad_of_jvp_tangent = vjp(jvp(loss, wrt="v"), wrt="v")
jvp_of_vjp = jvp(vjp(layer, wrt="w"), wrt="w")
'''


def test_mlp_hessian_blocks_hvp_and_jacobians_agree():
    module = load_source(MLP, "mlp.py")
    rng = np.random.default_rng(0)
    d, h, n = 3, 6, 5  # gradcheck's sizes for these names
    w, v, x, y = rng.normal(size=(d, h)), rng.normal(size=h), rng.normal(size=(n, d)), rng.normal(size=n)
    (Hww, Hwv), (Hvw, Hvv) = module.loss_hessian_blocks(w, v, x, y)
    assert Hww.shape == (d, h, d, h) and Hwv.shape == (d, h, h) and Hvw.shape == (h, d, h)
    assert_close(Hvv, module.loss_hessian(w, v, x, y), rtol=1e-12, atol=1e-12)
    assert_close(Hwv, np.transpose(Hvw, (1, 2, 0)), rtol=1e-10, atol=1e-12, what="symmetric blocks")
    tw, tv = rng.normal(size=(d, h)), rng.normal(size=h)
    (gw, gv), (hw, hv) = module.loss_hvp(w, v, x, y, tw, tv)
    assert_close(hw, np.einsum("abcd,cd->ab", Hww, tw) + Hwv @ tv, rtol=1e-10, atol=1e-12, what="hvp w")
    assert_close(hv, np.einsum("abc,bc->a", Hvw, tw) + Hvv @ tv, rtol=1e-10, atol=1e-12, what="hvp v")
    J = module.layer_jacfwd(w, x)
    Jw, Jx = module.layer_jacrev(w, x)
    assert J.shape == (n, h, d, h) and Jx.shape == (n, h, n, d)
    assert_close(Jw, J, rtol=1e-12, atol=1e-14, what="jacrev = jacfwd")
    numeric = (module.layer(w + EPS * tw, x) - module.layer(w - EPS * tw, x)) / (2 * EPS)
    assert_close(np.einsum("abcd,cd->ab", J, tw), numeric, rtol=1e-6, atol=1e-8, what="J tw (FD)")
    # reverse over forward: the gradient of the directional derivative <grad loss, tv> is H tv
    (value, tangent), ct_v = module.grad_of_jvp_tangent(w, v, x, y, tv, (0.0, 1.0))
    assert_close(ct_v, Hvv @ tv, rtol=1e-10, atol=1e-12, what="grad of jvp")
    # forward over reverse of a vector function: d/dw <layer(w), ct> along tw
    ct = rng.normal(size=(n, h))
    (_, dw), (_, tdw) = module.jvp_of_vjp(w, x, ct, tw)
    numeric = (module.jvp_of_vjp(w + EPS * tw, x, ct, tw)[0][1] - module.jvp_of_vjp(w - EPS * tw, x, ct, tw)[0][1])
    assert_close(tdw, numeric / (2 * EPS), rtol=1e-6, atol=1e-8, what="jvp of vjp (FD)")


def test_jacobian_of_tuple_outputs_and_scalar_inputs():
    module = load_source('''
import numpy as np
from lifted import jacfwd, jacrev, kernel

@kernel
def f(s: "f64[]", x: "f64[n]"):
    return s * np.sin(x), np.sum(x * x) * s

jac = jacfwd(f, wrt=("s", "x"))
''')
    s, x = 1.7, np.array([0.1, -0.5, 2.0])
    (ds_a, dx_a), (ds_b, dx_b) = module.jac(s, x)
    assert_close(ds_a, np.sin(x)) and assert_close(dx_a, np.diag(s * np.cos(x)))
    assert_close(ds_b, np.sum(x * x)) and assert_close(dx_b, 2 * s * x)


def test_jacrev_of_tuple_outputs_is_refused_with_a_hint():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import jacrev, kernel

@kernel
def f(x: "f64[n]"):
    return x * 2.0, x * 3.0

j = jacrev(f)
''', "tuple.py")
    assert "tuple.py:9" in str(info.value) and "jacfwd" in str(info.value)


def test_declaring_a_transform_of_a_later_declaration_says_so():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[]"):
    return x * x * x

h = grad(g)
g = grad(f)
''', "order.py")
    assert "declared after" in str(info.value)


# --- the transpiler reads its own output ------------------------------------------------------------------------
def test_generated_functions_are_kernels_again():
    """A generated gradient, with `@kernel` put back on it, transpiles as a kernel; its own transforms agree
    with the transforms composed inside the compiler."""
    source = ROSENBROCK.replace("rosenbrock_hvp = jvp(grad(rosenbrock))", "rosenbrock_hvp = jvp(rosenbrock_grad)")
    emitted = transpile_source(source, "rosenbrock.py")
    generated = re.search(r"^def rosenbrock_grad\(.*?(?=^def |\Z)", emitted, re.S | re.M).group(0)
    again = ("import numpy as np\nfrom lifted import jacfwd, jvp, kernel\n\n\n@kernel\n" + generated
             + "\n\nrosenbrock_grad_jvp = jvp(rosenbrock_grad)\nrosenbrock_grad_jac = jacfwd(rosenbrock_grad)\n")
    reread = load_source(again, "reread.py")
    original = load_source(source, "rosenbrock.py")
    x, v = np.random.default_rng(1).normal(size=(2, 6))
    assert_close(reread.rosenbrock_grad(x), original.rosenbrock_grad(x), rtol=1e-14, atol=0)
    assert_close(reread.rosenbrock_grad_jvp(x, v)[1], original.rosenbrock_hvp(x, v)[1], rtol=1e-12, atol=1e-12)
    assert_close(reread.rosenbrock_grad_jac(x), original.rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)
    # and the generated jacobian itself (a loop writing columns in place) reads back too
    jacobian = re.search(r"^def rosenbrock_hessian\(.*?(?=^def |\Z)", emitted, re.S | re.M).group(0)
    twice = load_source("import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n" + jacobian, "twice.py")
    assert_close(twice.rosenbrock_hessian(x), original.rosenbrock_hessian(x), rtol=1e-14, atol=0)


def test_jacfwd_remakes_an_array_its_loop_updates_in_place():
    """The loop over basis vectors once hoisted `a = w.copy()` in front of it, and each column updated the
    same array through the inner loop's slot: columns after the first were wrong."""
    source = '''
import numpy as np
from lifted import jacfwd, kernel


@kernel
def f(x: "f64[n]", w: "f64[n]") -> "f64[n]":
    a = w.copy()
    for i in range(w.shape[0]):
        a[i] = a[i] * 2.0 + x[i]
    return a * x


jac = jacfwd(f, wrt="x")
'''
    module = load_source(source, "jacfwd_update.py")
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25, 2.0])
    expected = np.stack([central_difference(lambda x: module.f(x, w)[r], [x], 0) for r in range(3)])
    assert_close(module.jac(x, w), expected, rtol=1e-7, what="jacfwd vs FD")
    assert_close(module.jac(x, w), np.diag(2.0 * w + 2.0 * x), rtol=1e-14, what="jacfwd vs the formula")


# --- kernels that call declared transforms ----------------------------------------------------------------------
def test_a_kernel_calls_a_declared_transform_and_is_differentiated_again():
    """`g = grad(f)` called inside a loop of another kernel is inlined like a kernel; derivatives of that kernel
    (through the inlined reverse sweep) match finite differences."""
    module = load_source('''
import numpy as np
from lifted import grad, jvp, kernel

@kernel
def f(x: "f64[n]", c: "f64[]") -> "f64[]":
    return np.sum(np.sin(x) * c + x * x * x)

g = grad(f)

@kernel
def descend(x: "f64[n]", c: "f64[]") -> "f64[]":
    for k in range(3):
        x = x - 0.1 * g(x, c)
    return f(x, c)

descend_grad = grad(descend, wrt="c")
descend_jvp = jvp(descend, wrt="c")
''', "descend.py")
    x, c = np.array([0.3, -0.2, 0.9]), 0.7
    fd = (module.descend(x, c + EPS) - module.descend(x, c - EPS)) / (2 * EPS)
    assert_close(module.descend_grad(x, c), fd, rtol=1e-6, atol=1e-9)
    assert_close(module.descend_jvp(x, c, 1.0)[1], fd, rtol=1e-6, atol=1e-9)


def test_a_kernel_calling_its_own_derivative_is_refused():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[]") -> "f64[]":
    return x * g(x)

g = grad(f)
''', "cycle.py")
    assert "cycle.py:9" in str(info.value) and "depends on itself (f -> g -> f)" in str(info.value)


def test_a_transform_called_with_the_wrong_arguments_says_what_it_takes():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import jvp, kernel

@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(x * x)

fj = jvp(f)

@kernel
def h(x: "f64[n]") -> "f64[]":
    value, tangent = fj(x)
    return tangent
''', "arity.py")
    assert "arity.py:13" in str(info.value) and "(x, tx)" in str(info.value)


def test_an_update_never_writes_into_a_tangent_another_value_took():
    """`w = v + 1.0` takes v's tangent as its own (the rule passes it through); the later `v[1] = ...` must
    then update a copy of it, while updates of a tangent made for `v` alone happen in place."""
    module = load_source('''
import numpy as np
from lifted import jvp, kernel

@kernel
def f(x: "f64[4]") -> "f64[4]":
    v = x * 2.0
    v[0] = x[1] * x[1]
    w = v + 1.0
    v[1] = x[2] * 3.0
    v[2] = x[0] * v[1]
    return w * v

f_jvp = jvp(f)
''', "alias.py")
    x, t = np.array([0.3, 0.5, -0.2, 0.9]), np.array([1.0, -2.0, 0.5, 0.3])
    fd = (module.f(x + EPS * t) - module.f(x - EPS * t)) / (2 * EPS)
    assert_close(module.f_jvp(x, t)[1], fd, rtol=1e-6, atol=1e-8)
