"""GEMMs on the CUDA target: the cuBLAS calls `lifted.cublas` builds, replayed without a GPU.

`NumpyCublas` stands in for libcublas: it reads the matrices at the addresses it is given exactly as cuBLAS does
(column-major, leading dimensions, transpose flags, batch strides) and computes with NumPy, so a wrong m/n/k,
flag, leading dimension or stride gives a wrong number here. The operands are host arrays (their addresses play
the device pointers).
"""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

from lifted import cublas

CTYPES = {np.dtype(np.float32): ctypes.c_float, np.dtype(np.float64): ctypes.c_double}


class NumpyCublas:
    """cuBLAS's gemm semantics on host memory."""

    def __init__(self, dtype, buffers=()):
        self.dtype = np.dtype(dtype)
        self.calls: list[str] = []
        self.created = 0
        self.buffers = [(x.__array_interface__["data"][0], x.nbytes) for x in buffers]  # the "device memory"

    def cublasCreate_v2(self, handle_ref):
        self.created += 1
        return 0

    def _matrix(self, pointer: int, rows: int, cols: int, ld: int) -> np.ndarray:
        """The column-major rows x cols matrix at `pointer` with leading dimension `ld`."""
        assert ld >= max(1, rows), "cuBLAS requires ld >= max(1, rows)"
        extent = (cols - 1) * ld + rows
        size = self.dtype.itemsize
        assert any(start <= pointer and pointer + extent * size <= start + nbytes for start, nbytes in self.buffers), \
            "cuBLAS would read or write outside the arrays"
        memory = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(CTYPES[self.dtype])), shape=(extent,))
        return np.lib.stride_tricks.as_strided(memory, (rows, cols), (size, ld * size))

    def _gemm(self, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        op_a = self._matrix(a, m, k, lda) if transa == cublas.OP_N else self._matrix(a, k, m, lda).T
        op_b = self._matrix(b, k, n, ldb) if transb == cublas.OP_N else self._matrix(b, n, k, ldb).T
        target = self._matrix(c, m, n, ldc)
        product = alpha.contents.value * (op_a.astype(np.float64) @ op_b.astype(np.float64))
        if beta.contents.value != 0:  # as cuBLAS: with beta 0, C is never read
            product += beta.contents.value * target
        target[...] = product

    def _routine(self, prefix):
        assert prefix == ("D" if self.dtype == np.float64 else "S"), "the routine must match the dtype"

    def _plain(self, prefix, handle, *args):
        self._routine(prefix)
        self.calls.append("gemm")
        self._gemm(*args)
        return 0

    def cublasDgemm_v2(self, handle, *args):
        return self._plain("D", handle, *args)

    def cublasSgemm_v2(self, handle, *args):
        return self._plain("S", handle, *args)

    def _batched(self, prefix, handle, transa, transb, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b, beta,
                 c, ldc, stride_c, count):
        self._routine(prefix)
        self.calls.append("batched")
        size = self.dtype.itemsize
        for index in range(count):
            self._gemm(transa, transb, m, n, k, alpha, a + index * stride_a * size, lda,
                       b + index * stride_b * size, ldb, beta, c + index * stride_c * size, ldc)
        return 0

    def cublasDgemmStridedBatched(self, handle, *args):
        return self._batched("D", handle, *args)

    def cublasSgemmStridedBatched(self, handle, *args):
        return self._batched("S", handle, *args)


def operand(x: np.ndarray) -> cublas.Operand:
    return cublas.Operand(x.ctypes.data, x.shape, tuple(s // x.itemsize for s in x.strides))


def gemm_through_fake(a: np.ndarray, b: np.ndarray, dtype=np.float64) -> tuple[np.ndarray, str]:
    """`a @ b` the way `lifted.cuda.matmul` computes it, with the stand-in library."""
    a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    out = np.full(cublas.result_shape(a.shape, b.shape), np.nan, dtype=dtype)
    call = cublas.plan(operand(a), operand(b), out.ctypes.data, dtype)
    if call is None:
        a, b = cublas.contiguous(a, b.shape), cublas.contiguous(b, a.shape)
        call = cublas.plan(operand(a), operand(b), out.ctypes.data, dtype)
    fake = NumpyCublas(dtype, [a.base if a.base is not None else a, b.base if b.base is not None else b, out])
    cublas.run(fake, object(), call, dtype)
    return out, fake.calls[0]


rng = np.random.default_rng(7)
M = rng.normal(size=(5, 3))
CASES = {  # name: (a, b, the routine expected)
    "plain": (M, rng.normal(size=(3, 4)), "gemm"),
    "a_transposed_view": (rng.normal(size=(3, 5)).T, rng.normal(size=(3, 4)), "gemm"),
    "b_transposed_view": (M, rng.normal(size=(4, 3)).T, "gemm"),
    "both_transposed": (rng.normal(size=(3, 5)).T, rng.normal(size=(4, 3)).T, "gemm"),
    "row_slice": (rng.normal(size=(5, 7))[:, 1:4], rng.normal(size=(3, 4)), "gemm"),
    "matrix_vector": (M, rng.normal(size=3), "gemm"),
    "vector_matrix": (rng.normal(size=5), M, "gemm"),
    "strided_vector": (M, rng.normal(size=6)[::2], "gemm"),
    "dot": (rng.normal(size=3), rng.normal(size=3), "gemm"),
    "one_by_one": (rng.normal(size=(1, 1)), rng.normal(size=(1, 6)), "gemm"),
    "batched": (rng.normal(size=(4, 5, 3)), rng.normal(size=(4, 3, 2)), "batched"),
    "batched_transposed": (rng.normal(size=(4, 3, 5)).swapaxes(1, 2), rng.normal(size=(4, 3, 2)), "batched"),
    "broadcast_a": (M, rng.normal(size=(4, 3, 2)), "batched"),
    "broadcast_b": (rng.normal(size=(2, 4, 5, 3)), rng.normal(size=(3, 2)), "batched"),
    "batch_of_one": (rng.normal(size=(1, 5, 3)), rng.normal(size=(3, 2)), "gemm"),
    "vector_against_stack": (rng.normal(size=3), rng.normal(size=(4, 3, 2)), "batched"),
    "stack_against_vector": (rng.normal(size=(4, 5, 3)), rng.normal(size=3), "batched"),
    "mixed_broadcast_copied": (rng.normal(size=(2, 1, 5, 3)), rng.normal(size=(4, 3, 2)), "batched"),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(CASES))
def test_cublas_calls_compute_numpy_matmul(case, dtype):
    a, b, routine = CASES[case]
    got, used = gemm_through_fake(a, b, dtype)
    expected = a.astype(dtype) @ b.astype(dtype)
    assert got.shape == expected.shape and used == routine
    np.testing.assert_allclose(got, expected, rtol=1e-12 if dtype == np.float64 else 1e-5)


def test_transposed_views_are_passed_as_stored_with_the_transpose_flag():
    a, b = rng.normal(size=(3, 5)).T, rng.normal(size=(4, 3)).T
    call = cublas.plan(operand(a), operand(b), 0, np.float64)
    transa, transb, m, n, k = call.args[:5]
    assert (transa, transb, m, n, k) == (cublas.OP_T, cublas.OP_T, 4, 5, 3)  # C^T = B^T A^T: B first
    assert call.args[6:11] == (b.ctypes.data, 3, a.ctypes.data, 5, 0.0)  # no copy: the views' own memory


def test_handle_is_created_once_per_context_and_errors_are_reported():
    fake = NumpyCublas(np.float64)
    first = cublas.handle(fake, ("test-context", 1))
    assert cublas.handle(fake, ("test-context", 1)) is first and fake.created == 1
    cublas.handle(fake, ("test-context", 2))
    assert fake.created == 2

    class Failing(NumpyCublas):
        def cublasDgemm_v2(self, handle, *args):
            return 13  # CUBLAS_STATUS_EXECUTION_FAILED

    call = cublas.plan(operand(M), operand(M.T), 0, np.float64)
    with pytest.raises(RuntimeError, match="cublasDgemm_v2 failed with cuBLAS status 13"):
        cublas.run(Failing(np.float64), object(), call, np.float64)
    with pytest.raises(TypeError, match="float32 and float64"):
        cublas.plan(operand(M), operand(M.T), 0, np.int64)


def test_the_numpy_path_never_imports_pycuda_or_cublas():
    import subprocess
    import sys

    code = ("import sys, numpy as np\nfrom lifted import cpu, cuda\n"
            "assert 'pycuda' not in sys.modules and 'lifted.cublas' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.gpu
def test_cuda_matmul_agrees_with_numpy():
    pytest.importorskip("pycuda")
    from lifted import cuda

    try:
        import pycuda.autoprimaryctx  # noqa: F401
    except Exception as error:  # noqa: BLE001  (pycuda installed, no usable GPU)
        pytest.skip(f"no CUDA device: {error}")
    for case in sorted(CASES):
        a, b, _ = CASES[case]
        for dtype in (np.float64, np.float32):
            got = cuda.matmul(a.astype(dtype), b.astype(dtype))
            np.testing.assert_allclose(got, a.astype(dtype) @ b.astype(dtype),
                                       rtol=1e-12 if dtype == np.float64 else 1e-4, err_msg=case)


def test_cuda_host_modules_call_cublas_and_cpu_host_modules_numpy():
    """The same `_runtime.matmul` call on both targets: cuBLAS through `lifted.cuda`, NumPy's `np.matmul` (its
    large results in the buffer cache) through `lifted.cpu`."""
    from pathlib import Path

    from lifted.transpiler.pipeline import transpile_c

    text = (Path(__file__).parents[1] / "examples" / "mlp.py").read_text()
    hosts = {target: transpile_c(text, "mlp.py", target=target, loop_kernels=False).host  # (c: runs off, where
             for target in ("c", "cuda")}                                                  # products run in C)
    code = {target: [line for line in host.splitlines() if not line.lstrip().startswith("#")]
            for target, host in hosts.items()}
    assert any("_runtime.matmul(x, w1.T)" in line for line in code["cuda"])
    assert not any(" @ " in line for line in code["cuda"])
    assert any("_runtime.matmul(x, w1.T)" in line for line in code["c"])
    assert not any(" @ " in line for line in code["c"])
    assert "from lifted import cpu as _runtime" in transpile_c(text, "mlp.py", target="c").host


def test_an_integer_matrix_product_on_the_cuda_target_is_a_located_error():
    from lifted.transpiler import TranspileError
    from lifted.transpiler.pipeline import transpile_c

    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "i64[n,k]", b: "i64[k,m]"):
    return a @ b
'''
    with pytest.raises(TranspileError, match=r"int\.py:8.*no cuBLAS routine") as error:
        transpile_c(text, "int.py", target="cuda")
    assert "astype" in str(error.value.hint if hasattr(error.value, "hint") else error.value)
    transpile_c(text, "int.py", target="c")  # NumPy's integer `@` on the CPU target


EINSUMS = ["ij,jk->ik", "ji,jk->ik", "ij,kj->ik", "ji,kj->ik", "ij,jk->ki", "ji,kj->ki", "ab,bc", "ba,cb->ac",
           "ij,ij->ij", "ij,jk->ijk", "ij,jk->i", "ii,ij->j", "ij,jk,kl->il", "ijk,ikl->ijl", "i,ij->j", "ij,ik->jk"]


@pytest.mark.parametrize("spec", EINSUMS)
def test_einsums_that_are_one_matrix_product_become_cublas_calls(spec):
    from lifted.transpiler.backends.c.cuda_products import einsum_as_matmul

    swaps = einsum_as_matmul(spec)
    operands = spec.split("->")[0].split(",")
    if len(operands) != 2 or any(len(o) != 2 for o in operands) or spec in ("ij,ij->ij", "ij,jk->ijk",
                                                                          "ij,jk->i", "ii,ij->j"):
        assert swaps is None
        return
    assert swaps is not None
    sizes = dict(zip("abcdijkl", (2, 3, 4, 5, 2, 3, 4, 5)))
    a, b = (rng.normal(size=tuple(sizes[c] for c in o)) for o in operands)
    product = (a.T if swaps[0] else a) @ (b.T if swaps[1] else b)
    np.testing.assert_allclose(product.T if swaps[2] else product, np.einsum(spec, a, b), rtol=1e-12)


def test_cuda_host_module_renders_einsum_products_with_transposes():
    from lifted.transpiler.pipeline import transpile_c

    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "f64[n,k]", b: "f64[m,k]", c: "f64[k,k,k]"):
    return np.einsum("ik,jk->ij", a, b), np.einsum("ijk,ikl->ijl", c, c)
'''
    host = transpile_c(text, "ein.py", target="cuda").host
    assert "_runtime.matmul(a, b.T)" in host  # one product, the second operand read transposed
    assert "np.einsum('ijk,ikl->ijl', c, c)" in host or 'np.einsum("ijk,ikl->ijl", c, c)' in host
