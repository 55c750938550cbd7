"""What a kernel's syntax may not contain, checked on the LibCST tree before it is lowered.

Each check raises a located `TranspileError` naming the construct and what to write instead; they read only
the tree, so the lowering stays about meaning.
"""
from __future__ import annotations

from typing import Callable

import libcst as cst

from ..errors import SourceLoc, TranspileError

Locate = Callable[[cst.CSTNode], SourceLoc]


def check_signature(node: cst.FunctionDef, locate: Locate) -> None:
    """Kernels take plain positional parameters (numeric defaults allowed): no *args, **kwargs, keyword-only or
    `async`. (Functions a kernel calls take any of them: they are inlined.)"""
    p = node.params
    for extra, what in [(p.star_arg, "*args"), (p.star_kwarg, "**kwargs")]:
        if isinstance(extra, cst.Param):
            raise TranspileError(f"`{what}` is not part of the kernel language", locate(extra),
                                 "list each parameter by name")
    for param in list(p.posonly_params) + list(p.kwonly_params):
        raise TranspileError("keyword-only and positional-only parameters are not part of the kernel language",
                             locate(param), "use plain positional parameters")
    if node.asynchronous is not None:
        raise TranspileError("async kernels are not part of the kernel language", locate(node.asynchronous),
                             "remove `async`")


def check_reachable(node: cst.FunctionDef, locate: Locate) -> None:
    """Code after a `return`, `break` or `continue` in the same block never runs: say so, rather than drop it."""
    unreachable = _unreachable(node.body)
    if unreachable is not None:
        after, exit_node = unreachable
        word = {cst.Return: "return", cst.Break: "break", cst.Continue: "continue"}[type(exit_node)]
        line = locate(exit_node).line
        raise TranspileError(f"this code never runs: it follows the `{word}` on line {line}", locate(after),
                             f"remove it, or move the `{word}` after it")


_COMPOUND = {
    cst.If: ("`if` statements", "use np.where(cond, a, b) for a data-dependent choice"),
    cst.For: ("`for` loops", "write the loop as array operations (np.sum, slicing, @)"),
    cst.While: ("`while` loops", "write the loop as array operations"),
    cst.Try: ("`try` statements", "check inputs before calling the kernel"),
    cst.With: ("`with` statements", "move resource handling outside the kernel"),
    cst.FunctionDef: ("nested functions", "define a separate @kernel at module level and call it"),
    cst.ClassDef: ("class definitions", "define classes outside kernels"),
}


def compound_error(statement: cst.CSTNode, locate: Locate) -> TranspileError:
    """The error for a compound statement the lowering does not handle here."""
    for kind, (what, hint) in _COMPOUND.items():
        if isinstance(statement, kind):
            later = kind in (cst.If, cst.For, cst.While)
            message = f"{what} are not supported in kernels yet" if later else \
                f"{what} are not part of the kernel language"
            target = getattr(statement, "test", None) or getattr(statement, "target", None) or statement
            return TranspileError(message, locate(target if later else statement), hint)
    return TranspileError("this statement is not part of the kernel language", locate(statement))


def _unreachable(body: cst.BaseSuite):
    """The first statement after a `return`, `break` or `continue` of the same block, with that exit."""
    found = []

    def check(small_lists: list[list], statements: list) -> None:
        for position, smalls in enumerate(small_lists):
            for j, small in enumerate(smalls):
                if isinstance(small, (cst.Return, cst.Break, cst.Continue)) and not found:
                    if j + 1 < len(smalls):
                        found.append((smalls[j + 1], small))
                    elif position + 1 < len(statements):
                        found.append((statements[position + 1], small))

    class Finder(cst.CSTVisitor):
        def visit_IndentedBlock(self, node):
            statements = list(node.body)
            check([list(s.body) if isinstance(s, cst.SimpleStatementLine) else [] for s in statements], statements)

        def visit_SimpleStatementSuite(self, node):
            check([list(node.body)], [node])

        def visit_FunctionDef(self, node):
            return False  # nested functions are refused on their own

    body.visit(Finder())
    return found[0] if found else None
