"""Reading a NumPy call's arguments in a kernel: how many, which keywords, which must be build-time constants."""
from __future__ import annotations

import inspect
from typing import Callable

import numpy

from ..builder import const
from ..ir import Const, If, Var
from ..values import Module

_DTYPE_NAMES = {
    "float64": "f64", "float32": "f32", "int64": "i64", "int32": "i32", "bool_": "bool", "bool": "bool",
    "float": "f64", "int": "i64", "double": "f64", "f64": "f64", "f32": "f32", "i64": "i64", "i32": "i32",
}


def static(lowering, value, node, what: str):
    """A build-time constant: an int, a float, a tuple of ints, None, a string."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Const):
        return value.value
    if isinstance(value, tuple):
        return tuple(static(lowering, v, node, what) for v in value)
    raise lowering.error(node, f"{what} must be a constant known at build time", "write a literal")


def shape_args(lowering, value, node) -> list:
    """A shape argument (an int, a tuple, or x.shape) as integer atoms."""
    atoms = []
    for item in value if isinstance(value, tuple) else (value,):
        atom = lowering._atom(item, node)
        if atom.type.dtype not in ("i32", "i64") or atom.type.shape != ():
            raise lowering.error(node, "shapes are integers or tuples of integers", "np.zeros((n, 3))")
        atoms.append(atom)
    return atoms


def dtype(lowering, value, node) -> str:
    key = value.path.split(".")[-1] if isinstance(value, Module) else value if isinstance(value, str) else None
    if isinstance(key, str) and key not in _DTYPE_NAMES:  # a NumPy dtype code or name: "i4", "<f8", "single"
        try:
            key = numpy.dtype(key).name
        except TypeError:
            pass
    if key not in _DTYPE_NAMES:
        raise lowering.error(node, "unsupported dtype", "use np.float64, np.float32, np.int64, np.int32 or bool")
    return _DTYPE_NAMES[key]


def arity(lowering, node, name, positional, keywords, minimum, maximum, allowed=(), hint: str | None = None):
    if not minimum <= len(positional) <= maximum:
        expected = str(minimum) if minimum == maximum else f"{minimum} to {maximum}"
        more = ", ".join(f"`{key}=`" for key in allowed)
        noun = "argument" if expected == "1" else "arguments"
        raise lowering.error(node, f"`{name}` takes {expected} positional {noun} here, {len(positional)} given",
                             hint or (f"pass {expected} positional {noun}" + (f"; the others by keyword: {more}"
                                                                                 if more else "")))
    for key, (value, key_node) in keywords.items():
        if key not in allowed:
            raise lowering.error(key_node, f"`{name}` does not support the argument `{key}=` in kernels",
                                 "supported: " + (", ".join(allowed) if allowed else "positional arguments only"))


def arg(lowering, positional, keywords, index, key, node, default=None):
    if index < len(positional):
        return positional[index], node
    if key in keywords:
        return keywords[key]
    return default, node


def given(value) -> bool:
    """Was an optional argument passed as something other than None (absent, or a literal None, is not)?"""
    return not (value is None or (isinstance(value, Const) and value.value is None))


def dtype_params(lowering, keywords) -> dict:
    """`{"dtype": ...}` when the call names one."""
    if "dtype" not in keywords:
        return {}
    value, node = keywords["dtype"]
    return {"dtype": dtype(lowering, value, node)}


def static_int(lowering, value, node, what: str) -> int:
    result = static(lowering, value, node, what)
    if not isinstance(result, int) or isinstance(result, bool):
        raise lowering.error(node, f"{what} must be an integer known at build time", "write a literal")
    return result


def static_axis(lowering, value, node, allow_none: bool = True):
    axis = static(lowering, value, node, "`axis`")
    if axis is None and allow_none:
        return None
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise lowering.error(node, "`axis` is an integer here", "axis=0, or leave it out")
    return axis


def known_rank(emit: Emitter, atom) -> int:
    if atom.type.rank is None:
        raise emit.error("this function needs the rank of its argument", 'annotate it, e.g. x: "f64[n,d]"')
    return atom.type.rank


def ravel(emit: Emitter, atom):
    return atom if atom.type.rank == 1 else emit("reshape", atom, -1)


class Emitter:
    """Binds the equations of a function written in terms of other primitives (`np.hstack` as a concatenate),
    each located at the call."""

    def __init__(self, lowering, node, builder):
        self.lowering, self.node, self.builder = lowering, node, builder

    def __call__(self, prim: str, *args, **params):
        return self.lowering._bind(self.builder, self.node, prim, [self.atom(a) for a in args], params or None)

    def atom(self, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return const(value)
        return self.lowering._atom(value, self.node)

    def dims(self, atom) -> list:
        """The sizes of `atom`'s axes as integer atoms (literals where static)."""
        if atom.type.shape is None:
            raise self.error("this function needs the rank of its argument", 'annotate it, e.g. x: "f64[n,d]"')
        return [self.lowering._dim(atom, axis, self.builder, self.node) for axis in range(len(atom.type.shape))]

    def error(self, message: str, hint: str | None = None):
        return self.lowering.error(self.node, message, hint)

    def branch(self, cond, then: Callable, otherwise: Callable, name: str, what: str, same_lengths: bool = False):
        """`then() if cond else otherwise()` as an If statement, so that only the branch taken runs (NumPy choosing
        its computation by a value known at run time); `what` names the call where the branches' types differ.
        `same_lengths`: the caller knows both branches give the same lengths, which a named length's slices
        (`n - 1`, `n - 2` recombined) may not show as the same symbol, so dtype and rank are compared."""
        builder, loc = self.builder, self.builder.loc
        results, bodies = [], []
        for make in (then, otherwise):
            with builder.block() as body:
                results.append(self.atom(make()))
            builder.loc = loc
            bodies.append(body)
        a, b = results[0].type, results[1].type
        if (a.dtype, a.rank) != (b.dtype, b.rank) if same_lengths else a != b:
            raise self.error(f"{what}'s branches compute {a} and {b}")
        out = Var(builder.scope.fresh(name), results[1].type, temporary=True)
        builder.emit(If(cond, bodies[0], bodies[1], (out,), (results[0],), (results[1],), loc))
        return out


