"""The partitioner's rules for one statement (partition.py makes the cut): the index space a statement would run
over, whether it may run per element inside a region, join a region's reductions, or be hoisted before its launch,
and which of a region's values later statements of it may not read per element."""
from __future__ import annotations

import math

from ...ir import Eqn, If, Var, equations
from . import gather
from .region import CREATION, REDUCTIONS, TAPE_OPS, Region, fits, is_element_eqn, is_tape, offset_read, tape_eqns


def reduction_axes(eqn: Eqn) -> tuple:
    """The axes (of its operand) a reduction equation reduces, sorted and non-negative."""
    rank = len(eqn.args[0].type.shape)
    axis = eqn.params.get("axis")
    if axis is None:
        return tuple(range(rank))
    return tuple(sorted({a % rank for a in (axis if isinstance(axis, tuple) else (axis,))}))


def natural_shape(stmt) -> tuple | None:
    """The index space a top-level statement would run over, or None when it cannot start a region."""
    if isinstance(stmt, Eqn):
        prim = stmt.prim
        if is_element_eqn(stmt) or prim.name in CREATION or gather.is_gather(stmt):
            shape = stmt.out.type.shape
        elif prim.name in REDUCTIONS and reducible(stmt):
            shape = stmt.args[0].type.shape
        else:
            return None
        return shape if shape else None
    if isinstance(stmt, If) and not (stmt.cond.type.shape == () and stmt.cond.type.dtype != "tape"):
        return None
    shapes = {o.type.shape for o in stmt.outs if not is_tape(o) and o.type.shape != ()}
    if len(shapes) != 1:
        return None
    shape = shapes.pop()
    return shape if shape else None


def reducible(eqn: Eqn) -> bool:
    """A reduction over static axes of an operand of known rank (the only parameters are `axis`, `keepdims`, and
    an `initial` that is the identity, which the kernel's accumulator starts from anyway: logsumexp.py's max)."""
    (x,) = eqn.args
    extra = set(eqn.params) - {"axis", "keepdims"}
    identity = {"max": -math.inf, "min": math.inf}.get(eqn.prim.name)
    return x.type.shape is not None and bool(x.type.shape) and x.type.dtype != "tape" and \
        (not extra or extra == {"initial"} and x.type.is_float and eqn.params["initial"] == identity)


def region_axes(region: list) -> tuple | None:
    """The axes the region's reductions reduce (None when it has none)."""
    for stmt in region:
        if isinstance(stmt, Eqn) and stmt.prim.name in REDUCTIONS:
            return reduction_axes(stmt)
    return None


def joins(stmt, region: list, shape: tuple) -> bool:
    """Reductions in one region share their axes; one over some axes only keeps the region straight-line."""
    axes = region_axes(region)
    full = tuple(range(len(shape)))
    if isinstance(stmt, Eqn) and stmt.prim.name in REDUCTIONS:
        own = reduction_axes(stmt)
        if axes is not None and own != axes:
            return False
        return own == full or all(isinstance(s, Eqn) and not gather.is_scatter(s) for s in region)
    if gather.is_scatter(stmt):  # its atomic adds follow the lanes of a flat index space
        return axes is None or axes == full
    return isinstance(stmt, Eqn) or axes is None or axes == full


