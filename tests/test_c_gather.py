"""Gathers read inside C kernels, and their adjoint `np.add.at` as an atomic scatter-add (issue #11).

Each program runs on the C target and is checked against the untouched Python source (its value), its gradient
against central finite differences of that source and against autograd, and every function against the NumPy
backend; the emitted code must show the indexed load (and, for gradients, the scatter-add) inside a kernel.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module, compare_all

HEADER = '''
import numpy as np
from lifted import grad, kernel
'''

rng = np.random.default_rng(11)
IDX = np.array([0, 3, -1, 3, 3, 6, -7, 2, 5])  # repeated, negative (-7 wraps to 0 for a length of 7)
ROWS = np.array([1, -3, 0, 1, 2, 2])
COLS = np.array([4, 0, -1, 4, 2, 3])

CASES = {
    "one_axis": ('''
@kernel
def f(x: "f64[m]", idx: "i64[n]", w: "f64[n]") -> "f64[]":
    return np.sum(np.sin(x[idx]) * w + x[idx] * x[idx])
''', lambda: [rng.normal(size=7), IDX, rng.normal(size=9)]),
    "along_an_axis": ('''
@kernel
def f(x: "f64[a,m]", idx: "i64[n]", w: "f64[a,n]") -> "f64[]":
    g = x[:, idx]
    return np.sum(np.tanh(g) * w)
''', lambda: [rng.normal(size=(3, 7)), IDX, rng.normal(size=(3, 9))]),
    "rows_of_a_matrix": ('''
@kernel
def f(x: "f64[m,3]", idx: "i64[n]", w: "f64[n,3]") -> "f64[]":
    return np.sum(np.exp(x[idx] * w) + x[idx, 1:3].sum(axis=1, keepdims=True) * w)
''', lambda: [rng.normal(size=(7, 3)), IDX, rng.normal(size=(9, 3))]),
    "paired_index_arrays": ('''
@kernel
def f(x: "f64[a,b]", rows: "i64[n]", cols: "i64[n]", w: "f64[n]") -> "f64[]":
    return np.sum(x[rows, cols] * x[rows, cols] * w)
''', lambda: [rng.normal(size=(3, 5)), ROWS, COLS, rng.normal(size=6)]),
    "integers_beside_an_array": ('''
@kernel
def f(x: "f64[a,m]", idx: "i64[n]", w: "f64[n]") -> "f64[]":
    return np.sum(np.cos(x[1, idx]) * w + x[-1, idx])
''', lambda: [rng.normal(size=(3, 7)), IDX, rng.normal(size=9)]),
    "arrays_apart_put_their_axes_first": ('''
@kernel
def f(x: "f64[a,b,c]", i: "i64[n]", j: "i64[n]", w: "f64[n,b]") -> "f64[]":
    return np.sum(np.sin(x[i, :, j]) * w)
''', lambda: [rng.normal(size=(3, 4, 5)), np.array([0, 2, -1, 2]), np.array([4, -5, 1, 4]), rng.normal(size=(4, 4))]),
    "broadcast_index_arrays": ('''
@kernel
def f(x: "f64[a,b]", rows: "i64[n]", cols: "i64[k]", w: "f64[n,k]") -> "f64[]":
    return np.sum(np.sin(x[rows[:, None], cols[None, :]]) * w)
''', lambda: [rng.normal(size=(3, 5)), ROWS, COLS[:4], rng.normal(size=(6, 4))]),
    "reduced_along_rows_and_columns": ('''
@kernel
def f(x: "f64[m,d]", idx: "i64[n]", w: "f64[n,d]") -> "f64[]":
    g = x[idx] * w
    return np.sum(np.sum(g, axis=1) ** 2) + np.sum(np.sum(g * g, axis=0) * 0.5)
''', lambda: [rng.normal(size=(7, 4)), IDX, rng.normal(size=(9, 4))]),
    "inside_a_fused_loop": ('''
@kernel
def f(x: "f64[m]", idx: "i64[n]", y: "f64[n]") -> "f64[]":
    for k in range(3):
        y = np.sin(y * x[idx] + 0.5)
    return np.sum(y)
''', lambda: [rng.normal(size=7), IDX, rng.normal(size=9)]),
    "int32_indices": ('''
@kernel
def f(x: "f64[m]", idx: "i32[n]", w: "f64[n]") -> "f64[]":
    return np.sum(x[idx] * x[idx] * w)
''', lambda: [rng.normal(size=7), IDX.astype(np.int32), rng.normal(size=9)]),
}


def kernels_of(out) -> str:
    """The kernels' text, after the prelude."""
    return out.kernels[out.kernels.index("LIFTED_KERNEL void"):]


