"""The CPU target's host matrix products (lifted.cpu.products): `matmul` is NumPy's `np.matmul`, number for
number, its large results in blocks of the buffer cache that are reused only when no array on them is alive;
`flat_matmul` (a stack times one matrix as one GEMM over the stack's rows) agrees with `@` to round-off."""
from __future__ import annotations

import re

import numpy as np
import pytest

from lifted import cpu
from lifted.cpu import buffers
from lifted.cpu import products as cpu_products


@pytest.fixture
def every_array_cached(monkeypatch):
    cache = buffers.BufferCache(minimum=1, limit=1 << 30)
    monkeypatch.setattr(buffers, "cache", cache)
    return cache


SHAPES = [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((4,), (4, 5)), ((3, 4), (4,)),
          ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((1, 3, 4), (6, 4, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((0, 3), (3, 2)),
          ((3, 0), (0, 2)), ((2, 0, 3), (3, 4))]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("dtypes", [("f8", "f8"), ("f4", "f4"), ("f4", "f8"), ("i8", "f8"), ("i8", "i8"),
                                    ("?", "?")])
def test_matmul_is_numpys_number_for_number(shapes, dtypes, every_array_cached):
    rng = np.random.default_rng(3)
    a, b = ((rng.normal(size=s) * 3).astype(d) for s, d in zip(shapes, dtypes))
    product = cpu.matmul(a, b)
    expected = a @ b
    assert product.dtype == expected.dtype and product.shape == expected.shape
    np.testing.assert_array_equal(product, expected)
    if product.nbytes and a.shape[-1]:  # (an empty contraction is NumPy's zeros)
        assert every_array_cached.live_bytes > 0  # (written into a block of the cache)


@pytest.mark.parametrize("a, b", [(np.ones((3, 4)), np.ones((5, 2))), (np.ones((2, 3, 4)), np.ones((3, 4, 2))),
                                  (np.ones(3), np.ones(4)), (np.ones((3, 4)), 2.0)])
def test_what_numpy_refuses_raises_numpys_error(a, b, every_array_cached):
    with pytest.raises((ValueError, TypeError)) as expected:
        a @ b
    with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
        cpu.matmul(a, b)


def test_results_reuse_memory_only_once_they_died(every_array_cached):
    a, b = np.ones((30, 40)), np.ones((40, 50))
    first = cpu.matmul(a, b)
    second = cpu.matmul(a, b)
    assert not np.shares_memory(first, second)
    address = first.__array_interface__["data"][0]
    del first
    third = cpu.matmul(2 * a, b)
    assert third.__array_interface__["data"][0] == address and every_array_cached.reused == 1
    np.testing.assert_array_equal(second, a @ b)  # untouched by the later products


def test_small_results_are_plain_numpy_arrays():
    product = cpu.matmul(np.ones((3, 4)), np.ones((4, 5)))
    assert product.base is None and buffers.cache.minimum > product.nbytes


@pytest.mark.parametrize("shapes", [((26, 3, 88), (88, 100)), ((2, 5, 3, 70), (70, 60)), ((4, 3, 7), (7, 5)),
                                    ((0, 3, 64), (64, 64)), ((3, 2, 64), (64, 0))])
def test_a_stack_times_one_matrix_is_one_gemm_to_round_off(shapes):
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    product = cpu.flat_matmul(np.swapaxes(a, -1, -2).swapaxes(-1, -2), b)  # (a strided view reshapes by copy)
    assert product.shape == (a @ b).shape
    np.testing.assert_allclose(product, a @ b, rtol=1e-12, atol=1e-12)
    if b.size < cpu_products.SMALL_MATRIX:
        np.testing.assert_array_equal(product, a @ b)
