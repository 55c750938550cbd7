"""Load a generated module by path, and say so when it was built from a source that has since changed.

Generated modules carry `__lifted_source__` (the source path as the build saw it, usually relative to the
project root) and `__lifted_source_hash__` (sha256 of the source text). A stale build is a warning, not an
error: the old code still runs, but the user is told which file changed and how to rebuild.
"""
from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType

from .sources import read_source

_counter = itertools.count()


def load(path: str | os.PathLike[str]) -> ModuleType:
    """Import the generated module at `path` (under a unique module name) and check it is up to date."""
    module = import_path(path)
    warning = stale_message(module, Path(path))
    if warning:
        warnings.warn(warning, RuntimeWarning, stacklevel=2)
    return module


def import_path(path: str | os.PathLike[str], name: str | None = None) -> ModuleType:
    """Import a Python file as a fresh module; registered in `sys.modules` so pickling and tracebacks work."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no generated module at {file}: build it with `transpile SOURCE -o {file.parent}`")
    name = name or f"_lifted_{_identifier(file.stem)}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {file} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def stale_message(module: ModuleType, generated: Path) -> str | None:
    """Why `module` (loaded from `generated`) is stale, or None when its source is unchanged or not found."""
    recorded = getattr(module, "__lifted_source__", None)
    expected = getattr(module, "__lifted_source_hash__", None)
    if not recorded or not expected:
        return None
    source = find_source(recorded, generated)
    if source is None:
        return None
    import hashlib  # here, not at import: OpenSSL's start-up is most of the runtime's import time

    actual = hashlib.sha256(read_source(source).encode("utf-8")).hexdigest()  # as the build hashes
    if actual == expected:
        return None
    return (f"{generated} is stale: its source {source} changed after it was generated "
            f"(sha256 {actual[:12]}, built from {expected[:12]}); the old code is still used. "
            f"Rebuild with: transpile {recorded} -o {generated.parent}")


def find_source(recorded: str, generated: Path) -> Path | None:
    """The source file a header names: absolute, else relative to the cwd or to a parent of the output."""
    path = Path(recorded)
    if path.is_absolute():
        return path if path.is_file() else None
    bases = [Path.cwd()] + list(generated.resolve().parents)
    for base in bases:
        candidate = base / path
        if candidate.is_file():
            return candidate
    return None


def _identifier(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in text)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"m_{cleaned}"
