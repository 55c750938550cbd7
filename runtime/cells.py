"""Notebook cells as sources: a `@kernel` or `@dist` function defined in an IPython / Jupyter cell is
transformed from the cell's text, which IPython keeps in `linecache` under the cell's made-up filename
(`<ipython-input-3-9f2c...>` in terminal IPython, `/tmp/ipykernel_PID/HASH.py` in Jupyter).

The source handed to the compiler is the cell's text, so errors point at the cell's lines, followed by lines
that bind what the cell's kernels use from the notebook's other cells: `import numpy as np` for a module,
`from numpy import sin` for an importable function, `D = 3` for a numeric constant (its current value). A
kernel defined in another cell is not compiled with this one: it is refused with an error naming it. The
cache keys a cell by this text (not by its filename, which changes from session to session), so a notebook
run again in a new kernel finds its modules without importing the compiler.
"""
from __future__ import annotations

import linecache
import os
import sys
from types import CodeType, ModuleType
from typing import Any, Callable

CACHE_NAME = "notebook_cell"  # stands for the file path in cache keys: a cell is keyed by its text alone


def cell_text(filename: str) -> str | None:
    """The text of the cell compiled under `filename`, or None when IPython did not register one."""
    entry = linecache.cache.get(filename)
    if not entry or len(entry) < 3 or not isinstance(entry[2], list):  # absent, or a file's lazy entry
        return None
    return "".join(entry[2]).replace("\r\n", "\n").replace("\r", "\n")


def cell_source(func: Callable[..., Any], filename: str, text: str, what: str,
                refuse: Callable[[BaseException], BaseException]) -> str:
    """The source compiled for `func`, defined in the cell `filename` holding `text`: the cell, then the
    bindings of the other cells' names its kernels use (see the module docstring)."""
    bindings: dict[str, str] = {}
    seen: set[int] = set()
    pending = [func]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        namespace = getattr(current, "__globals__", {})
        for name in sorted(_global_names(current.__code__)):
            if name in bindings or name not in namespace:
                continue
            value = namespace[name]
            inner = _defined_function(value)
            if inner is not None:
                if _filename(inner) == filename:
                    pending.append(inner)  # a kernel of the same cell: what it uses counts too
                    continue
                if not _is_cell_name(_filename(inner)):  # from a .py module: imported as the notebook does
                    line = _import_line(name, value)
                    if line:
                        bindings[name] = line
                    continue
                user = current.__name__
                raise refuse(RuntimeError(
                    f"{what}: `{user}` uses `{name}`, a {_noun(value)} defined in another notebook cell; cell "
                    f"kernels are compiled from their own cell only. Define `{name}` in the same cell as `{user}` "
                    "(or in a .py module the notebook imports)"))
            line = _binding_line(name, value)
            if line:
                bindings[name] = line
    extra = "".join(line + "\n" for line in bindings.values())
    if not extra:
        return text
    separator = "" if text.endswith("\n") or not text else "\n"
    return f"{text}{separator}\n# bound from the notebook's other cells (Lifted)\n{extra}"


def _is_cell_name(filename: str | None) -> bool:
    return bool(filename) and not os.path.isfile(filename) and cell_text(filename) is not None


def _filename(func: Callable[..., Any]) -> str | None:
    code = getattr(func, "__code__", None)
    return code.co_filename if code is not None else None


def _defined_function(value: Any) -> Callable[..., Any] | None:
    """The plain function behind a kernel, a `@dist` function or a transform of one; None for anything else."""
    from .markers import Transform

    while isinstance(value, Transform):
        value = value.func
    if getattr(value, "__lifted_dist__", False):
        value = value.func
    if getattr(value, "__lifted_kernel__", False) and hasattr(value, "__code__"):
        return value
    return None


def _noun(value: Any) -> str:
    from .markers import Transform

    if isinstance(value, Transform):
        return f"transform ({value.kind})"
    return "@dist function" if getattr(value, "__lifted_dist__", False) else "@kernel function"


def _global_names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _global_names(const)
    return names


def _binding_line(name: str, value: Any) -> str | None:
    if isinstance(value, ModuleType):
        module = value.__name__
        return f"import {module}" if module == name else f"import {module} as {name}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = repr(int(value) if isinstance(value, int) else float(value))  # np.float64(0.5) reads as 0.5
        return f"{name} = {text}" if text not in ("inf", "-inf", "nan") else None
    return _import_line(name, value)


def _import_line(name: str, value: Any) -> str | None:
    """`from MODULE import NAME as name` when `value` is importable under that name (lifted's public names
    from `lifted` itself, as users write them)."""
    module, qualname = getattr(value, "__module__", None), getattr(value, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module == "__main__":
        return None
    for candidate in (module.split(".")[0], module):
        if getattr(sys.modules.get(candidate), qualname, None) is value:
            alias = "" if qualname == name else f" as {name}"
            return f"from {candidate} import {qualname}{alias}"
    return None