def in_kernel(stmt, shape: tuple, top: bool, banned: set[int]) -> bool:
    """Can `stmt` run per element over `shape`? (`top`: a statement of the region itself, not nested.)"""
    if isinstance(stmt, Eqn):
        prim = stmt.prim
        if prim.name in TAPE_OPS:  # a tape is per element only inside a fused loop, and holds element values
            if prim.name == "push" and stmt.args[1].type.shape == ():
                return False
            return not top and prim.name != "tape_new" and all(fits(a.type, shape) for a in stmt.args[1:]) and \
                (prim.name != "pop" or fits(stmt.out.type, shape))
        if prim.name in REDUCTIONS:
            return top and reducible(stmt) and stmt.args[0].type.shape == shape
        if prim.name == "getitem":
            return gather.gather_fits(stmt, shape)
        if prim.name == "add_at":
            return top and gather.scatter_fits(stmt, shape)
        if not is_element_eqn(stmt) and prim.name not in CREATION:
            return False
        if offset_read(stmt) and not top:  # a loop or branch running per element cannot read a neighbour's value
            return False
        operands = stmt.args[-1:] if prim.name == "full" else [] if prim.name in CREATION else \
            stmt.args[1:] if offset_read(stmt) else stmt.args
        return fits(stmt.out.type, shape) and all(fits(a.type, shape) for a in operands) and \
            (not top or stmt.out.type.shape == shape)
    if id(stmt) in banned:
        return False
    outs_ok = all(is_tape(o) or fits(o.type, shape) and (not top or o.type.shape in ((), shape)) for o in stmt.outs)
    if isinstance(stmt, If):
        return outs_ok and stmt.cond.type.shape == () and \
            all(in_kernel(s, shape, False, banned) for s in stmt.then_body + stmt.else_body)
    if not outs_ok or any(b.type.shape != () for b in stmt.bounds):
        return False
    if stmt.kind == "while":
        if stmt.cond is None or stmt.cond.type.shape != () or any(e.prim.name == "push" for e in equations(stmt.body)):
            return False  # a tape in a `while` has no size known before the launch
    return all(in_kernel(s, shape, False, banned) for s in stmt.cond_body + stmt.body)


def hoistable(stmt) -> bool:
    """Host work that may run before the region's launch (the caller checks it reads nothing the region
    defines): any pure host equation, i.e. one that writes no array in place, has no effect or run-time check,
    and touches no tape. A region's statements only make new arrays, so moving such an equation above them
    changes no value, and the region's element work around it (`x * main[i, 0] + main[i, 4]`, a row gathered
    between two operations) stays one kernel instead of two launches around a host `getitem`."""
    if not isinstance(stmt, Eqn) or stmt.prim.statement or stmt.prim.name in TAPE_OPS or \
            stmt.prim.family in ("launch", "effect") or stmt.prim.extra.get("check") or \
            stmt.prim.extra.get("in_place"):
        return False
    scalar = all(o.type.shape == () for o in stmt.outs) and all(a.type.shape == () for a in stmt.args)
    # element work starts a region of its own instead; a gather that cannot join the region stays a host gather
    return scalar or natural_shape(stmt) is None or gather.is_gather(stmt)


def stores_gathers_alone(region: Region, later: set[int]) -> bool:
    """Would the region's launch only store gathers (its other work unused, or recomputed by later kernels)?"""
    kept = [s for s in region.stmts if any(id(o) in later for o in s.outs)]
    return bool(kept) and all(gather.is_gather(s) for s in kept) and not tape_eqns(region.stmts)


def needed_fills(fills: list, later: set[int]) -> list:
    """The fills a later statement reads, and those the kept ones read themselves (`np.zeros_like(z)` of a `z`
    filled in the same region, read nowhere else), in order."""
    needed, kept = set(later), []
    for stmt in reversed(fills):
        if id(stmt.out) in needed:
            kept.append(stmt)
            needed |= {id(a) for a in stmt.args if isinstance(a, Var)}
    return kept[::-1]


def is_fill(stmt) -> bool:
    return isinstance(stmt, Eqn) and stmt.prim.name in CREATION


def reduced(stmts: list) -> set[int]:
    """Values a region makes that no later statement of it may read per element: reductions, and the arrays
    its scatters add into (complete only when the kernel ends)."""
    return {id(s.out) for s in stmts if isinstance(s, Eqn) and (s.prim.name in REDUCTIONS or gather.is_scatter(s))}


def pure_eqn(stmt) -> bool:
    """An equation that may move past its neighbours: no effect, no in-place update, no tape."""
    return isinstance(stmt, Eqn) and not stmt.prim.statement and stmt.prim.name not in TAPE_OPS
