"""Functions as values, lists, dicts and parameter trees (issue 13), each program checked three ways: the
generated primal against the untouched source, the generated gradient against autograd and against central
finite differences (leaf by leaf for trees)."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import autograd_kernels, load_source
from lifted.transpiler import TranspileError
from treecheck import assert_trees_close, fd_gradient, leaves, random_value, replace_leaves

HEADER = "import numpy as np\nfrom functools import partial\nfrom lifted import grad, kernel\n"

PROGRAMS = {
    "closure_reads_enclosing_name_at_call_time": ('''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    def scaled(y):
        return y * s * k
    k = 2.0
    first = scaled(x)
    k = 3.0
    return np.sum(first * scaled(x))
''', ("x", "s")),
    "lambda_passed_to_a_higher_order_helper": ('''
def apply_twice(fn, v):
    return fn(fn(v))

@kernel
def f(x: "f64[n]", w: "f64[n]"):
    g = lambda v: np.tanh(v * w)
    ys = list(map(lambda v: v * 2.0, [x, w]))
    return np.sum(apply_twice(g, x)) + np.sum(ys[0] * ys[1])
''', ("x", "w")),
    "partial_keywords_defaults_and_star_args": ('''
def layer(x, W, b=0.5, *, act=np.tanh):
    return act(x @ W + b)

def total(*parts, scale=1.0):
    return scale * sum(np.sum(p) for p in parts)

@kernel
def f(x: "f64[n,d]", W: "f64[d,k]"):
    relu = partial(layer, act=lambda z: np.maximum(z, 0.0))
    return total(layer(x, W), relu(x, W, 0.1), scale=0.5)
''', ("x", "W")),
    "list_append_in_constant_range_then_stack": ('''
@kernel
def f(h0: "f64[d]", W: "f64[d,d]", xs: "f64[n,d]"):
    hs = []
    h = h0
    for t in range(4):
        h = np.tanh(W @ h + xs[t])
        hs.append(h)
    H = np.stack(hs)
    return np.sum(H * H) + np.sum(hs[-1])
''', ("h0", "W")),
    "comprehension_zip_enumerate_over_lists": ('''
@kernel
def f(a: "f64[n]", b: "f64[n]"):
    pairs = [(a * i, b + i) for i in range(3) if i != 1]
    total = 0.0
    for k, (u, v) in enumerate(zip([p[0] for p in pairs], [p[1] for p in pairs])):
        total = total + (k + 1.0) * np.sum(u * v)
    return total
''', ("a", "b")),
    "list_indexed_by_unrolled_loop_variable": ('''
@kernel
def f(x: "f64[n]", w1: "f64[n]", w2: "f64[n]"):
    ws = [w1, w2, w1 * w2]
    y = x
    for i in range(len(ws)):
        y = np.sin(y * ws[i])
    return np.sum(y)
''', ("x", "w1", "w2")),
    "dict_literal_and_items": ('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    d = {"a": x * 2.0, "b": y}
    d["c"] = d["a"] * y
    total = 0.0
    for name, v in d.items():
        total = total + np.sum(v ** 2)
    return total
''', ("x", "y")),
    "list_of_tuples_parameter_tree": ('''
@kernel
def f(params: "[(f64[d,h], f64[h]), (f64[h,k], f64[k])]", x: "f64[n,d]"):
    for W, b in params:
        out = x @ W + b
        x = np.tanh(out)
    return np.sum(out ** 2)
''', ("params", "x")),
    "dict_parameter_tree": ('''
@kernel
def f(p: "{'w': f64[d], 'b': f64[], 'extra': [f64[n], f64[n]]}", x: "f64[n,d]"):
    z = x @ p["w"] + p["b"]
    return np.sum(np.tanh(z) * p["extra"][0]) + np.sum(p["extra"][1] ** 2)
''', ("p",)),
    "static_option_strings_and_none": ('''
def activation(z, kind):
    if kind == "tanh":
        return np.tanh(z)
    elif kind is None:
        return z
    return np.maximum(z, 0.0)

@kernel
def f(x: "f64[n]"):
    return np.sum(activation(x, "tanh")) + np.sum(activation(x, None) ** 2) + np.sum(activation(x, "relu"))
''', ("x",)),
    "module_level_values_and_factory": ('''
SIZES = [3, 4]
SCALE = 2.0 * 0.25
PAIRS = list(zip(SIZES[:-1], SIZES[1:]))

def make_loss(pairs, l2=SCALE):
    def loss(w: "f64[m]", x: "f64[n,3]"):
        for a, b in pairs:
            W = w[:a * b].reshape((a, b))
            x = np.tanh(x @ W)
        return np.sum(x ** 2) + l2 * np.sum(w ** 2)
    return loss

f = make_loss(PAIRS)
''', ("w",)),
    "nested_closure_chain": ('''
@kernel
def f(x: "f64[n]", a: "f64[]"):
    def outer(y):
        def inner(z):
            return z * a + y
        return inner(y * 2.0)
    return np.sum(outer(x) ** 2)
''', ("x", "a")),
}

SIZES = {"m": 12}


def _inputs(fn, rng):
    args = []
    for param in inspect.signature(fn).parameters.values():
        annotation = param.annotation
        if isinstance(annotation, str) and annotation.startswith("f64[m"):
            args.append(rng.normal(size=SIZES["m"]) * 0.5)
        else:
            args.append(random_value(annotation, rng))
    return args


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_program_value_and_gradient(case):
    source, wrt = PROGRAMS[case]
    text = HEADER + source + f"\nf_grad = grad(f, wrt={wrt!r})\n"
    module = load_source(text, f"{case}.py")
    oracle = autograd_kernels(text)["f"]
    rng = np.random.default_rng(7)
    args = _inputs(oracle, rng)
    names = list(inspect.signature(oracle).parameters)
    assert_trees_close(module.f(*args), oracle(*args), what=f"{case}: value")
    grads = module.f_grad(*args)
    for name, got in zip(wrt, grads):
        index = names.index(name)
        expected = autograd_grad(oracle, index)(*args)
        assert_trees_close(got, expected, rtol=1e-6, atol=1e-8, what=f"{case}: d/d{name} vs autograd")
        assert_trees_close(got, fd_gradient(oracle, args, index), rtol=1e-4, atol=1e-6,
                           what=f"{case}: d/d{name} vs finite differences")


TREE_SOURCE = (HEADER + '''
@kernel
def f(params: "[(f64[d,h], f64[h]), {'W': f64[h,k], 'b': f64[k]}]", x: "f64[n,d]"):
    W0, b0 = params[0]
    hidden = np.tanh(x @ W0 + b0)
    out = hidden @ params[1]["W"] + params[1]["b"]
    return {"out": out, "parts": [hidden, np.sum(out ** 2)]}

@kernel
def loss(params: "[(f64[d,h], f64[h]), {'W': f64[h,k], 'b': f64[k]}]", x: "f64[n,d]"):
    r = f(params, x)
    return np.sum(r["out"] * r["parts"][0][:, :4]) + r["parts"][1]

f_vjp = vjp(f, wrt=("params", "x"))
f_jvp = jvp(f, wrt="params")
loss_vg = value_and_grad(loss, wrt=("params",))
loss_grad = grad(loss)
loss_hvp = jvp(grad(loss))
''').replace("from lifted import grad, kernel", "from lifted import grad, jvp, kernel, value_and_grad, vjp")


def _tree_setup():
    module = load_source(TREE_SOURCE, "trees.py")
    oracle = autograd_kernels(TREE_SOURCE)
    rng = np.random.default_rng(3)
    params = random_value("[(f64[d,h], f64[h]), {'W': f64[h,k], 'b': f64[k]}]", rng)
    x = random_value("f64[n,d]", rng)
    return module, oracle, rng, params, x


def _dot(a, b):
    import autograd.numpy as anp

    return sum(anp.sum(u * v) for u, v in zip(leaves(a), leaves(b)))


def test_tree_results_and_grad_through_every_reverse_transform():
    module, oracle, rng, params, x = _tree_setup()
    assert_trees_close(module.f(params, x), oracle["f"](params, x), what="tree result")
    value, (dparams,) = module.loss_vg(params, x)
    assert_trees_close(value, oracle["loss"](params, x), what="value")
    expected = autograd_grad(oracle["loss"])(params, x)
    assert_trees_close(dparams, expected, what="grad tree vs autograd")
    assert_trees_close(module.loss_grad(params, x), expected, what="grad")
    assert_trees_close(dparams, fd_gradient(oracle["loss"], [params, x], 0), rtol=1e-4, atol=1e-6, what="grad vs FD")


def test_vjp_takes_a_cotangent_tree_and_jvp_a_tangent_tree():
    module, oracle, rng, params, x = _tree_setup()
    out = oracle["f"](params, x)
    ct = replace_leaves(out, [rng.normal(size=np.shape(leaf)) for leaf in leaves(out)])
    ct["parts"][1] = float(ct["parts"][1])
    value, (dparams, dx) = module.f_vjp(params, x, ct)
    assert_trees_close(value, out, what="vjp value")

    def projected(p, xx):
        return _dot(oracle["f"](p, xx), ct)

    assert_trees_close(dparams, autograd_grad(projected, 0)(params, x), what="vjp params vs autograd")
    assert_trees_close(dx, autograd_grad(projected, 1)(params, x), what="vjp x vs autograd")
    tangent = replace_leaves(params, [rng.normal(size=np.shape(leaf)) for leaf in leaves(params)])
    value, tout = module.f_jvp(params, x, tangent)
    assert_trees_close(value, out, what="jvp value")
    eps = 1e-6
    plus = replace_leaves(params, [a + eps * t for a, t in zip(leaves(params), leaves(tangent))])
    minus = replace_leaves(params, [a - eps * t for a, t in zip(leaves(params), leaves(tangent))])
    fd = replace_leaves(out, [(a - b) / (2 * eps) for a, b in zip(leaves(oracle["f"](plus, x)),
                                                                  leaves(oracle["f"](minus, x)))])
    assert_trees_close(tout, fd, rtol=1e-4, atol=1e-6, what="jvp vs FD")
    assert abs(_dot(tout, ct) - _dot(dparams, tangent)) < 1e-8 * max(1.0, abs(_dot(tout, ct)))


def test_hessian_vector_product_of_a_tree_function():
    module, oracle, rng, params, x = _tree_setup()
    tangent = replace_leaves(params, [rng.normal(size=np.shape(leaf)) for leaf in leaves(params)])
    gradient, hvp = module.loss_hvp(params, x, tangent)
    assert_trees_close(gradient, autograd_grad(oracle["loss"])(params, x), what="hvp: gradient")

    eps = 1e-5  # the derivative of autograd's gradient along the tangent, by central differences
    gradient_at = autograd_grad(oracle["loss"])
    plus = replace_leaves(params, [a + eps * t for a, t in zip(leaves(params), leaves(tangent))])
    minus = replace_leaves(params, [a - eps * t for a, t in zip(leaves(params), leaves(tangent))])
    expected = replace_leaves(params, [(a - b) / (2 * eps) for a, b in zip(leaves(gradient_at(plus, x)),
                                                                           leaves(gradient_at(minus, x)))])
    assert_trees_close(hvp, expected, rtol=1e-5, atol=1e-7, what="hvp vs differences of autograd's gradient")


def test_kernel_calls_a_declared_transform_of_a_tree_function():
    """`g = grad(loss)` called inside another kernel with a tree argument returns a tree, and that kernel is
    differentiated again (a gradient step inside a loss)."""
    text = (HEADER + '''
@kernel
def loss(p: "{'w': f64[d], 'b': f64[]}", x: "f64[n,d]"):
    return np.sum(np.tanh(x @ p["w"] + p["b"]) ** 2)

loss_grad = grad(loss)

@kernel
def after_step(p: "{'w': f64[d], 'b': f64[]}", x: "f64[n,d]"):
    g = loss_grad(p, x)
    stepped = {k: p[k] - 0.1 * g[k] for k in p}
    return loss(stepped, x)

after_step_grad = grad(after_step)
''')
    module = load_source(text, "meta.py")
    oracle = autograd_kernels(text)
    rng = np.random.default_rng(11)
    p = {"w": rng.normal(size=3), "b": 0.3}
    x = rng.normal(size=(5, 3))
    expected = autograd_grad(oracle["loss"])(p, x)
    assert_trees_close(module.loss_grad(p, x), expected, what="grad")
    autograd_step = {k: p[k] - 0.1 * expected[k] for k in p}
    assert_trees_close(module.after_step(p, x), oracle["loss"](autograd_step, x), what="value after a step")
    assert_trees_close(module.after_step_grad(p, x), fd_gradient(module.after_step, [p, x], 0), rtol=1e-4,
                       atol=1e-6, what="grad of the step vs FD")


def test_scalar_element_read_is_a_copy_not_a_view():
    """`a = x[0]` on a 1-D array, then `x[0] = ...`: `a` keeps the old value, as in NumPy."""
    text = HEADER + '''
@kernel
def f(x: "f64[n]"):
    x = x * 1.0
    a = x[0]
    x[0] = 5.0
    return np.sum(x) * a

f_grad = grad(f)
'''
    module = load_source(text, "copy.py")
    x = np.array([1.0, 2.0, 3.0])
    assert module.f(x) == 10.0
    assert_trees_close(module.f_grad(x), fd_gradient(module.f, [x], 0), rtol=1e-6)


def test_annotations_with_offset_dimensions():
    text = HEADER + '''
@kernel
def f(x: "f64[n]", w: "f64[n-1]", v: "f64[n + 2]"):
    d = x[1:] - x[:-1]
    return np.sum(d * w) + np.sum(v[2:] * x)

f_grad = grad(f, wrt=("x", "w", "v"))
'''
    module, oracle = load_source(text, "offsets.py"), autograd_kernels(text)["f"]
    rng = np.random.default_rng(12)
    args = [rng.normal(size=4), rng.normal(size=3), rng.normal(size=6)]
    assert np.isclose(module.f(*args), oracle(*args))
    for index, got in enumerate(module.f_grad(*args)):
        assert_trees_close(got, autograd_grad(oracle, index)(*args), what=f"argument {index}")


@pytest.mark.parametrize("body, shape", [
    ("return np.sum(np.sin(A[i, j]) * A[j, i])", "(k,)"),
    ("return np.sum(A[i[:, None], j[None, :]] ** 2)", "(k, k)"),
    ("return np.sum(T[i, :, j] * 2.0) + np.sum(T[0, i, j])", "(k,)"),
])
def test_paired_index_arrays_read_elements_as_numpy_does(body, shape):
    """`A[i, j]` with two integer index arrays picks the elements (A[i[0], j[0]], ...), broadcasting the index
    arrays; repeated pairs accumulate in the gradient (np.add.at)."""
    text = HEADER + f'''
@kernel
def f(A: "f64[n,n]", T: "f64[n,n,n]", i: "i64[k]", j: "i64[k]"):
    {body}

f_grad = grad(f, wrt=("A", "T"))
'''
    module, oracle = load_source(text, "pairs.py"), autograd_kernels(text)["f"]
    rng = np.random.default_rng(13)
    args = [rng.normal(size=(4, 4)), rng.normal(size=(4, 4, 4)), np.array([0, 3, 1, 0]), np.array([2, 3, 2, 2])]
    assert np.isclose(module.f(*args), oracle(*args))
    for index, got in enumerate(module.f_grad(*args)):
        with warnings.catch_warnings():  # A or T may not reach the result: a zero gradient, which autograd warns of
            warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
            expected = autograd_grad(oracle, index)(*args)
        assert_trees_close(got, expected, what=f"argument {index}")
        assert_trees_close(got, fd_gradient(oracle, args, index), rtol=1e-5, atol=1e-7, what=f"FD {index}")


INPLACE_PROGRAMS = {
    # the helper changes the caller's array in place (as Python does) and returns it
    "helper_updates_callers_array": '''
def bump(a, b):
    a += b * 2.0
    a[0] = a[0] * b[1]
    return a

@kernel
def f(x: "f64[n]", w: "f64[n]"):
    y = x * 1.0
    z = bump(y, w)
    return np.sum(y * w) + np.sum(z ** 2)
''',
    # an array held by a list is updated through another name
    "update_seen_through_a_list": '''
@kernel
def f(x: "f64[n]", w: "f64[n]"):
    y = x * 1.0
    held = [y, w]
    a = held[0]
    a *= w
    return np.sum(held[0]) + np.sum(y * 2.0)
''',
    # fluidsim's project(): `vx -= ...` on a parameter of a helper, the caller keeps using its own name
    "project_like_helper": '''
def project(vx, vy):
    p = np.zeros(vx.shape)
    for k in range(3):
        p = (vx + vy + p) / 4.0
    vx -= 0.5 * p
    vy -= 0.5 * p * vx
    return vx, vy

@kernel
def f(x: "f64[n]", w: "f64[n]"):
    u = x * 1.0
    v = w + 1.0
    a, b = project(u, v)
    return np.sum(a * b) + np.sum(u) + np.sum(v ** 2)
''',
}


@pytest.mark.parametrize("case", sorted(INPLACE_PROGRAMS))
def test_in_place_updates_reach_every_holder_like_python(case):
    text = HEADER + INPLACE_PROGRAMS[case] + '\nf_grad = grad(f, wrt=("x", "w"))\n'
    module = load_source(text, f"{case}.py")
    namespace: dict = {}
    exec(compile(text.replace("from lifted import grad, kernel", "kernel = lambda f: f\ngrad = lambda *a, **k: None"),
                 case, "exec"), namespace)
    rng = np.random.default_rng(14)
    args = [rng.normal(size=4), rng.normal(size=4)]
    assert np.isclose(module.f(*args), namespace["f"](*[a.copy() for a in args])), "value vs the source as Python"
    for index, got in enumerate(module.f_grad(*args)):
        assert_trees_close(got, fd_gradient(lambda *a: namespace["f"](*[np.array(v, dtype=float) for v in a]),
                                            args, index), rtol=1e-5, atol=1e-7, what=f"argument {index} vs FD")


def test_in_place_update_of_a_callers_array_in_a_run_time_branch_is_refused():
    text = HEADER + '''
def bump(a, c):
    if c > 0.0:
        a += 1.0
    return a

@kernel
def f(x: "f64[n]", s: "f64[]"):
    y = x * 1.0
    bump(y, s)
    return np.sum(y)
'''
    with pytest.raises(TranspileError) as info:
        load_source(text, "branch.py")
    assert "inside a branch or loop decided at run time" in info.value.message
    assert info.value.loc.line == 7


def test_kernel_parameter_defaults_are_kept_by_the_generated_functions():
    text = HEADER.replace("grad, kernel", "grad, kernel, value_and_grad, vjp") + '''
L2 = 0.5

@kernel
def f(x: "f64[n]", w: "f64[n]", l2: "f64[]" = L2 * 0.2, power: "i64[]" = 2):
    return np.sum(np.tanh(x * w) ** power) + l2 * np.sum(w ** 2)

f_grad = grad(f, wrt="w")
f_vg = value_and_grad(f, wrt=("w", "l2"))
f_vjp = vjp(f, wrt="w")
'''
    module, oracle = load_source(text, "defaults.py"), autograd_kernels(text)["f"]
    import inspect as inspect_module

    assert inspect_module.signature(module.f_grad).parameters["l2"].default == 0.1
    assert inspect_module.signature(module.f_vjp).parameters["l2"].default is inspect_module.Parameter.empty
    rng = np.random.default_rng(15)
    x, w = rng.normal(size=4), rng.normal(size=4)
    assert np.isclose(module.f(x, w), oracle(x, w))
    assert_trees_close(module.f_grad(x, w), autograd_grad(oracle, 1)(x, w), what="grad with defaults")
    value, (dw, dl2) = module.f_vg(x, w, 0.3)
    assert_trees_close(dw, autograd_grad(oracle, 1)(x, w, 0.3), what="grad with l2 passed")
    assert np.isclose(dl2, np.sum(w ** 2))


def test_hessian_and_jacobians_of_tree_functions_are_trees_of_trees():
    text = (HEADER + '''
@kernel
def loss(p: "{'w': f64[d], 'b': f64[]}", x: "f64[n,d]"):
    return np.sum(np.tanh(x @ p["w"] + p["b"]) ** 2)

@kernel
def out(p: "{'w': f64[d], 'b': f64[]}", x: "f64[n,d]"):
    return [np.tanh(x @ p["w"]), p["b"] * 2.0]

@kernel
def single(p: "{'w': f64[d], 'b': f64[]}", x: "f64[n,d]"):
    return np.tanh(x @ p["w"]) + p["b"]

loss_grad = grad(loss)
loss_hessian = hessian(loss)
out_jacobian = jacfwd(out)
single_jacobian = jacrev(single)
''').replace("grad, kernel", "grad, hessian, jacfwd, jacrev, kernel")
    module = load_source(text, "hess.py")
    rng = np.random.default_rng(16)
    p, x = {"w": rng.normal(size=3), "b": 0.4}, rng.normal(size=(5, 3))
    H = module.loss_hessian(p, x)
    assert list(H) == ["w", "b"] and list(H["w"]) == ["w", "b"]
    eps = 1e-6
    for j in ("w", "b"):  # column j: central differences of the (autograd-checked) gradient along leaf j
        size = np.size(p[j])
        for position in range(size):
            def moved(sign):
                q = {k: np.array(v, dtype=float) for k, v in p.items()}
                q[j].reshape(-1)[position] += sign * eps
                return module.loss_grad({k: (v if v.shape else float(v)) for k, v in q.items()}, x)
            plus, minus = moved(1.0), moved(-1.0)
            for i in ("w", "b"):
                column = (np.asarray(plus[i]) - np.asarray(minus[i])) / (2 * eps)
                block = np.asarray(H[i][j]).reshape(np.shape(p[i]) + (size,))
                np.testing.assert_allclose(block[..., position], column, rtol=1e-5, atol=1e-7)
    jac = module.out_jacobian(p, x)
    assert isinstance(jac, list) and list(jac[0]) == ["w", "b"]
    np.testing.assert_allclose(jac[0]["w"], (1 - np.tanh(x @ p["w"]) ** 2)[:, None] * x, rtol=1e-10)
    np.testing.assert_allclose(jac[0]["b"], np.zeros(5), atol=0)
    assert jac[1]["b"] == 2.0 and np.allclose(jac[1]["w"], 0.0)
    jac = module.single_jacobian(p, x)
    assert list(jac) == ["w", "b"]
    np.testing.assert_allclose(jac["w"], (1 - np.tanh(x @ p["w"]) ** 2)[:, None] * x, rtol=1e-10)
    np.testing.assert_allclose(jac["b"], np.ones(5), rtol=1e-12)


@pytest.mark.parametrize("body, message", [
    ("act = np.tanh if s > 0.0 else np.sin\n    return np.sum(act(x))",
     "`np.tanh` chosen by a condition known only at run time cannot be resolved at build time"),
    ("xs = []\n    for i in range(len(x)):\n        xs.append(x[i])\n    return np.sum(np.stack(xs))",
     "a list made outside this loop or branch cannot be changed in it"),
    ("d = {'a': x}\n    return np.sum(d)", "a dict cannot be passed to a NumPy function"),
    ("d = {'a': x}\n    return np.sum(x * d)", "this operator does not apply to"),
    ("xs = [x, x]\n    return np.sum(xs * s)", "this operator does not apply to a list"),
    ("def g(v):\n        return g(v)\n    return np.sum(g(x))", "recursive call to `g` does not end at build time"),
])
def test_what_cannot_be_resolved_at_build_time_says_why(body, message):
    text = HEADER + f'''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    {body}
'''
    with pytest.raises(TranspileError) as info:
        load_source(text, "why.py")
    assert message in info.value.message, info.value.format()
    assert info.value.loc is not None and info.value.loc.path == "why.py"


def test_sizes_named_differently_are_checked_at_run_time():
    """`x: "f64[n,d]"` times a [3,2] matrix and `y: "f64[n,k]"` against [n,2]: equal sizes are checked where the
    program runs, gradients agree with autograd, and a mismatch is a clear error (never a broadcast)."""
    text = HEADER + '''
@kernel
def f(x: "f64[n,d]", W: "f64[3,2]", y: "f64[n,k]"):
    return np.sum((np.tanh(x @ W) - y) ** 2)

f_grad = grad(f, wrt=("x", "W", "y"))
'''
    module, oracle = load_source(text, "relations.py"), autograd_kernels(text)["f"]
    rng = np.random.default_rng(17)
    args = [rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))]
    assert np.isclose(module.f(*args), oracle(*args))
    for index, got in enumerate(module.f_grad(*args)):
        assert_trees_close(got, autograd_grad(oracle, index)(*args), what=f"argument {index}")
    with pytest.raises(ValueError, match="must be equal"):
        module.f(args[0], args[1], rng.normal(size=(4, 1)))  # NumPy would broadcast; the kernel refuses


def test_dict_keys_that_spell_the_same_words_get_distinct_leaf_names():
    """`"init cells"` and `"init hiddens"` (and keys that sanitize alike, `"a b"`/`"a-b"`) are distinct leaves."""
    text = HEADER + '''
@kernel
def f(p: "{'init cells': f64[n], 'init hiddens': f64[n], 'a b': f64[], 'a-b': f64[]}", p_a_b: "f64[]"):
    return np.sum(p["init cells"] * 2.0 + p["init hiddens"]) * p["a b"] + p["a-b"] * p_a_b

f_grad = grad(f)
'''
    module, oracle = load_source(text, "keys.py"), autograd_kernels(text)["f"]
    rng = np.random.default_rng(18)
    p = {"init cells": rng.normal(size=3), "init hiddens": rng.normal(size=3), "a b": 0.7, "a-b": -1.3}
    assert np.isclose(module.f(p, 0.4), oracle(p, 0.4))
    assert_trees_close(module.f_grad(p, 0.4), autograd_grad(oracle)(p, 0.4), what="grad")


def test_update_through_a_view_nothing_else_sees_goes_to_a_copy():
    """`y = np.reshape(t, ...)` of a temporary, then `y += ...`: Python changes t's memory, which nothing else can
    see; the generated code updates a copy, and the reverse sweep still reads the temporary's old values."""
    text = HEADER + '''
def shaped(v):
    t = np.exp(v)
    return np.reshape(t, (2, 3))

@kernel
def f(x: "f64[6]", w: "f64[2,3]"):
    y = shaped(x)
    y *= w
    y += 1.0
    return np.sum(y ** 2)

f_grad = grad(f, wrt=("x", "w"))
'''
    module, oracle = load_source(text, "private_view.py"), autograd_kernels(desugar(text))["f"]
    rng = np.random.default_rng(19)
    x, w = rng.normal(size=6) * 0.5, rng.normal(size=(2, 3))
    assert np.isclose(module.f(x, w), oracle(x, w))
    for index, got in enumerate(module.f_grad(x, w)):
        assert_trees_close(got, autograd_grad(oracle, index)(x, w), what=f"argument {index}")


