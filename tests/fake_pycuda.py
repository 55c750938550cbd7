"""A stand-in for pycuda (and libcublas), so that the CUDA target's host path runs without a GPU.

`install(monkeypatch)` puts `pycuda`, `pycuda.driver`, `pycuda.gpuarray`, `pycuda.compiler` and
`pycuda.autoprimaryctx` into `sys.modules` and returns the `FakeDevice` behind them:

* device memory is host memory that the stand-in hands out (`mem_alloc`), filled with NaN bytes so that a result
  the kernel never wrote shows; every address a launch or a copy uses must lie inside one such allocation, so a
  host pointer passed as a device pointer, or a buffer too small for the launch, fails here;
* `SourceModule` insists on `no_extern_c=True` (pycuda would otherwise wrap the prelude's templates in `extern "C"`)
  and builds the very same `.cu` text for the CPU (`lifted.cpu.build`); a launch checks its arguments as pycuda
  packs them (NumPy scalars and pointers only) against the kernel's C signature (count, and each one's C type),
  checks the grid and block against CUDA's limits and the buffers' extents against the index space, then runs
  the CPU build of the kernel on the same memory (a tape gets CPU-sized scratch: its layout is the target's own);
* `gpuarray.GPUArray` follows pycuda's strides, views (slicing, `.T`, `reshape`) and contiguity rules, and is
  stricter where pycuda's own support is partial: `to_gpu`, `get`, `set`, `astype` take contiguous arrays only;
* cuBLAS is `test_cublas.NumpyCublas` reading the stand-in's device memory.

What it cannot check: the GPU's own execution (warps, shuffles, atomics); the `gpu`-marked tests do that. Nor
the extent of a stencil's source (transpiler/backends/c/stencils/: read at offsets inside windows, it may be
smaller than the index space): only its first element is checked to be device memory.
"""
from __future__ import annotations

import ctypes
import re
import sys
import types

import numpy as np

_CTYPES = {"int64_t": (np.int64, ctypes.c_int64), "int32_t": (np.int32, ctypes.c_int32),
           "double": (np.float64, ctypes.c_double), "float": (np.float32, ctypes.c_float),
           "bool": (np.bool_, ctypes.c_bool)}


class FakeDevice:
    """The stand-in's device memory, its launches and an optional injected failure."""

    def __init__(self):
        self.allocations: dict[int, np.ndarray] = {}
        self.launches: list[tuple] = []  # (kernel name, grid, block, the packed arguments)
        self.uploads = 0  # host-to-device copies made
        self.failure: str | None = None  # the next synchronize raises a LaunchError with this text

    def alloc(self, nbytes: int) -> "DeviceAllocation":
        return DeviceAllocation(self, nbytes)

    def memory(self, pointer: int, nbytes: int) -> np.ndarray:
        """The bytes [pointer, pointer + nbytes) of one allocation (AssertionError when they are not device memory)."""
        for start, buffer in self.allocations.items():
            if start <= pointer and pointer + nbytes <= start + buffer.nbytes:
                return buffer[pointer - start:pointer - start + nbytes]
        raise AssertionError(f"{nbytes} bytes at {pointer:#x} are not inside one device allocation")

    def array(self, pointer: int, shape: tuple, strides: tuple, dtype) -> np.ndarray:
        """A NumPy view of device memory (bounds checked)."""
        dtype = np.dtype(dtype)
        if int(np.prod(shape)) == 0:
            return np.empty(shape, dtype)
        low = sum(min(0, (d - 1) * s) for d, s in zip(shape, strides))
        high = sum(max(0, (d - 1) * s) for d, s in zip(shape, strides)) + dtype.itemsize
        span = self.memory(pointer + low, high - low)
        return np.ndarray(shape, dtype, buffer=span, offset=-low, strides=strides)


class DeviceAllocation:
    def __init__(self, device: FakeDevice, nbytes: int):
        assert nbytes > 0, "pycuda allocates no memory for an empty array (gpudata is None)"
        self.buffer = np.full(nbytes, 0xFF, dtype=np.uint8)  # NaN in every float: unwritten results show
        self.address = self.buffer.__array_interface__["data"][0]
        device.allocations[self.address] = self.buffer

    def __int__(self) -> int:
        return self.address

    __index__ = __int__


