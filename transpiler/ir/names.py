"""The names check of generated code: no function reads a local name that some path leaves unbound.

Liveness deletes names (`del x`) in the backend, block by block; a deletion that a later read (after a branch, in
the next trip of a loop) still needs, or a pass whose output reads a name before binding it, raises NameError or
UnboundLocalError only when that path runs. This walks each generated function's statements as Python runs them,
with the set of names bound on every path (a branch: what both leave bound; a loop: what holds at each trip's start,
to a fixed point; `break`, `continue`, `return`, `raise`: their path ends there), and reports a read of a local name
(one the function binds somewhere) outside that set. Run on each generated module where `LIFTED_VERIFY_IR=1`.
"""
from __future__ import annotations

import ast

from .verify import IRError


def check_names(code: str, path: str) -> None:
    """Raise IRError at the first read of a possibly unbound local name in a function of the module `code`."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.FunctionDef):
            _Function(node, path).run()


class _Loop:
    def __init__(self):
        self.breaks: list[frozenset] = []
        self.continues: list[frozenset] = []


class _Function:
    def __init__(self, node: ast.FunctionDef, path: str):
        self.node = node
        self.path = path
        self.loops: list[_Loop] = []
        self.quiet = 0  # inside a loop's trips before its fixed point
        args = node.args
        self.params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs,
                                       *filter(None, [args.vararg, args.kwarg])]}
        self.local = set(self.params)
        for inner in _own_nodes(node.body):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                self.local.add(inner.id)
            elif isinstance(inner, (ast.FunctionDef, ast.ClassDef)):
                self.local.add(inner.name)

    def run(self) -> None:
        self.block(self.node.body, frozenset(self.params))

    def block(self, stmts: list, bound: frozenset | None) -> frozenset | None:
        """The names bound after `stmts` on every path that goes on (None: no path does)."""
        for stmt in stmts:
            if bound is None:
                return None
            bound = self.statement(stmt, bound)
        return bound

    def statement(self, stmt: ast.stmt, bound: frozenset) -> frozenset | None:
        if isinstance(stmt, ast.If):
            self.reads(stmt.test, bound)
            return _meet(self.block(stmt.body, bound), self.block(stmt.orelse, bound))
        if isinstance(stmt, (ast.For, ast.While)):
            return self.loop(stmt, bound)
        if isinstance(stmt, ast.With):
            for item in stmt.items:
                self.reads(item.context_expr, bound)
                bound = bound | _stored(item.optional_vars) if item.optional_vars is not None else bound
            return self.block(stmt.body, bound)
        if isinstance(stmt, ast.Try):
            after = self.block(stmt.body, bound)
            handled = [self.block(h.body, bound | ({h.name} if h.name else set())) for h in stmt.handlers]
            after = self.block(stmt.orelse, after) if after is not None else None
            for other in handled:
                after = _meet(after, other)
            return self.block(stmt.finalbody, after) if stmt.finalbody else after
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self.reads(target, bound)
            return bound - {t.id for t in stmt.targets if isinstance(t, ast.Name)}
        if isinstance(stmt, (ast.Break, ast.Continue)):
            loop = self.loops[-1]
            (loop.breaks if isinstance(stmt, ast.Break) else loop.continues).append(bound)
            return None
        if isinstance(stmt, (ast.Return, ast.Raise)):
            for child in ast.iter_child_nodes(stmt):
                self.reads(child, bound)
            return None
        if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            return bound | {stmt.name}
        if isinstance(stmt, ast.AugAssign):
            self.reads(stmt.value, bound)
            self.reads(stmt.target, bound, store_reads=True)
            return bound | _stored(stmt.target)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if stmt.value is not None:
                self.reads(stmt.value, bound)
            for target in targets:  # (a subscript or attribute target reads its object and index)
                self.reads(target, bound)
            return bound | set().union(*[_stored(t) for t in targets])
        for child in ast.iter_child_nodes(stmt):  # an expression statement, assert, pass, global ...
            self.reads(child, bound)
        return bound

    def loop(self, stmt, bound: frozenset) -> frozenset | None:
        """A loop's body checked from what holds at the start of every trip (a fixed point), and what holds after
        it: on the path of no trip (or of the condition failing) and of each `break`."""
        if isinstance(stmt, ast.For):
            self.reads(stmt.iter, bound)
        start = bound
        self.quiet += 1
        while True:
            self.loops.append(_Loop())
            end = self.block(stmt.body, start | _stored(stmt.target) if isinstance(stmt, ast.For) else start)
            loop = self.loops.pop()
            again = start
            for other in [end, *loop.continues]:
                again = _meet(again, other) if other is not None else again
            if again == start:
                break
            start = again
        self.quiet -= 1
        # the final pass, reporting
        self.loops.append(_Loop())
        if isinstance(stmt, ast.While):
            self.reads(stmt.test, start)
        end = self.block(stmt.body, start | _stored(stmt.target) if isinstance(stmt, ast.For) else start)
        loop = self.loops.pop()
        if isinstance(stmt, ast.For) and _runs(stmt.iter):  # (no path of no trip: after the last trip's end)
            after = end
            for other in loop.continues:
                after = _meet(after, other)
        else:
            after = start if not (isinstance(stmt, ast.While) and _always(stmt.test)) else None
        for other in loop.breaks:
            after = _meet(after, other)
        return self.block(stmt.orelse, after) if stmt.orelse and after is not None else after

    def reads(self, node, bound: frozenset, store_reads: bool = False) -> None:
        if self.quiet or node is None:  # (a loop's trips before its fixed point: the final pass reports)
            return
        for name in ast.walk(node):
            if isinstance(name, ast.Name) and name.id in self.local and name.id not in bound \
                    and (store_reads or isinstance(name.ctx, ast.Load)) and name.id not in _comprehension_names(node):
                raise IRError(f"generated code of {self.path}: `{self.node.name}` reads `{name.id}` (line "
                              f"{name.lineno} of the module) where a path leaves it unbound (deleted, or not yet "
                              "bound)")


def _meet(a: frozenset | None, b: frozenset | None) -> frozenset | None:
    """What is bound after two paths join (None: a path that does not go on)."""
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _stored(target) -> frozenset:
    return frozenset(n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))


def _always(test) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _runs(iterable) -> bool:
    """A `range` of literal bounds that is not empty: the loop runs at least one trip."""
    if not (isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range"
            and not iterable.keywords and 1 <= len(iterable.args) <= 3):
        return False
    bounds = [a.value if isinstance(a, ast.Constant) else -a.operand.value if isinstance(a, ast.UnaryOp) and
              isinstance(a.op, ast.USub) and isinstance(a.operand, ast.Constant) else None for a in iterable.args]
    return all(type(b) is int for b in bounds) and len(range(*bounds)) > 0


def _comprehension_names(node) -> set[str]:
    """Names bound inside an expression's comprehensions and lambdas (their own scopes)."""
    names: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.comprehension):
            names |= _stored(inner.target)
        elif isinstance(inner, ast.Lambda):
            names |= {a.arg for a in inner.args.args}
        elif isinstance(inner, ast.NamedExpr):
            names |= _stored(inner.target)
    return names


def _own_nodes(stmts: list):
    """The nodes of a function body, not those of functions and classes defined inside it."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
