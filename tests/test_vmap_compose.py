"""vmap composed with the derivative transforms, both ways and nested, against loops and autograd.

Per-example gradients (`vmap(grad(f))`) are checked against autograd run example by example; the other
compositions against a Python loop over the examples of the unbatched transform.
"""
from __future__ import annotations

import textwrap

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from vmap_oracle import assert_same, build, loop, run_quietly

HEADER = "import numpy as np\nfrom lifted import kernel, grad, jvp, vjp, vmap, custom_vjp, stop_gradient\n\n\n"

LOSSES = {
    "logistic": ('''
        @kernel
        def loss(w: "f64[d]", x: "f64[d]", y: "f64[]") -> "f64[]":
            p = 1.0 / (1.0 + np.exp(-(x @ w)))
            return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
        ''', lambda w, x, y: -(y * anp.log(1 / (1 + anp.exp(-(x @ w)))) +
                               (1 - y) * anp.log(1 - 1 / (1 + anp.exp(-(x @ w))))), (5,), lambda rng: rng.random() > 0.5),
    "mlp": ('''
        @kernel
        def loss(w: "f64[15]", x: "f64[15]", y: "f64[]") -> "f64[]":
            w1 = w[:12].reshape(4, 3)
            w2 = w[12:]
            h = np.tanh(x[:4] @ w1)
            return (h @ w2 - y) ** 2
        ''', lambda w, x, y: (anp.tanh(x[:4] @ anp.reshape(w[:12], (4, 3))) @ w[12:] - y) ** 2, (15,),
        lambda rng: rng.normal()),
    "branchy": ('''
        @kernel
        def loss(w: "f64[d]", x: "f64[d]", y: "f64[]") -> "f64[]":
            s = np.sum(w * x)
            total = 0.0
            i = 0
            while s > y and i < 20:
                s = s * 0.7 - 0.1
                total = total + s * s
                i += 1
            if total > 1.0:
                return np.log(total) + np.sum(w * w)
            return total - s
        ''', None, (5,), lambda rng: rng.normal()),
}


def _autograd_branchy(w, x, y):
    s = anp.sum(w * x)
    total = 0.0
    i = 0
    while s > y and i < 20:
        s = s * 0.7 - 0.1
        total = total + s * s
        i += 1
    if total > 1.0:
        return anp.log(total) + anp.sum(w * w)
    return total - s


def _data(name, batch=6, seed=0):
    rng = np.random.default_rng(seed)
    _, _, shape, label = LOSSES[name]
    w = rng.normal(size=shape) * 0.5
    x = rng.normal(size=(batch,) + shape)
    y = np.array([label(rng) for _ in range(batch)], dtype=float)
    return w, x, y


@pytest.mark.parametrize("name", list(LOSSES))
def test_per_example_gradients_match_autograd(name):
    source, oracle, _, _ = LOSSES[name]
    oracle = oracle or _autograd_branchy
    m = build(HEADER + textwrap.dedent(source) + "\nper_example = vmap(grad(loss), in_axes=(None, 0, 0))\n"
              "loss_grad = grad(loss)\n")
    w, x, y = _data(name)
    got = run_quietly(m.per_example, w, x, y)
    expected = np.stack([autograd.grad(oracle)(w, x[b], y[b]) for b in range(len(y))])
    assert_same(got, expected, rtol=1e-10, atol=1e-12)
    assert_same(got, loop(m.loss_grad, [w, x, y], (None, 0, 0)))


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_through_a_batched_call(name):
    """grad of a kernel that calls a vmapped kernel (grad(vmap(f)) summed): reverse mode through the batched
    code, masked branches and loops included."""
    source, oracle, _, _ = LOSSES[name]
    oracle = oracle or _autograd_branchy
    size = "15" if name == "mlp" else "d"
    m = build(HEADER + textwrap.dedent(source) + ('''
batched = vmap(loss, in_axes=(None, 0, 0))


@kernel
def total(w: "f64[{n}]", xs: "f64[b,{n}]", ys: "f64[b]") -> "f64[]":
    return np.sum(batched(w, xs, ys))


total_grad = grad(total)
''').replace("{n}", size))
    w, x, y = _data(name, seed=1)
    got = run_quietly(m.total_grad, w, x, y)
    expected = sum(autograd.grad(oracle)(w, x[b], y[b]) for b in range(len(y)))
    assert_same(got, expected, rtol=1e-10, atol=1e-12)


NESTED = HEADER + '''
@kernel
def f(x: "f64[n]", a: "f64[]") -> "f64[n]":
    y = np.sin(x) * a
    if np.sum(x) > 0.0:
        y = y * y
    return y


vmap_jvp = vmap(jvp(f), in_axes=(0, None, 0))
jvp_vmap = jvp(vmap(f, in_axes=(0, None)), wrt=(0, 1))
vjp_vmap = vjp(vmap(f, in_axes=(0, None)), wrt=(0, 1))
vmap_vjp = vmap(vjp(f, wrt=(0, 1)), in_axes=(0, None, 0))
vmap_vmap = vmap(vmap(f, in_axes=(0, None)), in_axes=(0, 0))
f_jvp = jvp(f)
f_vjp = vjp(f, wrt=(0, 1))
'''