def _c_strides(shape: tuple, itemsize: int, order: str = "C") -> tuple:
    strides, step = [0] * len(shape), itemsize
    axes = range(len(shape)) if order == "F" else reversed(range(len(shape)))
    for k in axes:
        strides[k], step = step, step * max(shape[k], 1)
    return tuple(strides)


def _driver(device: FakeDevice) -> types.ModuleType:
    driver = types.ModuleType("pycuda.driver")

    class Error(Exception):
        pass

    class LaunchError(Error):
        pass

    class Context:
        handle = 0xC0FFEE

        @staticmethod
        def synchronize():
            if device.failure is not None:
                failure, device.failure = device.failure, None
                raise LaunchError(failure)

        @staticmethod
        def get_current():
            return Context()

    def memcpy_dtoh(dest: np.ndarray, src) -> None:
        assert dest.flags.c_contiguous, "memcpy_dtoh writes a contiguous host buffer"
        dest.view(np.uint8).reshape(-1)[:] = device.memory(int(src), dest.nbytes)

    def memcpy_htod(dest, src: np.ndarray) -> None:
        assert src.flags.c_contiguous, "memcpy_htod reads a contiguous host buffer"
        device.uploads += 1
        device.memory(int(dest), src.nbytes)[:] = src.reshape(-1).view(np.uint8)

    driver.Error, driver.LaunchError, driver.Context = Error, LaunchError, Context
    driver.DeviceAllocation = DeviceAllocation
    driver.mem_alloc = device.alloc
    driver.memcpy_dtoh, driver.memcpy_htod = memcpy_dtoh, memcpy_htod
    return driver


