"""The C target's fixed costs per call at small sizes, and the exactness of the shortcuts that cut them.

* A reduction over rows shorter than a chunk's lanes (`LIFTED_LANE_COUNT`) takes short chunks
  (`LIFTED_SHORT_ROW_LANES`) and combines only those lanes, and rows of at most SHORT_ROW elements are walked as
  columns: NumPy's values, and for a row of at most SHORT_ROW elements the left-to-right sum from 0.0.
* A loop kernel's call reads its spec once (at load), passes the one allocator callback the runtime made at
  import, packs exact ndarrays of the compiled dtype as they are, and returns views of its arena blocks; calls
  from several threads at once each see their own arena.

The NumPy backend is the reference (tests/test_c_backend.py), with Python's own loop for the exact sums; the
gradients through a loop kernel against central finite differences and autograd (tests/gradcheck.py).
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.cpu import loop as cpu_loop
from test_c_backend import assert_agree, c_module

ROWS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def row_sum(x: "f64[n,m]") -> "f64[n]":
    return np.sum(x, axis=1)


@kernel
def row_range(x: "f64[n,m]") -> "f64[n]":
    return np.max(x, axis=1) - np.min(x, axis=1)


@kernel
def row_prod(x: "f64[n,m]") -> "f64[n]":
    return np.prod(x * 0.5 + 1.0, axis=1)


@kernel
def int_rows(k: "i64[n,m]") -> "i64[n]":
    return np.sum(k, axis=1) + np.max(k, axis=1)


@kernel
def softmax_rows(x: "f64[a,b,m]") -> "f64[a,b,m]":
    e = np.exp(x - np.max(x, axis=2, keepdims=True))
    return e / np.sum(e, axis=2, keepdims=True)


@kernel
def blocks(x: "f64[a,b,m]", w: "f64[m]") -> "f64[a]":
    return np.sum(x * w, axis=(1, 2))


@kernel
def weighted_softmax(x: "f64[a,b,m]", w: "f64[m]") -> "f64[]":
    return np.sum(softmax_rows(x) * w)


softmax_grad = grad(weighted_softmax, wrt="x")


@kernel
def nearest(p: "f64[n,d]", c: "f64[k,d]") -> "f64[]":
    distances = np.sum(p * p, axis=1)[:, None] - 2.0 * (p @ c.T) + np.sum(c * c, axis=1)[None, :]
    return np.sum(np.min(distances, axis=1))


nearest_grad = grad(nearest, wrt="c")
'''

LENGTHS = (1, 2, 3, 10, 16, 21, 31, 32, 33, 63, 64, 65, 130)  # (below 64: 8-lane chunks)


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rows")
    module, _ = c_module(ROWS, folder, "short_rows")
    module.kernel_text = (folder / "short_rows.cu").read_text()
    return module, load_source(ROWS, "short_rows.py")


def test_the_reductions_run_as_rows_kernels(rows):
    module, _ = rows
    modes = {name: spec.get("mode") for name, spec in module._KERNELS.items()}
    assert {modes[f"{name}_k0"] for name in ("row_sum", "row_range", "row_prod", "int_rows")} == {"rows"}


@pytest.mark.parametrize("length", LENGTHS)
def test_short_rows_reduce_to_numpys_values(rows, length):
    module, reference = rows
    rng = np.random.default_rng(length)
    for count in (1, 3, 50):
        x = rng.normal(size=(count, length))
        x[0, 0] = -0.0  # (a row of one -0.0: the sum from 0.0 is +0.0, as before)
        for name in ("row_sum", "row_range", "row_prod"):
            assert_agree(getattr(module, name)(x), getattr(reference, name)(x), f"{name} {count}x{length}")
        np.testing.assert_array_equal(module.row_range(x), reference.row_range(x))  # max and min: exact
        k = rng.integers(-1000, 1000, size=(count, length))
        np.testing.assert_array_equal(module.int_rows(k), reference.int_rows(k))


@pytest.mark.parametrize("length", [1, 5, 21, 32, 40])
def test_rows_of_a_three_dimensional_space(rows, length):
    module, reference = rows
    rng = np.random.default_rng(length)
    for shape in ((1, 1, length), (3, 7, length), (11, 13, length)):
        x = rng.normal(size=shape)
        assert_agree(module.softmax_rows(x), reference.softmax_rows(x), f"softmax_rows {shape}")
        w = rng.normal(size=length)
        assert_agree(module.blocks(x, w), reference.blocks(x, w), f"blocks {shape}")
        assert_agree(module.softmax_grad(x, w), reference.softmax_grad(x, w), f"softmax_grad {shape}", rtol=1e-9)


@pytest.mark.parametrize("length", [n for n in LENGTHS if n <= 32])
def test_a_short_row_sums_left_to_right_from_zero(rows, length):
    """(A row of at most SHORT_ROW elements is walked as a column: one lane adds its elements in order from the
    identity.)"""
    module, _ = rows
    x = np.random.default_rng(7).normal(size=(20, length)) * 10.0 ** np.arange(length)  # (order matters)
    expected = []
    for row in x.tolist():
        total = 0.0
        for value in row:
            total += value
        expected.append(total)
    assert module.row_sum(x).tolist() == expected


def test_nan_and_infinities_in_short_rows(rows):
    module, reference = rows
    x = np.array([[1.0, np.nan, 3.0], [-np.inf, 2.0, 5.0], [np.inf, np.inf, -1.0], [-0.0, 0.0, -0.0]])
    for name in ("row_sum", "row_range", "row_prod"):
        np.testing.assert_array_equal(getattr(module, name)(x), getattr(reference, name)(x))


@pytest.mark.parametrize("k", [1, 5, 10, 33, 70])
def test_a_kmeans_like_cost_and_gradient(rows, k):
    module, reference = rows
    rng = np.random.default_rng(k)
    p, c = rng.random((200, 16)), rng.random((k, 16))
    assert_agree(module.nearest(p, c), reference.nearest(p, c), "nearest")
    assert_agree(module.nearest_grad(p, c), reference.nearest_grad(p, c), "nearest_grad", rtol=1e-9)


ODE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def rhs(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


@kernel
def solve(x: "f64[n]", s: "i64[]") -> "f64[n]":
    h = 2.0 / s
    y = np.zeros_like(x)
    for step in range(s):
        k1 = rhs(x, y)
        k2 = rhs(x, y + 0.5 * h * k1)
        k3 = rhs(x, y + 0.5 * h * k2)
        k4 = rhs(x, y + h * k3)
        y = y + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0
    return y


@kernel
def last(x: "f64[n]", s: "i64[]") -> "f64[]":
    return solve(x, s)[-1]


last_grad = grad(last, wrt="x")
'''


@pytest.fixture(scope="module")
def ode(tmp_path_factory):
    module, _ = c_module(ODE, tmp_path_factory.mktemp("ode"), "small_ode")
    return module, load_source(ODE, "small_ode.py")


def loop_kernels(module) -> dict:
    kernels = module._kernels
    return {name: getattr(kernels, name) for name in vars(kernels)
            if isinstance(getattr(kernels, name), cpu_loop.LoopKernel)}


def test_loop_kernels_pass_one_allocator_and_exact_arrays_as_they_are(ode, monkeypatch):
    """The Python path's call (ctypes; the C-API path packs in C: tests/test_c_capi.py)."""
    module, reference = ode
    kernels = loop_kernels(module)
    assert kernels, "the steps should be a loop kernel"
    monkeypatch.setattr(cpu_loop.LoopKernel, "__call__", cpu_loop.LoopKernel.python_call)
    allocators, conversions = [], []
    for kernel in kernels.values():
        for attribute in ("function", "holding_gil"):  # (released, or held where C reads arrays' headers)
            def recording(io, allocate, function=getattr(kernel, attribute)):
                allocators.append(allocate)
                return function(io, allocate)
            monkeypatch.setattr(kernel, attribute, recording)
    as_input = cpu_loop.as_input
    monkeypatch.setattr(cpu_loop, "as_input", lambda *a: conversions.append(a) or as_input(*a))
    x = np.linspace(0.1, 1.0, 7)
    for _ in range(3):
        assert_agree(module.solve(x, 4), reference.solve(x, 4), "solve")
        assert_agree(module.last_grad(x, 4), reference.last_grad(x, 4), "last_grad")
    # (a C call per solve and per gradient: the gradient's two loops and the zeros between them are one run)
    assert len(allocators) >= 6 and all(a is cpu_loop.ALLOCATE for a in allocators)
    assert conversions == []  # exact float64 vectors: read where they are
    with pytest.raises(TypeError, match=r"pass x\.astype\(np\.float64\)"):  # (float32: refused at entry)
        module.solve(x.astype(np.float32), 4)
    assert conversions == []
    derived = x.view(type("Sub", (np.ndarray,), {}))  # a subclass: converted as NumPy converts it, by _as_input
    assert_agree(module.solve(derived, 4), reference.solve(derived, 4), "solve a subclass")
    assert conversions


