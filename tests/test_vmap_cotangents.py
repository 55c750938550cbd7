"""vmap of a gradient whose cotangent is summed back to a value's shape at run time (`_unbroadcast(g, np.shape(u))`,
where the annotations leave the broadcast open: `M + u` of an `f64[n,d]` and a `[3]`), reduced from
`python tests/scan_vmap_edges.py branches 3027 1` (and 3089).

The helper sums an array's leading axes, and under vmap the batch axis leads: each example's `[B,n,d]` cotangent
summed to `u`'s `[B,3]` summed the examples together (a bare broadcast ValueError, or, where the batch size equals
`n`, every example's gradient the batch's sum). The batching rule sums the example's own leading axes first. The
reference is the transpiled gradient of one example in a loop, central differences of Python's `f`, and autograd.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source

SOURCE = '''import numpy as np
from lifted import grad, kernel, vmap


@kernel
def f(x: "f64[n]", M: "f64[n,d]"):
    u = x[:3] * 0.5
    t = M + u
    return np.sum(t * t) + np.sum(np.sin(t) * M)


f_x = grad(f, wrt="x")
f_vx = vmap(f_x, in_axes=(0, None))
'''


@pytest.mark.parametrize("batch", [1, 2, 5])  # (5: the batch size equal to n)
def test_per_example_gradients_of_a_run_time_broadcast(batch):
    module = load_source(SOURCE, "cotangent_case.py")
    python: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), python)
    from autograd import grad as autograd_grad

    oracle = autograd_grad(autograd_kernels(SOURCE)["f"], 0)
    rng = np.random.default_rng(batch)
    xs, M = rng.normal(size=(batch, 5)), rng.normal(size=(5, 3))
    got = module.f_vx(xs, M)
    assert got.shape == xs.shape
    for k, x in enumerate(xs):
        assert_close(got[k], module.f_x(x, M), rtol=1e-12, atol=1e-12, what=f"example {k} vs f_x")
        assert_close(got[k], central_difference(lambda v: python["f"](v, M), [x.copy()], 0), rtol=1e-6, atol=1e-8,
                     what=f"example {k} vs differences")
        assert_close(got[k], oracle(x.copy(), M), rtol=1e-10, atol=1e-12, what=f"example {k} vs autograd")
