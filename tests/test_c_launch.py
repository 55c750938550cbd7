"""The C target's kernel launcher (lifted.cpu.launch) and its OpenMP threshold: what it remembers per shape and
layout, and whether a small index space runs on one thread, never changes a number or skips a check.

The NumPy backend is the reference, as in tests/test_c_backend.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted import cpu
from lifted.cpu import buffers
from lifted.cpu import launch as cpu_launch
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
    yield np.arange(15.0).reshape(5, 3), w, b  # (an int64 X is refused at entry: below)
    yield rng.normal(size=(1, 3)), w, rng.normal(size=(1, 1))


def test_calls_with_changing_shapes_and_layouts_agree_with_numpy(tmp_path):
    reference = load_source(PROGRAM, "launch_layouts.py")
    module, _ = c_module(PROGRAM, tmp_path, "launch_layouts")
    for index, args in enumerate(layouts(np.random.default_rng(0))):
        for name in ("affine", "affine_grad"):
            assert_agree(getattr(module, name)(*args), getattr(reference, name)(*args), f"{name} #{index}")
    with pytest.raises(TypeError, match=r"argument `X` has dtype int64, .* pass X\.astype\(np\.float64\)"):
        module.affine(np.arange(15).reshape(5, 3), *list(layouts(np.random.default_rng(0)))[0][1:])
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


RESULTS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def loss(x: "f64[n]", y: "f64[n]") -> "f64[]":
    a = np.tanh(x) * y
    b = np.exp(-x) - y
    return np.sum(a * b * y) + np.sum(np.where(x > y, x * y, x - y))


@kernel
def parts(x: "f64[n]", y: "f64[n]"):
    return np.tanh(x) * y, np.exp(-x) - y, x > y


@kernel
def four(x: "f64[n]", y: "f64[n]"):
    return x * y, x - y, np.sin(x) + y, np.cos(y) * x


@kernel
def total(x: "f64[n]", y: "f64[n]") -> "f64[]":
    return np.sum(np.tanh(x) * y)


loss_grad = grad(loss, wrt=("x", "y"))
'''


def results_of(value) -> list:
    return [r for r in (value if isinstance(value, tuple) else (value,)) if isinstance(r, np.ndarray)]


def test_results_of_every_allocation_path_agree_and_never_alias(tmp_path):
    """A launch's results are the rows of one block (four small ones of one dtype: `four`), fresh arrays (two:
    `loss_grad`; mixed dtypes: `parts`; too large for a block), the buffer cache's (large), or reductions'
    accumulators (`loss`; `total`, one reduction over everything): at each size, alternating, the numbers agree
    with NumPy, and no result shares memory with another, an input, or a result of an earlier call still alive."""
    reference = load_source(RESULTS, "launch_results.py")
    module, _ = c_module(RESULTS, tmp_path, "launch_results")
    rng = np.random.default_rng(2)
    kept = []
    for n in (5, 300, 1, 5, 40000, 0, 100, 5):  # a block up to 4096 bytes; the cache from 256 KiB
        x, y = rng.normal(size=n), rng.normal(size=n)
        for name in ("loss", "parts", "loss_grad", "four", "total"):
            got = getattr(module, name)(x, y)
            assert_agree(got, getattr(reference, name)(x, y), f"{name} at n={n}")
            arrays = results_of(got)
            for k, result in enumerate(arrays):
                assert result.flags.c_contiguous and result.flags.writeable
                for other in arrays[k + 1:] + [x, y] + kept:
                    assert not np.shares_memory(result, other), f"{name} at n={n}"
            kept += arrays
    plans = [plan for name in module._KERNELS for plan in getattr(module._kernels, name).plans.values()]
    assert any(plan.rows for plan in plans) and not any(plan.rows and plan.shape[0] > 100 for plan in plans)
    assert any(plan.total for plan in plans)


def test_alternating_dtypes_and_layouts_reuse_no_wrong_plan(tmp_path):
    """The launcher keys its plans by the inputs' shapes and strides after converting them to the kernel's dtype:
    inputs of other dtypes (integers, big-endian floats: refused by the argument checks, so run with them off, as
    `--no-arg-checks` builds would), views and copies of one shape, in turns."""
    reference = load_source(RESULTS, "launch_dtypes.py")
    module, _ = c_module(RESULTS, tmp_path, "launch_dtypes")
    rng = np.random.default_rng(3)
    base = rng.normal(size=(3, 8))
    inputs = [(base[0], base[1]), (base[:, 1], base[:, 2]), (np.arange(8), base[2]),
              (base[0].astype(">f8"), base[1][::-1]), (base[0, ::2], base[1, ::2]), (base[0], base[1])]
    for _ in range(2):
        for index, (x, y) in enumerate(inputs):
            exact = x.dtype == np.float64 and y.dtype == np.float64
            if not exact:
                with pytest.raises(TypeError, match=r"argument `x` has dtype \S+, .* pass x\.astype\(np\.float64\)"):
                    module.loss(x, y)
            module._CHECK_ARGS = reference._CHECK_ARGS = exact
            for name in ("loss", "parts", "loss_grad", "four", "total"):
                assert_agree(getattr(module, name)(x, y), getattr(reference, name)(x, y), f"{name} #{index}")
            module._CHECK_ARGS = reference._CHECK_ARGS = True
        with pytest.raises(TypeError, match="asks for n = 8"):
            module.loss_grad(base[0], base[1, :5])
        module._CHECK_ARGS = False  # then the launcher refuses it
        with pytest.raises(ValueError, match="index space"):
            module.loss_grad(base[0], base[1, :5])
        module._CHECK_ARGS = True


def test_without_header_reads_every_pointer_is_read_through_address(tmp_path, monkeypatch):
    """Where NumPy's array header could not be checked (`buffers.DATA_FIELD` None), the plans read no header."""
    monkeypatch.setattr(cpu_launch, "DATA_FIELD", None)
    reference = load_source(RESULTS, "launch_no_header.py")
    module, _ = c_module(RESULTS, tmp_path, "launch_no_header")
    rng = np.random.default_rng(4)
    for n in (5, 40000):
        x, y = rng.normal(size=n), rng.normal(size=(n, 2))[:, 0]  # y a strided view
        for name in ("loss", "parts", "loss_grad", "four", "total"):
            assert_agree(getattr(module, name)(x, y), getattr(reference, name)(x, y), f"{name} at n={n}")
    for name in module._KERNELS:
        for plan in getattr(module._kernels, name).plans.values():
            assert not plan.header_slots and plan.single is plan.rows is plan.total is None


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


