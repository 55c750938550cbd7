"""Argument checks of tree parameters (templates/module_body.py.j2: `_tree_specs`, `_tree_leaves`): every leaf is
checked at entry as a plain parameter is (type, exact dtype, rank, sizes shared with the other parameters), named
as the caller writes it (`params[0][1]`, `p['w']`), and a wrong structure (a list of another length, a missing
key, a number where a tuple is) is a TypeError naming where, before the generated code unpacks anything. On the
NumPy backend and the C CPU target, for the kernel and each transform (grad, jvp's tangent trees, vjp's cotangent
trees, vmap with an in_axes prefix, hessian).

Why: before, a function with a tree parameter had no argument check at all: a float32 leaf ran in float32
(where the annotation says float64), and a leaf of the wrong shape surfaced as NumPy's or the C runtime's own error.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source

SOURCE = '''import numpy as np
from lifted import grad, hessian, jvp, kernel, vjp, vmap


@kernel
def loss(params: "[(f64[d,h], f64[h])]", x: "f64[n,d]", s: "f64[]"):
    for W, b in params:
        x = np.tanh(x @ W + b)
    return np.sum(x) * s


@kernel
def parts(p: "{'w': f64[d], 'b': f64[], 'layers': [f64[h], f64[h]]}", x: "f64[d]"):
    return {"lin": p["w"] * x + p["b"], "inner": np.sum(p["layers"][0] * p["layers"][1])}


@kernel
def total(p: "{'w': f64[d], 'b': f64[], 'layers': [f64[h], f64[h]]}", x: "f64[d]"):
    return np.sum(p["w"] * x) + p["b"] + np.sum(p["layers"][0] * p["layers"][1])


loss_grad = grad(loss)
loss_jvp = jvp(loss)
parts_vjp = vjp(parts)
total_hessian = hessian(total)
total_batched = vmap(total, in_axes=({"w": None, "b": 0, "layers": None}, 0))
'''

RNG = np.random.default_rng(0)
W, B, X, S = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=(2, 3)), np.float64(0.5)
P = {"w": RNG.normal(size=3), "b": np.float64(0.25), "layers": [RNG.normal(size=2), RNG.normal(size=2)]}
CT = {"lin": np.ones(3), "inner": np.float64(1.0)}


def _with(tree: dict, **changes) -> dict:
    return {**tree, **changes}


# (function, arguments, the message's start after "name(): ")
WRONG = {
    "a float32 leaf": ("loss", ([(W, B.astype(np.float32))], X, S),
                       "argument `params[0][1]` has dtype float32, but its annotation \"f64[h]\" asks for float64; "
                       "pass params[0][1].astype(np.float64)"),
    "an int64 leaf, through grad": ("loss_grad", ([(W.astype(np.int64), B)], X, S),
                                    "argument `params[0][0]` has dtype int64"),
    "a leaf of another size": ("loss", ([(W, B[:3])], X, S), "argument `params[0][1]` has shape (3,), but its "
                               "annotation \"f64[h]\" asks for h = 4 on axis 0"),
    "a size shared with a plain parameter": ("loss", ([(W, B)], X[:, :2], S), "argument `x` has shape (2, 2)"),
    "a leaf of another rank": ("loss", ([(W, B[None])], X, S), "argument `params[0][1]` has shape (1, 4)"),
    "a list of another length": ("loss", ([(W, B), (W, B)], X, S), "argument `params` is a list of length 2, but "
                                 "the annotation \"[(f64[d,h], f64[h])]\" asks for a list of length 1 there"),
    "a tuple of another length": ("loss", ([(W,)], X, S), "argument `params[0]` is a tuple of length 1"),
    "an array where the list is": ("loss", (W, X, S), "argument `params` is of type ndarray"),
    "a missing key": ("total", ({"w": P["w"], "layers": P["layers"]}, X[0]), "argument `p` has no key 'b'"),
    "a number where a list is": ("total_hessian", (_with(P, layers=5), X[0]), "argument `p['layers']` is of type "
                                 "int"),
    "a float32 tangent leaf": ("loss_jvp", ([(W, B)], X, S, [(W, B.astype(np.float32))]),
                               "argument `tparams[0][1]` has dtype float32"),
    "a float32 cotangent leaf": ("parts_vjp", (P, X[0], _with(CT, inner=np.float32(1.0))),
                                 "argument `ct['inner']` has dtype float32"),
    "a cotangent of another size": ("parts_vjp", (P, X[0], _with(CT, lin=np.ones(4))),
                                    "argument `ct['lin']` has shape (4,)"),
    "a batched leaf of another batch size": ("total_batched", (_with(P, b=np.ones(4)), RNG.normal(size=(3, 3))),
                                             "argument `x` has shape (3, 3), but its annotation \"f64[B,d]\" asks "
                                             "for B = 4"),
    "a leaf a vmap prefix shares, batched": ("total_batched", (_with(P, w=np.ones((3, 3))), RNG.normal(size=(3, 3))),
                                             "argument `p['w']` has shape (3, 3)"),
}


@pytest.fixture(scope="module", params=["numpy", "c"])
def module(request, tmp_path_factory):
    if request.param == "numpy":
        return load_source(SOURCE, "trees_case.py")
    from test_c_backend import c_module

    return c_module(SOURCE, tmp_path_factory.mktemp("trees"), "trees_case")[0]


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_wrong_leaf_or_structure_is_the_argument_checks_type_error(module, case):
    name, args, message = WRONG[case]
    with pytest.raises(TypeError) as info:
        getattr(module, name)(*args)
    assert str(info.value).startswith(f"{name}(): {message}"), str(info.value)


def test_right_trees_pass_and_repeat_calls_reuse_the_passed_signature(module):
    value = module.loss([(W, B)], X, S)
    assert np.isclose(value, np.sum(np.tanh(X @ W + B)) * S)
    module.loss_grad([(W, B)], X, S)
    module.loss_jvp([(W, B)], X, S, [(W, B)])
    module.parts_vjp(P, X[0], CT)
    module.total_hessian(P, X[0])
    module.total_batched(_with(P, b=np.ones(3)), RNG.normal(size=(3, 3)))
    module.loss(((W, B),), X, 0.5)  # a tuple for the list (the code unpacks either) and a Python float
    module.total(_with(P, extra=1), X[0])  # a key the kernel does not read, as Python ignores it
    remembered = len(module._ARGS_PASSED)
    for _ in range(3):
        module.loss([(W, B)], X, S)
        module.total(P, X[0])
    assert len(module._ARGS_PASSED) == remembered


def test_the_check_is_off_where_the_module_was_built_without_it():
    from lifted.transpiler.pipeline import Options, transpile_source

    text = transpile_source(SOURCE, "trees_case.py", Options(check_args=False))
    assert "_check_args" not in text and "_tree_leaves" not in text
