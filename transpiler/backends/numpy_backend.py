"""Render IR functions as a standalone NumPy module, through LibCST nodes and a Jinja2 template.

Readability comes from three steps: single-use compiler temporaries are folded back into the expression
that consumes them (within one source statement), every group of lines is headed by the source line it
came from, and liveness inserts `del` right after each value's last use.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import libcst as cst

from .. import codegen as cg
from ..analysis.liveness import eliminate_dead_code, last_uses
from ..ir import Atom, Const, Eqn, Function, Var, result_atoms


@dataclass
class RenderedFunction:
    name: str
    signature: str
    doc: str | None
    lines: list[str]
    helpers: set[str] = field(default_factory=set)
    uses_scipy: bool = False


def render_function(fn: Function, source_file: str, delete_dead: bool = True) -> RenderedFunction:
    fn = eliminate_dead_code(fn)
    folded = _foldable(fn)
    expressions: dict[int, cst.BaseExpression] = {}
    statements: list[tuple[Eqn, list[cst.BaseStatement], list[str], list[str]]] = []
    helpers: set[str] = set()
    uses_scipy = False
    pending: dict[int, list[str]] = {}  # folded temporary -> the names its expression reads

    def arg_expr(atom: Atom) -> cst.BaseExpression:
        if isinstance(atom, Const):
            return cg.literal(atom.value)
        return expressions.pop(id(atom), None) or cg.name(atom.name)

    for eqn in fn.body:
        uses_scipy |= eqn.prim.scipy
        if "helper" in eqn.prim.extra:
            helpers.add(eqn.prim.extra["helper"])
        used = _used_names(eqn, pending)
        args = [arg_expr(a) for a in eqn.args]
        if eqn.prim.statement:
            nodes = eqn.prim.render(args, eqn.params)
        else:
            expr = eqn.prim.render(args, eqn.params)
            if id(eqn.out) in folded:
                expressions[id(eqn.out)] = expr
                pending[id(eqn.out)] = used
                continue
            target = cst.AssignTarget(cg.name(eqn.out.name))
            nodes = [cst.SimpleStatementLine([cst.Assign([target], cg.parenthesize(expr))])]
        statements.append((eqn, nodes, [o.name for o in eqn.outs], used))

    results = {a.name for a in result_atoms(fn.result) if isinstance(a, Var)}
    returned = _result_expr(fn.result, expressions)
    return_uses = [n for a in result_atoms(fn.result) if isinstance(a, Var)
                   for n in (pending.pop(id(a)) if id(a) in pending else [a.name])]
    liveness_input = [(d, u) for _, _, d, u in statements] + [([], return_uses)]
    deaths = last_uses(liveness_input, results)[:-1] if delete_dead else [[]] * len(statements)

    lines: list[str] = []
    group = None
    for (eqn, nodes, _, _), dying in zip(statements, deaths):
        if eqn.note:
            lines.append(f"# {eqn.note}")
            group = None
        if eqn.loc is not None and (eqn.loc.line, eqn.loc.path) != group:
            group = (eqn.loc.line, eqn.loc.path)
            lines.append(f"# {source_file}:{eqn.loc.line}  {eqn.loc.text.strip()}")
        for node in nodes:
            lines.append(cg.source(node).rstrip("\n"))
        if dying:
            lines.append("del " + ", ".join(dying))
    last = fn.body[-1] if fn.body else None
    if last is not None and last.loc is not None and isinstance(fn.result, Var) and fn.result in last.outs \
            and id(fn.result) in folded and (last.loc.line, last.loc.path) != group:
        lines.append(f"# {source_file}:{last.loc.line}  {last.loc.text.strip()}")
    lines.append("return " + cg.source(returned))
    signature = ", ".join(f'{p.name}: "{p.type.annotation()}"' if p.type.shape is not None else p.name
                          for p in fn.params)
    return RenderedFunction(fn.name, signature, fn.doc, lines, helpers, uses_scipy)


def _used_names(eqn: Eqn, pending: dict[int, list[str]]) -> list[str]:
    """Names a statement reads, looking through folded temporaries to the names they read."""
    names = []
    for atom in eqn.args:
        if isinstance(atom, Var):
            names.extend(pending.pop(id(atom)) if id(atom) in pending else [atom.name])
    return names


def _foldable(fn: Function) -> set[int]:
    """Temporaries used exactly once, by an expression in the same source statement and sweep."""
    uses: Counter[int] = Counter()
    consumer: dict[int, Eqn] = {}
    for eqn in fn.body:
        for atom in eqn.args:
            if isinstance(atom, Var):
                uses[id(atom)] += 1
                consumer[id(atom)] = eqn
    for atom in result_atoms(fn.result):
        if isinstance(atom, Var):
            uses[id(atom)] += 2
    last = fn.body[-1] if fn.body else None
    if isinstance(fn.result, Var) and fn.result.temporary and uses[id(fn.result)] == 2 and last is not None \
            and fn.result in last.outs and not last.prim.statement:
        folded_result = {id(fn.result)}
    else:
        folded_result = set()
    sweep, phase = {}, 0
    for eqn in fn.body:
        phase += bool(eqn.note)
        sweep[id(eqn)] = phase
    folded = set()
    for eqn in fn.body:
        if eqn.prim.statement or len(eqn.outs) != 1 or eqn.note:
            continue
        out = eqn.out
        user = consumer.get(id(out))
        if (out.temporary and uses[id(out)] == 1 and user is not None and not user.prim.statement
                and user.loc == eqn.loc and sweep[id(user)] == sweep[id(eqn)] and not user.note):
            folded.add(id(out))
    return folded | folded_result


def _result_expr(result, expressions: dict[int, cst.BaseExpression]) -> cst.BaseExpression:
    if isinstance(result, tuple):
        return cg.tuple_(*[_result_expr(r, expressions) for r in result])
    if isinstance(result, Const):
        return cg.literal(result.value)
    return expressions.pop(id(result), None) or cg.name(result.name)
