"""`@dist`: mark a function for dist mode; calling it compiles its source file on the fly (once, cached).

`@dist` and `@dist(normalize=True, semiring="fraction")` both work. The call returns the generated function's
result, a dict {outcome: probability}; keyword options given at the call override the decorator's. With
`semiring="dual"`, pass a parameter as `lifted.dice.Dual(value, 1.0)` to get {outcome: Dual(probability,
derivative)} (runtime/dice/dual.py). The
generated module is cached on disk like the on-the-fly transforms (`lifted.cache`): a new process loads it
without importing the compiler; an edited file (or compiler) is compiled again. A function of the file that
the compiler refuses fails when it is called, with its located error; the others still work.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from ..markers import raise_clean


class DistFunction:
    """A `@dist` function as plain Python sees it: calling it runs the compiled code."""

    def __init__(self, func: Callable[..., Any], options: dict):
        self.func = func
        self.options = options
        self._compiled: Callable[..., Any] | None = None
        functools.update_wrapper(self, func)
        self.__lifted_dist__ = True

    def compiled(self) -> Callable[..., Any]:
        """The generated function, transpiled on the first call (the transpiler is imported only then)."""
        if self._compiled is None:
            self._compiled = _generated(self.func)
        return self._compiled

    def __call__(self, *args: Any, **options: Any) -> dict:
        compiled = self._compiled
        if compiled is None:
            try:
                compiled = self.compiled()
            except Exception as exc:
                raise_clean(exc)
        return compiled(*args, **options)

    def __repr__(self) -> str:
        return f"<lifted dist {self.func.__name__}>"


def dist(func: Callable[..., Any] | None = None,
         **options: Any) -> DistFunction | Callable[[Callable[..., Any]], DistFunction]:
    """Mark a dice program; `normalize=` and `semiring=` are read by the transpiler from the decorator."""
    unknown = set(options) - {"normalize", "semiring"}
    if unknown:
        raise TypeError(f"@dist takes normalize= and semiring=, not {', '.join(sorted(unknown))}")
    if func is None:
        return lambda f: DistFunction(f, options)
    return DistFunction(func, options)


def _generated(func: Callable[..., Any]) -> Callable[..., Any]:
    from ..onthefly import cached_function, source_file, user_error

    name = func.__name__
    if func.__qualname__ != name:
        raise user_error(TypeError(f"@dist {func.__qualname__}: only module-level functions can be compiled"))
    source = source_file(func, f"@dist `{name}`", "@dist function")
    return cached_function(source, repr(("dist", name)), lambda parsed, Declaration: ((), name))
