"""Run the C backend's kernels on an NVIDIA GPU through pycuda (`pip install 'lifted[cuda]'`).

The `.cu` text is compiled once per process with pycuda's `SourceModule` (which caches by source hash on disk),
in the primary context (`pycuda.autoprimaryctx`), so it coexists with CuPy, PyTorch and JAX. Every launch is
checked: a failing kernel raises naming the kernel and the source line of its first statement. Inputs may be
NumPy arrays (copied in, results copied back) or pycuda `GPUArray`s (read where they are; results stay on the
device). A generated function runs its body through `call`, which makes the whole call a device call when it was
given device arrays, and gives a body that runs NumPy on arrays between its kernels host copies of them.
Argument checks and launch sizes are the CPU launcher's code (`launch_space`, shared with `cpu.launch`), so both
targets take and refuse the same arguments.
"""
from __future__ import annotations

import contextvars
import re
import threading
from pathlib import Path

import numpy as np

from .launch_space import (_CONVERT, _DTYPES, _NUMPY, INPUT_KINDS, Space, finish_reduction, identity, index_shape,
                           table_strides, tape_capacity)

BLOCK = 256
WARP = 32
MAX_GRID = 65535  # blocks per launch; the grid-stride loops cover any index space with them
_SCALARS = {**_NUMPY, "bool": np.uint8}  # how pycuda packs a scalar argument (it refuses np.bool_; a C bool is a byte)
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
    """One kernel of a loaded module, callable as `kernel(*inputs)` with the spec's scalar and array inputs, as
    `lifted.cpu.launch.Kernel` is on the CPU: the same checks against the annotations (shared code), the same
    results; arrays are copied to the device where they are NumPy arrays, and read where they are as `GPUArray`s."""

    def __init__(self, function, name: str, spec: dict, origin: str):
        self.function, self.name, self.spec, self.origin = function, name, spec, origin
        self.inputs = [p for p in spec["params"] if p[0] in INPUT_KINDS]
        self.arrays = [(k, _DTYPES[p[1]]) for k, p in enumerate(self.inputs) if p[0] in ("array", "table")]

    def __call__(self, *args):
        import pycuda.driver as driver
        import pycuda.gpuarray as gpuarray

        if len(args) != len(self.inputs):
            raise TypeError(f"the kernel takes {len(self.inputs)} inputs, {len(args)} given")
        on_device = _device_call.get() or any(isinstance(a, gpuarray.GPUArray) for a in args)
        arrays = list(args)
        for position, dtype in self.arrays:
            value = args[position]
            if value is not None and not isinstance(value, gpuarray.GPUArray):
                value = np.asarray(value)
                arrays[position] = value if value.dtype == dtype else value.astype(dtype)
        shape = index_shape(self.spec, self.inputs, arrays, args)
        space = Space(self.spec, shape)
        space.check_empty()
        count = int(np.prod(shape, dtype=np.int64))
        mode = self.spec.get("mode", "flat")
        workers = {"flat": count, "rows": space.outputs * WARP, "columns": space.outputs}[mode]
        grid = max(1, min((workers + BLOCK - 1) // BLOCK, MAX_GRID))
        threads = grid * BLOCK
        call = [np.int64(count)] + [np.int64(d) for d in space.dims] + [np.int64(n) for n in space.counts]
        results, keep = [], []
        position, tables = 0, {}
        for param in self.spec["params"]:
            kind = param[0]
            if kind == "result":  # an input the kernel added into, returned as it is
                results.append(("result", tables[param[1]]))
                continue
            if kind == "scalar":
                call.append(_SCALARS[param[1]](_host_scalar(args[position], param[1])))
                position += 1
            elif kind == "array":
                value, strides = self._operand(arrays[position], param, space)
                position += 1
                keep.append(value)
                call.append(_pointer(value))
                call += [np.int64(s) for s in strides]
            elif kind == "table":
                value = self._table(arrays[position], param)
                tables[position] = value
                position += 1
                keep.append(value)
                call.append(_pointer(value))
                if value is None:
                    call += [np.int64(0)] * (2 * param[2])
                else:
                    call += [np.int64(d) for d in value.shape]
                    call += [np.int64(s) for s in table_strides(value.shape, value.strides, value.itemsize)]
            elif kind == "tape":
                capacity = tape_capacity(param, args)
                storage = gpuarray.empty(capacity * threads, dtype=_NUMPY[param[1]])
                keep.append(storage)
                call += [_pointer(storage), np.int64(capacity)]
            elif kind in ("out", "scalar_out"):
                out = gpuarray.empty(shape if kind == "out" else (1,), dtype=_NUMPY[param[1]])
                results.append((kind, out, len(param) > 2 and kind == "scalar_out"))
                call.append(_pointer(out))
                if kind == "out" and len(param) > 2:  # written through strides, in the space's order
                    call += [np.int64(s) for s in space.strides()]
            else:
                acc = gpuarray.to_gpu(np.full(space.outputs, identity(param), dtype=_NUMPY[param[3]]))
                results.append(("reduce", acc, param))
                call.append(_pointer(acc))
        try:
            self.function(*call, block=(BLOCK, 1, 1), grid=(grid, 1))
            driver.Context.synchronize()
        except driver.Error as err:
            raise RuntimeError(f"kernel {self.name} (from {self.origin}) failed: {err}") from err
        values = []
        for result in results:
            if result[0] in ("out", "result"):
                values.append(result[1] if on_device else result[1].get())
            elif result[0] == "scalar_out":  # (a Python number where the source has one: `python`, the spec says)
                values.append(result[1].get()[0].item() if result[2] else result[1].get()[0])
            else:
                values.append(_finish(result[1], result[2], space, on_device))
        return values[0] if len(values) == 1 else tuple(values)

    def _table(self, value, param: tuple):
        """An array read through its own shape (a gather's): a device array of the kernel's dtype whose strides
        are whole elements, read where it is when it is one already (a table the kernel adds into is a fresh
        array of zeros of that dtype: copied in, the result is its device copy)."""
        import pycuda.gpuarray as gpuarray

        if value is None:
            return None
        dtype = _DTYPES[param[1]]
        if isinstance(value, gpuarray.GPUArray):
            if value.dtype == dtype and table_strides(value.shape, value.strides, value.itemsize) is not None:
                return value
            value = to_host(value)
        return upload(np.ascontiguousarray(value, dtype=dtype))

    def _operand(self, value, param: tuple, space: Space) -> tuple:
        """An array input as the kernel reads it: a device array and its element strides in the space's order
        (none for an input the kernel reads as contiguous). A `GPUArray` of the kernel's dtype is read where it is
        when the kernel can walk its strides; one it cannot (another dtype, gaps or a transposed view where the
        kernel reads contiguous memory) is copied first, exactly. None (a value undefined on the path taken,
        never read) passes a null pointer."""
        import pycuda.gpuarray as gpuarray

        strided = param[3]
        if value is None:
            return None, (0,) * len(space.shape) if strided else ()
        dtype = _DTYPES[param[1]]
        if isinstance(value, gpuarray.GPUArray):
            if value.dtype == dtype:
                strides = space.element_strides(value.shape, value.strides, value.itemsize)
                if strides is not None and (strided or _c_contiguous(value)):
                    return value, strides if strided else ()
            else:
                converted = _convert(value, dtype)
                if converted is not None:
                    return converted, space.element_strides(converted.shape, converted.strides,
                                                            converted.itemsize) if strided else ()
            value = to_host(value).astype(dtype, copy=False)
        if not (strided and value.flags.f_contiguous):  # (read through strides, a `.T` view goes up as stored)
            value = np.ascontiguousarray(value)
        device = upload(value)
        return device, space.element_strides(device.shape, device.strides, device.itemsize) if strided else ()


_device_call = contextvars.ContextVar("lifted_device_call", default=False)  # inside `call`, running on the device
_constants: dict[tuple, list] = {}  # a module-level array's memory -> [the array, its device copy once made]


def call(body, numpy_on_arrays: bool, *args):
    """Run a generated function's body (its host code and launches) on the arguments a caller gave.

    A body whose host code only launches kernels and matrix products, reads shapes and computes on scalars runs
    on the device: its array arguments are there for the whole call (NumPy ones copied in once), so every
    intermediate stays on the device, and its array results are copied back only for a caller that gave no
    `GPUArray`. Its scalar arithmetic gets NumPy scalars (a 0-d `GPUArray` is read back: pycuda's operators round
    differently from NumPy, `x / 3.0` multiplies by `1 / 3.0`). A body that runs NumPy on arrays between its
    kernels (`numpy_on_arrays`) gets host copies of device arguments, and its array results go back to the
    device for a caller that gave device arrays. Arrays inside list, tuple and dict arguments count too."""
    import pycuda.gpuarray as gpuarray

    given = []

    def scalar(value):
        if isinstance(value, gpuarray.GPUArray):
            given.append(value)
            if value.ndim == 0:
                return to_host(value)[()]
        return value

    def down(value):
        return to_host(value) if isinstance(value, gpuarray.GPUArray) and value.ndim else value

    def up(value):  # (an ndarray subclass goes to the body as it is: its argument check refuses np.matrix and kin)
        if type(value) in (np.ndarray, np.memmap) and value.ndim:
            return upload(np.ascontiguousarray(value))
        return value

    args = _tree_map(scalar, args)
    if numpy_on_arrays:
        result = body(*_tree_map(down, args))
        return _tree_map(up, result) if given else result
    token = _device_call.set(True)
    try:
        result = body(*_tree_map(up, args))
    finally:
        _device_call.reset(token)
    return result if given else _tree_map(down, result)


def _tree_map(function, value):
    if isinstance(value, tuple):
        return tuple(_tree_map(function, v) for v in value)
    if isinstance(value, list):
        return [_tree_map(function, v) for v in value]
    if isinstance(value, dict):
        return {k: _tree_map(function, v) for k, v in value.items()}
    return function(value)


def read_only(*arrays) -> None:
    """Make a host module's module-level arrays (and what they are views of) read-only constants: the first kernel
    launch or matrix product that reads one copies it to the device, later ones reuse that copy. (The primary
    context's device: the copy is made where pycuda.autoprimaryctx puts this process.)"""
    for array in arrays:
        if isinstance(array, np.ndarray):
            _constants[_memory(array)] = [array, None]
            while isinstance(array, np.ndarray):
                array.flags.writeable = False
                array = array.base


def _memory(array: np.ndarray) -> tuple:
    return array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str


def upload(host: np.ndarray):
    """A C- or F-contiguous host array on the device: a module-level constant's one copy, or a new copy."""
    import pycuda.gpuarray as gpuarray

    constant = _constants.get(_memory(host)) if not host.flags.writeable else None
    if constant is None or constant[0].flags.writeable:
        return gpuarray.to_gpu(host)
    if constant[1] is None:
        constant[1] = gpuarray.to_gpu(host)
    return constant[1]


def _host_scalar(value, dtype: str):
    """A scalar input as the kernel's parameter type takes it (a 0-d device array read back; None, a value
    undefined on the path taken, as 0: the kernel never reads it)."""
    if value is None:
        return 0
    if hasattr(value, "gpudata"):
        value = value.get()
    return _CONVERT[dtype](value)


def _pointer(array) -> np.uintp:
    """A device array's address as a kernel argument (0 for no array, or an empty one, which has no memory)."""
    if array is None or array.gpudata is None:
        return np.uintp(0)
    return np.uintp(int(array.gpudata))


def _c_contiguous(array) -> bool:
    """Does a device array lie in memory as a C-contiguous array of its shape (axes of one element aside)?"""
    step = array.itemsize
    for size, stride in zip(reversed(array.shape), reversed(array.strides)):
        if size == 0:
            return True
        if size != 1 and stride != step:
            return False
        step *= size
    return True


def _convert(array, dtype):
    """A C-contiguous device array in another dtype, converted on the device (pycuda's `astype` copies memory
    flatly into a C-ordered result, so only a C-contiguous array converts right); None where it cannot be."""
    if not _c_contiguous(array):
        return None
    try:
        return array.astype(dtype)
    except RuntimeError:  # pycuda's own contiguity test can be stricter (an axis of one element, odd stride)
        return None


def to_host(array) -> np.ndarray:
    """A device array's values as a C-contiguous NumPy array, whatever its strides (negative, zero, gaps, not
    whole elements): the span of memory it covers is copied in one transfer, then read through its strides."""
    import pycuda.driver as driver

    shape, strides, itemsize = tuple(array.shape), tuple(array.strides), array.dtype.itemsize
    if array.size == 0:
        return np.empty(shape, array.dtype)
    low = sum(min(0, (d - 1) * s) for d, s in zip(shape, strides))
    high = sum(max(0, (d - 1) * s) for d, s in zip(shape, strides)) + itemsize
    span = np.empty(high - low, np.uint8)
    driver.memcpy_dtoh(span, int(array.gpudata) + low)
    return np.ndarray(shape, array.dtype, buffer=span, offset=-low, strides=strides).copy()


def _finish(acc, param: tuple, space: Space, on_device: bool):
    """A reduction's value as NumPy gives it; an array result stays on the device when the inputs were there
    (a mean is divided on the host: pycuda divides by a scalar as a multiplication by its reciprocal)."""
    import pycuda.gpuarray as gpuarray

    shape = space.result_shapes[bool(param[5])]
    if not on_device or shape == () or param[4] or acc.size == 0:
        value = finish_reduction(acc.get(), param, space)
        return gpuarray.to_gpu(np.ascontiguousarray(value)) if on_device and shape != () else value
    dtype = _DTYPES[param[1]]
    return (acc if acc.dtype == dtype else acc.astype(dtype)).reshape(shape)


def matmul(a, b):
    """`a @ b` (also `np.dot`, stacked and broadcast) on the GPU through cuBLAS: `GPUArray` operands keep the
    result on the device; NumPy operands are copied in (a `.T` view as it is stored) and the result copied back."""
    import pycuda.autoprimaryctx  # noqa: F401  (the primary context, shared with other CUDA libraries)
    import pycuda.driver as driver
    import pycuda.gpuarray as gpuarray

    from . import cublas

    on_device = _device_call.get() or isinstance(a, gpuarray.GPUArray) or isinstance(b, gpuarray.GPUArray)
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
            a_host, b_host = to_host(a), to_host(b)
            (a, a_op) = _on_device(cublas.contiguous(a_host, b_host.shape), dtype)
            (b, b_op) = _on_device(cublas.contiguous(b_host, a_host.shape), dtype)
            call = cublas.plan(a_op, b_op, int(out.gpudata), dtype)
        context = driver.Context.get_current()
        library = cublas.library()
        cublas.run(library, cublas.handle(library, getattr(context, "handle", id(context))), call, dtype)
    if out.shape == ():  # a product of two vectors: a NumPy scalar, as `@` gives (host code computes with it)
        return out.get()[()]
    return out if on_device else out.get()


def _on_device(x, dtype):
    """A device array holding `x` in `dtype`, and its cuBLAS operand (a host `.T` view is uploaded as stored)."""
    import pycuda.gpuarray as gpuarray

    from .cublas import Operand

    if isinstance(x, gpuarray.GPUArray):
        converted = _convert(x, dtype) if x.dtype != dtype else None
        x = x if converted is None else converted
        if x.dtype == dtype and not any(s % x.itemsize for s in x.strides):
            return x, Operand(int(_pointer(x)), tuple(x.shape), tuple(s // x.itemsize for s in x.strides))
        x = to_host(x)  # another dtype that cannot be converted in place, or strides not whole elements
    x = np.asarray(x, dtype=dtype)
    if x.flags.f_contiguous and not x.flags.c_contiguous:  # a `.T` view: uploaded as stored, read transposed
        device = upload(x.T)
    else:
        x = np.ascontiguousarray(x)
        device = upload(x)
    return device, Operand(int(_pointer(device)), tuple(x.shape), tuple(s // x.itemsize for s in x.strides))
