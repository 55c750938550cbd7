"""Compile the C backend's texts with the system C++ compiler (`$CXX`, default `c++`) into shared libraries
cached by content hash under `$LIFTED_CACHE_DIR/c` (default `~/.cache/lifted/c`; a library or folder there another
user owns or may write is refused, never loaded), and explain a failed build by
the kernel source line the compiler complained about."""
from __future__ import annotations

import hashlib
import os
import platform
import re
import shlex
import subprocess
import tempfile
from pathlib import Path

from ..cache import check_private
from .gathers import gather_flags

# (a kernel's lane loops stay loops through the prelude's LIFTED_LANE_LOOPS, not a flag: $CXX may be another compiler)
FLAGS = ("-x", "c++", "-std=c++14", "-O3", "-march=native", "-ffp-contract=off", "-fopenmp", "-fPIC", "-shared",
         "-w")


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


def build(source: str, name: str = "kernels", flags: tuple[str, ...] | None = None,
          libraries: tuple[str, ...] | None = None) -> Path:
    """The shared library for a `.cu` text (or, with `flags` and `libraries`, another C++ text: the C-API
    extension), compiled once and cached by the hash of the command and the text."""
    vector_math = _vector_math()
    if flags is None:  # the kernels' own build: hardware gathers where they pay (gathers.py)
        flags = FLAGS + vector_math
        flags += gather_flags(tuple(compiler()) + flags, cache_dir())
    command = compiler() + list(flags)
    key = command + [source]
    if libraries is None:
        libraries = ("-lmvec", "-lm") if vector_math else ("-lm",)
    else:
        key += ["libraries:"] + list(libraries)
    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()[:24]
    target = cache_dir() / f"{name}_{digest}.so"
    if target.is_file():
        check_private(target.parent)
        check_private(target)  # (code another user could have written is never loaded)
        return target
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(target.parent)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        src = Path(work) / f"{name}.cu"
        src.write_text(source)
        out = Path(work) / "lib.so"
        result = subprocess.run(command + [str(src), "-o", str(out)] + list(libraries), capture_output=True,
                                text=True)
        if result.returncode != 0:
            raise BuildError(explain(result.stderr, source, f"{name}.cu"))
        os.chmod(out, os.stat(out).st_mode & 0o755)  # never writable by others, whatever the umask
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


