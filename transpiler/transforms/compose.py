"""Every transform declaration, applied to an IR function: a kernel or another transform's output.

Transforms compose because each one maps kernel IR to kernel IR: `grad(grad(f))` is `reverse` applied to
the function `reverse` generated, `jvp(grad(f))` (a Hessian-vector product) is `jvp` of it, `hessian(f)` is
`jacfwd(grad(f))`. A generated input first has its in-place updates made out of place (`functionalize`),
since a second derivative reads values that an update would have overwritten.
"""
from __future__ import annotations

from ..errors import SourceLoc, TranspileError
from ..ir import Function
from .forward import ForwardSpec, jvp
from .inplace import functionalize
from .jacobian import jacfwd, jacrev
from .reverse import ReverseSpec, reverse

REVERSE = ("grad", "value_and_grad", "vjp", "elementwise_grad")
FORWARD = ("jvp", "jacfwd", "jacrev", "hessian")
KINDS = REVERSE + FORWARD


def apply_transform(kind: str, fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool,
                    loc: SourceLoc | None, generated: bool = False, leaf_cotangents: tuple = ()) -> Function:
    """The function `kind` declares for `fn` (`generated`: `fn` is itself a transform's output)."""
    result = _apply(kind, fn, name, wrt, wrt_is_tuple, loc, generated, leaf_cotangents)
    result.defaults = fn.defaults  # the same parameters come first: they keep their defaults
    return result


def _apply(kind: str, fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool,
           loc: SourceLoc | None, generated: bool, leaf_cotangents: tuple) -> Function:
    if generated:
        fn = functionalize(fn)
    if kind in REVERSE:
        return reverse(fn, ReverseSpec(name, kind, wrt, wrt_is_tuple, loc, leaf_cotangents))
    if kind == "jvp":
        return jvp(fn, ForwardSpec(name, wrt, loc))
    if kind == "jacfwd":
        return jacfwd(fn, name, wrt, wrt_is_tuple, loc)
    if kind == "jacrev":
        vjp_fn = reverse(fn, ReverseSpec(f"{name}_vjp", "vjp", wrt, True, loc))
        return jacrev(fn, name, wrt, wrt_is_tuple, loc, vjp_fn)
    if kind == "hessian":
        gradient = reverse(fn, ReverseSpec(f"{name}_grad", "grad", wrt, wrt_is_tuple, loc))
        return jacfwd(functionalize(gradient), name, wrt, wrt_is_tuple, loc)
    raise TranspileError(f"unknown transform `{kind}`", loc, "one of " + ", ".join(KINDS))
