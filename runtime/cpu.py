"""Run the C backend's kernels on the CPU: build the `.cu` text with the system C++ compiler (OpenMP), load
the shared library through ctypes, and call each kernel the way its spec (written by the compiler into the host
module) says.

The library is cached by content hash under `$LIFTED_CACHE_DIR/c` (default `~/.cache/lifted/c`), so a process
builds a given kernel text once and later processes load it directly. `$CXX` chooses the compiler (default
`c++`); `$OMP_NUM_THREADS` the thread count. A failed build raises `BuildError` naming the source line the
compiler complained about.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import re
import shlex
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

FLAGS = ("-x", "c++", "-std=c++14", "-O3", "-march=native", "-ffp-contract=off", "-fopenmp", "-fPIC", "-shared",
         "-w")
_NUMPY = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}
_CTYPES = {"f64": ctypes.c_double, "f32": ctypes.c_float, "i64": ctypes.c_int64, "i32": ctypes.c_int32,
           "bool": ctypes.c_bool}
_libraries: dict[str, Any] = {}
_lock = threading.Lock()


class BuildError(RuntimeError):
    """The C++ compiler rejected a generated `.cu` file; the message names the kernel source line."""


def cache_dir() -> Path:
    configured = os.environ.get("LIFTED_CACHE_DIR")
    return (Path(configured).expanduser() if configured else Path.home() / ".cache" / "lifted") / "c"


def _vector_math() -> tuple[str, ...]:
    """glibc's libmvec on x86-64 Linux: vectorised exp, log, sin, ... inside the kernels' SIMD loops."""
    if platform.machine() == "x86_64" and platform.libc_ver()[0] == "glibc" and not os.environ.get("LIFTED_NO_MVEC"):
        return ("-DLIFTED_MVEC",)
    return ()


def compiler() -> list[str]:
    return shlex.split(os.environ.get("CXX", "c++"))


def build(source: str, name: str = "kernels") -> Path:
    """The shared library for a `.cu` text, compiled once and cached by content hash."""
    command = compiler() + list(FLAGS) + list(_vector_math())
    digest = hashlib.sha256("\0".join(command + [source]).encode()).hexdigest()[:24]
    target = cache_dir() / f"{name}_{digest}.so"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        src = Path(work) / f"{name}.cu"
        src.write_text(source)
        out = Path(work) / "lib.so"
        libraries = ["-lmvec", "-lm"] if _vector_math() else ["-lm"]
        result = subprocess.run(command + [str(src), "-o", str(out)] + libraries, capture_output=True, text=True)
        if result.returncode != 0:
            raise BuildError(explain(result.stderr, source, f"{name}.cu"))
        os.replace(out, target)
    return target


def explain(stderr: str, source: str, name: str) -> str:
    """The compiler's first error, with the kernel line and the `// file:LINE` source comment above it."""
    lines = source.splitlines()
    match = re.search(r":(\d+):(?:\d+:)? (?:fatal )?error: (.*)", stderr)
    if match is None:
        return f"compiling {name} failed:\n{stderr.strip()}"
    number, message = int(match.group(1)), match.group(2)
    origin = next((line.strip()[3:] for line in reversed(lines[:number]) if line.strip().startswith("// ")
                   and ".py:" in line), "an unknown source line")
    kernel_line = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return (f"compiling {name} failed at line {number} (from {origin}): {message}\n    {kernel_line}\n"
            f"(compiler: {' '.join(compiler())}; full output below)\n{stderr.strip()}")


def load(path: str, specs: dict) -> "Kernels":
    """The kernels of the `.cu` file at `path`, callable as `kernels.<name>(*inputs)`."""
    source = Path(path).read_text()
    with _lock:
        key = hashlib.sha256(source.encode()).hexdigest()
        if key not in _libraries:
            _libraries[key] = ctypes.CDLL(str(build(source, Path(path).stem)))
        library = _libraries[key]
    return Kernels(library, specs)


class Kernels:
    def __init__(self, library, specs: dict):
        self._threads = library.lifted_max_threads() * library.lifted_lane_count()
        for name, spec in specs.items():
            setattr(self, name, Kernel(getattr(library, name), spec, self._threads))