def _program(case: str) -> str:
    return HEADER + CASES[case][0] + "\n\ng = grad(f)\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_gathers_and_their_gradients_on_the_c_target(case, tmp_path):
    text = _program(case)
    args = CASES[case][1]()
    out = transpile_c(text, f"{case}.py")
    kernels = kernels_of(out)
    assert re.search(r"_data\[.*lifted_wrap\(", kernels), "gather left on the host"
    assert "LIFTED_ATOMIC_ADD(" in kernels, "scatter-add left on the host"
    # (a scatter-add of a value broadcast into the indexed region, `x[idx, 1:3].sum(axis=1, keepdims=True)`'s,
    # has no kernel whose index space is that region: it stays np.add.at)
    assert ("np.add.at" in out.host) == (case == "rows_of_a_matrix")
    module, _ = c_module(text, tmp_path, case)
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    fresh = lambda: [a.copy() if isinstance(a, np.ndarray) else a for a in args]  # noqa: E731
    assert_close(module.f(*fresh()), python["f"](*fresh()), rtol=1e-12, atol=1e-12, what="value vs Python")
    gradient = module.g(*fresh())
    assert_close(gradient, central_difference(python["f"], fresh(), 0), rtol=1e-6, atol=1e-6,
                 what="gradient vs finite differences")
    from autograd import grad as autograd_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = autograd_grad(autograd_kernels(text)["f"], 0)(*fresh())
    assert_close(gradient, expected, rtol=1e-9, atol=1e-10, what="gradient vs autograd")
    compare_all(text, tmp_path, fresh(), f"{case}_numpy")


def test_repeated_indices_add_in_numpys_order_on_one_thread(tmp_path):
    # the adjoint is 2 w (exact), added into dx through idx: on one thread in NumPy's order, so bit for bit
    text = HEADER + '''
@kernel
def f(x: "f64[m]", idx: "i64[n]", w: "f64[n]") -> "f64[]":
    return np.sum(x[idx] * w * 2.0)


g = grad(f)
'''
    module, kernels = c_module(text, tmp_path, "order")
    assert kernels == 2
    idx = np.random.default_rng(0).integers(-5, 5, size=500)
    w = np.random.default_rng(1).normal(size=500) * 10.0 ** np.arange(-250, 250)  # order matters for the sums
    expected = np.zeros(5)
    np.add.at(expected, idx, w * 2.0)
    assert np.array_equal(module.g(np.ones(5), idx, w), expected)


