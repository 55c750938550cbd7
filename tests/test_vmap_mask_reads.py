"""vmap of a read through a per-example mask that an update in place follows: `a[a > 0.5] *= e`, whose reverse
sweep reads the old `a[m]` after the write. NumPy's `a[m]` is a copy; vmap keeps the selection as `a` itself
(masks.py), so the write reached it and every per-example gradient of x[0] was wrong (reduced from `python
tests/scan_vmap_edges.py branches 3186 1`). The reference: the transpiled gradient of one example in a loop,
and central differences of Python's `f` (autograd cannot run an assignment into an array).
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, central_difference, load_source

SOURCE = '''import numpy as np
from lifted import grad, kernel, vmap


@kernel
def f(x: "f64[n]", M: "f64[n,d]"):
    a = M[:, 0] * np.cos(x[0])
    a[a > 0.5] *= np.exp(np.tanh(a[3]))
    return np.sum(a * x)


@kernel
def g(x: "f64[n]", M: "f64[n,d]"):
    a = M[:, 0] * np.cos(x[0])
    kept = a[a > 0.5] * 2.0
    a[a > 0.5] = 0.0
    return np.sum(kept) + np.sum(a * x)


f_x = grad(f, wrt="x")
f_vx = vmap(f_x, in_axes=(0, None))
g_v = vmap(g, in_axes=(0, None))
g_x = grad(g, wrt="x")
g_vx = vmap(g_x, in_axes=(0, None))
'''


@pytest.fixture(scope="module")
def module():
    return load_source(SOURCE, "mask_read_case.py")


@pytest.mark.parametrize("name", ["f", "g"])
def test_per_example_gradients(module, name):
    python: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), python)
    rng = np.random.default_rng(3)
    xs, M = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)) + 0.5
    got = getattr(module, f"{name}_vx")(xs, M)
    for k, x in enumerate(xs):
        assert_close(got[k], getattr(module, f"{name}_x")(x, M), rtol=1e-12, atol=1e-12, what=f"example {k} vs loop")
        assert_close(got[k], central_difference(lambda v: python[name](v, M), [x.copy()], 0), rtol=1e-6, atol=1e-8,
                     what=f"example {k} vs differences")


def test_values_of_a_selection_read_before_a_write(module):
    python: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), python)
    rng = np.random.default_rng(4)
    xs, M = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)) + 0.5
    assert_close(module.g_v(xs, M), np.array([python["g"](x, M) for x in xs]), rtol=1e-12, atol=1e-12)
