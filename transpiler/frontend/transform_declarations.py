"""Module-level transform declarations, `g = grad(f, wrt="w")`, `h = jvp(grad(f))`, `vmap(f, in_axes=(0, None))`:
Lifted's own transforms, and autograd's and JAX's where they mean the same, read into `Declaration`s."""
from __future__ import annotations

import libcst as cst

from ..errors import TranspileError
from .constants import literal
from .imports import AD_LIBRARIES, DIFFERENT, FOREIGN, Foreign
from .parsed import Declaration, Locator, ParsedModule

TRANSFORMS = ("grad", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian", "vmap")
OPTIONS = {"vmap": ("in_axes", "out_axes")}  # a transform's options besides the function (default: `wrt=`)


def _static_value(node: cst.BaseExpression):
    """A literal at module level: numbers, strings, tuples of them, negatives."""
    value = literal(node, _NOT_STATIC)
    if value is not _NOT_STATIC:
        return value
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = _static_value(node.expression)
        return -value if isinstance(value, (int, float)) else _NOT_STATIC
    if isinstance(node, cst.Tuple):
        values = tuple(_static_value(e.value) for e in node.elements)
        return _NOT_STATIC if _NOT_STATIC in values else values
    return _NOT_STATIC


_NOT_STATIC = object()


def _axes_literal(node: cst.BaseExpression):
    """A static value that may also be a list or a dict with literal keys (vmap's axes for tree parameters)."""
    if isinstance(node, (cst.Tuple, cst.List)):
        values = [_axes_literal(e.value) for e in node.elements]
        if any(v is _NOT_STATIC for v in values):
            return _NOT_STATIC
        return tuple(values) if isinstance(node, cst.Tuple) else values
    if isinstance(node, cst.Dict):
        items = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return _NOT_STATIC
            key, value = _static_value(element.key), _axes_literal(element.value)
            if key is _NOT_STATIC or value is _NOT_STATIC or not isinstance(key, (str, int)):
                return _NOT_STATIC
            items[key] = value
        return items
    return _static_value(node)

def _origin(call: cst.Call, parsed: ParsedModule) -> tuple[str, str] | None:
    """(library, name) of the function a module-level call calls: `grad` (imported from lifted, autograd or
    jax; a name of unknown origin reads as Lifted's), `lifted.grad`, `jax.grad`, `autograd.grad`."""
    func = call.func
    if isinstance(func, cst.Name):
        return parsed.transform_names.get(func.value, ("lifted", func.value))
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        owner = func.value.value
        if owner == "lifted":  # as `@lifted.kernel` marks a kernel
            return ("lifted", func.attr.value)
        if parsed.modules.get(owner) in AD_LIBRARIES:
            return (parsed.modules[owner], func.attr.value)
    return None


def declared_transform(call: cst.Call, parsed: ParsedModule, locate: Locator) -> tuple[str, Foreign | None] | None:
    """The Lifted transform a module-level call declares (and how to read a foreign one's arguments), or None."""
    origin = _origin(call, parsed)
    if origin is None:
        return None
    library, name = origin
    if library in AD_LIBRARIES:
        if (library, name) in DIFFERENT:
            raise TranspileError(f"`{library}.{name}` does not declare a function the way Lifted's transforms do",
                                 locate(call.func), hint=DIFFERENT[(library, name)])
        if name in FOREIGN[library]:
            return FOREIGN[library][name].kind, FOREIGN[library][name]
    if name in TRANSFORMS:
        return name, None
    return None


def nested_declarations(target: str, call: cst.Call, parsed: ParsedModule, locate: Locator) -> list[Declaration]:
    """`h = jvp(grad(f), ...)`: the inner transform first, as a hidden declaration `h.grad` that `h` transforms."""
    kind, foreign = declared_transform(call, parsed, locate)
    positional = [a for a in call.args if a.keyword is None]
    inner = positional[0].value if positional else None
    inner_kind = declared_transform(inner, parsed, locate) if isinstance(inner, cst.Call) else None
    if inner_kind is not None:
        hidden_target = f"{target}.{inner_kind[0]}"  # not an identifier: never clashes, never emitted
        inner_declarations = nested_declarations(hidden_target, inner, parsed, locate)
        inner_declarations[-1].hidden = True
        return inner_declarations + [_declaration(target, kind, call, locate, hidden_target, foreign)]
    return [_declaration(target, kind, call, locate, foreign=foreign)]


def _declaration(target: str, transform: str, call: cst.Call, locate: Locator, func: str | None = None,
                 foreign: Foreign | None = None) -> Declaration:
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    written = cst.Module([]).code_for_node(call.func)
    option = foreign.position if foreign is not None else "wrt"
    if foreign is not None and len(positional) == 2 and option not in keywords:  # `grad(f, 1)`: the argnum
        keywords[option] = positional.pop()
    if len(positional) != 1 or not (func is not None or isinstance(positional[0].value, cst.Name)):
        raise TranspileError(f"`{written}` takes the kernel to transform as its one positional argument",
                             locate(call), hint=f'{target} = {transform}(f, wrt="x")')
    allowed = OPTIONS.get(transform, (option,)) if foreign is None else (option,)
    for key, arg in keywords.items():
        if key not in allowed:
            if foreign is not None:
                hint = f"`{written}` is read as Lifted's {transform}, whose only option is `{option}=`"
            elif len(allowed) == 1:
                hint = f"the option is `{option}=`"
            else:
                hint = "its options are " + ", ".join(f"`{a}=`" for a in allowed)
            raise TranspileError(f"`{written}` has no option `{key}` here", locate(arg), hint=hint)
    if transform == "vmap":
        axes = {key: _axes_value(keywords[key].value, key, locate) if key in keywords else 0
                for key in ("in_axes", "out_axes")}
        where = tuple(locate(keywords[key].value) if key in keywords else None for key in ("in_axes", "out_axes"))
        return Declaration(target, transform, func or positional[0].value.value, None, False, locate(call),
                           locate(positional[0].value), None, in_axes=axes["in_axes"], out_axes=axes["out_axes"],
                           options_loc=where)
    wrt, wrt_is_tuple = None, False
    if option in keywords:
        node = keywords[option].value
        value = _static_value(node)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            wrt = (value,)
        elif isinstance(value, tuple) and value and all(isinstance(v, (str, int)) for v in value):
            wrt, wrt_is_tuple = value, True
        else:
            raise TranspileError(f"`{option}` must be a parameter name, a position, or a tuple of them", locate(node),
                                 hint='wrt="w" or wrt=("w", "b")' if foreign is None else f"{option}=1 or {option}=(0, 1)")
    return Declaration(target, transform, func or positional[0].value.value, wrt, wrt_is_tuple, locate(call),
                       locate(positional[0].value), locate(keywords[option].value) if option in keywords else None)


def _axes_value(node: cst.BaseExpression, key: str, locate: Locator):
    """`in_axes=`/`out_axes=`: an int, None, or a (nested) tuple of them, as JAX takes them; for a tree parameter
    also a prefix of its structure (a list, or a dict with literal keys)."""
    value = _axes_literal(node)

    def valid(v):
        return v is None or (isinstance(v, int) and not isinstance(v, bool)) or \
            (isinstance(v, (tuple, list)) and all(valid(x) for x in v)) or \
            (isinstance(v, dict) and all(valid(x) for x in v.values()))

    if value is _NOT_STATIC or not valid(value) or (key == "in_axes" and isinstance(value, (list, dict))):
        raise TranspileError(f"`{key}` must be an axis, None, or a tuple of them, written out", locate(node),
                             hint=f"{key}=(0, None)")
    return value
