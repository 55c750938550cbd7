"""`np.searchsorted` (and `np.digitize`), `np.isin` and `np.bincount` are NumPy's own calls in generated code.

Their values, dtypes, errors and derivatives against NumPy, central differences and autograd are
tests/test_order_statistics.py's. Here: sizes at which a composition of comparisons would hold an element-by-bin
table (a `bincount` of two million values up to two million is 4 * 10**12 entries; the call is one pass; `np.interp`
finds its intervals through the same searchsorted), and vmap
over each argument against a loop over examples, bit for bit: the batched sorted array and test set fall back to
comparisons per example, batched weights go through one call.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n\n"

PROGRAMS = '''@kernel
def counts(x: "i64[n]", w: "f64[n]"):
    return np.bincount(x), np.bincount(x, w, minlength=5), np.bincount(x, weights=w * w)


@kernel
def searches(a: "f64[k]", v: "f64[n]"):
    return np.searchsorted(a, v), np.searchsorted(a, v, side="right"), np.digitize(v, a)


@kernel
def tests(x: "f64[n]", t: "f64[k]"):
    return np.isin(x, t), np.isin(x, t, invert=True)


@kernel
def interpolated(x: "f64[n]", xp: "f64[k]", fp: "f64[k]"):
    return np.interp(x, xp, fp), np.interp(x, xp, fp, left=-1.0, right=np.nan)


@kernel
def spread(w: "f64[n]", x: "i64[n]"):
    return np.sum(np.sin(np.bincount(x, w, minlength=3)))


counts_v = vmap(counts, in_axes=(None, 0))
searches_v = vmap(searches)
searches_a = vmap(searches, in_axes=(0, None))
searches_values = vmap(searches, in_axes=(None, 0))
tests_v = vmap(tests)
tests_t = vmap(tests, in_axes=(None, 0))
tests_x = vmap(tests, in_axes=(0, None))
spread_grad = grad(spread)
spread_grad_v = vmap(grad(spread), in_axes=(0, None))
'''


@pytest.fixture(scope="module")
def module():
    return load_source(HEAD + PROGRAMS, "counting_programs.py")


def _python():
    namespace: dict = {}
    exec(compile(HEAD.replace("from lifted import grad, kernel, vmap", "") + "kernel = vmap = grad = lambda f, **k: f\n"
                 + PROGRAMS.split("\n\ncounts_v")[0], "python_reference", "exec"), namespace)
    return namespace


def _same(got, expected) -> None:
    for g, e in zip(got, expected):
        assert np.asarray(g).dtype == np.asarray(e).dtype
        assert np.asarray(g).shape == np.asarray(e).shape
        assert np.asarray(g).tobytes() == np.asarray(e).tobytes()


def test_sizes_a_table_of_elements_by_bins_would_not_fit(module):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2_000_000, size=2_000_000)
    w = rng.normal(size=x.size)
    _same(module.counts(x, w), _python()["counts"](x, w))
    a, v = np.sort(rng.normal(size=200_000)), rng.normal(size=1_000_000)
    _same(module.searches(a, v), _python()["searches"](a, v))
    t = rng.normal(size=300_000)
    x = np.concatenate([t[::7], rng.normal(size=300_000)])
    _same(module.tests(x, t), _python()["tests"](x, t))
    xp, fp = np.sort(rng.normal(size=100_000)), rng.normal(size=100_000)
    x = np.concatenate([rng.normal(size=1_000_000) * 5, xp[::1000], [np.nan, np.inf, -np.inf]])
    _same(module.interpolated(x, xp, fp), _python()["interpolated"](x, xp, fp))


def _loop(fn, axes, args):
    size = next(len(a) for a, axis in zip(args, axes) if axis == 0)
    if size == 0:  # the shapes and dtypes of one example, none of them
        (one,) = _loop(fn, axes, [np.zeros((1,) + a.shape[1:], a.dtype) if axis == 0 else a
                                  for a, axis in zip(args, axes)]),
        return [np.empty((0,) + r.shape[1:], r.dtype) for r in one]
    rows = [fn(*[a[k] if axis == 0 else a for a, axis in zip(args, axes)]) for k in range(size)]
    return [np.stack(column) for column in zip(*rows)]


@pytest.mark.parametrize("size", [0, 1, 4])
def test_vmap_over_each_argument_is_the_loop_bit_for_bit(module, size):
    python = _python()
    rng = np.random.default_rng(size)
    x, w = rng.integers(0, 6, size=7), rng.normal(size=(size, 7))
    _same(module.counts_v(x, w), _loop(python["counts"], (None, 0), [x, w]))
    a = np.sort(rng.normal(size=(size, 5)), axis=1)
    a[:, 4] = np.nan  # NaN sorts last
    v = np.concatenate([rng.normal(size=(size, 5)), a[:, 1:3], np.full((size, 1), np.nan)], axis=1)
    _same(module.searches_v(a, v), _loop(python["searches"], (0, 0), [a, v]))
    one_v = v[0] if size else np.zeros(8)
    _same(module.searches_a(a, one_v), _loop(python["searches"], (0, None), [a, one_v]))
    _same(module.searches_values(a[0] if size else np.zeros(5), v),
          _loop(python["searches"], (None, 0), [a[0] if size else np.zeros(5), v]))
    t = np.round(rng.normal(size=(size, 4)), 1)
    xs = np.concatenate([t[:, ::-2], np.round(rng.normal(size=(size, 6)), 1), np.full((size, 1), -0.0)], axis=1)
    _same(module.tests_v(xs, t), _loop(python["tests"], (0, 0), [xs, t]))
    one_x = xs[0] if size else np.zeros(9)
    _same(module.tests_t(one_x, t), _loop(python["tests"], (None, 0), [one_x, t]))
    one_t = t[0] if size else np.zeros(4)
    _same(module.tests_x(xs, one_t), _loop(python["tests"], (0, None), [xs, one_t]))


def test_vmap_of_the_weights_gradient_is_the_loop(module):
    rng = np.random.default_rng(5)
    w, x = rng.normal(size=(3, 6)), np.array([2, 0, 2, 4, 2, 1])
    expected = np.stack([module.spread_grad(w[k], x) for k in range(3)])
    got = module.spread_grad_v(w, x)
    assert got.tobytes() == expected.tobytes()
    # the gradient in w is cos(bins)[x]: checked against the formula, and against central differences
    bins = np.bincount(x, w[1], minlength=3)
    np.testing.assert_allclose(got[1], np.cos(bins)[x], rtol=1e-15)
    step = 1e-6
    differences = [(np.sum(np.sin(np.bincount(x, w[1] + step * e, minlength=3)))
                    - np.sum(np.sin(np.bincount(x, w[1] - step * e, minlength=3)))) / (2 * step) for e in np.eye(6)]
    np.testing.assert_allclose(got[1], differences, rtol=1e-7, atol=1e-8)


def test_a_batched_x_of_bincount_is_refused_with_its_place(tmp_path):
    from lifted.transpiler import TranspileError, transpile_source

    source = HEAD + '@kernel\ndef counts(x: "i64[n]"):\n    return np.bincount(x)\n\n\ncounts_v = vmap(counts)\n'
    with pytest.raises(TranspileError, match="differs between examples") as raised:
        transpile_source(source, "batched_counts.py")
    assert str(raised.value).startswith("batched_counts.py:7:")  # the line of np.bincount


def test_the_c_target_calls_numpy_on_the_host(tmp_path):
    m, _ = c_module(HEAD + PROGRAMS.split("\n\ncounts_v")[0], tmp_path)
    rng = np.random.default_rng(9)
    x, w = rng.integers(0, 50, size=40), rng.normal(size=40)
    _same(m.counts(x, w), _python()["counts"](x, w))
    a, v = np.sort(rng.normal(size=30)), rng.normal(size=20)
    _same(m.searches(a, v), _python()["searches"](a, v))
    _same(m.tests(np.round(v, 1), np.round(a, 1)), _python()["tests"](np.round(v, 1), np.round(a, 1)))