def test_float32_gathers_and_scatter_adds(tmp_path):
    text = HEADER + '''
@kernel
def f(x: "f32[m,d]", idx: "i64[n]", w: "f32[n,d]") -> "f32[]":
    return np.sum(np.tanh(x[idx]) * w)


g = grad(f)
'''
    module, _ = c_module(text, tmp_path, "single")
    x, w = rng.normal(size=(7, 3)).astype(np.float32), rng.normal(size=(9, 3)).astype(np.float32)
    assert module.g(x, IDX, w).dtype == np.float32
    expected = np.zeros((7, 3))
    np.add.at(expected, IDX, (1.0 - np.tanh(x[IDX].astype(float)) ** 2) * w)
    np.testing.assert_allclose(module.g(x, IDX, w), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(module.f(x, IDX, w), np.sum(np.tanh(x[IDX].astype(float)) * w), rtol=1e-5)


@pytest.mark.parametrize("case", ["one_axis", "along_an_axis", "paired_index_arrays", "integers_beside_an_array"])
def test_an_index_out_of_range_raises_numpys_index_error(case, tmp_path):
    text = _program(case)
    module, _ = c_module(text, tmp_path, f"bad_{case}")
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    args = CASES[case][1]()
    positions = [k for k, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "i"]
    for position in positions:
        for bad in (99, -99):
            broken = list(args)
            broken[position] = args[position].copy()
            broken[position][1] = bad
            with pytest.raises(IndexError) as numpy_error:
                python["f"](*broken)
            for function in (module.f, module.g):
                with pytest.raises(IndexError) as ours:
                    function(*broken)
                assert str(ours.value) == str(numpy_error.value)


def test_gathers_on_the_cuda_host_path(monkeypatch, tmp_path):
    import fake_pycuda
    from test_cuda_runtime import compare_all as compare_cuda, cuda_module

    fake_pycuda.install(monkeypatch)
    for case in ("one_axis", "paired_index_arrays", "reduced_along_rows_and_columns", "inside_a_fused_loop"):
        text = _program(case)
        # (the names of the CPU target's builds of the same text, which the stand-in runs)
        c_module(text, tmp_path, case)
        compare_cuda(text, tmp_path, CASES[case][1](), case, device=True)  # (device arrays stay on the device)
    # a gather's function runs on the device (its index check reads the index array back); a scatter-add's zeros
    # are NumPy's, so its function runs through the host
    host = transpile_c(_program("one_axis"), "one_axis.py", target="cuda").host
    assert "call(_f_body, False" in host and "call(_g_body, True" in host
    module = cuda_module(_program("one_axis"), tmp_path, "one_axis")
    with pytest.raises(IndexError, match="index 7 is out of bounds for axis 0 with size 7"):
        module.g(rng.normal(size=7), np.array([0, 7]), rng.normal(size=2))


def test_masks_and_gathers_alone_stay_numpy_host_code():
    text = HEADER + '''
@kernel
def f(x: "f64[m]", idx: "i64[n]", w: "f64[n]") -> "f64[]":
    picked = x[idx] @ w
    big = x[x > 0.5]
    return picked + np.sum(np.sin(big))
'''
    out = transpile_c(text, "host.py")
    assert "x[idx] @ w" in out.host and "x[mask]" in out.host and "lifted_wrap(" not in kernels_of(out)


def test_module_level_tables_index_matrices_and_empty_indices(tmp_path):
    text = HEADER + '''
TABLE = np.linspace(0.0, 1.0, 7)


@kernel
def from_module(idx: "i64[n]", w: "f64[n]") -> "f64[]":
    return np.sum(np.sin(TABLE[idx]) * w)


@kernel
def f(x: "f64[m]", idx: "i64[n,k]", w: "f64[n,k]") -> "f64[]":
    return np.sum(np.sin(x[idx]) * w)


g = grad(f)
'''
    assert "LIFTED_ATOMIC_ADD(" in kernels_of(transpile_c(text, "edges.py"))
    module, _ = c_module(text, tmp_path, "edges")
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    idx, w = np.array([0, -1, 3, 3, -7, 6]), rng.normal(size=6)
    assert_close(module.from_module(idx, w), python["from_module"](idx, w), rtol=1e-12, atol=1e-12)
    x, pairs, weights = rng.normal(size=7), np.array([[0, -1, 3], [3, -7, 6]]), rng.normal(size=(2, 3))
    assert_close(module.f(x, pairs, weights), python["f"](x, pairs, weights), rtol=1e-12, atol=1e-12)
    assert_close(module.g(x, pairs, weights), central_difference(python["f"], [x, pairs, weights], 0), rtol=1e-6,
                 atol=1e-6)
    none, no_weights = np.zeros((0, 3), dtype=np.int64), np.zeros((0, 3))
    assert module.f(x, none, no_weights) == 0.0 and np.array_equal(module.g(x, none, no_weights), np.zeros(7))
    assert module.g(np.zeros(0), none, no_weights).shape == (0,)
    with pytest.raises(IndexError, match="index 0 is out of bounds for axis 0 with size 0"):
        module.g(np.zeros(0), np.zeros((1, 3), dtype=np.int64), np.zeros((1, 3)))
    # index arrays of another integer dtype: refused at entry (never converted); strided views read as NumPy reads them
    with pytest.raises(TypeError, match=r"pass idx\.astype\(np\.int64\)"):
        module.from_module(idx.astype(np.int32), w)
    assert_close(module.from_module(np.stack([idx, idx]).T[:, 1], w), python["from_module"](idx, w), rtol=1e-12,
                 atol=0)


def test_a_reverse_loop_adds_into_its_carried_cotangent_inside_its_kernel():
    # each step of the reverse sweep adds into dx_1, carried from the zeros made before the loop, in place: a launch
    # of the loop left on the host; in a run (the default), the same kernel called from C
    text = _program("inside_a_fused_loop")
    host_loop = transpile_c(text, "carried.py", loop_kernels=False).host
    assert "np.add.at" not in host_loop and "dx_1 = _kernels.g_k" in host_loop.replace("dy_2, dx_1", "dx_1")
    run = transpile_c(text, "carried.py").host
    assert "np.add.at" not in run and "dx_1 = _kernels.g_block0(" in run


def test_threads_sharing_a_scatter_add_add_atomically(tmp_path, monkeypatch):
    # every index space on all threads (the default keeps small ones on one): the adds into repeated indices
    # from several threads are atomic, in another order than NumPy's (round-off only)
    monkeypatch.setenv("LIFTED_PARALLEL_MIN", "0")  # read when the library loads
    text = _program("one_axis")
    module, _ = c_module(text, tmp_path, "threads_scatter")
    reference: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), reference)
    x, idx, w = rng.normal(size=50), rng.integers(-50, 50, size=20_000), rng.normal(size=20_000)
    expected = central_difference(reference["f"], [x, idx, w], 0)
    assert_close(module.g(x, idx, w), expected, rtol=1e-6, atol=1e-6)
    compare_all(text, tmp_path, [x, idx, w], "threads_scatter_numpy")
