"""Run the C backend's kernels on the CPU: build the `.cu` text with the system C++ compiler (OpenMP), load
the shared library through ctypes, and call each kernel the way its spec (written by the compiler into the host
module) says.

The library is cached by content hash under `$LIFTED_CACHE_DIR/c` (default `~/.cache/lifted/c`), so a process
builds a given kernel text once and later processes load it directly. `$CXX` chooses the compiler (default
`c++`); `$OMP_NUM_THREADS` the thread count, `$LIFTED_PARALLEL_MIN` the fewest elements an index space needs
to use them (smaller ones run on the calling thread). Large outputs reuse the memory of arrays that died
(`lifted.buffers`: `$LIFTED_BUFFER_MIN`, `$LIFTED_BUFFER_CACHE`, `release_buffers()`), and so do the host
module's matrix products (`matmul`, `flat_matmul`: `lifted.cpu_products`). A failed build raises
`BuildError` naming the source line the compiler complained about.
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

from .buffers import release as release_buffers  # noqa: F401  (public: free the idle output blocks)
from .cpu_products import blas_gemm, flat_matmul, matmul  # noqa: F401  (the host module's matrix products)
from .cpu_launch import Kernel
from .cpu_loop import LoopKernel

# -fno-tree-loop-distribute-patterns: a kernel's loops over a chunk's lanes (a lane array stored to an output, an
# accumulator row filled) stay vector loops; GCC had made them calls of memcpy and memset, a call per chunk that
# cost more than the copy (kmeans' `distances == min` mask over rows of k = 10: its bytes stored one call a row)
FLAGS = ("-x", "c++", "-std=c++14", "-O3", "-march=native", "-ffp-contract=off", "-fno-tree-loop-distribute-patterns",
         "-fopenmp", "-fPIC", "-shared", "-w")
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


def parallel_min() -> int:
    """The fewest elements an index space needs to run on all OpenMP threads ($LIFTED_PARALLEL_MIN)."""
    configured = os.environ.get("LIFTED_PARALLEL_MIN", "").strip()
    if not configured:
        return PARALLEL_MIN
    try:
        return max(0, int(configured))
    except ValueError:
        raise ValueError(f"$LIFTED_PARALLEL_MIN is {configured!r}; it takes a number of elements, e.g. 4096 "
                         "(0: every index space runs on all threads)") from None


def load(path: str, specs: dict) -> "Kernels":
    """The kernels of the `.cu` file at `path`, callable as `kernels.<name>(*inputs)`."""
    source = Path(path).read_text()
    with _lock:
        key = hashlib.sha256(source.encode()).hexdigest()
        if key not in _libraries:
            _libraries[key] = ctypes.CDLL(str(build(source, Path(path).stem)))
        library = _libraries[key]
    return Kernels(library, specs)


PARALLEL_MIN = 4096  # the prelude's default: index spaces of fewer elements run on one thread


class Kernels:
    def __init__(self, library, specs: dict):
        self.library = library
        library.lifted_set_parallel_min.argtypes = [ctypes.c_int64]
        library.lifted_set_parallel_min(parallel_min())
        self.max_threads = library.lifted_max_threads()  # OpenMP's, when the library loaded
        self._threads = self.max_threads * library.lifted_lane_count()  # (a tape has a stack per thread and lane)
        dgemm, sgemm = blas_gemm()
        for name, address in (("lifted_blas_dgemm", dgemm), ("lifted_blas_sgemm", sgemm)):
            try:
                ctypes.c_void_p.in_dll(library, name).value = address or None
            except ValueError:  # (a library with no run that multiplies matrices)
                pass
        for name, spec in specs.items():
            kernel = LoopKernel(getattr(library, name), spec) if spec.get("loop") else \
                Kernel(getattr(library, name), spec, self._threads)
            setattr(self, name, kernel)


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
