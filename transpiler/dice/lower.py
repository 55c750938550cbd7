"""Lower one `@dist` function's LibCST body to the dist IR.

Every name is bound to what it is at this program point: a fixed value (a Python local, possibly renamed),
a random value (a column of the current world table), a stream, or a tuple. Fixed values never touch the
table. Random expressions become NumPy expressions over columns; draws, random branches, conditioning and
independent subexpressions become table operations. Calls to other `@dist` functions, plain helpers and the
library (`prelude`) are inlined with their own column names.
"""
from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager

import libcst as cst

from .. import codegen as cg
from ..errors import SourceLoc, TranspileError
from . import ir, prelude
from .values import Segment, Stream, TupleVal, Val

FIXED, RANDOM, STREAM, VALUE, PARTIAL = "fixed", "random", "stream", "value", "partial"
TABLE = "__table__"  # stands for "the current table" in value expressions; bound when a statement is emitted


class _BindTable(cst.CSTTransformer):
    def __init__(self, table: str):
        self.table = table

    def leave_Name(self, original, updated):
        return updated.with_changes(value=self.table) if updated.value == TABLE else updated


def bind_table(node, table: str):
    return node.visit(_BindTable(table))


@dataclasses.dataclass
class Binding:
    kind: str
    py: str | None = None          # FIXED: the Python local
    col: str | None = None         # RANDOM: the column name
    stream: Stream | None = None   # STREAM
    val: object = None             # VALUE: a Val or TupleVal bound without a name of its own
    loc: SourceLoc | None = None   # PARTIAL: where it was assigned in one branch only


class Scope:
    def __init__(self, prefix: str, env: dict | None = None):
        self.prefix = prefix
        self.env: dict[str, Binding] = env or {}


RESERVED = {"np", "dice", "normalize", "semiring", "range", "len", "min", "max", "print", "int", "float",
            "abs", "bool", "tuple", "list", "sum"}

RESERVED_PARAMS = {"np", "dice", "normalize", "semiring"}

ELEMENTWISE = {"abs": "np.abs", "sign": "np.sign"}
AXIS_FUNCTIONS = {
    "reduce_sum": "np.sum", "reduce_min": "np.min", "reduce_max": "np.max", "reduce_all": "np.all",
    "reduce_any": "np.any", "argmin": "np.argmin", "argmax": "np.argmax", "argsort": "dice.lib.argsort",
    "flip": "np.flip", "cumsum": "np.cumsum", "sort": "np.sort",
}
FIXED_ONLY = {"zeros": "dice.lib.zeros", "ones": "dice.lib.ones", "arange": "np.arange"}