def test_loop_kernel_inputs_that_are_not_whole_elements_or_contiguous(ode):
    module, reference = ode
    x = np.linspace(0.1, 1.0, 9)
    records = np.zeros(9, dtype=[("a", "f8"), ("pad", "i4")])
    records["a"] = x
    for value in (records["a"], np.linspace(0.1, 1.0, 18)[::2], x[::-1]):
        assert_agree(module.solve(value, 3), reference.solve(value, 3), "solve")
        assert_agree(module.last_grad(value, 3), reference.last_grad(value, 3), "last_grad")


def test_loop_kernel_results_are_views_of_arena_blocks_that_outlive_the_call(ode):
    module, reference = ode
    x = np.linspace(0.1, 1.0, 5)
    kept = [module.solve(x * k, 3) for k in range(1, 40)]
    for k, y in enumerate(kept, start=1):
        assert type(y.base) is np.ndarray and y.base.dtype == np.uint8  # (a view of the block, not a wrapper)
        assert_agree(y, reference.solve(x * k, 3), f"solve #{k}")
        assert y.flags.writeable


def test_loop_kernel_gradient_against_finite_differences_and_autograd(ode):
    from autograd import grad as autograd_grad

    module, reference = ode
    x = np.linspace(0.2, 0.9, 6)
    got = module.last_grad(x, 5)
    assert_close(got, central_difference(reference.last, [x, 5], 0), what="last_grad vs differences")
    expected = autograd_grad(autograd_kernels(ODE)["last"], 0)(x, 5)
    assert_close(got, expected, rtol=1e-9, atol=1e-10, what="last_grad vs autograd")


