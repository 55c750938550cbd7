"""A side region (element work over a smaller index space, launched just before the region that broadcasts it) took
along a waiting host statement that read the side region's own value: `(c + b).astype(np.float32)` under vmap, where
`c + b` is per-example-free work of length n beside a (B, n) region. The host statement ran before the launch, read a
value nothing had made, and the kernel dropped it (UnboundLocalError: tests/test_property_dtypes.py seed 31013 on the
C target). Such a statement now keeps the side region from forming."""
from __future__ import annotations

import numpy as np

from gradcheck import load_source
from test_c_backend import c_module
from test_property_dtypes import _check

SOURCE = '''import numpy as np
from lifted import kernel, vmap


@kernel
def f(a: "f32[n]", b: "f64[n]", m: "bool[n]", s: "f32[]", c: "i64[]"):
    if np.sum(b) > 0:
        v0 = ((np.min((s + a)) + np.clip((m * 1), c, 3)) + np.tanh((c + b).astype(np.float32))).astype(np.float64)
    else:
        v0 = a.astype(np.float64)
    return v0


fv = vmap(f, in_axes=(0, None, None, None, None))
'''


def test_a_host_cast_of_side_work_runs_after_it(tmp_path):
    c_host, _ = c_module(SOURCE, tmp_path, "side_region")
    numpy_module = load_source(SOURCE, "side_region.py")
    rng = np.random.default_rng(5)
    a = rng.normal(size=(3, 6)).astype(np.float32)
    arguments = (a, np.abs(rng.normal(size=6)), rng.normal(size=6) > 0, np.float32(0.25), np.int64(1))
    expected = numpy_module.fv(*arguments)
    got = c_host.fv(*arguments)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_the_generated_program_that_found_it(tmp_path):
    assert _check(31013, c=True, folder=tmp_path, later=False)["c"] == "checked"
