"""`@dist`: mark a function for dist mode; calling it compiles its source file on the fly (once, cached).

`@dist` and `@dist(normalize=True, semiring="fraction")` both work. The call returns the generated function's
result, a dict {outcome: probability}; keyword options given at the call override the decorator's. With
`semiring="dual"`, pass a parameter as `lifted.dice.Dual(value, 1.0)` to get {outcome: Dual(probability,
derivative)} (runtime/dice/dual.py). The
generated module is cached on disk like the on-the-fly transforms (`lifted.onthefly.cache_dir`), keyed by
the transpiler version and the source text, so an edited file is recompiled and an unchanged one is not.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import threading
from pathlib import Path
from typing import Any, Callable

_lock = threading.Lock()
_modules: dict[Path, Any] = {}


class DistFunction:
    """A `@dist` function as plain Python sees it: calling it runs the compiled code."""

    def __init__(self, func: Callable[..., Any], options: dict):
        self.func = func
        self.options = options
        self._compiled: Callable[..., Any] | None = None
        functools.update_wrapper(self, func)
        self.__lifted_dist__ = True

    def compiled(self) -> Callable[..., Any]:
        if self._compiled is None:
            self._compiled = _generated(self.func)
        return self._compiled

    def __call__(self, *args: Any, **options: Any) -> dict:
        return self.compiled()(*args, **options)

    def __repr__(self) -> str:
        return f"<lifted dist {self.func.__name__}>"


def dist(func: Callable[..., Any] | None = None, **options: Any):
    """Mark a dice program; `normalize=` and `semiring=` are read by the transpiler from the decorator."""
    unknown = set(options) - {"normalize", "semiring"}
    if unknown:
        raise TypeError(f"@dist takes normalize= and semiring=, not {', '.join(sorted(unknown))}")
    if func is None:
        return lambda f: DistFunction(f, options)
    return DistFunction(func, options)


def _generated(func: Callable[..., Any]) -> Callable[..., Any]:
    name = func.__name__
    if func.__qualname__ != name:
        raise TypeError(f"@dist {func.__qualname__}: only module-level functions can be compiled")
    source_file = inspect.getsourcefile(func)
    if not source_file or not Path(source_file).is_file():
        raise RuntimeError(f"the source of @dist `{name}` is not in a file, so it cannot be compiled; "
                           "define it in a .py file")
    source = Path(source_file).resolve()
    text = source.read_text(encoding="utf-8")
    try:
        from lifted.transpiler import __version__, transpile_source
        from lifted.transpiler.pipeline import write_atomic
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(f"compiling @dist `{name}` on the fly needs the Lifted transpiler ({exc}); "
                           f"or build ahead of time with `transpile {source}`") from exc
    from ..loader import import_path
    from ..onthefly import cache_dir

    digest = hashlib.sha256("\0".join([__version__, str(source), "dist", text]).encode()).hexdigest()
    path = cache_dir() / f"{source.stem}_dist_{digest[:24]}.py"
    with _lock:
        module = _modules.get(path)
        if module is None:
            if not path.is_file():
                write_atomic(path, transpile_source(text, str(source)))
            module = import_path(path)
            _modules[path] = module
    return getattr(module, name)
