"""Fusion: cut a transformed IR function into kernels (fused regions) and the host code that launches them.

A region is a run of top-level statements over one index space S (a static shape): elementwise equations whose
result has shape S (operands broadcast to it), array creation, loops and branches whose every statement is
elementwise over S (each element runs the whole loop, its tape in per-thread storage), and reductions over all
of S at its end, or over some of S's axes (then the region is straight-line: each output element of the reduction
is one row or column of S, see `Kernel.axes`). Pure host equations among them that read nothing the region
computes (scalar arithmetic, a cotangent's `expand_dims` before it broadcasts, a row gather, a GEMM) are hoisted
to the host before the launch; anything else (work reading the region's values, in-place updates, effects) stays
host code between kernels. A loop that cannot run per element stays a host loop whose body is cut into regions
in turn.

The partitioner (`partition.py`) makes one cut; `fuse` repeats it until every tape lives in one place. The kernel
type and the launch primitive are in `fused_kernel.py`.
"""
from __future__ import annotations

import dataclasses

from ...analysis.python_numbers import keeping_other_numbers
from ...ir import Eqn, Function, If, Loop, Var, all_defined, equations, result_atoms
from .fused_kernel import Kernel, pushes_with_loops
from .partition import Partitioner
from .region import tape_eqns
from .region import REDUCTIONS
from .remat import CALL_BYTES, element_bytes
from .stencils import rewrite_stencils
from .stencils.plans import stencil_plans


def fuse(fn: Function, cpu: bool = False) -> tuple[Function, list[Kernel]]:
    """The host function (regions replaced by launches) and its kernels. `cpu` (the C target): an array of zeros
    that nothing else joins is NumPy's `np.zeros` on the host, not a kernel, and a math-library call a kernel
    would repeat costs `CALL_BYTES` in rematerialization's rule (remat.py), and a value the stencil pass would repeat
    at an offset through a division or a math call is stored once and read back (stencils/cost.py).

    A tape must live in one kernel or on the host: a loop that pushes in one kernel and pops in another (or
    on the host) is taken out of the kernels, and the cut is made again; so is a loop whose tape size the host
    cannot compute before the launch (its bounds computed inside the kernel)."""
    fn = stencil_plans(fn) if cpu else rewrite_stencils(fn)
    banned: set[int] = {id(stmt) for stmt in keeping_other_numbers(fn.body)}  # (their Python numbers: the host's)
    while True:
        partitioner = Partitioner(fn.name, banned, host_fills=cpu, call_bytes=CALL_BYTES if cpu else 0,
                                  taken={v.name for v in [*fn.params, *all_defined(fn.body)]})
        body = partitioner.block(fn.body, [a for a in result_atoms(fn.result) if isinstance(a, Var)])
        split = _split_tapes(body, partitioner.kernels + partitioner.unlaunched)
        unsized = [loops[0] for k in partitioner.kernels for _, loops in pushes_with_loops(k.body)
                   if any(isinstance(b, Var) and all(b is not v for v in k.inputs) for l in loops for b in l.bounds)]
        if not split and not unsized:
            return dataclasses.replace(fn, body=body), partitioner.kernels
        banned |= {id(loop) for loop in _loops_touching(fn.body, split)} | {id(loop) for loop in unsized}


def _split_tapes(host_body: list, kernels: list[Kernel]) -> set[str]:
    """Tapes whose pushes and pops are not all in one place (one kernel, or the host)."""
    places: dict[str, set] = {}
    for kernel in kernels:
        for eqn in tape_eqns(kernel.body):
            places.setdefault(eqn.args[0].name, set()).add(kernel.name)
    for eqn in tape_eqns(host_body):
        places.setdefault(eqn.args[0].name, set()).add("host")
    return {tape for tape, where in places.items() if len(where) > 1}


def _loops_touching(block: list, tapes: set[str]) -> list:
    found = []
    for stmt in block:
        if isinstance(stmt, Loop):
            if any(e.prim.name in ("push", "pop") and e.args[0].name in tapes for e in equations(stmt.body)):
                found.append(stmt)
            found += _loops_touching(stmt.body, tapes)
        elif isinstance(stmt, If):
            if any(e.prim.name in ("push", "pop") and e.args[0].name in tapes
                   for e in equations(stmt.then_body + stmt.else_body)):
                found.append(stmt)
            found += _loops_touching(stmt.then_body + stmt.else_body, tapes)
    return found


def bytes_per_element(kernel: Kernel) -> int:
    """The bytes a kernel moves per element of its index space: its array inputs' loads and its stored outputs
    (a reduction's result, or a broadcast value, counts nothing; see remat.py's cost rule)."""
    reduced = {id(e.out) for e in kernel.body if isinstance(e, Eqn) and e.prim.name in REDUCTIONS}
    return sum(element_bytes(v, kernel.shape) for v in kernel.inputs) + \
        sum(element_bytes(v, kernel.shape) for v in kernel.outputs if id(v) not in reduced)