def by_keyword(positional, keywords: dict, node, lead: int, names: tuple[str, ...]) -> list:
    """The arguments after the `lead` leading ones given by position, read as NumPy binds them (`names`, in order,
    into `keywords`); what stays positional is returned (too many still fail the arity check). One given by position
    and by keyword stays positional too, so the arity check refuses it (NumPy's TypeError: multiple values); it
    was dropped before, and the keyword's value used."""
    kept = list(positional[:lead])
    for at, key in enumerate(names, start=lead):
        if at < len(positional) and key in keywords:
            kept.append(positional[at])
        elif at < len(positional):
            keywords[key] = (positional[at], node)
    return kept + list(positional[lead + len(names):])


def bind_arguments(lowering, node, name: str, positional, keywords, lead: int,
                   names: tuple[str, ...]) -> tuple[list, dict]:
    """NumPy's binding of `name(a, ..., *names)` with `lead` required leading arguments: those past them given by
    position read into (a copy of) `keywords` (`by_keyword`), then the call checked as `arity` checks it."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, lead, names)
    arity(lowering, node, name, positional, keywords, lead, lead, names)
    return positional, keywords


def keywords_as_positions(handler: Callable, names: tuple[str, ...]) -> Callable:
    """A call that names a leading parameter by keyword (`np.repeat(x, repeats=2)`, `np.swapaxes(a, axis1=0,
    axis2=1)`) read as NumPy binds it: in its place among the positional arguments."""
    def handle(lowering, node, builder, positional, keywords):
        positional, keywords = list(positional), dict(keywords)
        while len(positional) < len(names) and names[len(positional)] in keywords:
            positional.append(keywords.pop(names[len(positional)])[0])
        return handler(lowering, node, builder, positional, keywords)

    return handle


def leading_parameters(function) -> tuple[str, ...]:
    """The names of a NumPy function's parameters that have no default (and `clip`'s bounds)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # ufuncs: positional only
        return ()
    names = []
    for param in parameters:
        if param.kind is not param.POSITIONAL_OR_KEYWORD or (
                param.default is not param.empty and param.name not in ("a_min", "a_max")):
            break
        names.append(param.name)
    return tuple(names)
