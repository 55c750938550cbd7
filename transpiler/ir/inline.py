"""Copy an IR function's body into another function at a call site, with fresh names for its values.

Used where a rule is itself a kernel (`custom_vjp`): its lowered body is emitted in place, like a kernel call
in the source is inlined by `normalize`.
"""
from __future__ import annotations

from ..builder import Builder
from . import Atom, Eqn, Function, If, Loop, Var


def inline_function(builder: Builder, fn: Function, args: list[Atom]):
    """Emit `fn`'s body with its parameters bound to `args`; returns its result with atoms mapped."""
    mapping: dict[int, Atom] = {id(p): a for p, a in zip(fn.params, args)}
    _copy_block(builder, fn.body, mapping)
    return _map_result(fn.result, mapping)


def _map_result(result, mapping):
    if isinstance(result, tuple):
        return tuple(_map_result(r, mapping) for r in result)
    return mapping.get(id(result), result)


def _fresh(builder: Builder, var: Var, mapping: dict[int, Atom]) -> Var:
    new = Var(builder.scope.fresh(var.name), var.type, temporary=var.temporary)
    mapping[id(var)] = new
    return new


def _copy_block(builder: Builder, block: list, mapping: dict[int, Atom]) -> None:
    def atoms(values):
        return tuple(mapping.get(id(a), a) for a in values)

    for stmt in block:
        if isinstance(stmt, Eqn):
            args = atoms(stmt.args)
            if stmt.prim.extra.get("in_place"):  # the result keeps its target's (new) name
                outs = (Var(args[0].name, stmt.outs[0].type),)
                mapping[id(stmt.outs[0])] = outs[0]
            else:
                outs = tuple(_fresh(builder, o, mapping) for o in stmt.outs)
            builder.emit(Eqn(stmt.prim, args, dict(stmt.params), outs, stmt.loc))
        elif isinstance(stmt, If):
            cond = mapping.get(id(stmt.cond), stmt.cond)
            with builder.block() as then_body:
                _copy_block(builder, stmt.then_body, mapping)
            with builder.block() as else_body:
                _copy_block(builder, stmt.else_body, mapping)
            then_results, else_results = atoms(stmt.then_results), atoms(stmt.else_results)
            outs = tuple(_fresh(builder, o, mapping) for o in stmt.outs)
            builder.emit(If(cond, then_body, else_body, outs, then_results, else_results, stmt.loc))
        else:
            bounds, inits = atoms(stmt.bounds), atoms(stmt.inits)
            carried = tuple(_fresh(builder, v, mapping) for v in stmt.carried)
            index = _fresh(builder, stmt.index, mapping) if stmt.index is not None else None
            with builder.block() as cond_body:
                _copy_block(builder, stmt.cond_body, mapping)
            cond = mapping.get(id(stmt.cond), stmt.cond) if stmt.cond is not None else None
            with builder.block() as body:
                _copy_block(builder, stmt.body, mapping)
            carried_out = atoms(stmt.carried_out)
            outs = tuple(Var(c.name, c.type) for c in carried)
            mapping.update((id(old), new) for old, new in zip(stmt.outs, outs))
            builder.emit(Loop(stmt.kind, index, bounds, cond_body, cond, carried, inits, body, carried_out, outs,
                              stmt.loc, reverse=stmt.reverse))
