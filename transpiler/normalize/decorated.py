"""The error for a kernel calling a module function that carries a decorator (not `@kernel`): what the decorator
makes of the function is not known at build time. autograd's `@primitive` (with `defvjp`) gets a hint naming
Lifted's counterpart, `custom_vjp`."""
from __future__ import annotations

from ..errors import TranspileError


def decorated_function(lowering, node, name: str, decorator: str, where) -> TranspileError:
    """A located error for reading `name`, a module-level function under `@decorator` (declared at `where`)."""
    message = (f"`{name}` is decorated with `@{decorator}` (line {where.line}): the compiler cannot know what the "
               "decorator makes of the function")
    if decorator.split(".")[-1] == "primitive":  # autograd.extend.primitive, given its VJP by defvjp
        hint = (f"autograd's @primitive with defvjp is Lifted's custom_vjp: make `{name}` an annotated @kernel and "
                f"declare custom_vjp({name}, {name}_vjp) with {name}_vjp(*args, out, g) returning one cotangent per "
                "parameter (autograd's `make_vjp(ans, *args)(g)`)")
    else:
        hint = "remove the decorator (a function a kernel calls is inlined as written), or apply it outside the kernel"
    return lowering.error(node, message, hint)
