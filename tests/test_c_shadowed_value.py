"""A value read after its name was rebound, on the C target (twenty-first session, wing.py's `fv`): `mask =
np.zeros((12, 12)); mask[10:30, 10:30] = 1.0`, then `np.roll(mask, 1, axis=0)` after a host statement (with or
without vmap) gives the C backend one region with two outputs named `mask` (the zeros and the assigned array); the
roll's stencil repeated the assignment at the offset (stencils/align.py) from the zeros, read through the name
`mask`, whose C view holds the assigned array: the assigned rows counted twice (2.1016 where Python gives 1.3601).
The host bound both stored results to the one name; they now take names of their own (partition.py
`_distinct_names`). In wing.py's `fv` the same read also returned scratch memory ("a loop kernel returned
memory the runtime does not know")."""
from __future__ import annotations

import numpy as np

from gradcheck import load_source
from test_c_backend import c_module

SOURCE = '''import numpy as np
from lifted import kernel, vmap


def simulate(occlusion):
    occlusion = 0.5 * (np.tanh(occlusion) + 1.0)
    mask = np.zeros((12, 12))
    mask[10:30, 10:30] = 1.0
    occlusion = occlusion * mask
    print("step")
    return np.sum(occlusion * np.roll(mask, 1, axis=0))


@kernel
def f(p: "f64[144]"):
    return simulate(np.reshape(p, (12, 12)))


fv = vmap(f)
'''


def python_value(p: np.ndarray) -> float:
    occlusion = 0.5 * (np.tanh(np.reshape(p, (12, 12))) + 1.0)
    mask = np.zeros((12, 12))
    mask[10:30, 10:30] = 1.0
    occlusion = occlusion * mask
    return float(np.sum(occlusion * np.roll(mask, 1, axis=0)))


def test_the_numpy_backend_gives_pythons_value():
    x = np.random.default_rng(0).normal(size=(3, 144))
    np.testing.assert_allclose(load_source(SOURCE, "shadowed.py").fv(x), [python_value(r) for r in x], rtol=1e-12)


def test_the_c_target_gives_pythons_value_under_vmap(tmp_path):
    c_host, _ = c_module(SOURCE, tmp_path, "shadowed")
    x = np.random.default_rng(0).normal(size=(3, 144))
    np.testing.assert_allclose(c_host.fv(x), [python_value(r) for r in x], rtol=1e-12)


def test_f_without_vmap_on_the_c_target_too(tmp_path):
    c_host, _ = c_module(SOURCE, tmp_path, "shadowed_f")
    x = np.random.default_rng(0).normal(size=144)
    np.testing.assert_allclose(c_host.f(x), python_value(x), rtol=1e-12)
