"""Both stencil plans of a function on the CPU target, chosen at run time by the size of the split index space.

Storing a value once and reading it back at offsets (cost.py's rule: a division at an offset) beats repeating it
while the step's arrays stay in the cache, and loses where they come from memory: the extra pass (the value in,
its stored copy out and back) then costs more than the repeated divisions, which overlap the loads (GradBench
ode's gradient: the split 1.05-1.32x faster at n = 1e3-1e4, 0.83-0.87x at n = 1e5 with s = 10 and 100;
docs/gradbench.md, "h-ode3" and "h-ode4"). One plan per value cannot be right at both sizes, so where the split
happens the function gets both: the split plan under `if elements <= SPLIT_MOST_ELEMENTS`, the repeating plan
(cost.py's rule off) in the `else`, `elements` the split index spaces' element count worked out from the
parameters' shapes at entry. The two branches are the same program rewritten two ways (the repeating one a copy
with its own names), so each computes NumPy's bits, and only one runs.

The split is kept alone (no choice) where a split space has a size the parameters do not give (the count would
need the function's own work), where the function updates a parameter in place (a copy with names of its own
could not share the parameter's name), or where it checks the caller's arguments at entry (the checks would sit in
both branches, and code placed after the last of them between the two).
"""
from __future__ import annotations

import copy
import dataclasses
import os

from ....ir import Const, Eqn, Function, If, Var, all_defined, equations, result_atoms
from ....ir.arena import hold
from ....ir.types import TensorType
from ....primitives.registry import lookup
from .rewrite import rewrite_stencils
from ....ir.verify import verified

# the most elements (of the split index spaces, summed) for which the split plan runs: measured on this project's
# Sapphire Rapids (2 MiB of L2 per core, one thread), where ode's reverse step (72-96 bytes per element) leaves
# the L2 between n = 2e4 and 4e4 (docs/gradbench.md, "h-ode4"); $LIFTED_SPLIT_MOST_ELEMENTS (read when the
# compiler is imported) moves it, for tests of both branches
SPLIT_MOST_ELEMENTS = int(os.environ.get("LIFTED_SPLIT_MOST_ELEMENTS", 30_000))


@verified("stencil_plans")
def stencil_plans(fn: Function) -> Function:
    """`fn` with its stencils rewritten for the CPU target: split where cost.py says, with the repeating plan
    beside it for large sizes where a split happened (see the module's note)."""
    spaces: list[tuple] = []
    split = rewrite_stencils(fn, split=True, splits=spaces)
    params = {p.name for p in fn.params}
    if not spaces or any(v.name in params for v in all_defined(fn.body)):  # (a parameter updated in place)
        return split
    if any(e.prim.extra.get("entry_check") for e in equations(fn.body)):
        # (the caller's arrays checked at entry, where a parameter's update works on a copy: those checks in both
        # branches put the transforms' np.float64 casts of scalar parameters, which follow the last check, between
        # the two branches; NPBench's cavity_flow vjp on the C target did not import, an IndentationError)
        return split
    sources = {d: (p, a) for p in reversed(fn.params) if p.type.shape for a, d in enumerate(p.type.shape)}
    if any(not isinstance(d, int) and d not in sources for space in spaces for d in space):
        return split
    split_names = {v.name for v in [*fn.params, *all_defined(fn.body), *all_defined(split.body)]}
    taken = set(split_names)
    repeating = rewrite_stencils(_renamed_copy(fn, taken), split=False)
    # (the names its own rewrite made may be the split plan's too)
    _rename(all_defined(repeating.body), split_names, taken)
    prologue: list[Eqn] = []
    total = None
    for space in dict.fromkeys(spaces):  # (each distinct space once)
        count = None
        for d in space:
            size = Const(d, TensorType("i64", (), weak=True)) if isinstance(d, int) else \
                _scalar("dim", (sources[d][0],), prologue, taken, axis=sources[d][1])
            count = size if count is None else _scalar("multiply", (count, size), prologue, taken)
        total = count if total is None else _scalar("add", (total, count), prologue, taken)
    small = _scalar("less_equal", (total, Const(SPLIT_MOST_ELEMENTS, TensorType("i64", (), weak=True))), prologue,
                    taken)
    then_results, else_results = result_atoms(split.result), result_atoms(repeating.result)
    outs = tuple(Var(_fresh(f"{a.name}_chosen" if isinstance(a, Var) else "chosen", taken), a.type)
                 for a in then_results)
    branch = If(small, split.body, repeating.body, outs, tuple(then_results), tuple(else_results), loc=fn.loc)
    mapping = {id(a): o for a, o in zip(then_results, outs)}
    return dataclasses.replace(split, body=prologue + [branch], result=_mapped(split.result, mapping))


def _scalar(name: str, args: tuple, prologue: list, taken: set[str], **params) -> Var:
    """A host scalar `name(*args)` appended to `prologue`."""
    prim = lookup(name)
    out = Var(_fresh(f"split_{name}", taken), prim.infer([a.type for a in args], params))
    prologue.append(Eqn(prim, args, params, (out,)))
    return out


def _fresh(hint: str, taken: set[str]) -> str:
    """A name no value of the function has (the hint, or the hint with a number), taken from now on."""
    name, k = hint, 1
    while name in taken:
        name, k = f"{hint}_{k}", k + 1
    taken.add(name)
    return name


def _renamed_copy(fn: Function, taken: set[str]) -> Function:
    """A copy of `fn` whose every value defined in its body is a new Var with a name outside `taken` (values that
    share a name, a loop's slots, still share one), reading the same parameters."""
    memo: dict[int, object] = {id(p): p for p in fn.params}
    for eqn in equations(fn.body):
        memo[id(eqn.prim)] = eqn.prim
    body, result = copy.deepcopy((fn.body, fn.result), memo)
    _rename(all_defined(body), None, taken)
    for made in memo.values():  # (the copies live as long as the compilation: ids stay unique)
        hold(made)
    return dataclasses.replace(fn, body=body, result=result)


def _rename(defined: list[Var], clash: set[str] | None, taken: set[str]) -> None:
    """Give the values (each once; values sharing a name keep sharing one) whose name is in `clash` (every one
    where `clash` is None) new names outside `taken`, which takes them."""
    names: dict[str, str] = {}
    seen: set[int] = set()
    for var in defined:
        if id(var) in seen or clash is not None and var.name not in clash:
            continue
        seen.add(id(var))
        if var.name not in names:
            names[var.name] = _fresh(f"{var.name}_r", taken)
        var.name = names[var.name]


def _mapped(result, mapping: dict):
    if isinstance(result, tuple):
        return tuple(_mapped(r, mapping) for r in result)
    return mapping.get(id(result), result)