def test_update_through_a_reshape_of_an_array_still_held_reaches_it_or_is_refused():
    """`np.exp(x)` of a 1-D `x` is a new contiguous array: its reshape is a view, `y += 1.0` changes `t` too. Of
    a 2-D parameter it is laid out as the caller's array is (np.exp keeps the layout): maybe a copy, refused."""
    text = HEADER + '''
@kernel
def f(x: "f64[6]"):
    t = np.exp(x)
    y = np.reshape(t, (2, 3))
    y += 1.0
    return np.sum(y) + np.sum(t)
'''
    module, python = load_source(text, "held_view.py"), {}
    exec(text, python)
    x = np.linspace(-1.0, 1.0, 6)
    assert np.isclose(module.f(x), python["f"](x))
    with pytest.raises(TranspileError, match="is a reshape"):
        load_source(text.replace("f64[6]", "f64[2,3]"), "held_view.py")


def desugar(text: str) -> str:
    """`a *= b` as `a = a * (b)` for autograd, which cannot update a traced array in place (same values here)."""
    import re

    return re.sub(r"^( *)(\w+) ([-+*])= (.*)$", r"\1\2 = \2 \3 (\4)", text, flags=re.MULTILINE)


@pytest.mark.parametrize("call", ["simulate(x)", "simulate(x, ax=[])", "simulate(x, ax='')", "simulate(x, 0)"])
def test_truth_of_build_time_values_decides_an_if(call):
    """`if ax:` on a default None (autograd's fluidsim `simulate(..., ax=None)`), an empty list or string, a zero:
    Python's truth, decided at build time; the plotting branch is never lowered."""
    text = HEADER + f'''
def plot(ax, v):
    ax.matshow(v)


def simulate(v, ax=None, scale=2.0):
    if ax:
        plot(ax, v)
    if scale:
        v = v * scale
    return v


@kernel
def f(x: "f64[3]"):
    return np.sum(np.sin({call}))

f_grad = grad(f)
'''
    module, oracle = load_source(text, "truth.py"), autograd_kernels(text)["f"]
    x = np.array([0.1, 0.5, -0.7])
    assert np.isclose(module.f(x), oracle(x))
    assert_trees_close(module.f_grad(x), autograd_grad(oracle)(x), what="grad")
