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
from .markers import Transform

_modules: dict[Path, ModuleType] = {}
_lock = threading.Lock()


def cache_dir() -> Path:
    """Where generated modules for on-the-fly transforms are kept."""
    configured = os.environ.get("LIFTED_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "lifted"


def generated_function(kind: str, func: Callable[..., Any], wrt: Any, axes: tuple = (0, 0)) -> Callable[..., Any]:
    """The generated function computing `kind` of the kernel `func` with respect to `wrt` (vmap: over `axes`, its
    in_axes and out_axes); `func` may itself be a transform (`grad(grad(f))`, `vmap(grad(f))`), down to a kernel."""
    chain = [(kind, wrt, axes)]  # outermost first
    while isinstance(func, Transform):
        chain.append((func.kind, func.wrt, func.axes))
        func = func.func
    if len(chain) > 1 or kind == "vmap":
        return _nested_function(chain, func)
    func = inspect.unwrap(func)
    name = getattr(func, "__name__", None)
    source = _source_of(kind, func)
    params = list(inspect.signature(func).parameters)
    wrt_names, wrt_is_tuple = resolve_wrt(name, params, wrt)
    key = (kind, name, wrt_names, wrt_is_tuple)
    module = _module_with(source, repr(key), kind, name, wrt_names, wrt_is_tuple, wrt is None)
    return getattr(module, find_transform(module, key))


def _source_of(kind: str, func: Callable[..., Any]) -> Path:
    """The file defining the module-level @kernel `func` (the whole file is transpiled)."""
    name = getattr(func, "__name__", None)
    if not getattr(func, "__lifted_kernel__", False):
        raise TypeError(f"{kind}() needs a @kernel function; {name or func!r} is not decorated with @kernel")
    if getattr(func, "__qualname__", name) != name:
        raise TypeError(f"{kind}({func.__qualname__}): only module-level @kernel functions can be transformed")
    source_file = inspect.getsourcefile(func)
    if not source_file or not os.path.isfile(source_file):
        raise RuntimeError(f"{kind}({name}): the source of `{name}` is not in a file, so it cannot be transpiled; "
                           "define the kernel in a .py file")
    return Path(source_file).resolve()


def _nested_function(chain: list[tuple[str, Any]], func: Callable[..., Any]) -> Callable[..., Any]:
    """A transform of a transform: the file plus one declaration per level (the inner ones hidden, as for a
    nested declaration `h = jvp(grad(f))` in the source), transpiled and cached like a single transform."""
    func = inspect.unwrap(func)
    source = _source_of(chain[-1][0], func)
    name = func.__name__
    key = repr(("nested", name, tuple(chain)))

    def declarations(parsed, Declaration):
        taken = set(parsed.kernels) | {d.target for d in parsed.declarations}
        target = _fresh_target("_of_".join(kind for kind, _, _ in chain), name, ("nested",), taken)
        levels, inner = [], name
        for depth, (kind, wrt, axes) in enumerate(reversed(chain)):
            outermost = depth == len(chain) - 1
            level_target = target if outermost else f"{kind}({inner})"  # not an identifier: never clashes
            items = None if wrt is None else (wrt if isinstance(wrt, tuple) else (wrt,))
            kernel = parsed.kernels.get(name)
            levels.append(Declaration(level_target, kind, inner, items, isinstance(wrt, tuple),
                                      kernel.loc if kernel else None, hidden=not outermost,
                                      in_axes=axes[0], out_axes=axes[1]))
            inner = level_target
        return tuple(levels), target

    module, target = _module_with_declarations(source, key, declarations)
    return getattr(module, target)


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
    def declarations(parsed, Declaration):
        declared = any(_same_declaration(d, kind, name, wrt_names, wrt_is_tuple, parsed) for d in parsed.declarations)
        if declared:
            return (), None
        kernel = parsed.kernels.get(name)
        taken = set(parsed.kernels) | {d.target for d in parsed.declarations}
        target = _fresh_target(kind, name, wrt_names, taken)
        return (Declaration(target, kind, name, None if default_wrt else wrt_names, wrt_is_tuple,
                            kernel.loc if kernel else None),), target

    return _module_with_declarations(source, key, declarations)[0]


def _module_with_declarations(source: Path, key: str, declarations) -> tuple[ModuleType, str | None]:
    """The generated module of `source` plus the declarations `declarations(parsed, Declaration)` returns (with
    the target to look up; none when the file declares the transform itself), cached on disk by content."""
    try:
        from lifted.transpiler import __version__, transpile_source
        from lifted.transpiler.pipeline import write_atomic
        from lifted.transpiler.frontend.parse import Declaration, parse_module
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(f"transforming a kernel of {source} on the fly needs the Lifted transpiler and LibCST "
                           f"({exc}); install them, or build ahead of time with `transpile {source}`") from exc
    text = source.read_text(encoding="utf-8")
    parsed = parse_module(text, str(source))
    extra, target = declarations(parsed, Declaration)
    digest = hashlib.sha256("\0".join([__version__, str(source), key if extra else "", text]).encode()).hexdigest()
    path = cache_dir() / f"{source.stem}_{digest[:24]}.py"
    with _lock:
        if path not in _modules:
            if not path.is_file():
                write_atomic(path, transpile_source(text, str(source), extra=extra))
            _modules[path] = import_path(path)
        return _modules[path], target


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
