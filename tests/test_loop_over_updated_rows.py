"""A `for row in M` loop whose body updates `M` in place and never reads `row` (semantics generator, seed 5229).

The body's update copies the parameter `M` first, once, before the loop, and the loop is lowered again over the
copy. The first lowering's loop body had left its names as the function frame's (`row = M[i]` of that lowering's
index among them), so the copy renewed that row from the copy before the loop, reading an index defined nowhere:
every function of the module raised UnboundLocalError (`row_index`). A nested block's names stop being the frame's
when it ends (normalize/lower.py `lower_block`). Judged against Python: the value on the NumPy backend and the C
target, the gradient against central differences (and autograd where it runs the source), vmap against a loop.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from test_c_backend import c_module

HEAD = 'import numpy as np\nfrom lifted import grad, kernel, vmap\n\n\n@kernel\ndef f(x: "f64[n]", M: "f64[n,d]"):\n'
BODIES = [
    "    acc = 1.0\n    for row in M:\n        M += 1.0\n        acc = acc + 1.0\n    return acc + np.mean(M * x[:, None])\n",
    "    for row in M:\n        M *= 0.5\n    return np.sum(np.sin(M) * x[:, None])\n",
    # (seed 5229's: a second name, a nested loop over the rows writing them, an update reading the array itself)
    "    b = M\n    acc = 1.0\n    for row in M:\n        for r in b:\n            r[1:] = r[:-1] * 0.25\n"
    "            b += np.sin(M)\n        acc = np.tanh(acc)\n    return acc + np.sum(b * x[:, None])\n",
]
ARGS = [np.array([0.3, -0.7, 1.1, 0.4]), np.random.default_rng(3).uniform(-1.0, 1.0, (4, 3))]


def python_f(source: str):
    namespace: dict = {}
    exec(compile(source.replace("from lifted import grad, kernel, vmap", "kernel = vmap = lambda f, **k: f"), "reference",
                 "exec"), namespace)
    return namespace["f"]


@pytest.mark.parametrize("body", BODIES, ids=["update", "scale", "seed5229"])
def test_value_and_gradients_against_python(body):
    for wrt in (0, 1):
        check_against_python(HEAD + body + f"\n\ng = grad(f, wrt={wrt})\n", ARGS, wrt=wrt)


@pytest.mark.parametrize("body", BODIES, ids=["update", "scale", "seed5229"])
def test_the_c_target_and_vmap_against_python(body, tmp_path):
    source = HEAD + body + "\n\nfv = vmap(f, in_axes=(0, None))\n"
    reference = python_f(source)
    expected = reference(*[a.copy() for a in ARGS])
    c_host, _ = c_module(source, tmp_path, "updated_rows")
    np.testing.assert_allclose(c_host.f(*[a.copy() for a in ARGS]), expected, rtol=1e-12, atol=1e-12)
    xs = np.random.default_rng(5).uniform(-1.0, 1.0, (3, 4))
    batched = load_source(source, "updated_rows_vmap.py").fv(xs, ARGS[1].copy())
    np.testing.assert_allclose(batched, [reference(x, ARGS[1].copy()) for x in xs], rtol=1e-12, atol=1e-12)
