"""The C target's kernel launcher (lifted.cpu_launch) and its OpenMP threshold: what it remembers per shape and
layout, and whether a small index space runs on one thread, never changes a number or skips a check.

The NumPy backend is the reference, as in tests/test_c_backend.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted import cpu
from test_c_backend import assert_agree, c_module

PROGRAM = '''
import numpy as np
from lifted import grad, kernel


@kernel
def affine(X: "f64[n,d]", w: "f64[d]", b: "f64[n,1]") -> "f64[]":
    return np.sum(np.tanh(X * w + b))


@kernel
def scaled(a: "f64[]", x: "f64[n]") -> "f64[n]":
    return a * x


affine_grad = grad(affine, wrt=(0, 1, 2))
'''


def field(values: np.ndarray) -> np.ndarray:
    """The same numbers as a field of a structured array: strides of 12 bytes, not a whole number of f64s."""
    records = np.zeros(values.shape, dtype=[("a", "f8"), ("pad", "i4")])
    records["a"] = values
    return records["a"]


def layouts(rng):
    """(X, w, b) in the layouts a caller may pass, with shapes that change from call to call."""
    X, w, b = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(5, 1))
    wide = rng.normal(size=(4, 6))
    yield X, w, b
    yield wide[:, ::2], w[::-1], rng.normal(size=(4, 1))  # strided and reversed views
    yield np.asfortranarray(rng.normal(size=(2, 7))), rng.normal(size=7), rng.normal(size=(2, 1))
    yield X, w, b  # a shape seen before, after others
    yield field(X), field(w), field(b)
    yield np.arange(15).reshape(5, 3), w, b  # converted to the kernel's dtype
    yield rng.normal(size=(1, 3)), w, rng.normal(size=(1, 1))


def test_calls_with_changing_shapes_and_layouts_agree_with_numpy(tmp_path):
    reference = load_source(PROGRAM, "launch_layouts.py")
    module, _ = c_module(PROGRAM, tmp_path, "launch_layouts")
    for index, args in enumerate(layouts(np.random.default_rng(0))):
        for name in ("affine", "affine_grad"):
            assert_agree(getattr(module, name)(*args), getattr(reference, name)(*args), f"{name} #{index}")
    x = np.arange(5.0)
    assert_agree(module.scaled(2.0, x), 2.0 * x, "scaled")
    assert_agree(module.scaled(np.float64(-1.5), x[::2]), -1.5 * x[::2], "scaled on a view")


def test_a_refused_shape_is_refused_on_every_call(tmp_path):
    module, _ = c_module(PROGRAM, tmp_path, "launch_refuse")
    module._CHECK_ARGS = False  # the launcher's own checks, under the host module's
    module.affine(np.ones((3, 2)), np.ones(2), np.ones((3, 1)))
    for _ in range(2):
        with pytest.raises(ValueError, match="index space"):
            module.affine(np.ones((3, 2)), np.ones(4), np.ones((3, 1)))
    with pytest.raises(TypeError, match="takes 2 inputs, 1 given"):
        module._kernels.scaled_k0(np.ones(3))


@pytest.mark.parametrize("threshold", ["0", "100000000"])  # every index space on all threads / on one
def test_the_parallel_threshold_changes_no_number(threshold, tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_PARALLEL_MIN", threshold)  # read when the library loads
    name = f"launch_threads_{threshold}"
    reference = load_source(PROGRAM, f"{name}.py")
    module, _ = c_module(PROGRAM, tmp_path, name)
    rng = np.random.default_rng(1)
    for n, d in ((3, 2), (300, 20)):  # below and above the default threshold (4096 elements)
        args = (rng.normal(size=(n, d)), rng.normal(size=d), rng.normal(size=(n, 1)))
        for fn in ("affine", "affine_grad"):
            assert_agree(getattr(module, fn)(*args), getattr(reference, fn)(*args), f"{fn} at {n}x{d}")


def test_parallel_threshold_setting(monkeypatch):
    monkeypatch.delenv("LIFTED_PARALLEL_MIN", raising=False)
    assert cpu.parallel_min() == cpu.PARALLEL_MIN
    monkeypatch.setenv("LIFTED_PARALLEL_MIN", "64")
    assert cpu.parallel_min() == 64
    monkeypatch.setenv("LIFTED_PARALLEL_MIN", "many")
    with pytest.raises(ValueError, match="LIFTED_PARALLEL_MIN"):
        cpu.parallel_min()
