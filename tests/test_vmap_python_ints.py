"""vmap of a Python int made per example (under a branch taken by some examples) meeting an int32 array.

In one example NumPy converts the int to int32 (NEP 50) and raises OverflowError where it does not fit; a
comparison is exact whatever the int's size. The batch holds the examples' ints as an int64 array: cast to int32
it would wrap, so the cast is checked first (OverflowError, as the loop over the examples raises), and a comparison
compares in int64. The reference is the Python loop over the examples calling the un-transpiled function.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source

SOURCE = '''import numpy as np
from lifted import kernel, vmap


@kernel
def shifted(x: "f64[n]", j: "i32[n]"):
    k = 0
    if x[0] > 0:
        k = 1500000000 * 2
    return j + k


@kernel
def scaled(x: "f64[n]", j: "i32[n]"):
    k = 7
    if x[0] > 0:
        k = 100000 * 3
    return j * k


@kernel
def below(x: "f64[n]", j: "i32[n]"):
    k = -5
    if x[0] > 0:
        k = 1500000000 * 2
    return j < k, j >= k


@kernel
def clip_low(x: "f64[n]", j: "i32[n]"):
    lo = -5
    if x[0] > 0:
        lo = 1500000000 * 2
    if x[1] > 0:
        lo = -1500000000 * 2
    return np.clip(j, lo, 7)


@kernel
def clip_high(x: "f64[n]", j: "i32[n]"):
    hi = 5
    if x[0] > 0:
        hi = -1500000000 * 2
    if x[1] > 0:
        hi = 1500000000 * 2
    return np.clip(j, -3, hi)


@kernel
def clip_x(x: "f64[n]", j: "i32[n]"):
    k = 2
    if x[0] > 0:
        k = 1500000000 * 2
    return np.clip(k, j, j + 1)


@kernel
def put(x: "f64[n]", j: "i32[n]"):
    k = 2
    if x[0] > 0:
        k = 1500000000 * 2
    out = j.copy()
    out[0] = k
    out[1] += k
    return out


@kernel
def fill(x: "f64[n]", j: "i32[n]"):
    k = 2
    if x[0] > 0:
        k = 1500000000 * 2
    return np.full(3, k, dtype=np.int32) + j


@kernel
def scalar(x: "f64[n]", j: "i32[n]"):
    k = 2
    if x[0] > 0:
        k = 1500000000 * 2
    return np.int32(k) + j


@kernel
def listed(x: "f64[n]", j: "i32[n]"):
    k = 2
    if x[0] > 0:
        k = 1500000000 * 2
    return np.array([k, 2, 1], dtype=np.int32) + j


shifted_v = vmap(shifted, in_axes=(0, None))
scaled_v = vmap(scaled, in_axes=(0, None))
below_v = vmap(below, in_axes=(0, None))
clip_low_v = vmap(clip_low, in_axes=(0, None))
clip_high_v = vmap(clip_high, in_axes=(0, None))
clip_x_v = vmap(clip_x, in_axes=(0, None))
put_v = vmap(put, in_axes=(0, None))
fill_v = vmap(fill, in_axes=(0, None))
scalar_v = vmap(scalar, in_axes=(0, None))
listed_v = vmap(listed, in_axes=(0, None))
'''

J = np.array([1, -2, 2**31 - 1], np.int32)
BATCHES = [np.array([[1.0, 0, 0], [-1.0, 0, 0]]), np.array([[-1.0, 0, 0], [-2.0, 0, 0]]),
           np.array([[-1.0, 0, 0], [3.0, 0, 0], [2.0, 0, 0]]), np.array([[0.0, 1.0, 0], [-1.0, 0, 0]])]


@pytest.fixture(scope="module")
def modules():
    python: dict = {}
    exec(compile(SOURCE.replace("from lifted import kernel, vmap", "kernel = vmap = lambda f, **k: f"),
                 "python_reference", "exec"), python)
    return load_source(SOURCE, "vmap_python_ints.py"), python


def _loop(fn, xs):
    rows = [fn(x, J) for x in xs]
    return tuple(np.stack(c) for c in zip(*rows)) if isinstance(rows[0], tuple) else np.stack(rows)


@pytest.mark.parametrize("name", ["shifted", "scaled", "below", "clip_low", "clip_high", "clip_x", "put", "fill",
                                  "scalar", "listed"])
@pytest.mark.parametrize("batch", range(len(BATCHES)))
def test_the_batch_raises_or_returns_what_the_loop_does(modules, name, batch):
    """np.clip of int32 between Python-int bounds: NumPy 2 takes a lower bound below int32 (an upper one above it)
    as no bound and raises OverflowError for a lower bound above int32 (an upper one below); the batch's cast of its
    int64 bounds wrapped (clip_low, clip_high gave 7s, -1294967296s). np.clip(k, j32, j32 + 1) computes in int64
    (an array of k first): the batch cast k to int32. `out[0] = k`, `out[1] += k` and `np.full(3, k,
    dtype=np.int32)` and `np.int32(k)` raise OverflowError in the loop where the batch's int64 array was cast
    wrapping."""
    module, python = modules
    xs = BATCHES[batch]
    try:
        expected = _loop(python[name], xs)
    except OverflowError:
        with pytest.raises(OverflowError, match="out of bounds for int32"):
            getattr(module, f"{name}_v")(xs, J)
        return
    got = getattr(module, f"{name}_v")(xs, J)
    for g, e in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple) else
                    (expected,)):
        assert g.dtype == e.dtype and g.tobytes() == e.tobytes()


def test_a_list_of_python_ints_made_an_int32_array(modules):
    """`np.array([k, 2, 1], dtype=np.int32)` with `k` past int32: NumPy raises OverflowError converting `k`; one
    example's kernel stacked the ints (int64) and cast the stack, wrapping (-1294967296), as the batch did."""
    module, python = modules
    x = np.array([1.0, 0.0, 0.0])
    with pytest.raises(OverflowError):
        python["listed"](x, J)
    with pytest.raises(OverflowError, match="out of bounds for int32"):
        module.listed(x, J)
    assert module.listed(-x, J).tobytes() == python["listed"](-x, J).tobytes()
