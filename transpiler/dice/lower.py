"""Lower one `@dist` function's LibCST body to the dist IR.

Every name is bound to what it is at this program point: a fixed value (a Python local, possibly renamed),
a random value (a column of the current world table), a stream, or a tuple. Fixed values never touch the
table. Random expressions become NumPy expressions over columns; draws, random branches, conditioning and
independent subexpressions become table operations. Calls to other `@dist` functions, plain helpers and the
library (`prelude`) are inlined with their own column names.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

import libcst as cst

from .. import codegen as cg
from ..errors import SourceLoc, TranspileError
from . import ir
from .aliases import AliasLowering
from .bindings import (FIXED, RANDOM, RESERVED_PARAMS, TABLE, Binding, Scope, assigned_names, bind_table, find_yield,
                       is_return)
from .calls import CallLowering
from .conditionals import ConditionalLowering
from .control import ControlFlowLowering
from .expressions import ExpressionLowering
from .generators import GeneratorLowering
from .independence import IndependenceLowering
from .inlining import InliningLowering
from .kinds import KindLowering, kinds
from .reductions import ReductionLowering
from .shapes import ShapeLowering
from .statements import StatementLowering
from .streams import StreamLowering
from .subscripts import SubscriptLowering
from .values import Stream, TupleVal, Val


class Lowerer(StatementLowering, ControlFlowLowering, ConditionalLowering, ExpressionLowering, SubscriptLowering,
              KindLowering, StreamLowering, CallLowering, ReductionLowering, InliningLowering, IndependenceLowering,
              ShapeLowering, AliasLowering, GeneratorLowering):
    """The state of lowering one @dist function (tables, scopes, fresh names) and its helpers; the parts of the
    language are lowered by the mixins, one module each."""

    def __init__(self, parsed, functions: dict[str, cst.FunctionDef], dists: set[str]):
        self.parsed = parsed
        self.functions = functions
        self.dists = dists
        self.counters: dict[str, int] = {}
        self.out: list = []
        self.table = "w"
        self.scope = Scope("")
        self.in_random_branch = 0
        self.renames: dict[str, str] = {}
        self.pending_note: str | None = None
        self.call_stack: list[str] = []
        self.recursive_calls = 0
        self.call_loc: SourceLoc | None = None
        self.taken_py: set[str] = set()
        self.subtable_blocked: set[int] = set()
        self.scope_stack: list[Scope] = []  # scopes left for another (a call, a generator, a consumer's body)
        self.yield_targets: list = []  # per generator being inlined: what its `yield` lowers (generators.py)
        self.consumed: set[int] = set()  # generators already read on this path (streams.py)
        self.loop_depth = 0
        self.sums_items = 0  # inside dice-nine's `sum(...)`: lists add item by item (expressions.py)
        self.statement_loc: SourceLoc | None = None  # the statement being lowered (for errors found later)
        self.batched: tuple[str, ...] = ()  # under vmap: the parameters batched (columns, one value per example)
        self.object_versions: dict = {}  # object -> how many writes changed it (aliases.py)
        self.init_shapes()

    def loc(self, node: cst.CSTNode) -> SourceLoc | None:
        try:
            return self.parsed.locate(node)
        except KeyError:
            return self.call_loc

    def error(self, message: str, node: cst.CSTNode, hint: str | None = None) -> TranspileError:
        if self.batched and ("random" in message or "fixed" in message):
            names = ", ".join(f"`{name}`" for name in self.batched)
            message += (f" (under vmap, {names} differ{'s' if len(self.batched) == 1 else ''} between examples, so "
                        "it is random here: what must be fixed, such as the outcomes of a draw, cannot depend on it)")
        return TranspileError(message, self.loc(node), hint)

    def fresh(self, base: str) -> str:
        n = self.counters.get(base, 0) + 1
        self.counters[base] = n
        return f"{base}{n}"

    def fresh_py(self, base: str) -> str:
        base = re.sub(r"\W", "_", base)
        while True:
            candidate = self.fresh(f"{base}_")
            if candidate not in self.taken_py:
                self.taken_py.add(candidate)
                return candidate

    def col(self, name: str) -> str:
        return f"{self.scope.prefix}{name}"

    def ref(self, column: str) -> cst.BaseExpression:
        return cg.subscript(cg.name(TABLE), [cg.literal(column)])

    def scoped(self, fn):
        """`fn` to be lowered later (by a stream's consumer) in the scope where it was written."""
        scope = self.scope

        def run(*args):
            with self.in_scope(scope):
                return fn(*args)
        return run

    @contextmanager
    def in_scope(self, scope: Scope):
        """Lower in `scope`; the one left stays open (a loop lowered meanwhile carries its names too)."""
        saved = self.scope
        self.scope_stack.append(saved)
        self.scope = scope
        try:
            yield scope
        finally:
            self.scope_stack.pop()
            self.scope = saved

    def open_scopes(self) -> list[Scope]:
        """The scopes whose names code lowered now may rebind: a generator's `yield` lowers its consumer's
        body, so a loop in the generator carries the consumer's names as well as its own."""
        seen, scopes = set(), []
        for scope in [self.scope] + self.scope_stack[::-1]:
            if id(scope) not in seen:
                seen.add(id(scope))
                scopes.append(scope)
        return scopes

    def emit(self, stmt) -> None:
        if isinstance(stmt, (ir.Op, ir.Plain)):
            stmt.stmt = bind_table(stmt.stmt, stmt.table)
        elif isinstance(stmt, ir.Branch):
            stmt.cond = bind_table(stmt.cond, stmt.table)
        elif isinstance(stmt, ir.Loop):
            stmt.iterable = bind_table(stmt.iterable, stmt.table)
        elif isinstance(stmt, ir.Choice):
            stmt.test = bind_table(stmt.test, stmt.table)
        if self.pending_note and getattr(stmt, "note", None) is None:
            stmt.note = self.pending_note
            self.pending_note = None
        self.out.append(stmt)

    def op(self, stmt: cst.BaseSmallStatement, defs=(), uses=(), overwrites=False) -> None:
        self.emit(ir.Op(self.table, stmt, tuple(defs), tuple(sorted(uses)), overwrites))

    def assign_column(self, column: str, value: Val, overwrites: bool = False) -> None:
        self.note_rank("col", column, self.rank(value))
        node = value.node if value.random else cg.call(cg.attr(cg.name(self.table), "lift"), value.node)
        target = cst.AssignTarget(self.ref(column))
        self.op(cst.Assign([target], node), defs=[column], uses=value.uses, overwrites=overwrites)

    def materialize(self, value: Val, base: str = "_t") -> Val:
        """A random value as a column of its own (so later statements can read it by name)."""
        if not value.random:
            return value
        column = self.fresh(base)
        self.assign_column(column, value)
        return Val(self.ref(column), True, frozenset([column]), obj=value.obj, pylist=value.pylist,
                   **kinds(value))

    def snapshot(self, item):
        """A value copied to a temporary, so that assigning other names cannot change it."""
        if not isinstance(item, Val):
            return item
        if item.random:
            return self.materialize(item)
        if isinstance(item.node, (cst.Integer, cst.Float, cst.SimpleString)):
            return item
        py = self.fresh_py("tmp")
        self.note_rank("py", py, self.rank(item))
        self.op(cst.Assign([cst.AssignTarget(cg.name(py))], item.node))
        return Val(cg.name(py), False, obj=item.obj, pylist=item.pylist, **kinds(item))

    @contextmanager
    def block(self, out: list, table: str | None = None):
        saved = self.out, self.table
        self.out = out
        if table is not None:
            self.table = table
        try:
            yield out
        finally:
            self.out, self.table = saved

    def lower_function(self, fn: cst.FunctionDef, table: str,
                       in_axes: dict[str, int] | None = None) -> tuple[list, list[str]]:
        """The body of `fn` over `table`, and its parameters as the generated function takes them; `in_axes`
        (vmap: parameter -> axis) makes those parameters columns holding one value per example."""
        self.table = table
        self.scope.assigned = assigned_names(fn)
        params = []
        in_axes = in_axes or {}
        self.batched = tuple(in_axes)
        for param in fn.params.params:
            name = param.name.value
            py = name + "_" if name in RESERVED_PARAMS else name  # keep the generated code's globals visible
            params.append(py)
            self.scope.env[name] = Binding(RANDOM, col=self.col(name)) if name in in_axes else Binding(FIXED, py=py)
            self.taken_py.add(py)
        if fn.params.star_arg not in (None, cst.MaybeSentinel.DEFAULT) or fn.params.kwonly_params \
                or fn.params.star_kwarg or fn.params.posonly_params:
            raise self.error("a @dist function takes plain positional parameters only", fn.params)
        found = find_yield(fn)
        if found is not None:
            raise self.error("a @dist function returns its outcome; it cannot be a generator", found,
                             "put the `yield` in a helper function and read it from the @dist function "
                             "with `for`, sum(*g()), list(g()) or a lazy_* fold")
        body = self._statements(fn)
        result = None
        with self.block([]) as out:
            for py, param in zip(params, fn.params.params):  # a list argument is an array, as lists are in the
                if param.name.value not in in_axes:  # dist language (`cards > 0`)
                    self.op(cst.Assign([cst.AssignTarget(cg.name(py))], cg.call("dice.lib.argument", cg.name(py))))
            batch = self._batch(in_axes, dict(zip([p.name.value for p in fn.params.params], params)))
            for index, stmt in enumerate(body):
                last = index == len(body) - 1
                if last and is_return(stmt):
                    result = self.returned(stmt)
                    continue
                self.statement(stmt)
        if result is None:
            raise self.error(f"`{fn.name.value}` must end with a `return`", fn.name,
                             "return the outcome whose distribution you want")
        values = result.items if isinstance(result, TupleVal) else (result,)
        lifted = [self.as_column_node(v) for v in values]
        uses = frozenset().union(*[v.uses for v in values if isinstance(v, Val)])
        if batch is not None:  # the example column stays live to the end: examples never merge
            uses |= {batch[0]}
        node = cg.call(cg.attr(cg.name(self.table), "result"),
                       cg.tuple_(*lifted) if isinstance(result, TupleVal) else lifted[0],
                       normalize=cg.name("normalize"),
                       is_tuple=True if isinstance(result, TupleVal) else None,
                       batch=None if batch is None else cg.tuple_(self.ref(batch[0]), cg.name(batch[1])))
        with self.block(out):
            self.op(cst.Return(node), uses=uses)
        return out, params

    def _batch(self, in_axes: dict[str, int], py_names: dict[str, str]) -> tuple[str, str] | None:
        """vmap: the table becomes one world per example, the batched parameters its columns; (the example
        column, the local holding the number of examples), or None without vmap."""
        if not in_axes:
            return None
        index, size = self.fresh("_example"), self.fresh_py("examples")
        arguments = cst.Dict([cst.DictElement(cg.literal(self.col(name)),
                                              cg.tuple_(cg.name(py_names[name]), cg.literal(axis)))
                              for name, axis in in_axes.items()])
        call = cg.call(cg.attr(cg.name(self.table), "batch"), cg.literal(index), arguments)
        self.op(cst.Assign([cst.AssignTarget(cg.name(size))], call),
                defs=[index] + [self.col(name) for name in in_axes])
        for name in in_axes:
            self.note_rank("col", self.col(name), None)
        return index, size

    def as_column_node(self, value) -> cst.BaseExpression:
        if isinstance(value, TupleVal):
            raise TranspileError("a @dist function returns a value or a flat tuple of values", self.call_loc)
        if isinstance(value, Stream):
            raise TranspileError("a stream cannot be returned; fold it first (lazy_sum, list, ...)", self.call_loc)
        return value.node if value.random else cg.call(cg.attr(cg.name(self.table), "lift"), value.node)

    def _statements(self, fn: cst.FunctionDef) -> list:
        if isinstance(fn.body, cst.SimpleStatementSuite):  # `def g(): return d(6)` on one line
            return [(fn.body, small) for small in fn.body.body]
        body = list(fn.body.body)
        flat = []
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    flat.append((stmt, small))
            else:
                flat.append((stmt, stmt))
        # drop a docstring
        if flat and isinstance(flat[0][1], cst.Expr) and isinstance(flat[0][1].value, cst.SimpleString):
            flat = flat[1:]
        return flat

    def note_for(self, pair) -> None:
        line, _ = pair
        loc = self.loc(line)
        if loc is not None and len(self.call_stack) <= 1:
            self.pending_note = cg.comment_text(f"{loc.path.rsplit('/', 1)[-1]}:{loc.line}  {loc.text.strip()}")

    def returned(self, pair):
        line, small = pair
        if small.value is None:
            raise self.error("`return` needs a value", small, "return the outcome: `return x` (or `return x, y`)")
        self.note_for(pair)
        value = self.expr(small.value)
        if isinstance(value, Stream):
            raise self.error("a stream cannot be returned", small.value, "fold it first: lazy_sum(...), list(...)")
        return value
