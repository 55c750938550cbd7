"""What the host is told about a kernel: its parameters and where its index space's size comes from."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...ir import Const, Loop, equations
from ...ir.dims import dim_sum
from .fused_kernel import Kernel, input_position, is_module_array
from .gather import space_dims
from .region import offset_read
from .stencils.ops import negated


@dataclass
class Param:
    """One kernel parameter: how the host passes it (`kind`) and its C declaration."""

    kind: str  # "array" | "scalar" | "out" | "reduce" | "scalar_out" | "tape"
    decl: str
    spec: tuple = ()  # "reduce": (dtype, op, accumulator dtype, mean, keepdims, whether empty axes have an identity)

    @property
    def names(self) -> str:
        """The C names `decl` declares (a pointer and its strides), as the arguments of a call that passes them on."""
        return ", ".join(part.rsplit(" ", 1)[1] for part in self.decl.split(", "))


@dataclass
class EmittedKernel:
    name: str
    params: list[Param]
    rank: int
    prologue: list[str]
    body: list[str]
    epilogue: list[str]
    spec: dict = field(default_factory=dict)
    mode: str = "flat"  # "flat" (reductions over everything) | "rows" | "columns" (see emit.py)
    setup: list[str] = field(default_factory=list)  # lines at the top of the body (a short walk's strides)
    short_walk: "EmittedKernel | None" = None  # rows: the same kernel as columns, for launches of short rows
    walk: str | None = None  # a row walk: when a launch takes it (C condition, "true": always; see operands.py)
    # the length of a walk's rows when they are not the last axis alone (a short static last axis: rows of the last
    # two axes, operands.py's `_pair_walk`); None: the last axis, `d{rank - 1}`
    walk_length: str | None = None
    # a flat kernel whose last axis is known only at run time: when a launch's last axis is short, its walk's rows
    # are the last two axes instead (C condition; the `lifted_pair` instance, operands.py's `_runtime_pair_walk`)
    pair_walk: str | None = None
    # columns whose runs are far apart in memory: the lines taking a chunk's accumulators back from the outputs
    # when a tile of runs after the first goes on from them (see emit.py's `_Emitter.resume`)
    resume: list[str] | None = None


def range3(loop: Loop) -> tuple:
    if len(loop.bounds) == 3:
        return tuple(loop.bounds)
    if len(loop.bounds) == 2:
        return (loop.bounds[0], loop.bounds[1], Const(1, loop.bounds[0].type))
    stop = loop.bounds[0]
    return (Const(0, stop.type), stop, Const(1, stop.type))


def pattern(shape: tuple, space: tuple) -> tuple:
    """Per dimension of the index space: "S" (the input has it), 1 (broadcast) or None (absent)."""
    pad = len(space) - len(shape)
    return tuple(None if k < pad else ("S" if shape[k - pad] == space[k] else 1)
                 for k in range(len(space)))


def dims_spec(kernel: Kernel, params: list[Param] = ()) -> list:
    """Where the host finds the index space's size: creation equations' dimension arguments, also those inside a
    branch or loop (on a path where every array input is None, as after an early return, only they give it), a
    gather's tables, and the sources of shifted loads for the axes nothing else gives (`_shifted_dims`).
    `params`: the kernel's parameters (emit.py's), whose array layouts say which axes the inputs give."""
    found = []
    for stmt in equations(kernel.body):
        if stmt.prim.name in ("zeros", "ones", "full"):
            dims = stmt.args[:-1] if stmt.prim.name == "full" else stmt.args
            entry = []
            for atom in dims:
                if isinstance(atom, Const) and not is_module_array(atom):
                    entry.append(("const", atom.value))
                elif any((v.value if is_module_array(v) else v) is (atom.value if is_module_array(atom) else atom)
                         for v in kernel.inputs):
                    entry.append(("arg", input_position(kernel, atom)))
                else:  # a size the kernel computes itself: the host cannot read it before the launch
                    break
            else:
                found.append((pattern(stmt.out.type.shape, kernel.shape), entry))
    found += space_dims(kernel.body, kernel.shape, lambda atom: input_position(kernel, atom))
    return found + _shifted_dims(kernel, params, found)


def _shifted_dims(kernel: Kernel, params, found: list) -> list:
    """Entries `("shape", input, axis, plus)` for the axes of the index space that no input, creation or table
    gives: the length of a shifted load's source along that axis plus the static difference its type has from
    the space's (the reverse of `x[:, 1:]` spreads a (1, d - 1) cotangent over a (1, d) space: d is its length
    plus 1). Without one the launch had no size for the axis and refused every call (stencils/)."""
    rank = len(kernel.shape)
    covered = {k for k, d in enumerate(kernel.shape) if isinstance(d, int)}
    covered |= {k for pattern, _ in found for k, want in enumerate(pattern) if want == "S"}
    arrays = [p for p in params if p.kind in ("scalar", "array", "table")]
    covered |= {k for p in arrays if p.kind == "array" for k, want in enumerate(p.spec[1]) if want == "S"}
    entries = []
    for eqn in equations(kernel.body):
        source = eqn.args[0] if offset_read(eqn) else None
        if source is None or not source.type.shape or \
                not any(v is source for v in kernel.inputs):
            continue
        pad = rank - len(source.type.shape)
        for axis, size in enumerate(source.type.shape):
            k = pad + axis
            plus = dim_sum([kernel.shape[k], negated(size)]) if k not in covered and size != 1 else None
            if isinstance(plus, int):
                covered.add(k)
                pattern = (None,) * k + ("S",) + (None,) * (rank - k - 1)
                entries.append((pattern, [("shape", input_position(kernel, source), axis, plus)] +
                                [("const", 1)] * (rank - k - 1)))
    return entries
