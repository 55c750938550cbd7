"""Loop kernels (CPU target): a host `for` loop whose body the C side can run exactly becomes one C function.

A loop that fusion could not run per element (its body reads rows by index, reduces a whole vector per step,
writes rows back: an LSTM over characters and layers, an RK4 step with a shift) stays a host loop in the host
module, and each step launches its fused kernels from Python: thousands of launches of a few microseconds each.
A loop kernel runs the same statements in C, in order, with the host module's meaning: every array value is a
view (a pointer, its dims and element strides) bound to its host name, so a row view written through and then
read (`cell[i] = v; hidden[i] = tanh(cell[i])`) sees what NumPy would; each fused region is a direct call of its
kernel function (its element loops, OpenMP above the threshold, as from Python); a new array (a region's output,
a `.copy()`, a fill) comes from the call's memory arena; scalars keep Python's int/float and NumPy's scalar
semantics (a flag says which, for division by zero); tapes are C stacks of views and scalars, handed to the host
module as segments of its tape lists, so a forward loop kernel and the reverse loop kernel that pops its tape
meet through them.

What a body may hold (`select.py` decides, and anything else keeps the host loop exactly as it was): region
launches (their reductions over everything included), basic indexing with integers and slices (views, bounds
checked as NumPy does, negative indices wrapped), `x[index] = v` and `x[index] += v` (through a copy of `v` when
it overlaps `x`), `.copy()`, fills, shape reads, scalar arithmetic, nested `for` loops over `range`, `if`s on
scalars, and tape pushes and pops.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ....ir import Eqn, Function, If, Loop
from ....ir.types import TensorType
from ....primitives.registry import Primitive
from ..fused_kernel import LAUNCH
from ..launch_spec import EmittedKernel
from .emit import emit_loop
from .select import plan_blocks


@dataclass
class LoopKernel:
    """One loop kernel's C text (a function after the region kernels it calls) and its launch spec."""

    name: str
    lines: list[str]
    spec: dict = field(default_factory=dict)


def _render_loop_launch(args, params):
    """`outs = _kernels.<name>(...)` as a region's launch; a bare call when the loop leaves no value."""
    if params["outs"]:
        return LAUNCH.render(args, params)
    import libcst as cst

    from .... import codegen as cg

    return [cst.SimpleStatementLine([cst.Expr(cg.call(cg.attr(cg.name("_kernels"), params["kernel"]), *args))])]


# kept even when its results are dead: it may push on tapes or write into arrays (in place, as the loop did)
LOOP_LAUNCH = Primitive(name="loop_launch", infer=lambda types, params: TensorType("f64", None),
                        render=_render_loop_launch, family="launch", statement=True, extra={"check": True})


def make_loop_kernels(fn: Function, regions: dict[str, EmittedKernel], source_file: str,
                      skippable: dict[str, set[int]] | None = None) -> tuple[Function, list[LoopKernel]]:
    """The host function with each run of statements the C side can run (a loop, or a straight-line run holding
    launches and loops) replaced by one call, and those C functions; `skippable` receives, per region kernel, the
    outputs a loop's last trip leaves unstored (last_trip.py: the kernel must be emitted storing them only through
    non-null pointers)."""
    plans = plan_blocks(fn, regions)
    if not plans:
        return fn, []
    kernels: list[LoopKernel] = []
    replaced: dict[int, Eqn | None] = {}
    for plan in plans:
        name = f"{fn.name}_{'loop' if plan.loop is not None else 'block'}{len(kernels)}"
        lines, spec = emit_loop(plan, name, regions, source_file, skippable)
        kernels.append(LoopKernel(name, lines, spec))
        first = plan.stmts[0]
        params = {"kernel": name, "outs": [o.name for o in plan.outs]}
        replaced[id(first)] = Eqn(LOOP_LAUNCH, tuple(plan.inputs), params, tuple(plan.outs), loc=first.loc,
                                  note=first.note if plan.loop is not None else None)
        replaced.update((id(stmt), None) for stmt in plan.stmts[1:])
    return _replace(fn, replaced), kernels


def _replace(fn: Function, replaced: dict[int, Eqn]) -> Function:
    def block(stmts):
        out = []
        for stmt in stmts:
            if id(stmt) in replaced:
                if replaced[id(stmt)] is not None:  # (the later statements of a run: in its call)
                    out.append(replaced[id(stmt)])
            elif isinstance(stmt, If):
                out.append(dataclasses.replace(stmt, then_body=block(stmt.then_body), else_body=block(stmt.else_body)))
            elif isinstance(stmt, Loop):
                out.append(dataclasses.replace(stmt, cond_body=block(stmt.cond_body), body=block(stmt.body)))
            else:
                out.append(stmt)
        return out

    return dataclasses.replace(fn, body=block(fn.body))

