"""Run the C backend's kernels on an NVIDIA GPU through pycuda (`pip install 'lifted[cuda]'`).

The `.cu` text is compiled once per process with pycuda's `SourceModule` (which caches by source hash on disk),
in the primary context (`pycuda.autoprimaryctx`), so it coexists with CuPy, PyTorch and JAX. Every launch is
checked: a failing kernel raises naming the kernel and the source line of its first statement. Inputs may be
NumPy arrays (copied in, results copied back) or pycuda `GPUArray`s (results stay on the device). The host code
between kernels is NumPy, so a function with host array code takes NumPy arrays.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from .cpu_launch import _NUMPY, Space, _meet, _scalar, _value, finish_reduction, identity

BLOCK = 256
WARP = 32
_modules: dict[str, object] = {}
_lock = threading.Lock()


def load(path: str, specs: dict) -> "Kernels":
    import pycuda.autoprimaryctx  # noqa: F401  (the primary context, shared with other CUDA libraries)
    from pycuda.compiler import SourceModule

    source = Path(path).read_text()
    with _lock:
        if source not in _modules:
            _modules[source] = SourceModule(source, no_extern_c=True, options=["-std=c++14"])
        module = _modules[source]
    return Kernels(module, specs, source)


class Kernels:
    def __init__(self, module, specs: dict, source: str):
        for name, spec in specs.items():
            setattr(self, name, Kernel(module.get_function(name), name, spec, _origin(source, name)))


def _origin(source: str, name: str) -> str:
    start = source.find(f"void {name}(")
    match = re.search(r"// (\S+\.py:\d+)", source[start:])
    return match.group(1) if match else name


class Kernel:
    def __init__(self, function, name: str, spec: dict, origin: str):
        self.function, self.name, self.spec, self.origin = function, name, spec, origin
        self.inputs = [p for p in spec["params"] if p[0] in ("scalar", "array")]

    def __call__(self, *args):
        import pycuda.driver as driver
        import pycuda.gpuarray as gpuarray

        rank = self.spec["rank"]
        on_device = any(isinstance(a, gpuarray.GPUArray) for a in args)
        shape: list = [None] * rank
        for value, param in zip(args, self.inputs):
            if param[0] == "array":
                _meet(shape, param[2], tuple(value.shape), rank)
        for pattern, dims in self.spec["dims"]:
            _meet(shape, pattern, tuple(_value(d, args) for d in dims), rank)
        shape = [known if d is None else d for d, known in zip(shape, self.spec["static"])]
        shape = tuple(int(d) for d in shape)
        count = int(np.prod(shape, dtype=np.int64))
        space = Space(self.spec, shape)
        mode = self.spec.get("mode", "flat")
        workers = {"flat": count, "rows": space.outputs * WARP, "columns": space.outputs}[mode]
        grid = max(1, min((workers + BLOCK - 1) // BLOCK, 65535))
        threads = grid * BLOCK
        call = [np.int64(count)] + [np.int64(d) for d in space.dims] + [np.int64(n) for n in space.counts]
        results, keep = [], []
        position = 0
        for param in self.spec["params"]:
            kind = param[0]
            if kind == "scalar":
                call.append(_NUMPY[param[1]](_scalar(args[position], param[1])))
                position += 1
            elif kind == "array":
                value = args[position]
                position += 1
                dtype = _NUMPY[param[1]]
                if not isinstance(value, gpuarray.GPUArray):
                    host = np.asarray(value, dtype=dtype)
                    value = gpuarray.to_gpu(np.ascontiguousarray(host) if not param[3] else host)
                elif value.dtype != dtype:
                    value = value.astype(dtype)
                keep.append(value)
                call.append(value.gpudata)
                if param[3]:
                    strides = _broadcast_strides(value.shape, value.strides, value.dtype.itemsize, shape)
                    call += [np.int64(strides[k]) for k in space.perm]
            elif kind == "tape":
                capacity = sum(int(np.prod([len(range(*(_value(b, args) for b in bounds))) for bounds in loops]))
                               for loops in param[2])
                storage = gpuarray.empty(max(capacity, 1) * threads, dtype=_NUMPY[param[1]])
                keep.append(storage)
                call += [storage.gpudata, np.int64(max(capacity, 1))]
            elif kind in ("out", "scalar_out"):
                out = gpuarray.empty(shape if kind == "out" else (1,), dtype=_NUMPY[param[1]])
                results.append((kind, out))
                call.append(out.gpudata)
                if kind == "out" and len(param) > 2:  # written through strides, in the space's order
                    call += [np.int64(s) for s in space.strides()]
            else:
                acc = gpuarray.to_gpu(np.full(space.outputs, identity(param), dtype=_NUMPY[param[3]]))
                results.append(("reduce", acc, param))
                call.append(acc.gpudata)
        space.check_empty()
        try:
            self.function(*call, block=(BLOCK, 1, 1), grid=(grid, 1))
            driver.Context.synchronize()
        except driver.Error as err:
            raise RuntimeError(f"kernel {self.name} (from {self.origin}) failed: {err}") from err
        values = []
        for result in results:
            if result[0] == "out":
                values.append(result[1] if on_device else result[1].get())
            elif result[0] == "scalar_out":
                values.append(result[1].get()[0])
            else:
                values.append(finish_reduction(result[1].get(), result[2], space))
        return values[0] if len(values) == 1 else tuple(values)


def _broadcast_strides(shape: tuple, strides: tuple, itemsize: int, space: tuple) -> list[int]:
    pad = len(space) - len(shape)
    out = []
    for k in range(len(space)):
        if k < pad or shape[k - pad] == 1:
            out.append(0)
        else:
            out.append(strides[k - pad] // itemsize)
    return out


def matmul(a, b):
    """`a @ b` (also `np.dot`, stacked and broadcast) on the GPU through cuBLAS: `GPUArray` operands keep the
    result on the device; NumPy operands are copied in (a `.T` view as it is stored) and the result copied back."""
    import pycuda.autoprimaryctx  # noqa: F401  (the primary context, shared with other CUDA libraries)
    import pycuda.driver as driver
    import pycuda.gpuarray as gpuarray

    from . import cublas

    on_device = isinstance(a, gpuarray.GPUArray) or isinstance(b, gpuarray.GPUArray)
    dtype = np.result_type(a.dtype, b.dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"matrix products on the GPU take float32 or float64 arrays, not {dtype}")
    (a, a_op), (b, b_op) = _on_device(a, dtype), _on_device(b, dtype)
    out = gpuarray.empty(cublas.result_shape(a_op.shape, b_op.shape), dtype)
    if out.size and a_op.shape[-1] == 0:
        out.fill(0)
    elif out.size:
        call = cublas.plan(a_op, b_op, int(out.gpudata), dtype)
        if call is None:  # strides cuBLAS cannot walk: contiguous copies over the whole batch
            a_host, b_host = a.get(), b.get()
            (a, a_op) = _on_device(cublas.contiguous(a_host, b_host.shape), dtype)
            (b, b_op) = _on_device(cublas.contiguous(b_host, a_host.shape), dtype)
            call = cublas.plan(a_op, b_op, int(out.gpudata), dtype)
        context = driver.Context.get_current()
        library = cublas.library()
        cublas.run(library, cublas.handle(library, getattr(context, "handle", id(context))), call, dtype)
    return out if on_device else out.get()


def _on_device(x, dtype):
    """A device array holding `x` in `dtype`, and its cuBLAS operand (a host `.T` view is uploaded as stored)."""
    import pycuda.gpuarray as gpuarray

    from .cublas import Operand

    if isinstance(x, gpuarray.GPUArray):
        x = x if x.dtype == dtype else x.astype(dtype)
        return x, Operand(int(x.gpudata), tuple(x.shape), tuple(s // x.dtype.itemsize for s in x.strides))
    x = np.asarray(x, dtype=dtype)
    if x.flags.f_contiguous and not x.flags.c_contiguous:  # a `.T` view: uploaded as stored, read transposed
        device = gpuarray.to_gpu(x.T)
    else:
        x = np.ascontiguousarray(x)
        device = gpuarray.to_gpu(x)
    return device, Operand(int(device.gpudata), tuple(x.shape), tuple(s // x.itemsize for s in x.strides))
