"""Which scalar parameters would change a dtype if the caller passed a Python number for them.

NumPy promotes a Python number as a *weak* scalar (NEP 50): `x32 * 2.5` stays float32 where `x32 * np.float64(2.5)`
is float64, and `j32 + 3` stays int32. A parameter annotated `"f64[]"` may receive either. The NumPy backend runs the
same operations as the source, so it follows whatever it is given; a compiled target (the C and CUDA kernels) is
typed once, from the annotations. This pass retypes a function with one scalar parameter weak and reports it where
any equation's dtype changes: there the compiled module must refuse a Python number for it (the host module says
so at the call) rather than compute another dtype than Python would.

The same retyping finds the *merges* that may still hold a Python number (`python_number_merges`): a loop that may
run no iteration keeps its start (`v = 0.0` stays the Python float where one iteration makes it float64), one side
of an `if` may assign a number. The slot is typed by its strong side; where the number would have met an array in
another dtype (`v * x32`: float32 for the Python float, float64 for np.float64) a target typed once must refuse.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..errors import SourceLoc
from ..ir import Atom, Const, Eqn, Function, If, Loop, Var, result_atoms
from ..ir.types import NUMPY_DTYPES, promote

_SCALAR_DTYPES = ("f64", "f32", "i64", "i32")


def weak_sensitive(fn: Function) -> list[Var]:
    """The scalar parameters of `fn` (float or int) whose being a Python number changes some dtype in `fn`."""
    return [p for p in fn.params if p.type.shape == () and p.type.dtype in _SCALAR_DTYPES and not p.type.weak
            and _changes(fn.body, {id(p): dataclasses.replace(p.type, weak=True)})]


def int_sensitive(fn: Function) -> list[Var]:
    """The float scalar parameters (`"f64[]"`, which also takes a Python int or bool) whose being a Python int changes
    some dtype: Python keeps an int where ints meet (`-a`, `2 * a`), where the annotation's dtype is float. The host
    computes on Python numbers as Python does; a compiled loop holds the parameter as a float (C target)."""
    return [p for p in fn.params if p.type.shape == () and p.type.dtype in ("f64", "f32") and not p.type.weak
            and _changes(fn.body, {id(p): dataclasses.replace(p.type, dtype="i64", weak=True)})]


def _changes(block: list, types: dict, numbers_kept: bool = False, tainted: set | None = None) \
        -> tuple[Eqn, str] | None:
    """Retype `block` with `types` (id -> the type a value takes instead); the first equation whose dtype changes,
    and its dtype retyped.
    `numbers_kept`: a result that becomes a Python number is no change (the host computes it as Python does; a
    C loop kernel flags it), only a NumPy value of another dtype is. `tainted`: where given, the ids of values
    computed from the retyped one; only their equations are judged (another loop's first iteration on its own
    Python-number start is retyped, as it runs, but is not this value's doing)."""
    def changed_dtype(stmt: Eqn, types: dict, tainted: set | None) -> tuple[Eqn, str] | None:
        if not any(id(a) in types for a in stmt.args) or (new := _retyped(stmt, types)) is None:
            return None
        judged = tainted is None or any(id(a) in tainted for a in stmt.args)
        if judged and (_compares_otherwise(stmt, types) or
                       new.dtype != stmt.out.type.dtype and not (numbers_kept and new.weak)):
            return stmt, promote([_type(a, types) for a in stmt.args]) if _compares_otherwise(stmt, types) \
                else new.dtype
        if new.weak != stmt.out.type.weak or new.dtype != stmt.out.type.dtype and judged:
            types[id(stmt.out)] = dataclasses.replace(stmt.out.type, dtype=new.dtype if judged else
                                                      stmt.out.type.dtype, weak=new.weak)
            if tainted is not None and judged:
                tainted.add(id(stmt.out))
        return None

    return _first_found(block, types, tainted, changed_dtype)


def _first_found(block: list, types: dict, tainted: set | None, question: Callable) -> object | None:
    """The one retyping walk of `_changes` and `_meets_float64`: `block` in program order, `if` sides then their
    merge, a loop's start merged into its slots, its body, then its results; the first answer (not None) that
    `question(eqn, types, tainted)` gives for an equation of one result, which also records its retyping."""
    for stmt in block:
        found = None
        if isinstance(stmt, Eqn):
            if len(stmt.outs) == 1:
                found = question(stmt, types, tainted)
        elif isinstance(stmt, If):
            found = _first_found(stmt.then_body, types, tainted, question)
            if found is None:
                found = _first_found(stmt.else_body, types, tainted, question)
            if found is None:
                _merge(stmt.outs, (stmt.then_results, stmt.else_results), types, tainted)
        elif isinstance(stmt, Loop):
            _merge(stmt.carried, (stmt.inits,), types, tainted)
            found = _first_found(stmt.cond_body + stmt.body, types, tainted, question)
            if found is None:
                _merge(stmt.outs, (stmt.carried_out,), types, tainted)
        if found is not None:
            return found
    return None


def _retyped(stmt: Eqn, types: dict):
    """The type `stmt` computes from its arguments retyped, or None where its rule cannot retype them (the value
    is not judged by it)."""
    try:
        return stmt.prim.infer([_type(a, types) for a in stmt.args], dict(stmt.params))
    except Exception:  # noqa: BLE001 (a rule that cannot retype: not judged by it)
        return None


def _compares_otherwise(stmt: Eqn, types: dict) -> bool:
    """A comparison's result is bool either way, but its operands meet in their promoted dtype: `x32 == t` compares
    in float32 for a Python float `t` and in float64 for np.float64(t), which can decide it."""
    if stmt.prim.family != "elementwise" or stmt.out.type.dtype != "bool" or len(stmt.args) < 2:
        return False
    return promote([_type(a, types) for a in stmt.args]) != promote([a.type for a in stmt.args])


def _type(atom: Atom, types: dict):
    return types.get(id(atom), atom.type)


def _merge(outs, sides: tuple, types: dict, tainted: set | None = None) -> None:
    """A merged value may be a Python number where any side may be one (the path that keeps it): retyped weak, it
    is judged where it flows (`w = v if c else s` after `v = 0.25 if c2 else s`: `w` may be the Python float); it
    stays as typed where no side changed. (Its dtype stays the slot's: a loop's Python-int start `v = 0` meeting
    floats is judged as the float it becomes, not as an int that would make every loop with such a start look
    changed by whatever value is retyped.)"""
    for k, out in enumerate(outs):
        retyped = [_type(side[k], types).weak for side in sides if k < len(side) and id(side[k]) in types]
        if isinstance(out, Var) and retyped and out.type.weak != any(retyped):
            types[id(out)] = dataclasses.replace(out.type, weak=not out.type.weak)
            if tainted is not None and any(id(side[k]) in tainted for side in sides if k < len(side)):
                tainted.add(id(out))


@dataclasses.dataclass(frozen=True)
class NumberMerge:
    """A loop's or an `if`'s scalar result that is a Python number on some runs and a NumPy value of its slot's
    dtype on others, where the two would differ in a dtype."""
    out: Var  # the merged result (a loop's `outs[k]`, an `if`'s `outs[k]`)
    slot: Var  # what the batching transform lifts into: the loop's carried slot, or the `if`'s result
    number: Atom  # the Python number it may keep (the loop's start, the `if`'s side)
    loc: SourceLoc | None
    meets: tuple[Eqn, str] | None  # the first equation computing another dtype with the number, and that dtype

    def describe(self, name: str) -> str:
        """What the value is, and what differs with it: for an error's message."""
        number = f"the Python number {self.number.value!r}" if isinstance(self.number, Const) and \
            isinstance(self.number.value, (bool, int, float)) else "a Python number"
        dtype = NUMPY_DTYPES[self.out.type.dtype]
        where = "where the loop runs no iteration" if self.out is not self.slot else "on one path of the `if`"
        if self.meets is not None:
            eqn, other = self.meets
            line = f" (line {eqn.loc.line})" if eqn.loc is not None else ""
            if other == eqn.out.type.dtype:  # (`rounded_numbers`: the same dtype, not the same number)
                what = (f"`{eqn.prim.name}`{line} computes in {NUMPY_DTYPES[other]} with all of the number's bits, "
                        f"which a {dtype} holds rounded")
            elif eqn.out.type.dtype == "bool":  # (a comparison: in the dtype its operands meet in)
                what = (f"`{eqn.prim.name}`{line} compares in {NUMPY_DTYPES[other]} with the number and in "
                        f"{NUMPY_DTYPES[promote([a.type for a in eqn.args])]} with a {dtype}")
            else:
                what = (f"`{eqn.prim.name}`{line} computes {NUMPY_DTYPES[other]} with the number and "
                        f"{NUMPY_DTYPES[eqn.out.type.dtype]} with a {dtype}")
        else:
            what = (f"returned, it is a {NUMPY_DTYPES[self.number.type.dtype]} where it is the number and a {dtype} "
                    "otherwise")
        return f"`{name}` is {number} {where} and {dtype} otherwise; {what}"


def python_number_merges(fn: Function, numbers_kept: bool = False) -> list[NumberMerge]:
    """The merges of `fn` that may keep a Python number beside a strong slot (see the module docstring) where
    that changes the dtype of some equation (`meets`) or, unless `numbers_kept`, of a returned value (a batch of
    the examples' results stacks Python floats as float64 beside float32 ones)."""
    found: list[NumberMerge] = []
    returned = {id(a): a for a in result_atoms(fn.result) if isinstance(a, Var)}
    for out, slot, number, loc in _candidates(fn.body):
        types = {id(out): dataclasses.replace(out.type, dtype=number.type.dtype, weak=True)}
        tainted = {id(out)}
        meets = _changes(fn.body, types, numbers_kept, tainted)
        results = not numbers_kept and any(id(a) in tainted and types[id(a)].weak and types[id(a)].dtype != a.type.dtype
                                           for a in returned.values())
        if meets is not None or results:
            found.append(NumberMerge(out, slot, number, loc, meets))
    return found


def rounded_numbers(fn: Function) -> list[NumberMerge]:
    """The merges of a float32 slot that may keep a Python float float32 cannot hold (`v = 0.1` before a loop of
    float32 steps that may run no iteration), where that number meets a float64 computation (`np.sum(v * x64)`):
    the dtype is float64 either way, but Python computes with all of the number's bits, where a target holding the
    slot in float32 rounds it first (`meets`: that equation)."""
    found: list[NumberMerge] = []
    for out, slot, number, loc in _candidates(fn.body):
        if out.type.dtype != "f32" or number.type.dtype != "f64" or _float32_holds(number):
            continue
        types = {id(out): dataclasses.replace(out.type, dtype="f64", weak=True)}
        meets = _meets_float64(fn.body, types, {id(out)})
        if meets is not None:
            found.append(NumberMerge(out, slot, number, loc, (meets, "f64")))
    return found


def _float32_holds(number: Atom) -> bool:
    return isinstance(number, Const) and isinstance(number.value, (int, float)) \
        and float(np.float32(number.value)) == number.value


def _meets_float64(block: list, types: dict, tainted: set) -> Eqn | None:
    """The first equation computing float64 with a value that is still the Python number (`tainted`, retyped
    weak in `types`): a float32 result rounds the number as the float32 slot does, a weak one stays the number."""
    def float64_meeting(stmt: Eqn, types: dict, tainted: set) -> Eqn | None:
        if not any(id(a) in tainted for a in stmt.args) or (new := _retyped(stmt, types)) is None:
            return None
        if new.weak:
            types[id(stmt.out)] = new
            tainted.add(id(stmt.out))
        elif new.dtype == "f64":
            return stmt
        return None

    return _first_found(block, types, tainted, float64_meeting)


def keeping_other_numbers(block: list) -> list:
    """The loops and `if`s (nested ones too) that contain a scalar merge which may keep a Python number of another
    dtype than its slot's (`v = 0` before a loop that may run no iteration, where one iteration makes `v` a
    float64): a kernel running such a statement per element stores its slot's dtype (np.float64(0.0)) where Python
    keeps the number (the int 0). They stay host code, which keeps what Python keeps (the C target's fusion)."""
    found = []
    for stmt in block:
        if isinstance(stmt, (If, Loop)):
            if any(number.type.dtype != out.type.dtype for out, _, number, _ in _candidates([stmt])):
                found.append(stmt)
            nested = stmt.then_body + stmt.else_body if isinstance(stmt, If) else stmt.cond_body + stmt.body
            found += keeping_other_numbers(nested)
    return found


def _candidates(block: list):
    """(result, slot, Python number, loc) for each scalar merge whose one side may be a Python number and whose
    result is not one."""
    for stmt in block:
        if isinstance(stmt, If):
            for k, out in enumerate(stmt.outs):
                for side in (stmt.then_results, stmt.else_results):
                    if k < len(side) and _number_beside(side[k], out):
                        yield out, out, side[k], stmt.loc
                        break
            yield from _candidates(stmt.then_body)
            yield from _candidates(stmt.else_body)
        elif isinstance(stmt, Loop):
            if _may_run_no_iteration(stmt):
                for k, out in enumerate(stmt.outs):
                    if k < len(stmt.inits) and _number_beside(stmt.inits[k], out):
                        yield out, stmt.carried[k], stmt.inits[k], stmt.loc
            yield from _candidates(stmt.cond_body)
            yield from _candidates(stmt.body)


def _number_beside(value, out) -> bool:
    return isinstance(out, Var) and out.type.shape == () and not out.type.weak and out.type.dtype in _SCALAR_DTYPES \
        and isinstance(value, (Var, Const)) and value.type.weak and value.type.shape == () \
        and not (isinstance(value, Const) and value.value is None)


def _may_run_no_iteration(loop: Loop) -> bool:
    """A `for` over a range whose bounds are known at build time runs when that range is not empty; any other
    loop (run-time bounds, sizes, a `while`, a `for` that breaks) may run none."""
    if loop.kind != "for":
        return True
    values = []
    for bound in loop.bounds:
        value = bound.value if isinstance(bound, Const) else bound.type.value
        if not isinstance(value, int) or isinstance(value, bool):
            return True
        values.append(value)
    return len(range(*values)) == 0
