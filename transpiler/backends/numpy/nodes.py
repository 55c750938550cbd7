"""LibCST nodes for the IR's atoms as the NumPy backend writes them: a value's expression (folded, a name or a
constant), an assignment, the parallel moves into merge and loop slots, a result tuple."""
from __future__ import annotations

import libcst as cst

from ... import codegen as cg
from ...ir import Atom, Const, Eqn, Var

INDENT = "    "


def out_id(eqn: Eqn) -> int | None:
    """The id of an equation's first result (a loop kernel's call may have none)."""
    return id(eqn.outs[0]) if eqn.outs else None


def var_name(atom) -> str | None:
    return atom.name if isinstance(atom, Var) else None


def is_const(atom, value) -> bool:
    return isinstance(atom, Const) and atom.value == value and not isinstance(atom.value, bool)


def atom_expr(atom: Atom, expressions: dict[int, cst.BaseExpression]) -> cst.BaseExpression:
    if isinstance(atom, Const):  # a number, or a module-level array (by its module-level name)
        return cg.name(atom.value.name) if isinstance(atom.value, Var) else cg.literal(atom.value)
    return expressions.pop(id(atom), None) or cg.name(atom.name)


_PASS = cst.IndentedBlock([cst.SimpleStatementLine([cst.Pass()])])


def header(statement: cst.BaseCompoundStatement) -> str:
    """A compound statement's first line (`for i in range(n):`), written by LibCST from its node: the backend
    writes a block as lines, and indents the body's lines under this one itself."""
    return cg.source(statement).split("\n", 1)[0]


def statement_line(small: cst.BaseSmallStatement) -> str:
    """One simple statement (`return x`, `del params`) as a line of code, written by LibCST from its node."""
    return cg.source(cst.SimpleStatementLine([small])).rstrip("\n")


def if_header(test: cst.BaseExpression) -> str:
    """`if test:` (see `header`)."""
    return header(cst.If(test=test, body=_PASS))


def for_header(index: str, iterator: cst.BaseExpression) -> str:
    """`for index in iterator:` (see `header`)."""
    return header(cst.For(target=cg.name(index), iter=iterator, body=_PASS))


def while_header(test: cst.BaseExpression) -> str:
    """`while test:` (see `header`)."""
    return header(cst.While(test=test, body=_PASS))


def with_header(context: cst.BaseExpression) -> str:
    """`with context:` (see `header`)."""
    return header(cst.With(items=[cst.WithItem(context)], body=_PASS))


def assign(name: str, expr: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cg.name(name))], cg.parenthesize(expr))])


def merge_lines(targets, values, expressions, renamed: dict[int, str] | None = None) -> list[str]:
    """`slot = value` lines that move values into merge or loop slots (skipping no-op self-assignments).

    When a value is itself a slot assigned here (`x, y = y, x`), one tuple assignment keeps it parallel."""
    renamed = renamed or {}
    pairs = []
    for target, value in zip(targets, values):
        name = renamed.get(id(target), target.name)
        if isinstance(value, Var) and id(value) not in expressions and renamed.get(id(value), value.name) == name:
            continue  # already there (a folded value still needs its line)
        expr = cg.name(renamed[id(value)]) if isinstance(value, Var) and id(value) in renamed and \
            id(value) not in expressions else atom_expr(value, expressions)
        pairs.append((name, expr))
    read = {n.value for _, e in pairs for n in names_in(e)}
    if len(pairs) > 1 and read & {name for name, _ in pairs}:
        targets_node = cg.tuple_(*[cg.name(n) for n, _ in pairs]).with_changes(lpar=[], rpar=[])
        values_node = cg.tuple_(*[e for _, e in pairs]).with_changes(lpar=[], rpar=[])
        node = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(targets_node)], values_node)])
        return [cg.source(node).rstrip("\n")]
    return [cg.source(assign(n, e)).rstrip("\n") for n, e in pairs]


def names_in(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    node.visit(Collect())
    return found


def indent(lines: list[str]) -> list[str]:
    return [INDENT + line for line in lines]


def result_expr(result, expressions: dict[int, cst.BaseExpression]) -> cst.BaseExpression:
    if isinstance(result, tuple):
        return cg.tuple_(*[result_expr(r, expressions) for r in result])
    return atom_expr(result, expressions)
