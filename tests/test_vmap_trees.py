"""vmap of kernels with tree parameters and results (lists, tuples, dicts of arrays), against a loop.

`in_axes` gives each parameter an axis for all its leaves, or a prefix of its structure as JAX takes it (a tuple or
list for a list or tuple, a dict for a dict); `out_axes` likewise for the result. Per-example gradients of a loss
with tree parameters are checked against autograd run example by example.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from lifted.transpiler import TranspileError, transpile_source
from vmap_oracle import assert_same, build, run_quietly

SOURCE = '''import numpy as np
from lifted import grad, kernel, vmap


@kernel
def mlp(params: "[(f64[d,h], f64[h]), (f64[h,k], f64[k])]", x: "f64[d]"):
    for W, b in params:
        out = x @ W + b
        x = np.tanh(out)
    return out


@kernel
def loss(params: "[(f64[d,h], f64[h]), (f64[h,k], f64[k])]", x: "f64[d]", y: "f64[k]"):
    return np.sum((mlp(params, x) - y) ** 2)


@kernel
def scores(p: "{'w': f64[d], 'b': f64[]}", x: "f64[d]"):
    z = x @ p["w"] + p["b"]
    return {"z": z, "pair": (2.0 * z, x * p["b"])}


over_inputs = vmap(mlp, in_axes=(None, 0))
ensemble = vmap(mlp, in_axes=([(0, 0), (0, None)], None))
ensemble_on_inputs = vmap(mlp, in_axes=(0, 0))
per_example = vmap(grad(loss), in_axes=(None, 0, 0))
scores_batched = vmap(scores, in_axes=({"w": None, "b": 0}, 0), out_axes={"z": 0, "pair": (0, 1)})
twice = vmap(vmap(mlp, in_axes=(None, 0)), in_axes=(None, 0))
'''

B, D, H, K = 4, 3, 5, 2


def _params(rng, batched=()):
    shapes = [[(D, H), (H,)], [(H, K), (K,)]]
    return [tuple(rng.normal(size=((B,) if (i, j) in batched else ()) + shape) for j, shape in enumerate(layer))
            for i, layer in enumerate(shapes)]


def _take(params, batched, b):
    return [tuple(leaf[b] if (i, j) in batched else leaf for j, leaf in enumerate(layer))
            for i, layer in enumerate(params)]


@pytest.fixture(scope="module")
def m():
    return build(SOURCE, "vmap_trees")


def test_a_tree_shared_by_every_example(m):
    rng = np.random.default_rng(0)
    params, x = _params(rng), rng.normal(size=(B, D))
    assert_same(run_quietly(m.over_inputs, params, x), np.stack([m.mlp(params, x[b]) for b in range(B)]))


def test_a_tree_prefix_batches_some_leaves(m):
    rng = np.random.default_rng(1)
    batched = {(0, 0), (0, 1), (1, 0)}
    params, x = _params(rng, batched), rng.normal(size=D)
    expected = np.stack([m.mlp(_take(params, batched, b), x) for b in range(B)])
    assert_same(run_quietly(m.ensemble, params, x), expected)
    every = {(0, 0), (0, 1), (1, 0), (1, 1)}
    params, xs = _params(rng, every), rng.normal(size=(B, D))
    expected = np.stack([m.mlp(_take(params, every, b), xs[b]) for b in range(B)])
    assert_same(run_quietly(m.ensemble_on_inputs, params, xs), expected)
    shared, grid = _params(rng), rng.normal(size=(2, B, D))
    assert_same(run_quietly(m.twice, shared, grid), np.stack([m.over_inputs(shared, grid[i]) for i in range(2)]))


def test_dict_prefixes_for_parameters_and_results(m):
    rng = np.random.default_rng(2)
    p, x = {"w": rng.normal(size=D), "b": rng.normal(size=B)}, rng.normal(size=(B, D))
    got = run_quietly(m.scores_batched, p, x)
    each = [m.scores({"w": p["w"], "b": p["b"][b]}, x[b]) for b in range(B)]
    assert set(got) == {"z", "pair"}
    assert_same(got["z"], np.stack([e["z"] for e in each]))
    assert_same(got["pair"][0], np.stack([e["pair"][0] for e in each]))
    assert_same(got["pair"][1], np.stack([e["pair"][1] for e in each], axis=1))


def _autograd_loss(params, x, y):
    for W, b in params:
        out = x @ W + b
        x = anp.tanh(out)
    return anp.sum((out - y) ** 2)


def test_per_example_gradients_of_tree_parameters_match_autograd(m):
    rng = np.random.default_rng(3)
    params, x, y = _params(rng), rng.normal(size=(B, D)), rng.normal(size=(B, K))
    got = run_quietly(m.per_example, params, x, y)
    for b in range(B):
        expected = autograd.grad(_autograd_loss)(params, x[b], y[b])
        for layer, expected_layer in zip(got, expected):
            for leaf, expected_leaf in zip(layer, expected_layer):
                np.testing.assert_allclose(leaf[b], expected_leaf, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("decl, message", [
    ("vmap(mlp, in_axes=(0,))", "in_axes has 1 entries but `mlp` has 2 parameters"),
    ("vmap(mlp, in_axes=([0], 0))", "in_axes for `params` has 1 entries but `params` has 2 items"),
    ("vmap(mlp, in_axes=(None, (0, 0)))", "in_axes for `x` is tuple (0, 0), but `x` is one array"),
    ("vmap(scores, in_axes=({'w': 0}, 0))", "has the keys ['w'] but `p` has ['b', 'w']"),
    ("vmap(scores, in_axes=(None, 0), out_axes={'z': 0})", "out_axes for the result has the keys"),
], ids=["count", "prefix_length", "prefix_for_a_leaf", "dict_keys", "out_axes_keys"])
def test_in_axes_that_do_not_fit_the_tree_are_located_errors(decl, message):
    with pytest.raises(TranspileError) as info:
        transpile_source(SOURCE + f"\nrefused = {decl}\n", "trees.py")
    assert message in str(info.value)
    assert info.value.loc is not None and info.value.loc.line == SOURCE.count("\n") + 2


@pytest.mark.parametrize("decl, message", [
    ("vmap(mlp, in_axes=[None, 0])", "`in_axes` must be an axis, None, or a tuple"),
    ("vmap(loss_of_arrays, in_axes=([0], 0))", "in_axes for `w` is [0], but `w` is one array"),
    ("vmap(loss_of_arrays, out_axes={'a': 0})", "is a tree prefix, but the function does not return a tree"),
], ids=["top_level_list", "prefix_for_an_array", "out_axes_prefix_for_an_array"])
def test_tree_prefixes_where_there_is_no_tree_are_located_errors(decl, message):
    source = SOURCE + '\n\n@kernel\ndef loss_of_arrays(w: "f64[d]", x: "f64[d]"):\n    return np.sum(w * x)\n'
    with pytest.raises(TranspileError) as info:
        transpile_source(source + f"\nrefused = {decl}\n", "trees.py")
    assert message in str(info.value)
    assert info.value.loc is not None and info.value.loc.line == source.count("\n") + 2
