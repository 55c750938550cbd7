"""What fusion hands the emitters: a `Kernel` (one fused region, its inputs, outputs and tapes), the `launch`
primitive that calls it from the host code, and the questions the emitters and the launch spec ask of a kernel's
statements (which module-level arrays it reads, where an input sits, which loops surround each tape push).

Apart from `fusion.py` (which decides the regions) so that the emitters depend on the kernel's shape, not on how
the cut was made.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...ir.types import TensorType
from ...ir import Const, Eqn, If, Var, blocks, own_operands
from ...primitives.registry import Primitive


@dataclass
class Kernel:
    """One fused region: the statements it runs per element, what it reads and writes, over shape `shape`."""

    name: str
    shape: tuple
    body: list
    inputs: list  # Vars, then the module-level arrays it reads (constants holding their module-level Var)
    outputs: list[Var]
    tapes: dict[str, list[Eqn]] = field(default_factory=dict)  # tape name -> its push equations
    axes: tuple | None = None  # the axes of `shape` its reductions reduce, when not all of them


def _render_launch(args, params):
    from ... import codegen as cg
    import libcst as cst

    call = cg.call(cg.attr(cg.name("_kernels"), params["kernel"]), *args)
    names = params["outs"]
    target = cg.name(names[0]) if len(names) == 1 else \
        cg.tuple_(*[cg.name(n) for n in names]).with_changes(lpar=[], rpar=[])
    return [cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], call)])]


LAUNCH = Primitive(name="launch", infer=lambda types, params: TensorType("f64", None), render=_render_launch,
                   family="launch", statement=True)


def module_arrays(block: list) -> list[Const]:
    """The module-level arrays a block reads (constants holding the module-level Var), once each: the host passes
    them to the kernel like its other inputs (the host module computes them once, at its top)."""
    found: dict[int, Const] = {}

    def visit(stmts):
        for stmt in stmts:
            atoms = stmt.args if isinstance(stmt, Eqn) else own_operands(stmt)
            for atom in atoms:
                if is_module_array(atom):
                    found.setdefault(id(atom.value), atom)
            if not isinstance(stmt, Eqn):
                for inner in blocks(stmt):
                    visit(inner)

    visit(block)
    return list(found.values())


def is_module_array(atom) -> bool:
    return isinstance(atom, Const) and isinstance(atom.value, Var)


def input_position(kernel: Kernel, atom) -> int:
    """Where a value the kernel reads (a Var, or a module-level array's constant) is among its inputs."""
    key = atom.value if is_module_array(atom) else atom
    return next(k for k, v in enumerate(kernel.inputs) if (v.value if is_module_array(v) else v) is key)


def pushes_with_loops(block: list, loops: tuple = ()):
    """Every tape push of a block, with the loops around it (outermost first)."""
    for stmt in block:
        if isinstance(stmt, Eqn):
            if stmt.prim.name == "push":
                yield stmt, loops
        elif isinstance(stmt, If):
            yield from pushes_with_loops(stmt.then_body + stmt.else_body, loops)
        else:
            yield from pushes_with_loops(stmt.cond_body + stmt.body, loops + (stmt,))