class Kernel:
    """One kernel: checks and converts the inputs, allocates outputs and tapes, calls, returns the outputs."""

    def __init__(self, function, spec: dict, threads: int):
        self.function = function
        self.function.restype = None
        self.spec = spec
        self.rank = spec["rank"]
        self.threads = threads
        self.inputs = [p for p in spec["params"] if p[0] in ("scalar", "array")]

    def __call__(self, *args):
        rank = self.rank
        shape: list = [None] * rank
        arrays = []
        for value, param in zip(args, self.inputs):
            if param[0] == "array" and value is None:  # undefined on the path taken: the kernel never reads it
                arrays.append(None)
            elif param[0] == "array":
                array = np.asarray(value)
                if array.dtype != _NUMPY[param[1]]:
                    array = array.astype(_NUMPY[param[1]])
                arrays.append(array)
                _meet(shape, param[2], array.shape, rank)
            else:
                arrays.append(value)
        for pattern, dims in self.spec["dims"]:
            _meet(shape, pattern, tuple(_value(d, args) for d in dims), rank)
        shape = [known if d is None else d for d, known in zip(shape, self.spec["static"])]
        if any(d is None for d in shape):
            raise ValueError("the kernel's index space has a dimension no input gives")
        shape = tuple(int(d) for d in shape)
        count = int(np.prod(shape, dtype=np.int64))
        space = Space(self.spec, shape)
        call: list = [ctypes.c_int64(count)] + [ctypes.c_int64(d) for d in space.dims]
        call += [ctypes.c_int64(n) for n in space.counts]
        results, keep = [], []
        position = 0
        for param in self.spec["params"]:
            kind = param[0]
            if kind == "scalar":
                value = args[position]
                call.append(_CTYPES[param[1]](0 if value is None else _scalar(value, param[1])))
                position += 1
            elif kind == "array":
                array = arrays[position]
                position += 1
                if array is None:
                    call += [ctypes.c_void_p(0)] + [ctypes.c_int64(0)] * (rank if param[3] else 0)
                elif not param[3]:
                    array = np.ascontiguousarray(array)
                    keep.append(array)
                    call.append(ctypes.c_void_p(array.ctypes.data))
                else:
                    view = space.view(array)
                    keep.append(view)
                    call.append(ctypes.c_void_p(view.ctypes.data))
                    call += [ctypes.c_int64(s // view.itemsize) for s in view.strides]
            elif kind == "tape":
                capacity = sum(int(np.prod([len(range(*(_value(b, args) for b in bounds))) for bounds in loops]))
                               for loops in param[2])
                storage = np.empty(max(capacity, 1) * self.threads, dtype=_NUMPY[param[1]])
                keep.append(storage)
                call += [ctypes.c_void_p(storage.ctypes.data), ctypes.c_int64(max(capacity, 1))]
            elif kind == "out":
                out = np.empty(shape, dtype=_NUMPY[param[1]])
                results.append(out)
                call.append(ctypes.c_void_p(out.ctypes.data))
                if len(param) > 2:  # written through strides, in the space's order
                    call += [ctypes.c_int64(s) for s in space.strides()]
            elif kind == "scalar_out":
                out = np.zeros(1, dtype=_NUMPY[param[1]])
                results.append(("scalar", out))
                call.append(ctypes.c_void_p(out.ctypes.data))
            else:  # a reduction over the whole index space, or over the reduced axes for each output
                acc = np.full(space.outputs, identity(param), dtype=_NUMPY[param[3]])
                results.append(("reduce", acc, param, space))
                call.append(ctypes.c_void_p(acc.ctypes.data))
        space.check_empty()
        self.function(*call)
        values = tuple(_finish(r) for r in results)
        return values[0] if len(values) == 1 else values


class Space:
    """A kernel's index space as the kernel walks it: the shape permuted so that the axes its reductions keep come
    first (`perm`), the outputs and the elements each one reduces (`counts`, passed after the dims when the
    reductions keep axes), and how arrays are read and written in the space's order."""

    def __init__(self, spec: dict, shape: tuple):
        self.spec, self.shape = spec, shape
        self.perm = tuple(spec.get("perm", range(len(shape))))
        self.dims = tuple(shape[k] for k in self.perm)
        reduced = spec.get("reduced", len(shape))
        self.outputs = int(np.prod(self.dims[:len(shape) - reduced], dtype=np.int64))
        self.per_output = int(np.prod(self.dims[len(shape) - reduced:], dtype=np.int64))
        self.counts = (self.outputs, self.per_output) if "mode" in spec else ()

    def view(self, array: np.ndarray) -> np.ndarray:
        """A (broadcast) input in the space's order."""
        return np.broadcast_to(array, self.shape).transpose(self.perm)

    def strides(self) -> list[int]:
        """The element strides, in the space's order, of a C-contiguous array of the kernel's shape."""
        strides = [0] * len(self.shape)
        step = 1
        for k in reversed(range(len(self.shape))):
            strides[k], step = step, step * self.shape[k]
        return [strides[k] for k in self.perm]

    def reduced_shape(self, keepdims: bool) -> tuple:
        """The shape of a reduction's result (NumPy's, with `keepdims`)."""
        kept = len(self.shape) - self.spec.get("reduced", len(self.shape))
        axes = set(self.perm[kept:])
        return tuple(1 if k in axes else d for k, d in enumerate(self.shape) if keepdims or k not in axes)

    def check_empty(self) -> None:
        """An empty index space runs no element: refuse what NumPy refuses (max of nothing), and the scalar
        results only an element could have computed, rather than return a made-up number."""
        if self.outputs * self.per_output:
            return
        for param in self.spec["params"]:
            if param[0] == "reduce" and param[2] in ("max", "min") and self.outputs:
                raise ValueError(f"zero-size array to reduction operation {param[2]}imum which has no identity")
            if param[0] == "scalar_out":
                raise ValueError("this kernel computes a scalar per element, and the arrays are empty; "
                                 "the C backend cannot run it on empty arrays")


def identity(param: tuple):
    """The starting value of a reduction's accumulator."""
    op, acc_dtype = param[2], param[3]
    if acc_dtype == "i64" and op in ("max", "min"):
        return np.iinfo(np.int64).min if op == "max" else np.iinfo(np.int64).max
    return {"add": 0, "mul": 1, "max": -np.inf, "min": np.inf}[op]


def finish_reduction(acc: np.ndarray, param: tuple, space: Space):
    """The reduction's value as NumPy gives it: the mean divided, the result's dtype and shape."""
    dtype, _op, _acc_dtype, mean, keepdims = param[1:]
    if mean:
        with np.errstate(invalid="ignore", divide="ignore"):
            acc = acc.astype(np.float64) / space.per_output
    shape = space.reduced_shape(keepdims)
    if shape == ():
        return _NUMPY[dtype](acc[0])
    return acc.astype(_NUMPY[dtype], copy=False).reshape(shape)


def _meet(shape: list, pattern: tuple, actual: tuple, rank: int) -> None:
    """Check an input against the index space, filling in the dimensions it gives."""
    if len(actual) > rank:
        raise ValueError(f"an input of shape {actual} does not fit the kernel's {rank}-d index space")
    padded = (None,) * (rank - len(actual)) + tuple(actual)
    for k, (want, size) in enumerate(zip(pattern, padded)):
        if want == "S":
            if size is None:
                raise ValueError(f"an input of shape {actual} lacks a dimension of the index space")
            if shape[k] is None:
                shape[k] = size
            elif shape[k] != size:
                raise ValueError(f"dimension {k} of the index space is {shape[k]}, but an input has {size}; "
                                 "the C backend needs the sizes the annotations promise")
        elif want == 1 and size not in (None, 1):
            raise ValueError(f"an input of shape {actual} was compiled as broadcasting along dimension {k}")


def _value(source, args):
    kind, value = source
    return int(args[value]) if kind == "arg" else value


def _scalar(value, dtype: str):
    if dtype in ("f64", "f32"):
        return float(value)
    if dtype == "bool":
        return bool(value)
    return int(value)


def _finish(result):
    if not isinstance(result, tuple):
        return result
    if result[0] == "scalar":
        return result[1][0]
    return finish_reduction(*result[1:])


def compile_module(source: str | os.PathLike, target: str = "c"):
    """Transpile a kernel source file for a C target on the fly and import the result (on-the-fly use without a
    build step): the host module and its `.cu` are cached by content under `$LIFTED_CACHE_DIR/c`, like the
    libraries, so a second call (or process) imports them directly."""
    try:
        from lifted.transpiler import __version__
        from lifted.transpiler.backends.c import transpile_c
        from lifted.transpiler.pipeline import write_atomic
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(f"compiling {source} on the fly needs the Lifted transpiler and LibCST ({exc})") from exc
    from .loader import import_path

    path = Path(source).resolve()
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256("\0".join([__version__, target, str(path), text]).encode()).hexdigest()[:24]
    host = cache_dir() / f"{path.stem}_{target}_{digest}.py"
    with _lock:
        if not host.is_file():
            out = transpile_c(text, str(path), target, source_file=str(path), cu_file=host.with_suffix(".cu").name)
            write_atomic(host.with_suffix(".cu"), out.kernels)
            write_atomic(host, out.host)
    return import_path(host)
