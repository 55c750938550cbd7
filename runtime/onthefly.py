"""On-the-fly transforms: `grad(f, ...)` called on un-transpiled source builds and caches the NumPy module.

Like Tangent or JAX, the same file then works in a notebook and in a build. The whole source file is
transpiled (kernels call each other), with one extra declaration when the file does not already declare the
requested transform. The result is cached on disk (`lifted.cache`): a later call, in this process or a new
one, finds it from the source's bytes, the request and the compiler's fingerprint without importing the
compiler or LibCST; an edited source, an edited imported kernel module or another compiler builds it again.

A function of the file that the compiler refuses fails when it is called, with its located error; the file's
other functions still work. The transpiler (and LibCST) is imported here, lazily, and only to build.

A function defined in a notebook cell is built from the cell's text (`lifted.cells`), keyed by that text.
"""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NamedTuple

from . import cache
from .loader import import_path
from .markers import Transform
from .sources import decode_source

_modules: dict[Path, ModuleType] = {}


class Source(NamedTuple):
    """What a request is built from: a .py file, or a notebook cell's text (and what the cell uses from the
    notebook's other cells)."""

    path: Path  # the file; for a cell, `<cwd>/notebook_cell`: its name in the cache, where imports resolve
    data: bytes
    shown: str  # the name errors and generated comments give it: the file, or the cell's filename
    cell: bool = False
_lock = threading.Lock()


def user_error(exc: BaseException) -> BaseException:
    """Mark an error about the user's code or request: shown with its message and the caller's line only."""
    exc.__lifted_user_error__ = True
    return exc


def generated_function(kind: str, func: Callable[..., Any], wrt: Any, axes: tuple = (0, 0)) -> Callable[..., Any]:
    """The generated function computing `kind` of the kernel `func` with respect to `wrt` (vmap: over `axes`, its
    in_axes and out_axes); `func` may itself be a transform (`grad(grad(f))`, `vmap(grad(f))`), down to a kernel."""
    chain = [(kind, wrt, axes)]  # outermost first
    while isinstance(func, Transform):
        chain.append((func.kind, func.wrt, func.axes))
        func = func.func
    if len(chain) > 1 or kind == "vmap":
        return _nested_function(chain, func)
    func = unwrap(func)
    name = _module_level_name(func)
    source = _source_of(kind, func)
    wrt_names, wrt_is_tuple = resolve_wrt(name, parameters(func), wrt)
    key = (kind, name, wrt_names, wrt_is_tuple)
    default_wrt = wrt is None

    def declarations(parsed, Declaration):
        declared = [d for d in parsed.declarations
                    if not d.hidden and _same_declaration(d, kind, name, wrt_names, wrt_is_tuple, parsed)]
        if declared:
            return (), declared[0].target
        kernel = parsed.kernels.get(name)
        taken = set(parsed.kernels) | {d.target for d in parsed.declarations}
        target = _fresh_target(kind, name, wrt_names, taken)
        return (Declaration(target, kind, name, None if default_wrt else wrt_names, wrt_is_tuple,
                            kernel.loc if kernel else None),), target

    return cached_function(source, repr(key), declarations)


def unwrap(func: Callable[..., Any]) -> Callable[..., Any]:
    """`inspect.unwrap` without importing `inspect` (a warm start counts milliseconds)."""
    seen = set()
    while hasattr(func, "__wrapped__") and id(func) not in seen:
        seen.add(id(func))
        func = func.__wrapped__
    return func


def parameters(func: Callable[..., Any]) -> list[str]:
    """A function's parameter names in order, from its code object where it has one (cheap: no `inspect`)."""
    code = getattr(func, "__code__", None)
    if code is None:
        import inspect

        return list(inspect.signature(func).parameters)
    return list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])


def _bound_name(func: Callable[..., Any]) -> str | None:
    """The module-level name bound to `func` in the module that defined it, if any."""
    module = sys.modules.get(getattr(func, "__module__", None) or "")
    bound = [key for key, value in vars(module).items() if value is func] if module is not None else []
    return bound[0] if bound else None


def _module_level_name(func: Callable[..., Any]) -> str | None:
    """The name `func` has at module level: its own for a module-level kernel; for a function a factory made
    (`loss = make_loss(sizes)`), the module-level name bound to it, which the transpiler resolves too."""
    name = getattr(func, "__name__", None)
    if getattr(func, "__qualname__", name) == name:
        return name
    return _bound_name(func) or name


def _source_of(kind: str, func: Callable[..., Any]) -> Source:
    """The file defining the module-level @kernel `func`, or the factory-made function a module-level name holds
    (the whole file is transpiled)."""
    name = getattr(func, "__name__", None)
    nested = getattr(func, "__qualname__", name) != name
    made_by_factory = nested and _bound_name(func) is not None
    if not made_by_factory and not getattr(func, "__lifted_kernel__", False):
        raise user_error(TypeError(f"{kind}() needs a @kernel function; {name or func!r} is not decorated with "
                                   "@kernel"))
    if nested and not made_by_factory:
        raise user_error(TypeError(f"{kind}({func.__qualname__}): only module-level @kernel functions (or functions "
                                   "a factory made, held by a module-level name) can be transformed"))
    return source_file(func, f"{kind}({name})", "kernel")


