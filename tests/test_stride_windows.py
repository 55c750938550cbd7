"""NumPy's window views and block reductions (transpiler/primitives/windows.py, frontend/stride_windows.py,
frontend/reduceat.py): `sliding_window_view`, the `as_strided` window idiom over a kernel's own array, `.strides`
where known, and `np.<ufunc>.reduceat`, rougier's exercises 75, 76, 84 and 87 (benchmarks/numpy_100). Each kernel
goes through the corpus drivers' checks: NumPy running the same source bit for bit, every transform against central
differences (and autograd where it runs the source), vmap against a loop, the C target."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_array_writes import _statements_module
from test_jax_numpy_api import all_forms_pass

SIGNATURE = 'x: "f64[5,4]", v: "f64[n]"'
WINDOW = "np.lib.stride_tricks.sliding_window_view"


def _inputs(count: int = 2) -> list[list]:
    rng = np.random.default_rng(75)
    return [[rng.normal(size=(5, 4)), rng.normal(size=7 + k)] for k in range(count)]


@pytest.mark.parametrize("lines", [
    f"w = {WINDOW}(v, 3); return w.mean(axis=-1) * v[1:-1]",
    f"return np.sin({WINDOW}(x, (2, 3)))",
    f"w = {WINDOW}(x, 2, axis=0); return w[::2, :, 1] * x[0]",
    f"w = {WINDOW}(x, window_shape=(3, 2), axis=(1, 0)); return w.sum(axis=(-2, -1))",
    f"return {WINDOW}(x, (2, 2))[::2, ::2, ...].sum(axis=(-2, -1))",
    f"w = {WINDOW}(v, 1); return w * w",
    # a tuple of Python ints among the results: its tangent is (None, None) (the drivers' check took it for WRONG)
    "z = x.copy(); return z * 2.0, z.strides, x.shape",
    f"a = v * 2.0; w = {WINDOW}(a, 2); a[0] = 7.0; return w * v[0]",  # a view: sees the update
    "return np.add.reduceat(x[0], [0, 2, 1, 3]) * 1.5",
    "return np.add.reduceat(x, [0, 2, 1, 4]) * 1.5, np.add.reduceat(x.T, [3, 0], axis=1)",
    "return np.multiply.reduceat(x, [0, 3, 1], axis=0), np.multiply.reduceat(x, np.arange(0, 4, 2), axis=1)",
    "return np.add.reduceat(np.add.reduceat(x, np.arange(0, 5, 2), axis=0), np.arange(0, 4, 2), axis=1)",
    "return np.multiply.reduceat(x[:, 1], np.arange(0, 5, 2)), np.add.reduceat(x.ravel(), [3, 17, 0, 19])",
    "return np.maximum.reduceat(x, np.array([3, 1, 1]), axis=1)",
    "return np.minimum.reduceat(x, [4, 0], axis=0).sum() + np.maximum.reduceat(x, [1], axis=-1)",
    "k = (x > 0).astype(np.int64); return np.add.reduceat(np.add.reduceat(k, np.arange(0, 5, 2), axis=0), "
    "np.arange(0, 4, 2), axis=1) * x[:3, :2]",
])
def test_windows_and_reduceat_are_numpys(lines):
    all_forms_pass(_statements_module(SIGNATURE, lines), ["x", "v"], _inputs())


def test_as_strided_windows_of_a_kernels_array():
    text = ("import numpy as np\nfrom numpy.lib import stride_tricks\nfrom lifted import kernel\n\n\n"
            "def rolling(a, window):\n    shape = (a.size - window + 1, window)\n"
            "    strides = (a.strides[0], a.strides[0])\n    return stride_tricks.as_strided(a, shape=shape, "
            "strides=strides)\n\n\n@kernel\ndef f(x: \"f64[5,4]\", v: \"f64[n]\"):\n    z = x.copy()\n"
            "    c = stride_tricks.as_strided(z, shape=(4, 2, 2, 3), strides=z.strides + z.strides)\n"
            "    a = np.arange(6).reshape(3, 2)\n    return rolling(np.arange(10), 3) * x[0, 1], c * z.strides[0], x[1] * a.strides[0]\n")
    all_forms_pass(text, ["x", "v"], _inputs())


def test_windows_on_the_c_target(tmp_path):
    text = _statements_module(SIGNATURE, f"w = {WINDOW}(x, (2, 3)); r = np.add.reduceat(x[0], [0, 3, 1]); "
                                         "return np.cos(w).sum(axis=(-1, -2)) * r[:2]")
    all_forms_pass(text, ["x", "v"], _inputs(1), c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("lines, word", [
    (f"w = {WINDOW}(v * 1.0, 2); w[0, 0] = 1.0; return w", "read-only"),
    (f"w = {WINDOW}(x, 6, axis=0); return w", "larger"),
    (f"w = {WINDOW}(x, 2); return w", "one window length per axis"),
    (f"w = {WINDOW}(x, (2, 2), axis=(0, 0)); return w", "twice"),
    (f"w = {WINDOW}(x, 2, axis=0, writeable=True); return w", "writeable"),
    ("return np.lib.stride_tricks.as_strided(x, (4, 2, 2, 3), x.strides + x.strides)", "layout"),
    ("z = x.copy(); return np.lib.stride_tricks.as_strided(z, (3, 4), (8, 8))", "not supported"),
    ("return x.strides", "caller's"),
    ("return x.view(np.int64)", "reinterprets"),
    ("z = x.copy(); return z.view()", "reinterprets"),
    ("it = np.nditer([x, v, None]); return x", "broadcast"),
    ("return np.add.reduceat(x[0], [0, 5])", "IndexError"),
    ("return np.maximum.reduceat(x, [-1])", "IndexError"),
    ("return np.add.reduceat(v, [0, 1])", "not known at build time"),
    ("return np.add.reduceat(x, (v > 0).astype(np.int64))", "known at build time"),
])
def test_refusals_are_located(lines, word):
    with pytest.raises(TranspileError) as info:
        load_source(_statements_module(SIGNATURE, lines))
    assert word in str(info.value) and info.value.loc is not None and info.value.loc.line > 0 and info.value.hint


@pytest.mark.parametrize("dtype", ["f64", "f32"])
def test_reduceat_sums_in_numpys_order(dtype):
    """Long pieces (NumPy's pairwise sum starts at 8 elements), both axes, any layout of the argument: bit for bit."""
    text = ("import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n"
            f"def f(x: \"{dtype}[60,40]\"):\n"
            "    return (np.add.reduceat(x, [0, 37, 5, 59], axis=0), np.add.reduceat(x, [3, 1, 30], axis=1),\n"
            "            np.multiply.reduceat(x, [0, 33, 2], axis=0), np.multiply.reduceat(x, [39, 4], axis=1))\n")
    module, python = load_source(text), {}
    exec(compile(text, "python_reference", "exec"), python)
    rng = np.random.default_rng(87)
    base = (1.0 + 0.01 * rng.normal(size=(120, 80))).astype(np.float64 if dtype == "f64" else np.float32)
    for x in (np.ascontiguousarray(base[:60, :40]), np.asfortranarray(base[:60, :40]), base[::2, 1::2]):
        for got, want in zip(module.f(x), python["f"](x)):
            assert got.dtype == want.dtype and np.array_equal(got, want)


def test_long_reduceat_pieces_on_the_c_target(tmp_path):
    text = _statements_module('x: "f64[30,20]"', "return np.add.reduceat(x, [0, 27, 3], axis=0) * "
                                                 "np.multiply.reduceat(x, [1, 0, 17], axis=0), "
                                                 "np.add.reduceat(x, [2, 19], axis=1)")
    rng = np.random.default_rng(87)
    all_forms_pass(text, ["x"], [[1.0 + 0.01 * rng.normal(size=(30, 20))]], c=True, tmp_path=tmp_path)
