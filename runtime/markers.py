"""The kernel-language markers as they behave in plain Python.

`@kernel` marks a function for the `transpile` build step and otherwise leaves it alone. `grad(f, ...)` and
friends return a `Transform`: a callable that records the request and, only when first called, finds the
generated function (transpiling the source file on the fly if needed, see `lifted.onthefly`). A module full of
declarations therefore imports in microseconds and stays runnable without a build.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

KINDS = ("grad", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian", "vmap")


def kernel(f: F) -> F:
    """Mark `f` as part of the kernel language; returns `f` itself (the transpiler reads the decorator)."""
    f.__lifted_kernel__ = True
    return f


def stop_gradient(x: Any) -> Any:
    """The value itself; derivatives do not flow through it (in generated code, and so in no transform)."""
    return x


def custom_vjp(func: Callable[..., Any], rule: Callable[..., Any]) -> None:
    """Declare `rule(*args, out, g)` as the reverse-mode rule of kernel `func` (read by the transpiler).

    In plain Python it only records the rule on the function; `func` itself runs unchanged. A rule whose
    parameter count does not fit (`(x, g)` for a one-parameter `func`, instead of `(x, out, g)`) is refused here.
    """
    arity = _positional_count(func)
    rule_arity = _positional_count(rule)
    if arity is not None and rule_arity is not None and rule_arity != arity + 2:
        raise TypeError(f"custom_vjp: the rule `{getattr(rule, '__name__', rule)}` takes {rule_arity} parameters, but "
                        f"a rule of `{getattr(func, '__name__', func)}` takes {arity + 2}: its arguments, its output "
                        "`out`, then the cotangent `g`")
    func.__lifted_custom_vjp__ = rule


def _positional_count(func: Callable[..., Any]) -> int | None:
    code = getattr(func, "__code__", None)
    if code is None or code.co_flags & 0x04:  # no code object, or *args: cannot tell
        return None
    return code.co_argcount


class Transform:
    """A declared transform of a kernel, resolved to its generated function on first call."""

    def __init__(self, kind: str, func: Callable[..., Any], wrt: Any = None, axes: tuple = (0, 0)):
        if kind not in KINDS:
            raise ValueError(f"unknown transform {kind!r}; expected one of {', '.join(KINDS)}")
        if not callable(func):
            raise TypeError(f"{kind}() takes the kernel function to transform, got {type(func).__name__}")
        if not (wrt is None or _is_wrt_item(wrt)
                or (isinstance(wrt, tuple) and wrt and all(_is_wrt_item(w) for w in wrt))):
            raise TypeError('wrt must be a parameter name, a position, or a tuple of them: wrt="w" or wrt=("w", "b")')
        if kind == "vmap" and not all(_is_axes(a) for a in axes):
            raise TypeError("in_axes and out_axes take an axis, None, or a tuple of them: in_axes=(0, None)")
        self.kind = kind
        self.func = func
        self.wrt = wrt
        self.axes = axes  # vmap: (in_axes, out_axes)
        self.__name__ = f"{kind}_{getattr(func, '__name__', 'f')}"
        self.__qualname__ = self.__name__
        self.__doc__ = f"{kind} of {getattr(func, '__qualname__', func)!s} with respect to {wrt!r} (Lifted)."
        self._resolved: Callable[..., Any] | None = None
        self._lock = threading.Lock()

    def resolve(self) -> Callable[..., Any]:
        """The generated NumPy function (transpiled and cached on first use)."""
        if self._resolved is None:
            with self._lock:
                if self._resolved is None:
                    from .onthefly import generated_function

                    self._resolved = generated_function(self.kind, self.func, self.wrt, self.axes)
        return self._resolved

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function = self._resolved
        if function is None:
            try:
                function = self.resolve()
            except Exception as exc:
                raise_clean(exc)
        return function(*args, **kwargs)

    def __repr__(self) -> str:
        options = f"in_axes={self.axes[0]!r}, out_axes={self.axes[1]!r}" if self.kind == "vmap" else f"wrt={self.wrt!r}"
        return f"<lifted {self.kind}({getattr(self.func, '__name__', self.func)}, {options})>"


def _is_axes(value: Any) -> bool:
    """An axis, None, or a tuple of them; for a tree parameter also a list, or a dict, of them (a prefix)."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool)) or \
        (isinstance(value, (tuple, list)) and all(_is_axes(v) for v in value)) or \
        (isinstance(value, dict) and all(_is_axes(v) for v in value.values()))


def raise_clean(exc: Exception) -> None:
    """Raise `exc` again; an error about the user's code (a located compile error, a bad request) loses the
    runtime's and the compiler's frames, so the traceback shows the caller's line and the located message."""
    if getattr(exc, "__lifted_user_error__", False):
        raise exc.with_traceback(None) from None
    raise exc


def _is_wrt_item(item: Any) -> bool:
    return isinstance(item, (str, int)) and not isinstance(item, bool)


def grad(f: Callable[..., Any], wrt: Any = None) -> Transform:
    """`(*args) -> gradient(s)` of a scalar-valued kernel; `wrt` names parameters (default: the first)."""
    return Transform("grad", f, wrt)


def value_and_grad(f: Callable[..., Any], wrt: Any = None) -> Transform:
    """`(*args) -> (value, gradient(s))` of a scalar-valued kernel."""
    return Transform("value_and_grad", f, wrt)


def vjp(f: Callable[..., Any], wrt: Any = None) -> Transform:
    """`(*args, ct) -> (value, cotangents)`: the vector-Jacobian product of a kernel."""
    return Transform("vjp", f, wrt)


def jvp(f: Callable[..., Any], wrt: Any = None) -> Transform:
    """`(*args, *tangents) -> (value, tangent)`: the Jacobian-vector product (forward mode), one tangent per
    `wrt` input."""
    return Transform("jvp", f, wrt)


def jacfwd(f: Callable[..., Any], wrt: Any = None) -> Transform:
    """`(*args) -> Jacobian(s)` by forward mode; an output of shape Y and an input of shape X give Y + X."""
    return Transform("jacfwd", f, wrt)


def jacrev(f: Callable[..., Any], wrt: Any = None) -> Transform:
    """`(*args) -> Jacobian(s)` by reverse mode (one output array); shapes as for `jacfwd`."""
    return Transform("jacrev", f, wrt)


def hessian(f: Callable[..., Any], wrt: Any = None) -> Transform:
    """`(*args) -> Hessian` of a scalar-valued kernel: `jacfwd(grad(f))`, shape X + X."""
    return Transform("hessian", f, wrt)


def vmap(f: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0) -> Transform:
    """`f` over a batch: the arguments `in_axes` marks (an axis, or None for a value shared by every example; one
    entry per parameter, or one for all) carry a batch axis there; results get it at `out_axes`. As in JAX."""
    return Transform("vmap", f, None, (in_axes, out_axes))