def source_file(func: Callable[..., Any], what: str, noun: str) -> Source:
    """The .py file defining `func` (resolved), or the notebook cell defining it."""
    code = getattr(func, "__code__", None)
    filename = code.co_filename if code is not None else None
    if filename and filename.endswith(".py") and os.path.isfile(filename):
        path = Path(filename).resolve()
        return Source(path, path.read_bytes(), str(path))
    if filename:
        from . import cells

        text = cells.cell_text(filename)
        if text is not None:
            text = cells.cell_source(func, filename, text, what, user_error)
            return Source(Path.cwd() / cells.CACHE_NAME, text.encode("utf-8"), filename, cell=True)
    raise user_error(RuntimeError(f"{what}: the source of `{func.__name__}` is not in a file (nor in a notebook "
                                  f"cell), so it cannot be transpiled; define the {noun} in a .py file"))


def _nested_function(chain: list[tuple[str, Any]], func: Callable[..., Any]) -> Callable[..., Any]:
    """A transform of a transform: the file plus one declaration per level (the inner ones hidden, as for a
    nested declaration `h = jvp(grad(f))` in the source), transpiled and cached like a single transform."""
    of_dist = getattr(func, "__lifted_dist__", False)
    func = unwrap(func)
    if of_dist:  # `vmap(p_win_for)` of a @dist function: its distribution for each example (dist compiler)
        if len(chain) > 1 or chain[0][0] != "vmap":
            raise user_error(TypeError(f"{chain[0][0]}() of a @dist function: a @dist function takes vmap only, once"))
        source = source_file(func, f"vmap({func.__name__})", "@dist function")
    else:
        source = _source_of(chain[-1][0], func)
    name = _module_level_name(func)
    key = repr(("nested", name, tuple(chain)))

    def declarations(parsed, Declaration):
        taken = set(parsed.kernels) | {d.target for d in parsed.declarations}
        target = _fresh_target("_of_".join(kind for kind, _, _ in chain), name, ("nested",), taken)
        levels, inner = [], name
        for depth, (kind, wrt, axes) in enumerate(reversed(chain)):
            outermost = depth == len(chain) - 1
            level_target = target if outermost else f"{kind}({inner})"  # not an identifier: never clashes
            items = None if wrt is None else (wrt if isinstance(wrt, tuple) else (wrt,))
            kernel = parsed.kernels.get(name) or parsed.dists.get(name)
            levels.append(Declaration(level_target, kind, inner, items, isinstance(wrt, tuple),
                                      kernel.loc if kernel else None, hidden=not outermost,
                                      in_axes=axes[0], out_axes=axes[1]))
            inner = level_target
        return tuple(levels), target

    return cached_function(source, key, declarations)


def resolve_wrt(name: str, params: list[str], wrt: Any) -> tuple[tuple[str, ...], bool]:
    """`wrt` as parameter names, and whether it was a tuple (which decides the result's structure)."""
    if not params:
        raise user_error(ValueError(f"`{name}` has no parameters to differentiate"))
    if wrt is None:
        return (params[0],), False
    items, is_tuple = (wrt, True) if isinstance(wrt, tuple) else ((wrt,), False)
    names = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            if not 0 <= item < len(params):
                raise user_error(ValueError(f"wrt position {item} is out of range: `{name}` has {len(params)} "
                                            "parameters"))
            names.append(params[item])
        elif item in params:
            names.append(item)
        else:
            raise user_error(ValueError(f"`{name}` has no parameter {item!r}; wrt takes one of: "
                                        f"{', '.join(params)}"))
    return tuple(names), is_tuple


def cached_function(source: Source, request: str,
                    declarations: Callable[[Any, type], tuple[tuple, str]]) -> Callable[..., Any]:
    """The generated function answering `request` for `source`: from the cache when it is fresh (no compiler
    import), else built from the source plus the declarations `declarations(parsed, Declaration)` returns (with
    the function's name) and cached."""
    data = source.data
    key = cache.request_key(source.path, data, request)
    with _lock:
        found = cache.lookup(source.path, key)
        if found is None:
            found = _build(source, key, request, declarations)
        path, target = found
        module = _modules.get(path)
        if module is None:
            module = _modules[path] = import_path(path)
            cache.tighten_bytecode_dir()
    return function_of(module, target, source.shown if source.cell else None)


def function_of(module: ModuleType, target: str, shown: str | None = None) -> Callable[..., Any]:
    """`module.target`, or the located error the compiler gave for it (`__lifted_errors__`), located in the
    file `shown` when given (a cell's filename changes from session to session; its line numbers do not)."""
    refused = getattr(module, "__lifted_errors__", {}).get(target)
    if refused is not None:
        from lifted.transpiler.errors import SourceLoc, TranspileError

        message, hint, *where = refused
        if where and shown is not None:
            where[0] = shown
        raise TranspileError(message, SourceLoc(*where) if where else None, hint)
    return getattr(module, target)


def _build(source: Source, key: str, request: str, declarations) -> tuple[Path, str]:
    try:
        from lifted.transpiler import transpile_source
        from lifted.transpiler.frontend.parse import parse_module
        from lifted.transpiler.frontend.parsed import Declaration
        from lifted.transpiler.outputs import write_atomic
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(f"transforming a kernel of {source.shown} on the fly needs the Lifted transpiler and "
                           f"LibCST ({exc}); install them, or build ahead of time with `transpile`") from exc
    data = source.data
    text = decode_source(data)
    extra, target = declarations(parse_module(text, source.shown), Declaration)
    dependencies: dict[str, str | None] = {}
    code = transpile_source(text, source.shown, extra=extra, source_file=str(source.path), per_function=True,
                            dependencies=dependencies)
    folder = cache.prepare_dir()
    name = cache.module_name(source.path, data, request if extra else None, dependencies)
    mode = cache.file_mode()
    if (folder / name).is_file():
        cache.check_private(folder / name)
    else:
        write_atomic(folder / name, code, mode)
    index, entry = cache.index_entry(source.path, key, name, target, dependencies)
    write_atomic(index, entry, mode)
    return folder / name, target


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
