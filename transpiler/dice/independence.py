"""Independent subexpressions: an expression that draws dice but reads no random variable is computed in a
one-world table of its own and multiplied in (an outer product), so its worlds merge before they meet the others.
"""
from __future__ import annotations

import libcst as cst

from ..errors import TranspileError
from . import ir
from .bindings import FIXED, VALUE, target_names
from .kinds import kinds
from .values import Val


class IndependenceLowering:
    """Lower independent subexpressions in their own table. A part of `Lowerer` (lower.py)."""

    def _independent_candidate(self, node) -> bool:
        if id(node) in self.subtable_blocked:
            return False
        if not isinstance(node, (cst.BinaryOperation, cst.Comparison, cst.Call, cst.UnaryOperation,
                                 cst.BooleanOperation, cst.IfExp)):
            return False
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
            return False
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in (
                "d", "dd", "range", "zip", "list", "len", "print", "importance", "__first__", "__rest__"):
            return False
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in self.functions:
            return False
        checker = _Independence(self)
        node.visit(checker)
        return checker.draws and checker.independent

    def subtable(self, node):
        sub_table = self.fresh("_s")
        note, self.pending_note = self.pending_note, None
        self.subtable_blocked.add(id(node))
        saved_env = dict(self.scope.env)
        try:
            with self.block([], sub_table) as out:
                value = self.expr(node)
                if not isinstance(value, Val):
                    raise TranspileError("internal: an independent subexpression gave no value", self.loc(node))
                column = self.fresh("_t")
                self.assign_column(column, value)
        finally:
            self.subtable_blocked.discard(id(node))
        # names bound while lowering it (comprehension targets) are local to the subexpression
        self.scope.env = {k: v for k, v in self.scope.env.items() if k in saved_env}
        self.scope.env.update({k: v for k, v in saved_env.items()})
        self.emit(ir.Sub(self.table, sub_table, out, (column,), note=note))
        return Val(self.ref(column), True, frozenset([column]), pylist=value.pylist,  # `[d(2)] * 2` is a list
                   **kinds(value))



class _Independence(cst.CSTVisitor):
    """Does an expression draw dice while reading no random variable (so its distribution is independent)?"""

    def __init__(self, lowerer: IndependenceLowering):
        self.lowerer = lowerer
        self.draws = False
        self.independent = True
        self.bound: set[str] = set()

    def visit_Call(self, node):
        if isinstance(node.func, cst.Name):
            name = node.func.value
            if name in ("d", "dd") and name not in self.lowerer.scope.env:
                self.draws = True
            elif name in self.lowerer.functions or name in ("importance", "print"):
                self.independent = False
            node.args and [a.visit(self) for a in node.args]
            return False
        return True

    def visit_Subscript(self, node):
        if isinstance(node.value, cst.Name) and node.value.value == "d" and "d" not in self.lowerer.scope.env:
            self.draws = True
        return True

    def visit_BinaryOperation(self, node):
        if isinstance(node.operator, cst.MatrixMultiply):
            self.draws = True
        return True

    def visit_CompFor(self, node):
        targets = target_names(node.target)
        self.bound |= targets
        return True

    def visit_Name(self, node):
        name = node.value
        if name in self.bound:
            return False
        binding = self.lowerer.scope.env.get(name)
        if binding is None:
            return False
        if binding.kind == FIXED:
            return False
        if binding.kind == VALUE and isinstance(binding.val, Val) and not binding.val.random:
            return False
        self.independent = False
        return False