def test_nested_compositions_match_loops():
    m = build(NESTED)
    rng = np.random.default_rng(3)
    x, t, a = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), 0.7
    assert_same(run_quietly(m.vmap_jvp, x, a, t), loop(m.f_jvp, [x, a, t], (0, None, 0)))
    ct = rng.normal(size=(5, 3))
    assert_same(run_quietly(m.vmap_vjp, x, a, ct), loop(m.f_vjp, [x, a, ct], (0, None, 0)))
    # jvp of the batched function: the tangent of every example at once
    value, tangent = run_quietly(m.jvp_vmap, x, a, t, 0.3)
    per_example = [m.f_jvp(x[b], a, t[b]) for b in range(5)]
    shifted = [m.jvp(m.f, wrt=1)(x[b], a, 0.3) if hasattr(m, "jvp") else None for b in range(0)]
    del shifted
    eps = 1e-6
    expected = np.stack([(m.f(x[b] + eps * t[b], a + eps * 0.3) - m.f(x[b] - eps * t[b], a - eps * 0.3)) / (2 * eps)
                         for b in range(5)])
    assert_same(value, np.stack([p[0] for p in per_example]))
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-8)
    # vjp of the batched function: the shared `a` gets the sum over examples
    value, (dx, da) = run_quietly(m.vjp_vmap, x, a, ct)
    per_example = [m.f_vjp(x[b], a, ct[b]) for b in range(5)]
    assert_same(dx, np.stack([p[1][0] for p in per_example]))
    np.testing.assert_allclose(da, sum(p[1][1] for p in per_example), rtol=1e-12)
    # vmap of vmap: a grid of examples
    xs, aa = rng.normal(size=(2, 4, 3)), rng.normal(size=2)
    got = run_quietly(m.vmap_vmap, xs, aa)
    expected = np.stack([np.stack([m.f(xs[i, j], aa[i]) for j in range(4)]) for i in range(2)])
    assert_same(got, expected)


CUSTOM = HEADER + '''
@kernel
def softplus(x: "f64[n]") -> "f64[n]":
    return np.log1p(np.exp(x))


@kernel
def softplus_vjp(x: "f64[n]", out: "f64[n]", g: "f64[n]"):
    return g / (1.0 + np.exp(-x))


custom_vjp(softplus, softplus_vjp)


@kernel
def loss(w: "f64[n]", x: "f64[n]") -> "f64[]":
    return np.sum(softplus(w * x) * stop_gradient(x))


batched = vmap(loss, in_axes=(None, 0))
per_example = vmap(grad(loss), in_axes=(None, 0))
loss_grad = grad(loss)


@kernel
def total(w: "f64[n]", xs: "f64[b,n]") -> "f64[]":
    return np.sum(batched(w, xs))


total_grad = grad(total)
'''


def test_custom_vjp_and_stop_gradient_batched():
    m = build(CUSTOM)
    rng = np.random.default_rng(4)
    w, xs = rng.normal(size=3), rng.normal(size=(6, 3))
    assert_same(m.batched(w, xs), loop(m.loss, [w, xs], (None, 0)))
    assert_same(m.per_example(w, xs), loop(m.loss_grad, [w, xs], (None, 0)))
    assert_same(m.total_grad(w, xs), sum(m.loss_grad(w, xs[b]) for b in range(6)), rtol=1e-12)