class Lowerer:
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
        self.call_loc: SourceLoc | None = None
        self.taken_py: set[str] = set()
        self.subtable_blocked: set[int] = set()

    # -- helpers ---------------------------------------------------------------------------------------------
    def loc(self, node: cst.CSTNode) -> SourceLoc | None:
        try:
            return self.parsed.locate(node)
        except KeyError:
            return self.call_loc

    def error(self, message: str, node: cst.CSTNode, hint: str | None = None) -> TranspileError:
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
            saved = self.scope
            self.scope = scope
            try:
                return fn(*args)
            finally:
                self.scope = saved
        return run

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
        node = value.node if value.random else cg.call(cg.attr(cg.name(self.table), "lift"), value.node)
        target = cst.AssignTarget(self.ref(column))
        self.op(cst.Assign([target], node), defs=[column], uses=value.uses, overwrites=overwrites)

    def materialize(self, value: Val, base: str = "_t") -> Val:
        """A random value as a column of its own (so later statements can read it by name)."""
        if not value.random:
            return value
        column = self.fresh(base)
        self.assign_column(column, value)
        return Val(self.ref(column), True, frozenset([column]))

    def snapshot(self, item):
        """A value copied to a temporary, so that assigning other names cannot change it."""
        if not isinstance(item, Val):
            return item
        if item.random:
            return self.materialize(item)
        if isinstance(item.node, (cst.Integer, cst.Float, cst.SimpleString)):
            return item
        py = self.fresh_py("tmp")
        self.op(cst.Assign([cst.AssignTarget(cg.name(py))], item.node))
        return Val(cg.name(py), False)

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

    # -- function bodies -------------------------------------------------------------------------------------
    def lower_function(self, fn: cst.FunctionDef, table: str) -> tuple[list, list[str]]:
        self.table = table
        params = []
        for param in fn.params.params:
            name = param.name.value
            py = name + "_" if name in RESERVED_PARAMS else name  # keep the generated code's globals visible
            params.append(py)
            self.scope.env[name] = Binding(FIXED, py=py)
            self.taken_py.add(py)
        if fn.params.star_arg not in (None, cst.MaybeSentinel.DEFAULT) or fn.params.kwonly_params \
                or fn.params.star_kwarg:
            raise self.error("a @dist function takes plain positional parameters only", fn.params)
        body = self._statements(fn)
        result = None
        with self.block([]) as out:
            for index, stmt in enumerate(body):
                last = index == len(body) - 1
                if last and _is_return(stmt):
                    result = self.returned(stmt)
                    continue
                self.statement(stmt)
        if result is None:
            raise self.error(f"`{fn.name.value}` must end with a `return`", fn.name,
                             "return the outcome whose distribution you want")
        values = result.items if isinstance(result, TupleVal) else (result,)
        lifted = [self.as_column_node(v) for v in values]
        uses = frozenset().union(*[v.uses for v in values if isinstance(v, Val)])
        node = cg.call(cg.attr(cg.name(self.table), "result"),
                       cg.tuple_(*lifted) if isinstance(result, TupleVal) else lifted[0],
                       normalize=cg.name("normalize"),
                       is_tuple=True if isinstance(result, TupleVal) else None)
        with self.block(out):
            self.op(cst.Return(node), uses=uses)
        return out, params

    def as_column_node(self, value) -> cst.BaseExpression:
        if isinstance(value, TupleVal):
            raise TranspileError("a @dist function returns a value or a flat tuple of values", self.call_loc)
        if isinstance(value, Stream):
            raise TranspileError("a stream cannot be returned; fold it first (lazy_sum, list, ...)", self.call_loc)
        return value.node if value.random else cg.call(cg.attr(cg.name(self.table), "lift"), value.node)

    def _statements(self, fn: cst.FunctionDef) -> list:
        body = list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else [fn.body]
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
            self.pending_note = f"{loc.path.rsplit('/', 1)[-1]}:{loc.line}  {loc.text.strip()}"

    def returned(self, pair):
        line, small = pair
        if small.value is None:
            raise self.error("`return` needs a value", small)
        self.note_for(pair)
        value = self.expr(small.value)
        if isinstance(value, Stream):
            raise self.error("a stream cannot be returned", small.value, "fold it first: lazy_sum(...), list(...)")
        return value

    # -- statements ------------------------------------------------------------------------------------------
    def statements(self, body: cst.BaseSuite) -> None:
        items = list(body.body) if isinstance(body, cst.IndentedBlock) else [body]
        for stmt in items:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self.statement((stmt, small))
            else:
                self.statement((stmt, stmt))

    def statement(self, pair) -> None:
        line, node = pair
        self.note_for(pair)
        if isinstance(node, cst.Assign):
            if len(node.targets) != 1:
                raise self.error("chained assignment is not part of the dist language", node, "assign one name")
            self.assign(node.targets[0].target, self.expr(node.value), node)
        elif isinstance(node, cst.AugAssign):
            op = cst.Module([]).code_for_node(node.operator).strip()[:-1]
            target = node.target
            if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) \
                    and not self._is_weighted_draw(target):
                # `xs[i] += v` reads and writes the same element: the index is lowered (and drawn) once
                index = self.indices(target)
                if isinstance(index, list):
                    current = self.index_value(self.name_value(target.value), index, target)
                    value = self.binary(op, current, self.value(node.value, node.value), node)
                    self.assign_subscript(target, value, node, index)
                    return
            current = self.expr(target)
            value = self.binary(op, current, self.value(node.value, node.value), node)
            self.assign(target, value, node)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self.assign(node.target, self.expr(node.value), node)
        elif isinstance(node, cst.If):
            self.if_statement(node)
        elif isinstance(node, cst.For):
            self.for_statement(node)
        elif isinstance(node, cst.Assert):
            cond = self.value(node.test, node.test)
            # conditioning: a fixed condition keeps all worlds or none, a random one those where it holds
            self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "keep"), cond.node)), uses=cond.uses)
        elif isinstance(node, cst.Expr):
            self.expression_statement(node)
        elif isinstance(node, cst.Pass):
            pass
        elif isinstance(node, cst.Return):
            raise self.error("`return` must be the last statement of a @dist function", node,
                             "assign the outcome to a variable in each branch and return it at the end")
        elif isinstance(node, (cst.While,)):
            raise self.error("`while` is not part of the dist language: the number of steps must be fixed",
                             node, "use `for i in range(n):` with an `if` inside")
        elif isinstance(node, (cst.Break, cst.Continue)):
            raise self.error(f"`{type(node).__name__.lower()}` is not part of the dist language", node,
                             "use an `if` around the rest of the loop body")
        elif isinstance(node, cst.Del):
            pass  # liveness deletes values after their last use anyway
        else:
            raise self.error(f"{type(node).__name__} statements are not part of the dist language", node)

    def expression_statement(self, node: cst.Expr) -> None:
        value = node.value
        if isinstance(value, cst.SimpleString):
            return
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            name = value.func.value
            if name == "print":
                args = [self.value(a.value, a.value) for a in value.args]
                if any(a.random for a in args):
                    raise self.error("print() shows fixed values only: a random value has no single value", value,
                                     "return it instead to get its distribution")
                self.emit(ir.Plain(self.table, cst.Expr(cg.call("print", *[a.node for a in args]))))
                return
            if name == "importance":
                weight = self.value(value.args[0].value, value)
                self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "importance"), weight.node)),
                        uses=weight.uses)
                return
        self.expr(value)  # evaluated for its draws

    # -- assignment --------------------------------------------------------------------------------------------
    def assign(self, target: cst.BaseAssignTargetExpression, value, node) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value, node)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if isinstance(value, TupleVal):
                items = list(value.items)
            elif isinstance(value, Val):
                items = [self.index_value(value, Val(cg.literal(i), False), node) for i in range(len(elements))]
            else:
                raise self.error("cannot unpack a stream into names", node, "fold it first")
            if len(items) != len(elements):
                raise self.error(f"cannot unpack {len(items)} values into {len(elements)} names", node)
            items = [self.snapshot(item) for item in items]  # `a, b = b, a` reads before it writes
            for element, item in zip(elements, items):
                self.assign(element, item, node)
        elif isinstance(target, cst.Subscript):
            self.assign_subscript(target, value, node)
        else:
            raise self.error("only names, tuples of names and subscripts can be assigned", target)

    def bind(self, name: str, value, node) -> None:
        env = self.scope.env
        if isinstance(value, Stream):
            env[name] = Binding(STREAM, stream=value)
            return
        if isinstance(value, TupleVal):
            env[name] = Binding(VALUE, val=value)
            return
        old = env.get(name)
        if value.random:
            column = self.col(name)
            self.assign_column(column, value, overwrites=old is not None and old.kind == RANDOM)
            env[name] = Binding(RANDOM, col=column)
        else:
            py = self.py_name(name)
            self.op(cst.Assign([cst.AssignTarget(cg.name(py))], value.node))
            env[name] = Binding(FIXED, py=py)

    def py_name(self, name: str) -> str:
        """The Python local for a fixed value of `name` here (renamed inside random branches and inlining)."""
        key = (self.scope.prefix, name)
        if key in self.renames:
            return self.renames[key]
        if self.scope.prefix or self.in_random_branch or name in RESERVED or re.fullmatch(r"w\d*_*", name) \
                or name.startswith("_"):
            py = self.fresh_py((self.scope.prefix.replace(".", "_") + name).strip("_") or "v")
        else:
            py = name
            self.taken_py.add(py)
        self.renames[key] = py
        return py

    def assign_subscript(self, target: cst.Subscript, value, node, index=None) -> None:
        if not isinstance(target.value, cst.Name):
            raise self.error("only `name[index] = value` is supported", target)
        name = target.value.value
        array = self.name_value(target.value)
        value = self.value_of(value, node)
        index = self.indices(target) if index is None else index
        if not isinstance(index, list):
            raise self.error("slices cannot be assigned to in the dist language", target)
        random_index = any(i.random for i in index)
        uses = array.uses | value.uses | frozenset().union(*[i.uses for i in index])
        if not (array.random or value.random or random_index):
            self.bind(name, Val(cg.call("dice.lib.put", array.node, value.node, *[i.node for i in index]),
                                False), node)
            return
        binding = self.scope.env.get(name)
        if array.random and binding is not None and binding.kind == RANDOM and array.uses == {binding.col}:
            # `name[i] = v` on a column of its own: the table updates it in place when nothing else shares it
            update = cg.call(cg.attr(cg.name(TABLE), "update"), cg.literal(binding.col), value.node,
                             *[i.node for i in index], per_world=random_index)
            self.op(cst.Expr(update), defs=[binding.col], uses=uses, overwrites=True)
            return
        array_node = array.node if array.random else cg.call(cg.attr(cg.name(self.table), "lift"), array.node)
        if random_index:
            call = cg.call("dice.lib.put_rows", array_node, value.node, *[i.node for i in index])
        else:
            call = cg.call("dice.lib.put", array_node, value.node, *[i.node for i in index], rows=True)
        self.bind(name, Val(call, True, uses), node)

    # -- control flow -------------------------------------------------------------------------------------------
    def if_statement(self, node: cst.If) -> None:
        cond = self.value(node.test, node.test)
        orelse = node.orelse
        if cond.random:
            self.random_if(cond, node.body, orelse)
        else:
            self.fixed_if(cond, node.body, orelse)

    def _else_body(self, orelse):
        if orelse is None:
            return
        if isinstance(orelse, cst.If):
            self.if_statement(orelse)
        else:
            self.statements(orelse.body)

    def random_if(self, cond: Val, body, orelse) -> None:
        then_table, else_table = self.table + "1", self.table + "2"
        before = dict(self.scope.env)
        saved_renames = self.renames
        self.in_random_branch += 1
        note, self.pending_note = self.pending_note, None
        results = []
        for table, lower_body in ((then_table, lambda: self.statements(body)),
                                  (else_table, lambda: self._else_body(orelse))):
            self.scope.env = dict(before)
            self.renames = dict(saved_renames)
            for key in [k for k in self.renames if k[0] == self.scope.prefix]:
                del self.renames[key]  # fixed values assigned in a branch get their own locals
            with self.block([], table) as out:
                lower_body()
            results.append((out, self.scope.env))
        self.in_random_branch -= 1
        self.renames = saved_renames
        (then_out, then_env), (else_out, else_env) = results
        merged = dict(before)
        changed = {k for k in set(then_env) | set(else_env)
                   if then_env.get(k) != before.get(k) or else_env.get(k) != before.get(k)}
        for name in sorted(changed):
            sides = []
            for table, out, env in ((then_table, then_out, then_env), (else_table, else_out, else_env)):
                sides.append(env.get(name))
            kinds = {b.kind if b else None for b in sides}
            if None in kinds or PARTIAL in kinds:
                merged[name] = Binding(PARTIAL, loc=self.call_loc)
                continue
            if kinds & {STREAM, VALUE}:
                merged[name] = Binding(PARTIAL, loc=self.call_loc)
                continue
            column = self.col(name)
            for (table, out, env), binding in zip(((then_table, then_out, then_env),
                                                   (else_table, else_out, else_env)), sides):
                if binding.kind == FIXED:
                    with self.block(out, table):
                        self.assign_column(column, Val(cg.name(binding.py), False))
                elif binding.col != column:
                    with self.block(out, table):
                        self.assign_column(column, Val(self.ref(binding.col), True, frozenset([binding.col])))
            merged[name] = Binding(RANDOM, col=column)
        self.scope.env = merged
        self.emit(ir.Branch(self.table, cond.node, tuple(sorted(cond.uses)), then_table, else_table, then_out,
                            else_out, note=note))

    def fixed_if(self, cond: Val, body, orelse) -> None:
        before = dict(self.scope.env)
        note, self.pending_note = self.pending_note, None
        results = []
        for lower_body in (lambda: self.statements(body), lambda: self._else_body(orelse)):
            self.scope.env = dict(before)
            with self.block([]) as out:
                lower_body()
            results.append((out, self.scope.env))
        (then_out, then_env), (else_out, else_env) = results
        merged = dict(before)
        for name in sorted(set(then_env) | set(else_env)):
            a, b = then_env.get(name), else_env.get(name)
            if a == b:
                merged[name] = a
                continue
            if a is None or b is None or PARTIAL in (a.kind, b.kind) or {a.kind, b.kind} & {STREAM, VALUE}:
                merged[name] = Binding(PARTIAL, loc=self.call_loc)
                continue
            if a.kind == FIXED and b.kind == FIXED:
                if a.py != b.py:
                    with self.block(else_out):
                        self.op(cst.Assign([cst.AssignTarget(cg.name(a.py))], cg.name(b.py)))
                merged[name] = a
                continue
            column = self.col(name)
            for out, binding in ((then_out, a), (else_out, b)):
                with self.block(out):
                    if binding.kind == FIXED:
                        self.assign_column(column, Val(cg.name(binding.py), False))
                    elif binding.col != column:
                        self.assign_column(column, Val(self.ref(binding.col), True, frozenset([binding.col])))
            merged[name] = Binding(RANDOM, col=column)
        self.scope.env = merged
        self.emit(ir.Choice(self.table, cond.node, then_out, else_out, note=note))

    def for_statement(self, node: cst.For) -> None:
        if node.orelse is not None:
            raise self.error("`for ... else` is not part of the dist language", node)
        stream = self.iterable(node.iter)
        target = node.target
        for segment in stream.segments:
            if segment.count is None:
                self.assign(target, segment.element(None), node)
                self.statements(node.body)
            else:
                def body(index, segment=segment):
                    item = segment.element(index)
                    if isinstance(target, cst.Name) and isinstance(item, Val) and (
                            item.node is index.node or (_is_ref(item.node) and _temp_ref(item.node))):
                        # the loop index itself, or a fresh draw: the name just refers to it
                        self.scope.env[target.value] = Binding(VALUE, val=item)
                    else:
                        self.assign(target, item, node)
                    self.statements(node.body)
                index_name = None
                if isinstance(target, cst.Name) and isinstance(node.iter, cst.Call) \
                        and isinstance(node.iter.func, cst.Name) and node.iter.func.value == "range":
                    index_name = self.py_name(target.value)
                self.loop(segment.count, body, index_name)
        if isinstance(target, cst.Name) and target.value in self.scope.env \
                and self.scope.env[target.value].kind == VALUE:
            del self.scope.env[target.value]

    def loop(self, count: cst.BaseExpression, body, index: str | None = None) -> None:
        """`for _i in range(count): body(_i)`, with loop-carried values made columns where they become random."""
        index = index or self.fresh_py("_i")
        note, self.pending_note = self.pending_note, None
        for _attempt in range(8):
            entry = dict(self.scope.env)
            counters = dict(self.counters)
            with self.block([]) as out:
                body(Val(cg.name(index), False))
            end = self.scope.env
            promote = [name for name, b in entry.items()
                       if b.kind == FIXED and name in end and end[name].kind == RANDOM]
            if not promote:
                break
            self.scope.env = entry
            self.counters = counters
            for name in promote:
                column = self.col(name)
                self.assign_column(column, Val(cg.name(entry[name].py), False))
                self.scope.env[name] = Binding(RANDOM, col=column)
        else:  # pragma: no cover - the kinds only ever grow
            raise TranspileError("loop kinds did not settle", self.call_loc)
        with self.block(out):
            for name, b in entry.items():
                after = end.get(name)
                if b.kind == RANDOM and after is not None and after != b:
                    if after.kind == FIXED:
                        self.assign_column(b.col, Val(cg.name(after.py), False))
                    elif after.kind == RANDOM:
                        self.assign_column(b.col, Val(self.ref(after.col), True, frozenset([after.col])))
                    end[name] = b
                elif b.kind == FIXED and after is not None and after.kind == FIXED and after.py != b.py:
                    self.op(cst.Assign([cst.AssignTarget(cg.name(b.py))], cg.name(after.py)))
                    end[name] = b
        self.scope.env = end
        self.emit(ir.Loop(self.table, index, cg.call("range", count), out, note=note))

    # -- expressions ---------------------------------------------------------------------------------------------
    def value(self, node: cst.BaseExpression, where: cst.CSTNode) -> Val:
        result = self.expr(node)
        return self.value_of(result, where)

    def value_of(self, result, where) -> Val:
        if isinstance(result, Stream):
            raise self.error("a stream (`n @ expr`, a generator) is used where a value is needed", where,
                             "fold it: lazy_sum(...), lazy_max(...), list(...)")
        if isinstance(result, TupleVal):
            return self.array_of(list(result.items))
        return result

    def expr(self, node: cst.BaseExpression):
        if self._independent_candidate(node):
            return self.subtable(node)
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.error(f"{type(node).__name__} expressions are not part of the dist language", node)
        return method(node)

    def expr_Integer(self, node):
        return Val(cg.literal(int(node.value.replace("_", ""), 0)), False)

    def expr_Float(self, node):
        return Val(cg.literal(float(node.value.replace("_", ""))), False)

    def expr_SimpleString(self, node):
        return Val(cg.literal(node.evaluated_value), False)

    def expr_Name(self, node):
        return self.name_value(node)

    def name_value(self, node: cst.Name):
        name = node.value
        if name in ("True", "False", "None"):
            return Val(cg.name(name), False)
        binding = self.scope.env.get(name)
        if binding is None:
            if name in self.parsed.constants:
                return Val(cg.literal(self.parsed.constants[name]), False)
            raise self.error(f"`{name}` is not defined here", node)
        if binding.kind == FIXED:
            return Val(cg.name(binding.py), False)
        if binding.kind == RANDOM:
            return Val(self.ref(binding.col), True, frozenset([binding.col]))
        if binding.kind == STREAM:
            return binding.stream
        if binding.kind == VALUE:
            return binding.val
        raise self.error(f"`{name}` is assigned in only one branch of an `if` and may be undefined here", node,
                         "assign it before the `if`, or in every branch")

    def expr_Tuple(self, node):
        return TupleVal(tuple(self.value(e.value, e.value) for e in node.elements))

    def expr_List(self, node):
        parts, rest = [], []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                inner = self.expr(element.value)
                if isinstance(inner, Stream):
                    rest = [self.list_of_stream(inner)]
                else:
                    rest = [self.value_of(inner, element)]
                parts.append(("star", rest[0]))
            else:
                parts.append(("one", self.value(element.value, element.value)))
        if all(kind == "one" for kind, _ in parts):
            return self.array_of([v for _, v in parts])
        random = any(v.random for _, v in parts)
        pieces = [v.node if kind == "star" else cg.call("dice.lib.stack", cst.List([cst.Element(v.node)]),
                                                          rows=random)
                  for kind, v in parts]
        uses = frozenset().union(*[v.uses for _, v in parts])
        return Val(cg.call("dice.lib.concat", cst.List([cst.Element(p) for p in pieces]), rows=random), random, uses)

    def array_of(self, items: list) -> Val:
        random = any(v.random for v in items)
        uses = frozenset().union(*[v.uses for v in items]) if items else frozenset()
        return Val(cg.call("dice.lib.stack", cst.List([cst.Element(v.node) for v in items]), rows=random),
                   random, uses)

    def expr_BinaryOperation(self, node):
        op = cst.Module([]).code_for_node(node.operator).strip()
        if op == "@":
            count = self.value(node.left, node.left)
            if count.random:
                raise self.error("`n @ expr` needs a fixed count `n`", node.left,
                                 "draw the count first and use `for` with an `if`")
            element = node.right
            return Stream([Segment(count.node, self.scoped(lambda index: self.value(element, element)))])
        left = self.value(node.left, node.left)
        right = self.value(node.right, node.right)
        return self.binary(op, left, right, node)

    def binary(self, op: str, left: Val, right: Val, node) -> Val:
        if op in ("and", "or"):
            if left.random or right.random:
                left, right = self.line_up(left, right)
                return Val(cg.call(f"np.logical_{op}", left.node, right.node), True, left.uses | right.uses)
            operator = cst.And() if op == "and" else cst.Or()
            return Val(cst.BooleanOperation(left.node, operator, right.node), False)
        if op not in cg._BINARY or op == "@":
            raise self.error(f"operator `{op}` is not part of the dist language", node)
        left, right = self.line_up(left, right)
        return Val(cg.binop(op, left.node, right.node), left.random or right.random, left.uses | right.uses)

    def line_up(self, left: Val, right: Val) -> tuple[Val, Val]:
        """A random value meeting a fixed one that may be an array: give the column the array's axes.

        Per world, `d(n) > xs` compares one number with every element of xs; the column has the world axis
        first, so it needs trailing unit axes (`dice.lib.per_world`) before NumPy broadcasting does that.
        """
        if left.random == right.random:
            return left, right
        fixed, random = (right, left) if left.random else (left, right)
        if _scalar_literal(fixed.node):
            return left, right
        if not isinstance(fixed.node, cst.Name):
            fixed = self.snapshot(fixed)  # read twice below
        random = Val(cg.call("dice.lib.per_world", random.node, fixed.node), True, random.uses)
        return (random, fixed) if left.random else (fixed, random)

    def expr_BooleanOperation(self, node):
        op = "and" if isinstance(node.operator, cst.And) else "or"
        return self.binary(op, self.value(node.left, node.left), self.value(node.right, node.right), node)

    def expr_UnaryOperation(self, node):
        operand = self.value(node.expression, node.expression)
        if isinstance(node.operator, cst.Not):
            if operand.random:
                return Val(cg.call("np.logical_not", operand.node), True, operand.uses)
            return Val(cg.unary("not", operand.node), False)
        symbol = {cst.Minus: "-", cst.Plus: "+", cst.BitInvert: "~"}[type(node.operator)]
        return Val(cg.unary(symbol, operand.node), operand.random, operand.uses)

    def expr_Comparison(self, node):
        left = self.value(node.left, node.left)
        result = None
        for target in node.comparisons:
            right = self.value(target.comparator, target.comparator)
            op = cst.Module([]).code_for_node(target.operator).strip()
            op = " ".join(op.split())
            if op in ("in", "not in"):
                collection = right
                if not (left.random or collection.random):
                    piece = Val(cst.Comparison(left.node, [cst.ComparisonTarget(
                        cst.In() if op == "in" else cst.NotIn(), collection.node)]), False)
                else:
                    piece = Val(cg.call("np.isin", left.node, collection.node, invert=True if op == "not in" else None),
                                True, left.uses | collection.uses)
            elif op in cg._COMPARE:
                lined_left, lined_right = self.line_up(left, right)
                piece = Val(cg.compare(op, lined_left.node, lined_right.node), left.random or right.random,
                            left.uses | right.uses)
            else:
                raise self.error(f"comparison `{op}` is not part of the dist language", target)
            result = piece if result is None else self.binary("and", result, piece, node)
            left = right
        return result

    def expr_IfExp(self, node):
        test = self.value(node.test, node.test)
        body = self.value(node.body, node.body)
        orelse = self.value(node.orelse, node.orelse)
        if test.random:
            return Val(cg.call("np.where", test.node, body.node, orelse.node), True,
                       test.uses | body.uses | orelse.uses)
        random = body.random or orelse.random
        return Val(cst.IfExp(test.node, body.node, orelse.node), random, body.uses | orelse.uses)

    def expr_GeneratorExp(self, node):
        return self.comprehension_stream(node)

    def expr_ListComp(self, node):
        return self.list_of_stream(self.comprehension_stream(node))

    def expr_Set(self, node):
        segments = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                segments.extend(self.iterable(element.value).segments)
            else:
                value = element.value
                segments.append(Segment(None, self.scoped(lambda index, value=value: self.value(value, value))))
        return Stream(segments)

    def comprehension_stream(self, node) -> Stream:
        clause = node.for_in
        if clause.inner_for_in is not None or clause.ifs:
            raise self.error("only `(expr for name in stream)` comprehensions are supported", clause,
                             "filtering (`if`) changes the number of elements; use a fold with an `if` instead")
        source = self.iterable(clause.iter)
        target, element = clause.target, node.elt
        segments = []
        for segment in source.segments:
            def make(index, segment=segment):
                item = segment.element(index)
                saved = dict(self.scope.env)
                self.bind_pattern(target, item)
                try:
                    return self.value(element, element)
                finally:
                    self.scope.env = saved
            segments.append(Segment(segment.count, self.scoped(make)))
        return Stream(segments)

    def bind_pattern(self, target, item) -> None:
        if isinstance(target, cst.Name):
            self.scope.env[target.value] = Binding(VALUE, val=item)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(item, TupleVal):
            for element, value in zip(target.elements, item.items):
                self.bind_pattern(element.value, value)
        else:
            raise self.error("only names or tuples of names can be bound here", target)

    def list_of_stream(self, stream: Stream) -> Val:
        """`list(stream)`: the elements as one array, appended one by one."""
        name = self.fresh("_list")
        self.scope.env[name] = Binding(FIXED, py=self.fresh_py("items"))
        self.renames[(self.scope.prefix, name)] = self.scope.env[name].py
        self.op(cst.Assign([cst.AssignTarget(cg.name(self.scope.env[name].py))],
                           cg.call("dice.lib.stack", cst.List([]), rows=False)))
        for segment in stream.segments:
            def body(index, segment=segment):
                item = self.value_of(segment.element(index), None)
                current = self.name_value(cg.name(name))
                random = current.random or item.random
                self.bind(name, Val(cg.call("dice.lib.append", current.node, item.node, rows=random), random,
                                    current.uses | item.uses), None)
            if segment.count is None:
                body(None)
            else:
                self.loop(segment.count, body)
        result = self.name_value(cg.name(name))
        del self.scope.env[name]
        return result

    def iterable(self, node) -> Stream:
        """What a `for` or a fold walks over, as a stream."""
        value = self.expr(node)
        if isinstance(value, Stream):
            return value
        if isinstance(value, TupleVal):
            items = value.items
            return Stream([Segment(None, lambda index, v=v: v) for v in items])
        array = value
        if array.random:
            count = cg.subscript(cg.attr(array.node, "shape"), [cg.literal(1)])
            return Stream([Segment(count, lambda index: Val(
                cg.subscript(array.node, [cg.slice_(None, None, None), index.node]), True, array.uses))])
        return Stream([Segment(cg.call("len", array.node),
                               lambda index: Val(cg.subscript(array.node, [index.node]), False))])

    # -- subscripts -------------------------------------------------------------------------------------------------
    def _is_weighted_draw(self, node: cst.Subscript) -> bool:
        return isinstance(node.value, cst.Name) and node.value.value == "d" and "d" not in self.scope.env

    def expr_Subscript(self, node):
        if self._is_weighted_draw(node):
            return self.weighted_draw(node)
        array = self.value(node.value, node.value)
        index = self.indices(node)
        if isinstance(index, tuple):  # slices
            if array.random:
                return Val(cg.subscript(array.node, [cg.slice_(None, None, None)] + list(index)), True, array.uses)
            return Val(cg.subscript(array.node, list(index)), False)
        return self.index_value(array, index, node)

    def index_value(self, array: Val, index, node) -> Val:
        index = index if isinstance(index, list) else [index]
        uses = array.uses | frozenset().union(*[i.uses for i in index])
        if any(i.random for i in index):
            if array.random:
                return Val(cg.call("dice.lib.take_rows", array.node, *[i.node for i in index]), True, uses)
            if len(index) != 1:
                raise self.error("a fixed array indexed by random values takes one index", node)
            return Val(cg.call("dice.lib.lookup", array.node, index[0].node), True, uses)
        if array.random:
            return Val(cg.subscript(array.node, [cg.slice_(None, None, None)] + [i.node for i in index]), True, uses)
        return Val(cg.subscript(array.node, [i.node for i in index]), False)

    def indices(self, node: cst.Subscript):
        """A list of index Vals, or a tuple of fixed slices/indices (when any element is a slice)."""
        elements = node.slice
        if any(isinstance(e.slice, cst.Slice) for e in elements):
            parts = []
            for e in elements:
                if isinstance(e.slice, cst.Slice):
                    bounds = []
                    for bound in (e.slice.lower, e.slice.upper, e.slice.step):
                        if bound is None:
                            bounds.append(None)
                            continue
                        value = self.value(bound, bound)
                        if value.random:
                            raise self.error("slice bounds must be fixed", bound,
                                             "index with a random value instead, or use an `if`")
                        bounds.append(value.node)
                    parts.append(cg.slice_(*bounds))
                else:
                    value = self.value(e.slice.value, e.slice.value)
                    if value.random:
                        raise self.error("a random index cannot be mixed with slices", e)
                    parts.append(value.node)
            return tuple(parts)
        return [self.value(e.slice.value, e.slice.value) for e in elements]

    def weighted_draw(self, node: cst.Subscript) -> Val:
        ranges = []
        for element in node.slice:
            part = element.slice
            if isinstance(part, cst.Slice):
                if part.lower is None:
                    raise self.error("d[a:b:w] needs a lower bound", part)
                hint = "for a uniform draw up to a random n, write dd(n) + 1 (dd(n) is 0..n-1)"
                low = self.fixed(part.lower, "a bound of d[...]", hint)
                high = self.fixed(part.upper, "a bound of d[...]", hint) if part.upper is not None else low
                weight = self.fixed(part.step, "a weight of d[...]") if part.step is not None else cg.literal(1)
            else:
                low = high = self.fixed(part.value, "a value of d[...]")
                weight = cg.literal(1)
            ranges.append(cg.tuple_(low, high, weight))
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_ranges"), column, cg.tuple_(*ranges))),
                defs=[column])
        return Val(self.ref(column), True, frozenset([column]))

    def fixed(self, node, what: str, hint: str | None = None) -> cst.BaseExpression:
        value = self.value(node, node)
        if value.random:
            raise self.error(f"{what} must be fixed, not random", node, hint)
        return value.node

    # -- calls ---------------------------------------------------------------------------------------------------------
    def expr_Call(self, node: cst.Call):
        if not isinstance(node.func, cst.Name):
            raise self.error("only calls of plain function names are part of the dist language", node.func)
        name = node.func.value
        positional = [a for a in node.args if a.keyword is None]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        handler = getattr(self, "call_" + name, None)
        if name in self.functions or name in self.dists:
            if name in self.call_stack:
                raise self.error(f"`{name}` calls itself: recursion is not part of the dist language", node,
                                 "unroll it into a `for` loop over a fixed range")
            return self.inline(self.functions[name], node, positional, keywords)
        if handler is not None:
            return handler(node, positional, keywords)
        if name in prelude.functions():
            return self.inline(prelude.functions()[name], node, positional, keywords)
        if name in AXIS_FUNCTIONS:
            return self.axis_function(name, node, positional, keywords)
        if name in ELEMENTWISE:
            value = self.value(positional[0].value, node)
            return Val(cg.call(ELEMENTWISE[name], value.node), value.random, value.uses)
        if name in FIXED_ONLY:
            args = [self.fixed(a.value, f"the argument of {name}()") for a in positional]
            return Val(cg.call(FIXED_ONLY[name], *args), False)
        raise self.error(f"`{name}` is not a function of the dist language", node.func,
                         "define it in this module (plain or @dist), or use the library functions")

    def args(self, node, positional, count: int | tuple, name: str) -> list:
        counts = count if isinstance(count, tuple) else (count,)
        if len(positional) not in counts:
            raise self.error(f"{name}() takes {' or '.join(map(str, counts))} arguments", node)
        return [self.expr(a.value) for a in positional]

    def call_d(self, node, positional, keywords):
        (sides,) = self.args(node, positional, 1, "d")
        sides = self.value_of(sides, node)
        if sides.random:
            raise self.error("d(n) needs a fixed number of sides; this `n` is random", node.args[0],
                             "use dd(n) for 0..n-1 with a random n (add 1 for 1..n)")
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_d"), column, sides.node)), defs=[column])
        return Val(self.ref(column), True, frozenset([column]))

    def call_dd(self, node, positional, keywords):
        (sides,) = self.args(node, positional, 1, "dd")
        sides = self.value_of(sides, node)
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_dd"), column, sides.node)), defs=[column],
                uses=sides.uses)
        return Val(self.ref(column), True, frozenset([column]))

    def call_range(self, node, positional, keywords):
        args = [self.fixed(a.value, "a bound of range()") for a in positional]
        if len(args) == 1:
            return Stream([Segment(args[0], lambda index: index)])
        whole = cg.call("range", *args)
        return Stream([Segment(cg.call("len", whole), lambda index: Val(cg.subscript(whole, [index.node]), False))])

    def call_len(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "len")
        if isinstance(value, TupleVal):
            return Val(cg.literal(len(value.items)), False)
        value = self.value_of(value, node)
        return Val(cg.call("dice.lib.length", value.node, rows=value.random), False)

    def call_list(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "list")
        if isinstance(value, Stream):
            return self.list_of_stream(value)
        return self.value_of(value, node)

    def call_zip(self, node, positional, keywords):
        streams = [self.iterable(a.value) for a in positional]
        if any(len(s.segments) != 1 or s.segments[0].count is None for s in streams):
            raise self.error("zip() takes counted streams (`n @ expr`, ranges, arrays)", node)
        count = cg.call("min", *[s.segments[0].count for s in streams]) if len(streams) > 1 \
            else streams[0].segments[0].count
        return Stream([Segment(count, lambda index: TupleVal(tuple(s.segments[0].element(index)
                                                                     for s in streams)))])

    def call___first__(self, node, positional, keywords):
        stream = self.iterable(positional[0].value)
        head = stream.segments[0]
        if head.count is None:
            return head.element(None)
        return head.element(Val(cg.literal(0), False))

    def call_lazy_perm(self, node, positional, keywords):
        """`lazy_perm(n, m)`: m distinct values of 0..n-1 in random order (draws without replacement), a stream.

        The values not drawn yet are a 0/1 column of the table, carried from one element to the next, so a
        consumer such as `lazy_sum` keeps which values are gone but never the order they came in.
        """
        if len(positional) != 2:
            raise self.error("lazy_perm() takes 2 arguments", node, "lazy_perm(n, m): m of 0..n-1")
        n, m = [self.fixed(a.value, "an argument of lazy_perm()") for a in positional]
        left = self.fresh("lazy_perm") + ".left"
        self.assign_column(left, Val(cg.call("dice.lib.ones", n), False))

        def element(index: Val) -> Val:
            rank, picked = self.fresh("_d"), self.fresh("_t")
            sides = n if _is_zero(index.node) else cg.binop("-", n, index.node)
            self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_d"), rank, sides)), defs=[rank])
            self.op(cst.Assign([cst.AssignTarget(self.ref(picked))],
                               cg.call("dice.lib.nth_one", self.ref(left), self.ref(rank))),
                    defs=[picked], uses=[left, rank])
            self.op(cst.Expr(cg.call(cg.attr(cg.name(TABLE), "update"), left, 0, self.ref(picked), per_world=True)),
                    defs=[left], uses=[left, picked])  # no worlds become equal: `picked` still tells
            return Val(self.ref(picked), True, frozenset([picked]))
        return Stream([Segment(m, element)])

    def call___rest__(self, node, positional, keywords):
        stream = self.iterable(positional[0].value)
        head, *rest = stream.segments
        if head.count is None:
            return Stream(rest)
        shifted = Segment(cg.binop("-", head.count, 1),
                          lambda index: head.element(Val(cg.binop("+", index.node, 1), False)))
        return Stream([shifted] + rest)

    def extremum(self, name, node, positional):
        values = []
        for arg in positional:
            if isinstance(arg.star, str) and arg.star == "*":
                stream = self.iterable(arg.value)
                return self.inline(prelude.functions()[f"lazy_{name}"], node, [arg], {}, stream=stream) \
                    if len(positional) == 1 else self._extremum_error(node)
            values.append(self.expr(arg.value))
        if len(values) == 1:
            only = values[0]
            if isinstance(only, Stream):
                return self.inline(prelude.functions()[f"lazy_{name}"], node, positional, {}, stream=only)
            only = self.value_of(only, node)
            return Val(cg.call(f"np.{name}", only.node, axis=-1), only.random, only.uses)
        values = [self.value_of(v, node) for v in values]
        result = values[0]
        for value in values[1:]:
            fn = "np.maximum" if name == "max" else "np.minimum"
            result = Val(cg.call(fn, result.node, value.node), result.random or value.random,
                         result.uses | value.uses)
        return result

    def _extremum_error(self, node):
        raise self.error("max(*stream) takes exactly one starred stream", node)

    def call_max(self, node, positional, keywords):
        return self.extremum("max", node, positional)

    def call_min(self, node, positional, keywords):
        return self.extremum("min", node, positional)

    def call_sum(self, node, positional, keywords):
        if len(positional) == 1:
            value = self.expr(positional[0].value)
            if isinstance(value, Stream):
                return self.inline(prelude.functions()["lazy_sum"], node, positional, {}, stream=value)
            value = self.value_of(value, node)
            return Val(cg.call("np.sum", value.node, axis=-1), value.random, value.uses)
        values = [self.value(a.value, node) for a in positional]
        result = values[0]
        for value in values[1:]:
            result = self.binary("+", result, value, node)
        return result

    def call_int(self, node, positional, keywords):
        value = self.value(positional[0].value, node)
        return Val(cg.call("dice.lib.as_int", value.node), value.random, value.uses)

    def call_bincount(self, node, positional, keywords):
        values, length = [self.value_of(v, node) for v in self.args(node, positional, 2, "bincount")]
        if length.random:
            raise self.error("bincount's length must be fixed", node)
        return Val(cg.call("dice.lib.bincount", values.node, length.node, rows=values.random), values.random,
                   values.uses)

    def call_reshape(self, node, positional, keywords):
        values, shape = [self.value_of(v, node) for v in self.args(node, positional, 2, "reshape")]
        if shape.random:
            raise self.error("reshape's shape must be fixed", node)
        return Val(cg.call("dice.lib.reshape", values.node, shape.node, rows=values.random), values.random,
                   values.uses)

    def call_one_hot(self, node, positional, keywords):
        index, depth = [self.value_of(v, node) for v in self.args(node, positional, 2, "one_hot")]
        return Val(cg.call("dice.lib.one_hot", index.node, depth.node), index.random, index.uses)

    def call_top_k(self, node, positional, keywords):
        values, k = [self.value_of(v, node) for v in self.args(node, positional, 2, "top_k")]
        return Val(cg.call("dice.lib.top_k", values.node, k.node), values.random, values.uses)

    def call_importance(self, node, positional, keywords):
        raise self.error("importance(w) is a statement, not a value", node)

    def axis_function(self, name, node, positional, keywords):
        if not positional:
            raise self.error(f"{name}() needs an array", node)
        value = self.value(positional[0].value, node)
        axis_node = positional[1].value if len(positional) > 1 else keywords.get("axis")
        axis = -1
        if axis_node is not None:
            try:
                axis = int(cst.Module([]).code_for_node(axis_node).strip(), 0)
            except ValueError:
                raise self.error(f"the axis of {name}() must be an integer literal", axis_node) from None
        if value.random and axis >= 0:
            axis += 1
        return Val(cg.call(AXIS_FUNCTIONS[name], value.node, axis=axis), value.random, value.uses)

    # -- inlining ---------------------------------------------------------------------------------------------------
    def inline(self, fn: cst.FunctionDef, node, positional, keywords, stream: Stream | None = None):
        name = fn.name.value
        params = [p for p in fn.params.params]
        args = {}
        for param, arg in zip(params, positional):
            args[param.name.value] = stream if (stream is not None and not args) else self.expr(arg.value)
        if len(positional) > len(params):
            raise self.error(f"`{name}` takes {len(params)} arguments, {len(positional)} given", node)
        for key, value in keywords.items():
            if key not in [p.name.value for p in params]:
                raise self.error(f"`{name}` has no parameter `{key}`", value)
            args[key] = self.expr(value)
        for param in params:
            key = param.name.value
            if key not in args:
                if param.default is None:
                    raise self.error(f"`{name}` is missing the argument `{key}`", node)
                args[key] = self.expr(param.default)
        instance = self.fresh(name)
        outer_scope, outer_loc = self.scope, self.call_loc
        inner = Scope(f"{instance}.")
        for key, value in args.items():
            if isinstance(value, Stream):
                inner.env[key] = Binding(STREAM, stream=value)
            else:
                inner.env[key] = Binding(VALUE, val=value)
        self.scope = inner
        self.call_stack.append(name)
        self.call_loc = self.loc(node) or outer_loc
        try:
            body = self._statements(fn)
            if not body or not _is_return(body[-1]):
                raise self.error(f"`{name}` must end with a `return` to be called from a @dist function", fn.name)
            for pair in body[:-1]:
                self.statement(pair)
            result = self.expr(body[-1][1].value)
            if isinstance(result, Val) and result.random and not _is_ref(result.node):
                # read the value before the callee's columns can be reused or deleted
                result = self.materialize(result, "_r")
            return result
        finally:
            self.call_stack.pop()
            self.scope, self.call_loc = outer_scope, outer_loc

    # -- independent subexpressions ---------------------------------------------------------------------------------
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
        return Val(self.ref(column), True, frozenset([column]))


class _Independence(cst.CSTVisitor):
    """Does an expression draw dice while reading no random variable (so its distribution is independent)?"""

    def __init__(self, lowerer: Lowerer):
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
        targets = _names(node.target)
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


def _names(target) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*[_names(e.value) for e in target.elements])
    return set()


def _scalar_literal(node) -> bool:
    """A fixed expression that is a number whatever the arguments: literals, `len(...)`, arithmetic of those."""
    if isinstance(node, cst.UnaryOperation):
        return _scalar_literal(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _scalar_literal(node.left) and _scalar_literal(node.right)
    if isinstance(node, cst.Call):
        return cst.Module([]).code_for_node(node.func) == "dice.lib.length"
    return isinstance(node, (cst.Integer, cst.Float)) or (isinstance(node, cst.Name)
                                                           and node.value in ("True", "False", "None"))


def _is_zero(node) -> bool:
    return isinstance(node, cst.Integer) and node.evaluated_value == 0


def _is_ref(node) -> bool:
    return isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == TABLE


def _temp_ref(node) -> bool:
    column = node.slice[0].slice.value
    return isinstance(column, cst.SimpleString) and column.evaluated_value.startswith("_")


def _is_return(pair) -> bool:
    return isinstance(pair[1], cst.Return)
