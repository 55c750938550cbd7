"""On-the-fly transforms: `grad(f, ...)` called on un-transpiled source builds and caches the NumPy module.

Like Tangent or JAX, the same file then works in a notebook and in a build. The whole source file is
transpiled (kernels call each other), with one extra declaration when the file does not already declare the
requested transform. The result is cached on disk under `$LIFTED_CACHE_DIR` (default `~/.cache/lifted`),
keyed by the source text, the transform and the transpiler version, so a second run imports it directly and
an edited source or a new transpiler never reuses a stale module. The transpiler (and LibCST) is imported
here, lazily: only this path needs it.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from .loader import import_path

_modules: dict[Path, ModuleType] = {}
_lock = threading.Lock()


def cache_dir() -> Path:
    """Where generated modules for on-the-fly transforms are kept."""
    configured = os.environ.get("LIFTED_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "lifted"


def generated_function(kind: str, func: Callable[..., Any], wrt: Any) -> Callable[..., Any]:
    """The generated function computing `kind` of the kernel `func` with respect to `wrt`."""
    func = inspect.unwrap(func)
    name = getattr(func, "__name__", None)
    if not getattr(func, "__lifted_kernel__", False):
        raise TypeError(f"{kind}() needs a @kernel function; {name or func!r} is not decorated with @kernel")
    if getattr(func, "__qualname__", name) != name:
        raise TypeError(f"{kind}({func.__qualname__}): only module-level @kernel functions can be transformed")
    source_file = inspect.getsourcefile(func)
    if not source_file or not os.path.isfile(source_file):
        raise RuntimeError(f"{kind}({name}): the source of `{name}` is not in a file, so it cannot be transpiled; "
                           "define the kernel in a .py file")
    source = Path(source_file).resolve()
    params = list(inspect.signature(func).parameters)
    wrt_names, wrt_is_tuple = resolve_wrt(name, params, wrt)
    key = (kind, name, wrt_names, wrt_is_tuple)
    module = _module_with(source, repr(key), kind, name, wrt_names, wrt_is_tuple, wrt is None)
    return getattr(module, find_transform(module, key))


def find_transform(module: ModuleType, key: tuple) -> str:
    """The generated function's name for `key` = (transform, kernel, wrt names, wrt is a tuple)."""
    table = getattr(module, "__lifted_transforms__", {})
    target = table.get(key, table.get(repr(key)))  # the header writes tuple keys; accept their repr too
    if target is None:
        raise LookupError(f"{getattr(module, '__file__', module)} has no {key[0]} of {key[1]} with respect to "
                          f"{key[2]}; it has: {', '.join(map(str, table.values())) or 'no transforms'}")
    return target


def resolve_wrt(name: str, params: list[str], wrt: Any) -> tuple[tuple[str, ...], bool]:
    """`wrt` as parameter names, and whether it was a tuple (which decides the result's structure)."""
    if not params:
        raise ValueError(f"`{name}` has no parameters to differentiate")
    if wrt is None:
        return (params[0],), False
    items, is_tuple = (wrt, True) if isinstance(wrt, tuple) else ((wrt,), False)
    names = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            if not 0 <= item < len(params):
                raise ValueError(f"wrt position {item} is out of range: `{name}` has {len(params)} parameters")
            names.append(params[item])
        elif item in params:
            names.append(item)
        else:
            raise ValueError(f"`{name}` has no parameter {item!r}; wrt takes one of: {', '.join(params)}")
    return tuple(names), is_tuple


def _module_with(source: Path, key: str, kind: str, name: str, wrt_names: tuple[str, ...], wrt_is_tuple: bool,
                 default_wrt: bool) -> ModuleType:
    try:
        from transpiler import __version__, transpile_source
        from transpiler.pipeline import write_atomic
        from transpiler.frontend.parse import Declaration, parse_module
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(f"transforming `{name}` on the fly needs the Lifted transpiler and LibCST ({exc}); "
                           f"install them, or build ahead of time with `transpile {source}`") from exc
    text = source.read_text(encoding="utf-8")
    parsed = parse_module(text, str(source))
    declared = any(_same_declaration(d, kind, name, wrt_names, wrt_is_tuple, parsed) for d in parsed.declarations)
    extra = ()
    if not declared:
        kernel = parsed.kernels.get(name)
        taken = set(parsed.kernels) | {d.target for d in parsed.declarations}
        target = _fresh_target(kind, name, wrt_names, taken)
        extra = (Declaration(target, kind, name, None if default_wrt else wrt_names, wrt_is_tuple,
                             kernel.loc if kernel else None),)
    digest = hashlib.sha256("\0".join([__version__, str(source), "" if declared else key, text]).encode()).hexdigest()
    path = cache_dir() / f"{source.stem}_{digest[:24]}.py"
    with _lock:
        if path in _modules:
            return _modules[path]
        if not path.is_file():
            write_atomic(path, transpile_source(text, str(source), extra=extra))
        module = import_path(path)
        _modules[path] = module
        return module


def _same_declaration(decl, kind, name, wrt_names, wrt_is_tuple, parsed) -> bool:
    if decl.transform != kind or decl.func != name or decl.wrt_is_tuple != wrt_is_tuple:
        return False
    kernel = parsed.kernels.get(name)
    if kernel is None:
        return False
    params = [p.name.value for p in kernel.node.params.params]
    try:
        return resolve_wrt(name, params, None if decl.wrt is None else
                           (decl.wrt if decl.wrt_is_tuple else decl.wrt[0]))[0] == wrt_names
    except ValueError:
        return False


def _fresh_target(kind: str, name: str, wrt_names: tuple[str, ...], taken: set[str]) -> str:
    base = f"_lifted_{kind}_{name}_{'_'.join(wrt_names)}"
    target, n = base, 1
    while target in taken:
        target, n = f"{base}_{n}", n + 1
    return target
