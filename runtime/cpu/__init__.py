"""Run the C backend's kernels on the CPU: build the `.cu` text with the system C++ compiler (OpenMP), load
the shared library through ctypes, and call each kernel the way its spec (written by the compiler into the host
module) says.

The library is cached by content hash under `$LIFTED_CACHE_DIR/c` (default `~/.cache/lifted/c`), so a process
builds a given kernel text once and later processes load it directly. `$CXX` chooses the compiler (default
`c++`); `$OMP_NUM_THREADS` the thread count, `$LIFTED_PARALLEL_MIN` the fewest elements an index space needs
to use them (smaller ones run on the calling thread). Large outputs reuse the memory of arrays that died
(`lifted.cpu.buffers`: `$LIFTED_BUFFER_MIN`, `$LIFTED_BUFFER_CACHE`, `release_buffers()`), and so do the host
module's matrix products (`matmul`, `flat_matmul`: `lifted.cpu.products`). A failed build raises
`BuildError` naming the source line the compiler complained about.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from .buffers import release as release_buffers  # noqa: F401  (public: free the idle output blocks)
from .products import blas_gemm, flat_matmul, matmul  # noqa: F401  (the host module's matrix products)
from .launch import Kernel
from .capi import arguments_key  # noqa: F401  (the host module's argument checks)
from .build import FLAGS, BuildError, build, cache_dir, compiler, explain  # noqa: F401  (public)
from .loop import LoopKernel
from . import wait_policy

_libraries: dict[str, Any] = {}
_lock = threading.Lock()


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
            wait_policy.choose()  # (before the first library brings in the OpenMP runtime)
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
    build step). The host module and its `.cu` live in the on-the-fly cache (`$LIFTED_CACHE_DIR`, private to
    the user, as `lifted.cache` keeps it): keyed by the compiler, the file's bytes and every project module it
    imports kernels from, so an edit to any of them builds again and a second call (or process) imports them
    directly."""
    try:
        from lifted.transpiler.pipeline import transpile_c
        from lifted.transpiler.outputs import write_atomic
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(f"compiling {source} on the fly needs the Lifted transpiler and LibCST ({exc})") from exc
    from .. import cache
    from ..loader import import_path

    path = Path(source).resolve()
    data = path.read_bytes()
    request = f"compile_module {target}"
    key = cache.request_key(path, data, request)
    with _lock:
        found = cache.lookup(path, key)
        if found is None or not found[0].with_suffix(".cu").is_file():
            dependencies: dict[str, str | None] = {}
            folder = cache.prepare_dir()
            # a name of its own per build: a host module already written (for other versions of the modules
            # it imports) keeps the `.cu` it was built with
            host = folder / f"{cache.file_stem(path)}_{target}_{key[:16]}_{secrets.token_hex(4)}.py"
            out = transpile_c(data.decode("utf-8"), str(path), target, source_file=str(path),
                              cu_file=host.with_suffix(".cu").name, dependencies=dependencies)
            mode = cache.file_mode()
            write_atomic(host.with_suffix(".cu"), out.kernels, mode)
            write_atomic(host, out.host, mode)
            index, entry = cache.index_entry(path, key, host.name, target, dependencies)
            write_atomic(index, entry, mode)
            found = (host, target)
        cache.check_private(found[0].with_suffix(".cu"))
    return import_path(found[0])
