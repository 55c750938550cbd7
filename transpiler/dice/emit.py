"""Render the dist IR as LibCST statements, then as the lines of one generated function."""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from . import ir


def _line(stmt: cst.BaseSmallStatement, comments=()) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([stmt], leading_lines=[cst.EmptyLine(comment=cst.Comment(c)) for c in comments])


def _comments(stmt) -> list[str]:
    return [f"# {stmt.note}"] if stmt.note else []


def _with_comments(nodes: list, comments: list[str]) -> list:
    if comments and nodes:
        first = nodes[0]
        lines = [cst.EmptyLine(comment=cst.Comment(c)) for c in comments]
        nodes[0] = first.with_changes(leading_lines=lines + list(first.leading_lines))
    return nodes


def statements(block: list) -> list:
    out: list = []
    for stmt in block:
        out.extend(_statement(stmt))
    return out


def _suite(block: list) -> cst.IndentedBlock:
    body = statements(block) or [_line(cst.Pass())]
    return cst.IndentedBlock(body=body)


def _side(table: str, side: str, body: list, comment: str) -> list:
    """One side of a random `if`, run only where some world takes it, as Python runs it only in those worlds (or
    where no world is left at all, so that the columns the join reads exist)."""
    lines = statements(body)
    if not lines:
        return []
    taken = cst.BooleanOperation(cg.name(side), cst.Or(), cst.UnaryOperation(cst.Not(), cg.name(table)))
    return _with_comments([cst.If(test=taken, body=cst.IndentedBlock(body=lines))], [comment])


def _statement(stmt) -> list:
    comments = _comments(stmt)
    if isinstance(stmt, (ir.Op, ir.Plain)):
        return [_line(stmt.stmt, comments)]
    if isinstance(stmt, ir.Branch):
        split = cst.Assign([cst.AssignTarget(cg.tuple_(cg.name(stmt.then_table), cg.name(stmt.else_table)))],
                           cg.call(cg.attr(cg.name(stmt.table), "split"), stmt.cond))
        then_lines = _side(stmt.table, stmt.then_table, stmt.then_body, "# where it holds")
        else_lines = _side(stmt.table, stmt.else_table, stmt.else_body, "# where it does not")
        join = cst.Assign([cst.AssignTarget(cg.name(stmt.table))],
                          cg.call(cg.attr(cg.name(stmt.then_table), "join"), cg.name(stmt.else_table)))
        done = cst.Del(cg.tuple_(cg.name(stmt.then_table), cg.name(stmt.else_table)))
        return [_line(split, comments)] + then_lines + else_lines + [_line(join), _line(done)]
    if isinstance(stmt, ir.Choice):
        orelse = cst.Else(_suite(stmt.else_body)) if stmt.else_body else None
        node = cst.If(test=stmt.test, body=_suite(stmt.then_body), orelse=orelse)
        return _with_comments([node], comments)
    if isinstance(stmt, ir.Loop):
        node = cst.For(target=cg.name(stmt.target), iter=stmt.iterable, body=_suite(stmt.body))
        return _with_comments([node], comments)
    if isinstance(stmt, ir.Sub):
        start = cst.Assign([cst.AssignTarget(cg.name(stmt.sub_table))],
                           cg.call(cg.attr(cg.name(stmt.table), "fresh")))
        product = cst.Expr(cg.call(cg.attr(cg.name(stmt.table), "product"), cg.name(stmt.sub_table)))
        return [_line(start, comments)] + statements(stmt.body) + [_line(product),
                                                                   _line(cst.Del(cg.name(stmt.sub_table)))]
    raise TypeError(stmt)


def function_lines(fn: ir.DistFunction) -> list[str]:
    start = cst.Assign([cst.AssignTarget(cg.name(fn.table))], cg.call("dice.Worlds", cg.name("semiring")))
    body = [_line(start)] + statements(fn.body)
    # an exception leaving the body names the source statement (runtime/dice/located.py)
    located = cst.With(items=[cst.WithItem(cg.call("dice.source_lines"))], body=cst.IndentedBlock(body=body))
    module = cg.parenthesize(cst.Module(body=[located]))
    return module.code.rstrip("\n").split("\n")