def test_loop_kernels_called_from_several_threads_at_once(ode):
    module, reference = ode
    rng = np.random.default_rng(3)
    inputs = [rng.random(1 + 300 * k) for k in range(4)]  # (small and 256 KiB-scale arenas)
    expected = [(reference.solve(x, 6), reference.last_grad(x, 6)) for x in inputs]
    failures = []

    def work(k: int) -> None:
        for _ in range(25):
            try:
                assert_agree(module.solve(inputs[k], 6), expected[k][0], f"solve thread {k}")
                assert_agree(module.last_grad(inputs[k], 6), expected[k][1], f"last_grad thread {k}")
            except Exception as error:  # noqa: BLE001 (reported below, in the test's thread)
                failures.append(error)
                return

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]


def test_short_rows_on_every_thread(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_PARALLEL_MIN", "0")  # (read when the library loads: every space on the team)
    module, _ = c_module(ROWS, tmp_path, "short_rows_threads")
    reference = load_source(ROWS, "short_rows_threads.py")
    rng = np.random.default_rng(11)
    for count, length in ((1, 3), (7, 10), (301, 10), (97, 21), (64, 33), (5, 130)):
        x = rng.normal(size=(count, length))
        for name in ("row_sum", "row_range", "row_prod"):
            assert_agree(getattr(module, name)(x), getattr(reference, name)(x), f"{name} {count}x{length}")
        p, c = rng.random((count, 16)), rng.random((length, 16))
        assert_agree(module.nearest_grad(p, c), reference.nearest_grad(p, c), "nearest_grad", rtol=1e-9)
