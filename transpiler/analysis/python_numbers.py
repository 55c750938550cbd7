"""Which scalar parameters would change a dtype if the caller passed a Python number for them.

NumPy promotes a Python number as a *weak* scalar (NEP 50): `x32 * 2.5` stays float32 where `x32 * np.float64(2.5)`
is float64, and `j32 + 3` stays int32. A parameter annotated `"f64[]"` may receive either. The NumPy backend runs the
same operations as the source, so it follows whatever it is given; a compiled target (the C and CUDA kernels) is
typed once, from the annotations. This pass retypes a function with one scalar parameter weak and reports it where
any equation's dtype changes: there the compiled module must refuse a Python number for it (the host module says
so at the call) rather than compute another dtype than Python would.
"""
from __future__ import annotations

import dataclasses

from ..ir import Atom, Eqn, Function, If, Loop, Var
from ..ir.types import promote

_SCALAR_DTYPES = ("f64", "f32", "i64", "i32")


def weak_sensitive(fn: Function) -> list[Var]:
    """The scalar parameters of `fn` (float or int) whose being a Python number changes some dtype in `fn`."""
    return [p for p in fn.params if p.type.shape == () and p.type.dtype in _SCALAR_DTYPES and not p.type.weak
            and _changes(fn.body, {id(p): dataclasses.replace(p.type, weak=True)})]


def _changes(block: list, types: dict) -> bool:
    """Retype `block` with `types` (id -> the type a value takes instead); whether a dtype changes."""
    for stmt in block:
        if isinstance(stmt, Eqn):
            if len(stmt.outs) != 1 or not any(id(a) in types for a in stmt.args):
                continue
            try:
                new = stmt.prim.infer([_type(a, types) for a in stmt.args], dict(stmt.params))
            except Exception:  # noqa: BLE001 (a rule that cannot retype: the parameter is not judged by it)
                continue
            if new.dtype != stmt.out.type.dtype or _compares_otherwise(stmt, types):
                return True
            if new.weak != stmt.out.type.weak:
                types[id(stmt.out)] = dataclasses.replace(stmt.out.type, weak=new.weak)
        elif isinstance(stmt, If):
            if _changes(stmt.then_body, types) or _changes(stmt.else_body, types):
                return True
            _merge(stmt.outs, (stmt.then_results, stmt.else_results), types)
        elif isinstance(stmt, Loop):
            _merge(stmt.carried, (stmt.inits,), types)
            if _changes(stmt.cond_body + stmt.body, types):
                return True
            _merge(stmt.outs, (stmt.carried_out,), types)
    return False


def _compares_otherwise(stmt: Eqn, types: dict) -> bool:
    """A comparison's result is bool either way, but its operands meet in their promoted dtype: `x32 == t` compares
    in float32 for a Python float `t` and in float64 for np.float64(t), which can decide it."""
    if stmt.prim.family != "elementwise" or stmt.out.type.dtype != "bool" or len(stmt.args) < 2:
        return False
    return promote([_type(a, types) for a in stmt.args]) != promote([a.type for a in stmt.args])


def _type(atom: Atom, types: dict):
    return types.get(id(atom), atom.type)


def _merge(outs, sides: tuple, types: dict) -> None:
    """A merged value stays weak only where every side is (a Python number on every path)."""
    for k, out in enumerate(outs):
        if isinstance(out, Var) and out.type.weak != all(_type(side[k], types).weak for side in sides if k < len(side)):
            types[id(out)] = dataclasses.replace(out.type, weak=not out.type.weak)
