"""Compile emitted kernels at build time, so that a compile error is a build error naming the source line."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import TranspileError

CUDA_ARCHS = ("sm_80", "sm_90")


def nvcc() -> str | None:
    return shutil.which("nvcc") or (shutil.which("nvcc", path="/usr/local/cuda/bin"))


def compile_kernels(path: Path, target: str) -> None:
    """Build `path` for `target`: the CPU library (cached, loaded later by `lifted.cpu`), or PTX for each CUDA
    architecture when nvcc is on this machine (without nvcc the CUDA build is checked when first loaded)."""
    if target == "c":
        from lifted import cpu

        try:
            cpu.build(path.read_text(), path.stem)
        except cpu.BuildError as err:
            raise TranspileError(str(err), None, "this is a bug in the C backend: please report it") from None
        return
    compiler = nvcc()
    if compiler is None:
        return
    for arch in CUDA_ARCHS:
        error = nvcc_errors(path, arch, compiler)
        if error:
            raise TranspileError(f"nvcc ({arch}) rejected {path.name}: {error}", None,
                                 "this is a bug in the CUDA backend: please report it")


def nvcc_errors(path: Path, arch: str, compiler: str | None = None) -> str | None:
    """nvcc's complaint about `path` for `arch` (None when it compiles to PTX)."""
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run([compiler or nvcc(), "-ptx", f"-arch={arch}", "-std=c++14", str(path),
                                 "-o", str(Path(work) / "out.ptx")], capture_output=True, text=True)
    if result.returncode == 0:
        return None
    from lifted.cpu import explain

    return explain(result.stderr, path.read_text(), path.name)