SHARES = '''
import numpy as np
from lifted import kernel


@kernel
def shares(x: "f64[n,d]", y: "f64[n,d]"):
    z = np.tanh(x) * y
    return z, np.sum(z), np.max(x), np.sum(x * y, axis=1), np.sum(x - y, axis=0)
'''


@pytest.mark.parametrize("threads", [3, 5])
def test_a_team_shares_every_chunk_and_row_once(threads, tmp_path, monkeypatch):
    """Each thread of a team takes one contiguous block of chunks (flat and columns kernels) or rows (rows
    kernels), the first blocks one longer (`lifted_share`): with a thread count that divides nothing here, every
    element is still computed once, and the reductions add every partial result once."""
    import ctypes

    monkeypatch.setenv("LIFTED_PARALLEL_MIN", "0")  # read when the library loads
    module, _ = c_module(SHARES, tmp_path, f"launch_shares_{threads}")
    reference = load_source(SHARES, f"launch_shares_{threads}_numpy.py")
    text = (tmp_path / f"launch_shares_{threads}.cu").read_text()
    assert "rows of" in text and "columns of" in text and "LIFTED_REDUCE(max" in text
    try:
        openmp = ctypes.CDLL("libgomp.so.1")
    except OSError:
        pytest.skip("no libgomp to set the team's size")
    before = openmp.omp_get_max_threads()
    openmp.omp_set_num_threads(threads)
    try:
        rng = np.random.default_rng(threads)
        # fewer chunks than threads, one chunk short of a share, one over, and long rows and columns
        for n, d in ((1, 1), (1, 63), (2, 64), (3, 65), (64 * threads + 1, 1), (7, 64 * threads * 3 + 5), (301, 29)):
            x, y = rng.normal(size=(n, d)), rng.normal(size=(n, d))
            assert_agree(module.shares(x, y), reference.shares(x, y), f"{threads} threads at {n}x{d}")
    finally:
        openmp.omp_set_num_threads(before)


def test_parallel_threshold_setting(monkeypatch):
    monkeypatch.delenv("LIFTED_PARALLEL_MIN", raising=False)
    assert cpu.parallel_min() == cpu.PARALLEL_MIN
    monkeypatch.setenv("LIFTED_PARALLEL_MIN", "64")
    assert cpu.parallel_min() == 64
    monkeypatch.setenv("LIFTED_PARALLEL_MIN", "many")
    with pytest.raises(ValueError, match="LIFTED_PARALLEL_MIN"):
        cpu.parallel_min()


STEPS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def rhs(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


@kernel
def steps(x: "f64[n]", s: "i64[]") -> "f64[]":
    h = 2.0 / s
    y = np.zeros_like(x)
    for step in range(s):
        k1 = rhs(x, y)
        k2 = rhs(x, y + 0.5 * h * k1)
        y = y + h * (k1 + k2) / 2.0
    return y[-1]


steps_grad = grad(steps, wrt="x")
'''


@pytest.mark.parametrize("threshold", ["0", "100000000"])  # every index space on all threads / on one
def test_each_kernel_body_is_compiled_once(threshold, tmp_path, monkeypatch):
    """A kernel's body is compiled once, for the team and for the lone thread alike: a second instance per kernel
    (`body<false>` of a former team flag, folded away) doubled the compiler's work on every kernel (wing.py's
    hvp: 496 kernels). Run alone, outside a parallel region, the team's instance is one thread whose share is every
    chunk: the loop kernel's direct calls and the small launches agree with NumPy on one thread and on all."""
    import re

    monkeypatch.setenv("LIFTED_PARALLEL_MIN", threshold)  # read when the library loads
    name = f"launch_one_body_{threshold}"
    module, _ = c_module(STEPS, tmp_path, name)
    reference = load_source(STEPS, f"{name}_numpy.py")
    text = (tmp_path / f"{name}.cu").read_text()
    assert "_body(count" in text  # the loop kernel calls the lone body itself
    assert "else body args" in text and not re.search(r"_body<", text)  # (LIFTED_RUN, the calls: no template)
    rng = np.random.default_rng(3)
    for n in (5, 70, 5000):  # one chunk, two, and above the default threshold
        x, s = rng.normal(size=n), 3
        for fn in ("steps", "steps_grad"):
            assert_agree(getattr(module, fn)(x, s), getattr(reference, fn)(x, s), f"{fn} at n={n}")