def test_vmap_on_the_fly(tmp_path, monkeypatch):
    """`lifted.vmap(f, ...)` called on un-transpiled source transpiles and caches, like the other transforms."""
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "onthefly_vmap.py"
    source.write_text(HEADER + textwrap.dedent(LOSSES["logistic"][0]))
    import importlib.util

    spec = importlib.util.spec_from_file_location("onthefly_vmap", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import lifted

    w, x, y = _data("logistic")
    per_example = lifted.vmap(lifted.grad(module.loss), in_axes=(None, 0, 0))
    expected = np.stack([autograd.grad(LOSSES["logistic"][1])(w, x[b], y[b]) for b in range(len(y))])
    assert_same(per_example(w, x, y), expected, rtol=1e-10)
    batched = lifted.vmap(module.loss, in_axes=(None, 0, 0))
    assert_same(batched(w, x, y), np.array([module.loss(w, x[b], y[b]) for b in range(len(y))]))
    assert "in_axes=(None, 0, 0)" in repr(batched)


def test_vmap_of_vmap_with_indices_that_differ_per_example():
    m = build(HEADER + '''
@kernel
def f(x: "f64[n,d]", i: "i64[]", v: "f64[d]") -> "f64[n,d]":
    row = x[i] * 2.0
    x[i] = v + row
    x[0, i % 2] += 1.0
    return x


grid = vmap(vmap(f, in_axes=(None, 0, 0)), in_axes=(0, 0, None))
''')
    rng = np.random.default_rng(5)
    x, i, v = rng.normal(size=(2, 3, 4)), rng.integers(-3, 3, size=(2, 5)), rng.normal(size=(5, 4))
    expected = np.stack([np.stack([m.f(x[a], i[a, b], v[b]) for b in range(5)]) for a in range(2)])
    assert_same(m.grid(x, i, v), expected)


def test_per_example_gradients_through_gathers_that_differ_per_example():
    """The reverse sweep of `x[idx]` accumulates with np.add.at; batched, each example's row of it."""
    m = build(HEADER + '''
@kernel
def f(x: "f64[n,d]", idx: "i64[k]", j: "i64[]") -> "f64[]":
    return np.sum(np.sin(x[idx]) * x[j]) + np.sum(x[:, idx] ** 2)


f_grad = grad(f)
per_example = vmap(grad(f), in_axes=(0, 0, 0))
shared_x = vmap(grad(f), in_axes=(None, 0, 0))
''')
    rng = np.random.default_rng(6)
    x, idx, j = rng.normal(size=(4, 3, 3)), rng.integers(0, 3, size=(4, 5)), rng.integers(-3, 3, size=4)
    assert_same(m.per_example(x, idx, j), loop(m.f_grad, [x, idx, j], (0, 0, 0)))
    assert_same(m.shared_x(x[0], idx, j), loop(m.f_grad, [x[0], idx, j], (None, 0, 0)))


MASKED = HEADER + '''
@kernel
def loss(w: "f64[d]", x: "f64[d]", m: "bool[d]") -> "f64[]":
    z = w * x
    z[m] = np.tanh(z[m]) * 2.0
    z[m] += w[m]
    return np.sum(z ** 2) + np.sum(np.log(1.0 + w[m] ** 2) * x[m])


per_example = vmap(grad(loss), in_axes=(None, 0, 0))
per_example_x = vmap(grad(loss, wrt="x"), in_axes=(0, 0, 0))
loss_grad = grad(loss)
'''


def _masked_oracle(w, x, m):
    z = w * x
    z = anp.where(m, anp.tanh(z) * 2.0 + w, z)
    return anp.sum(z ** 2) + anp.sum(anp.where(m, anp.log(1.0 + w ** 2) * x, 0.0))


def test_per_example_gradients_through_a_per_example_mask_match_autograd():
    """A mask that differs between examples, read, written and reduced: per-example gradients by autograd
    (where the mask selects nothing, too)."""
    m = build(MASKED)
    rng = np.random.default_rng(3)
    w, x = rng.normal(size=5), rng.normal(size=(6, 5))
    mask = rng.random((6, 5)) < 0.5
    mask[0] = False
    got = run_quietly(m.per_example, w, x, mask)
    expected = np.stack([autograd.grad(_masked_oracle)(w, x[b], mask[b]) for b in range(6)])
    assert_same(got, expected, rtol=1e-10, atol=1e-12)
    assert_same(got, loop(m.loss_grad, [w, x, mask], (None, 0, 0)))
    ws = rng.normal(size=(6, 5))
    got_x = run_quietly(m.per_example_x, ws, x, mask)
    expected_x = np.stack([autograd.grad(_masked_oracle, 1)(ws[b], x[b], mask[b]) for b in range(6)])
    assert_same(got_x, expected_x, rtol=1e-10, atol=1e-12)


SCALED = HEADER + '''
@kernel
def f(s: "f64[]", x: "f64[d]", m: "bool[d]") -> "f64[]":
    return np.sum(np.sin(x[m] * s)) + np.sum(x[m]) * s


by_s = vmap(grad(f), in_axes=(None, 0, 0))
by_x = vmap(grad(f, wrt="x"), in_axes=(0, 0, 0))
'''


def _scaled_oracle(s, x, m):
    return anp.sum(anp.where(m, anp.sin(x * s), 0.0)) + anp.sum(anp.where(m, x, 0.0)) * s


@pytest.mark.parametrize("batch", [5, 4])  # 4: the batch size equals the vector's length
def test_per_example_gradients_of_masked_sums_with_a_per_example_scale(batch):
    m = build(SCALED)
    rng = np.random.default_rng(4)
    s, x, mask = rng.normal(size=batch), rng.normal(size=(batch, 4)), rng.random((batch, 4)) < 0.5
    mask[0] = False
    assert_same(run_quietly(m.by_s, 0.7, x, mask),
                np.array([autograd.grad(_scaled_oracle)(0.7, x[b], mask[b]) for b in range(batch)]), rtol=1e-10)
    assert_same(run_quietly(m.by_x, s, x, mask),
                np.stack([autograd.grad(_scaled_oracle, 1)(s[b], x[b], mask[b]) for b in range(batch)]), rtol=1e-10)