def _gpuarray(device: FakeDevice) -> types.ModuleType:
    gpuarray = types.ModuleType("pycuda.gpuarray")

    class Flags:
        def __init__(self, array):
            self.c_contiguous = array.strides == _c_strides(array.shape, array.itemsize) or array.size <= 1
            self.f_contiguous = array.strides == _c_strides(array.shape, array.itemsize, "F") or array.size <= 1
            self.forc = self.c_contiguous or self.f_contiguous

    class GPUArray:
        """pycuda's GPUArray: shape, dtype, byte strides and `gpudata` (a DeviceAllocation, or an int address for a
        view at an offset, or None when empty)."""

        __array_priority__ = 100

        def __init__(self, shape, dtype, allocator=None, base=None, gpudata=None, strides=None, order="C"):
            dtype = np.dtype(dtype)
            shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
            self.shape, self.dtype, self.itemsize = shape, dtype, dtype.itemsize
            self.strides = tuple(int(s) for s in strides) if strides is not None else \
                _c_strides(shape, dtype.itemsize, order)
            self.size = self.mem_size = int(np.prod(shape, dtype=np.int64))
            self.nbytes = self.size * dtype.itemsize
            self.base = base
            if gpudata is None:
                assert base is None
                self.gpudata = device.alloc(self.nbytes) if self.size else None
            else:
                self.gpudata = gpudata

        @property
        def ndim(self):
            return len(self.shape)

        @property
        def flags(self):
            return Flags(self)

        def _view(self) -> np.ndarray:
            if self.size == 0:
                return np.empty(self.shape, self.dtype)
            return device.array(int(self.gpudata), self.shape, self.strides, self.dtype)

        def _contiguous(self, what: str):
            if not self.flags.forc:
                raise RuntimeError(f"the stand-in (like pycuda for most of it) {what} only contiguous arrays")

        def get(self):
            self._contiguous("reads back")
            out = np.empty(self.shape, self.dtype, order="F" if not self.flags.c_contiguous else "C")
            out[...] = self._view()
            return out

        def set(self, ary):
            assert ary.shape == self.shape and ary.dtype == self.dtype, "set: same shape and dtype"
            self._contiguous("uploads into")
            assert ary.flags.c_contiguous or ary.flags.f_contiguous, "set: a contiguous host array"
            if self.size:
                device.uploads += 1
                self._view()[...] = ary

        def copy(self):
            new = GPUArray(self.shape, self.dtype, strides=self.strides)
            if self.size:
                new._view()[...] = self._view()
            return new

        def astype(self, dtype):
            self._contiguous("converts")
            if np.dtype(dtype) == self.dtype:
                return self.copy()
            # pycuda: a C-ordered result, filled by a flat copy of the memory (an F-ordered source would come out
            # scrambled: the runtime converts only C-contiguous arrays)
            result = GPUArray(self.shape, dtype)
            if self.size:
                flat = device.array(int(self.gpudata), (self.size,), (self.itemsize,), self.dtype)
                device.array(int(result.gpudata), (self.size,), (result.itemsize,), result.dtype)[...] = flat
            return result

        def reshape(self, *shape, order="C"):
            self._contiguous("reshapes")
            if isinstance(shape[0], (tuple, list)):
                shape = tuple(shape[0])
            if shape == self.shape and (order == "C" and self.flags.c_contiguous):
                return self
            assert int(np.prod(shape)) == self.size, "total size of new array must be unchanged"
            return GPUArray(shape, self.dtype, base=self, gpudata=int(self.gpudata), order=order)  # (int(None) fails)

        def transpose(self, axes=None):
            axes = tuple(range(self.ndim - 1, -1, -1)) if axes is None else tuple(axes)
            return GPUArray(tuple(self.shape[a] for a in axes), self.dtype, base=self if self.base is None else self.base,
                            gpudata=self.gpudata, strides=tuple(self.strides[a] for a in axes))

        @property
        def T(self):  # noqa: N802
            return self.transpose()

        def __getitem__(self, index):  # pycuda's: slices, integers, Ellipsis, newaxis
            index = index if isinstance(index, tuple) else (index,)
            shape, strides, offset, axis = [], [], 0, 0
            for entry in index:
                if isinstance(entry, slice):
                    start, stop, step = entry.indices(self.shape[axis])
                    shape.append((abs(stop - start) - 1) // abs(step) + 1)
                    strides.append(step * self.strides[axis])
                    offset += self.strides[axis] * start
                    axis += 1
                elif isinstance(entry, (int, np.integer)):
                    offset += self.strides[axis] * (entry % self.shape[axis])
                    axis += 1
                elif entry is None:
                    shape.append(1)
                    strides.append(0)
                else:
                    raise IndexError("the stand-in slices with slices, integers and None")
            shape += self.shape[axis:]
            strides += self.strides[axis:]
            return GPUArray(tuple(shape), self.dtype, base=self, gpudata=int(self.gpudata) + offset,
                            strides=tuple(strides))

        def fill(self, value):
            self._contiguous("fills")
            if self.size:
                self._view()[...] = value
            return self

        def __repr__(self):
            return f"GPUArray(shape={self.shape}, dtype={self.dtype}, strides={self.strides})"

        def __len__(self):
            return self.shape[0]

        def __bool__(self):  # pycuda's: only an array of one element has a truth value
            if self.size == 1:
                return bool(self._view().reshape(-1)[0])
            raise ValueError("The truth value of an array with more than one element is ambiguous.")

    def to_gpu(ary):
        ary = np.asarray(ary)
        if not (ary.flags.c_contiguous or ary.flags.f_contiguous):
            raise NotImplementedError("the stand-in uploads contiguous arrays only (pycuda copies others through "
                                      "at most two discontiguous axes, and fails beyond)")
        result = GPUArray(ary.shape, ary.dtype, order="C" if ary.flags.c_contiguous else "F")
        result.set(ary)
        return result

    gpuarray.GPUArray, gpuarray.to_gpu, gpuarray.empty = GPUArray, to_gpu, GPUArray
    return gpuarray


class FakeFunction:
    """One kernel of a `SourceModule`: checks a launch as a GPU would take it, then runs the CPU build."""

    def __init__(self, device: FakeDevice, library, name: str, source: str, params: list[tuple]):
        self.device, self.name, self.source, self.params = device, name, source, params
        self.cpu = getattr(library, name)
        self.cpu.restype = None
        self.cpu.argtypes = [ctypes.c_void_p if ctype.endswith("*") else _CTYPES[ctype][1] for ctype, _, _ in params]
        self.threads = library.lifted_max_threads() * library.lifted_lane_count()

    def __call__(self, *args, block=None, grid=(1, 1), stream=None, shared=0):
        assert block is not None and len(block) == 3 and all(b >= 1 for b in block) and int(np.prod(block)) <= 1024
        assert 1 <= len(grid) <= 3 and all(g >= 1 for g in grid) and grid[0] <= 2**31 - 1 and \
            all(g <= 65535 for g in grid[1:]), f"grid {grid} is outside CUDA's limits"
        if len(args) != len(self.params):
            raise AssertionError(f"{self.name} takes {len(self.params)} arguments, the launch passes {len(args)}")
        values = [self._packed(k, arg) for k, arg in enumerate(args)]
        named = dict(zip((name for _, name, _ in self.params), values))
        threads = int(np.prod(grid)) * int(np.prod(block))
        call, scratch = [], []
        for k, ((ctype, name, _), value) in enumerate(zip(self.params, values)):
            call.append(self._pointer(k, value, named, threads, scratch) if ctype.endswith("*") else value)
        self.device.launches.append((self.name, tuple(grid), tuple(block), tuple(values)))
        self.cpu(*call)

    def _packed(self, k: int, arg):
        """The argument as pycuda packs it: a NumPy scalar by its own dtype, a pointer from an allocation or an
        object with `gpudata`; anything else (a Python int or float, None) pycuda refuses."""
        ctype, name, _ = self.params[k]
        if isinstance(arg, np.number):  # (not np.bool_: pycuda refuses it; a C bool takes one byte, np.uint8)
            if ctype.endswith("*"):
                assert arg.dtype == np.uintp, f"{self.name}: parameter #{k} ({name}) is a pointer, given {arg.dtype}"
                return int(arg)
            want = np.uint8 if ctype == "bool" else _CTYPES[ctype][0]
            assert arg.dtype == want, f"{self.name}: parameter #{k} ({name}) is {ctype}, given a {arg.dtype} scalar"
            return bool(arg) if ctype == "bool" else arg.item()
        if isinstance(arg, DeviceAllocation) or hasattr(arg, "gpudata"):
            assert ctype.endswith("*"), f"{self.name}: parameter #{k} ({name}) is {ctype}, given a pointer"
            return int(arg if isinstance(arg, DeviceAllocation) else arg.gpudata)
        raise TypeError(f"invalid type on parameter #{k} (0-based)")  # pycuda's words

    def _pointer(self, k: int, pointer: int, named: dict, threads: int, scratch: list):
        ctype, name, const = self.params[k]
        element = np.dtype(_CTYPES[ctype.rstrip("*")][0]).itemsize
        if pointer == 0:  # an array the path taken never reads, or an empty one
            return None
        n = named["n"]
        rank = sum(1 for _, other, _ in self.params if re.fullmatch(r"d\d+", other))
        dims = [named[f"d{k}"] for k in range(rank)]
        following = [other for _, other, _ in self.params[k + 1:k + 1 + rank]]
        if name.endswith("_data") and f"{name[:-5]}_cap" in named:  # a tape: slot-major, a column per thread
            cap = named[f"{name[:-5]}_cap"]
            self.device.memory(pointer, cap * threads * element)
            scratch.append(np.empty(cap * self.threads, dtype=np.uint8 if element == 1 else f"f{element}"))
            return scratch[-1].__array_interface__["data"][0]
        if re.search(rf"\? {re.escape(name)}\[", self.source):  # a stencil's source, read at offsets inside windows
            self.device.memory(pointer, element)  # (its extent is its own, not the space's: see the module's note)
            return pointer
        base = name[:-5]
        table_dims = [other for _, other, _ in self.params[k + 1:] if re.fullmatch(rf"{re.escape(base)}_d\d+", other)]
        if name.endswith("_data") and table_dims:  # a gather's table: its own dims, then its element strides
            count = len(table_dims)
            sizes = [named[d] for d in table_dims]
            strides = [named[other] for _, other, _ in self.params[k + 1 + count:k + 1 + 2 * count]]
            low = sum(min(0, (d - 1) * s) for d, s in zip(sizes, strides))
            high = sum(max(0, (d - 1) * s) for d, s in zip(sizes, strides))
            if all(sizes):
                self.device.memory(pointer + low * element, (high - low + 1) * element)
            return pointer
        if rank and len(following) == rank and all(re.search(r"_o?s\d+(_\d+)?$", f) for f in following):
            strides = [named[f] for f in following]  # in the space's order, as the dims d0, d1, ...
            low = sum(min(0, (d - 1) * s) for d, s in zip(dims, strides))
            high = sum(max(0, (d - 1) * s) for d, s in zip(dims, strides))
            if n:
                self.device.memory(pointer + low * element, (high - low + 1) * element)
        elif const or re.search(rf"\b{re.escape(name)}\[i\] =", self.source):
            self.device.memory(pointer, n * element)  # read or written at [i]
        elif re.search(rf"\b{re.escape(name)}\[lifted_o\]|LIFTED_COLUMN_STORE\({re.escape(name)},", self.source):
            self.device.memory(pointer, named["lifted_n_out"] * element)  # a result per output
        else:
            self.device.memory(pointer, element)  # an accumulator, or a scalar result
        return pointer


def _compiler(device: FakeDevice) -> types.ModuleType:
    compiler = types.ModuleType("pycuda.compiler")

    class SourceModule:
        def __init__(self, source, nvcc="nvcc", options=None, keep=False, no_extern_c=False, arch=None, code=None,
                     cache_dir=None, include_dirs=()):
            assert no_extern_c, "pycuda wraps the source in extern \"C\" unless no_extern_c=True: the prelude's " \
                                "templates would not compile"
            from lifted import cpu

            self.source = source
            # named as lifted.cpu names the CPU target's build of the same text (after its source file), so a test
            # that ran that target first has built the library already
            header = re.match(r"// Generated by transpile \S+ from (?:.*/)?([\w.-]+)\.py ", source)
            self.library = ctypes.CDLL(str(cpu.build(source, header.group(1) if header else "fake_cuda")))

        def get_function(self, name: str) -> FakeFunction:
            match = re.search(rf"LIFTED_KERNEL void {re.escape(name)}\((.*?)\)\n\{{", self.source, re.S)
            assert match, f"no kernel {name} in the module"
            params = []  # (C type without const, e.g. "double*" or "int64_t"; name; const)
            for decl in match.group(1).split(","):
                words = decl.replace("__restrict__", "").replace("*", " * ").split()
                ctype = " ".join(w for w in words[:-1] if w not in ("*", "const")) + ("*" if "*" in words else "")
                params.append((ctype, words[-1], "const" in words))
            # the kernel's text: its body function (the kernel calls it: LIFTED_RUN) and the kernel itself
            body = self.source.find(f"LIFTED_DEVICE void {name}_body(")
            start = body if 0 <= body < match.start() else match.start()
            ends = [k for k in (self.source.find("LIFTED_KERNEL", match.end()),
                                self.source.find("LIFTED_DEVICE void ", match.end())) if k > 0]
            return FakeFunction(device, self.library, name, self.source[start:min(ends) if ends else None], params)

    compiler.SourceModule = SourceModule
    return compiler


def install(monkeypatch) -> FakeDevice:
    """Make `import pycuda...` (and lifted.cuda's cuBLAS) the stand-in for the rest of the test."""
    from lifted import cublas, cuda
    from test_cublas import NumpyCublas

    device = FakeDevice()
    package = types.ModuleType("pycuda")
    driver = _driver(device)
    gpuarray = _gpuarray(device)
    compiler = _compiler(device)
    package.driver, package.gpuarray, package.compiler = driver, gpuarray, compiler
    package.autoprimaryctx = types.ModuleType("pycuda.autoprimaryctx")
    for name, module in (("pycuda", package), ("pycuda.driver", driver), ("pycuda.gpuarray", gpuarray),
                         ("pycuda.compiler", compiler), ("pycuda.autoprimaryctx", package.autoprimaryctx)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(cuda, "_modules", {})
    monkeypatch.setattr(cuda, "_constants", {})  # (device copies of module-level arrays: this device's)

    class DeviceCublas(NumpyCublas):
        """cuBLAS over the stand-in's device memory, in the precision the routine names."""

        @property
        def buffers(self):
            return [(start, buffer.nbytes) for start, buffer in device.allocations.items()]

        @buffers.setter
        def buffers(self, _value):
            pass

        def _routine(self, prefix):
            self.dtype = np.dtype(np.float64 if prefix == "D" else np.float32)

    library = DeviceCublas(np.float64)
    monkeypatch.setattr(cublas, "library", lambda: library)
    monkeypatch.setattr(cublas, "_handles", {})
    device.cublas = library
    return device
