"""Copy an IR function's body into another function at a call site, with fresh names for its values.

Used where a rule is itself a kernel (`custom_vjp`): its lowered body is emitted in place, like a kernel call
in the source is inlined by `normalize`.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .ir import Atom, Eqn, Function, If, Loop, Var
from .ir.types import TensorType

if TYPE_CHECKING:  # the builder calls this module (`Builder.inline`); it never imports the builder back
    from .builder import Builder


def inline_function(builder: Builder, fn: Function, args: list[Atom]):
    """Emit `fn`'s body with its parameters bound to `args`; returns its result with atoms mapped.

    The callee's named dimensions take the caller's names (`B` in a vmapped function called with an `xs` of
    shape `[b,d]` is `b`), so the types of the inlined values agree with the caller's."""
    mapping: dict[int, Atom] = {id(p): a for p, a in zip(fn.params, args)}
    dims = _dim_names(fn.params, args)
    _copy_block(builder, fn.body, mapping, dims)
    return _map_result(fn.result, mapping)


def copy_block(builder: Builder, block: list, mapping: dict[int, Atom]) -> None:
    """Emit a copy of `block` with fresh names, its reads of the values in `mapping` (by id) replaced, and what
    it defines added to `mapping` (a loop's first trip run on its own: transforms/peel.py)."""
    _copy_block(builder, block, mapping, {})


def _dim_names(params: list[Var], args: list[Atom]) -> dict:
    dims = {}
    for param, arg in zip(params, args):
        if param.type.shape is None or arg.type.shape is None or len(param.type.shape) != len(arg.type.shape):
            continue
        for mine, theirs in zip(param.type.shape, arg.type.shape):
            if isinstance(mine, str) and mine != theirs and mine not in dims:
                dims[mine] = theirs
    return dims


def _retype(t: TensorType, dims: dict) -> TensorType:
    if not dims:
        return t
    shape = tuple(dims.get(d, d) for d in t.shape) if t.shape is not None else None
    value = dims.get(t.value, t.value) if isinstance(t.value, str) else t.value
    return dataclasses.replace(t, shape=shape, value=value)


def _map_result(result, mapping):
    if isinstance(result, tuple):
        return tuple(_map_result(r, mapping) for r in result)
    return mapping.get(id(result), result)


def _fresh(builder: Builder, var: Var, mapping: dict[int, Atom], dims: dict) -> Var:
    new = Var(builder.scope.fresh(var.name), _retype(var.type, dims), temporary=var.temporary)
    mapping[id(var)] = new
    return new


def _copy_block(builder: Builder, block: list, mapping: dict[int, Atom], dims: dict) -> None:
    def atoms(values):
        return tuple(mapping.get(id(a), a) for a in values)

    for stmt in block:
        if isinstance(stmt, Eqn):
            args = atoms(stmt.args)
            if stmt.prim.extra.get("in_place"):  # the result keeps its target's (new) name
                outs = (Var(args[0].name, _retype(stmt.outs[0].type, dims)),)
                mapping[id(stmt.outs[0])] = outs[0]
            else:
                outs = tuple(_fresh(builder, o, mapping, dims) for o in stmt.outs)
            params = dict(stmt.params)
            if dims and isinstance(params.get("type"), TensorType):
                params["type"] = _retype(params["type"], dims)
            builder.emit(Eqn(stmt.prim, args, params, outs, stmt.loc))
        elif isinstance(stmt, If):
            cond = mapping.get(id(stmt.cond), stmt.cond)
            with builder.block() as then_body:
                _copy_block(builder, stmt.then_body, mapping, dims)
            with builder.block() as else_body:
                _copy_block(builder, stmt.else_body, mapping, dims)
            then_results, else_results = atoms(stmt.then_results), atoms(stmt.else_results)
            outs = tuple(_fresh(builder, o, mapping, dims) for o in stmt.outs)
            builder.emit(If(cond, then_body, else_body, outs, then_results, else_results, stmt.loc))
        else:
            bounds, inits = atoms(stmt.bounds), atoms(stmt.inits)
            carried = tuple(_fresh(builder, v, mapping, dims) for v in stmt.carried)
            index = _fresh(builder, stmt.index, mapping, dims) if stmt.index is not None else None
            with builder.block() as cond_body:
                _copy_block(builder, stmt.cond_body, mapping, dims)
            cond = mapping.get(id(stmt.cond), stmt.cond) if stmt.cond is not None else None
            with builder.block() as body:
                _copy_block(builder, stmt.body, mapping, dims)
            carried_out = atoms(stmt.carried_out)
            outs = tuple(Var(c.name, c.type) for c in carried)
            mapping.update((id(old), new) for old, new in zip(stmt.outs, outs))
            builder.emit(Loop(stmt.kind, index, bounds, cond_body, cond, carried, inits, body, carried_out, outs,
                              stmt.loc, reverse=stmt.reverse))
