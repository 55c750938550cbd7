"""Questions about a compound statement's syntax that lowering asks before lowering it: does a loop body
return, break or exit, which names does it assign, which result does a `return` give."""
from __future__ import annotations

from typing import Any

import libcst as cst

from ..errors import TranspileError

RETURNED, RESULT = "<returned>", "<result>"  # env keys: did a loop return, and what


def runs_until_return(loop: cst.CSTNode) -> bool:
    """`while True:` with no `break` or `continue` of its own: it ends only by returning."""
    return (isinstance(loop, cst.While) and isinstance(loop.test, cst.Name) and loop.test.value == "True"
            and not can_exit(loop.body, returns=False))


def has_return(body: cst.CSTNode) -> bool:
    return bool(returns_in(body))


def returns_in(body: cst.CSTNode) -> list[cst.Return]:
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Return(self, node):
            found.append(node)

        def visit_FunctionDef(self, node):
            return False

    body.visit(Finder())
    return found


def returned_keys(value: cst.BaseExpression | None) -> list[str]:
    """The env keys a `return` inside a loop stores its value under: one, or one per element of a tuple
    written out (`return a, b`)."""
    if isinstance(value, cst.Tuple) and not any(isinstance(e, cst.StarredElement) for e in value.elements):
        return [f"<result{i}>" for i in range(len(value.elements))]
    return [RESULT]


def loop_result_keys(body: cst.CSTNode, loc) -> list[str]:
    """The result keys shared by every `return` in a loop body (they must agree: one value, or tuples of
    the same length)."""
    kinds = {tuple(returned_keys(node.value)) for node in returns_in(body)}
    if len(kinds) > 1:
        raise TranspileError("the `return` statements in this loop return different numbers of values", loc,
                             "return tuples of the same length everywhere")
    return list(kinds.pop())


def has_break(body: cst.CSTNode) -> bool:
    """Whether a loop body breaks out of this loop (not out of a loop nested in it)."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Break(self, node):
            found.append(node)

        def visit_For(self, node):
            return False

        def visit_While(self, node):
            return False

        def visit_FunctionDef(self, node):
            return False

    body.visit(Finder())
    return bool(found)


def assigned_names(node: cst.CSTNode, subscripts: bool = True, augmented: bool = True) -> list[str]:
    """Names a block may rebind (assignment targets, loop variables), in source order; with `subscripts`,
    also the names a block assigns into (`a[i] = v`); without `augmented`, not the names of `a += b` alone
    (an array's is updated in place)."""
    names: dict[str, None] = {}

    class Visitor(cst.CSTVisitor):
        def _targets(self, target: Any) -> None:
            if isinstance(target, cst.Name):
                names[target.value] = None
            elif subscripts and isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                names[target.value.value] = None  # `a[i] = v` gives `a` a new value
            elif isinstance(target, (cst.Tuple, cst.List)):
                for element in target.elements:
                    self._targets(element.value)

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            self._targets(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if not augmented:
                return
            self._targets(node.target)
            if isinstance(node.target, cst.Name):  # `a += b` may update `a` in place
                names[node.target.value] = None

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            self._targets(node.target)

        def visit_For(self, node: cst.For) -> None:
            self._targets(node.target)

    node.visit(Visitor())
    return list(names)


def can_exit(node: cst.CSTNode, returns: bool = True) -> bool:
    """Whether a statement contains a `return` (unless `returns` is off), or a `break`/`continue` of the
    enclosing loop."""
    found = []

    class Finder(cst.CSTVisitor):
        def __init__(self):
            self.loops = 0

        def visit_Return(self, node):
            if returns:
                found.append(node)

        def visit_Break(self, node):
            if not self.loops:
                found.append(node)

        def visit_Continue(self, node):
            if not self.loops:
                found.append(node)

        def visit_For(self, node):
            self.loops += 1

        def leave_For(self, node):
            self.loops -= 1

        def visit_While(self, node):
            self.loops += 1

        def leave_While(self, node):
            self.loops -= 1

        def visit_FunctionDef(self, node):
            return False

    node.visit(Finder())
    return bool(found)
