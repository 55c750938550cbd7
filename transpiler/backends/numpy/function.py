"""Render IR functions as a standalone NumPy module, through LibCST nodes and a Jinja2 template.

Readability comes from three steps, block by block: single-use compiler temporaries are folded back into the
expression that consumes them (within one source statement), every group of lines is headed by the source
line it came from, and liveness inserts `del` right after each value's last use.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ... import codegen as cg
from ...analysis.liveness import eliminate_dead_code, last_uses
from ...ir import Atom, Eqn, Function, If, Loop, Var, result_atoms, statement_uses
from ...ir.dims import is_derived
from ...ir.types import NUMPY_DTYPES
from ...primitives.registry import all_primitives
from ...trees import annotation as tree_annotation
from .errstate import ErrstateRuns, errstate, errstate_header, tail_errstate
from .nodes import INDENT, assign, atom_expr, for_header, if_header, indent, is_const, merge_lines, out_id, \
    result_expr, statement_line, var_name, while_header
from .reads import last_reads, use_counts, written_names
from .signature import leaf_names, param_text, tree_expr, unpack_trees, with_defaults

@dataclass
class RenderedFunction:
    name: str
    signature: str
    doc: str | None
    lines: list[str]
    helpers: set[str] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)  # modules beyond numpy its code names


@dataclass
class _Line:
    """One rendered statement of a block: its source lines and the names it defines and reads."""

    stmt: object
    text: list[str]
    defined: list[str]
    used: list[str]
    errstate: tuple = ()  # the `np.errstate` modes it runs under (SourceLoc.errstate)


def _after_entry_checks(lines: list[str], at: int) -> tuple[int, set[str]]:
    """The line after the last entry check of the caller's arguments (the registry's `entry_check` primitives,
    rendered as calls of their helpers: a 0-d array is still one there) and the `del`s of arguments they were the
    last use of, and the names those `del`s delete (a parameter deleted there is not converted)."""
    calls = tuple(f"_{prim.extra['helper']}(" for prim in all_primitives().values() if prim.extra.get("entry_check"))
    checks = [k for k, line in enumerate(lines) if k >= at and line.lstrip().startswith(calls)]
    if not checks:
        return at, set()
    end = checks[-1] + 1
    while end < len(lines) and lines[end].lstrip().startswith("del "):
        end += 1
    deleted = {name.strip() for line in lines[at:end] if line.lstrip().startswith("del ")
               for name in line.strip()[4:].split(",")}
    return end, deleted


def render_function(fn: Function, source_file: str, delete_dead: bool = True,
                    check_args: bool = True, typed_scalars: tuple[Var, ...] = (),
                    numpy_scalars: bool = False, int_scalars: tuple[Var, ...] = ()) -> RenderedFunction:
    """`check_args`: the function starts by checking its annotated arguments (`_check_args`, a module helper);
    `typed_scalars`: scalar parameters a compiled module computes with in their annotated dtype, where a Python
    number would promote otherwise (analysis/python_numbers.py): the function refuses Python numbers for them;
    `numpy_scalars` (a transform's code): a Python float given for another float64 scalar parameter becomes a NumPy
    float64, the same number, so that the derivative code's `g / x` gives NumPy's inf or nan at x = 0.0 where
    Python's division of Python floats would raise ZeroDivisionError; `int_scalars`: float scalar parameters whose
    being a Python int a compiled loop cannot follow (analysis/python_numbers.py `int_sensitive`): the function
    refuses Python ints and bools for them."""
    fn = eliminate_dead_code(fn)
    renderer = _Renderer(fn, source_file, delete_dead)
    results = [a for a in result_atoms(fn.result) if isinstance(a, Var)]
    if fn.out_tree is not None:
        atoms = result_atoms(fn.result)
        lines = renderer.block(fn.body, top_level=True, tail=results, tail_render=lambda exprs: [
            statement_line(cst.Return(tree_expr(fn.out_tree, [atom_expr(a, exprs) for a in atoms])))])
    else:
        lines = renderer.block(fn.body, top_level=True, tail=results, tail_render=lambda exprs: [
            statement_line(cst.Return(result_expr(fn.result, exprs)))])
    checked = [p for p in fn.params if p.type.shape is not None]
    if check_args and checked and fn.in_tree is None:  # (a tree's leaves are unpacked by the lines below)
        last = fn.params.index(checked[-1]) + 1
        arguments = [cg.name(p.name) for p in fn.params[:last]]
        lines.insert(0, cg.source(cg.call("_check_args", fn.name, *arguments)))
        renderer.helpers.add("check_args")
        if any(is_derived(d) for p in checked for d in p.type.shape):  # `2*h`: checked once `h` is known
            renderer.helpers.add("derived_dims")
    if typed_scalars or int_scalars:  # after the argument checks (a tree's: after its leaves are unpacked, below)
        caller_names = leaf_names(fn)
        named = tuple((caller_names[fn.params.index(p)], NUMPY_DTYPES[p.type.dtype]) for p in typed_scalars) + \
            tuple((caller_names[fn.params.index(p)], NUMPY_DTYPES[p.type.dtype], "int") for p in int_scalars)
        refusal = cg.call("_refuse_python_numbers", fn.name, named,
                          *[cg.name(p.name) for p in typed_scalars + int_scalars])
        lines.insert(1 if "check_args" in renderer.helpers else 0, cg.source(refusal))
        renderer.helpers.add("python_numbers")
    if numpy_scalars and fn.in_tree is None:
        at = ("check_args" in renderer.helpers) + bool(typed_scalars or int_scalars)
        at, deleted = _after_entry_checks(lines, at)
        for p in reversed([p for p in fn.params if p.type.shape == () and p.type.dtype == "f64"
                           and p not in typed_scalars and p.name not in deleted]):
            lines.insert(at, cg.source(assign(p.name, cg.call("np.float64", cg.name(p.name)))).rstrip("\n"))
    if fn.in_tree is not None:
        types = [p.type for p in fn.params]
        texts = [(name, param_text(fn.params[tree[1]]) if tree[0] == "leaf" else
                  f'{name}: "{tree_annotation(tree, types)}"') for name, tree in fn.in_tree]
        lines = unpack_trees(fn) + lines
        if check_args and checked:  # before the unpacking: a wrong structure is the check's TypeError
            lines.insert(0, cg.source(cg.call("_check_args", fn.name, *[cg.name(name) for name, _ in fn.in_tree])))
            renderer.helpers |= {"check_args", "tree_args"}
            renderer.imports |= {"ast", "re"}  # (the helper reads each tree annotation once)
            if any(is_derived(d) for p in checked for d in p.type.shape):
                renderer.helpers.add("derived_dims")
    else:
        texts = [(p.name, param_text(p)) for p in fn.params]
    signature = ", ".join(with_defaults(texts, fn.defaults or {}))
    return RenderedFunction(fn.name, signature, fn.doc, lines, renderer.helpers, renderer.imports)


def _source_comment(source_file: str, loc) -> str:
    """`# file.py:12  the source line`, the heading of the lines generated from that source line."""
    return "# " + cg.comment_text(f"{source_file}:{loc.line}  {loc.text.strip()}")


class _Renderer:
    def __init__(self, fn: Function, source_file: str, delete_dead: bool):
        self.source_file = source_file
        self.delete_dead = delete_dead
        self.helpers: set[str] = set()
        self.imports: set[str] = set()
        self.use_counts = use_counts(fn)
        self.targets: dict[int, str] = {}  # values assigned straight into a loop slot
        # names bound before the block being rendered starts: a nested block deletes them only where it binds
        # them again, since on the other path (the other branch, zero trips) they stay bound (_keep_bound_outside)
        self.bound_outside: set[str] = {p.name for p in fn.params}

    # -- blocks --------------------------------------------------------------------------------------------
    def block(self, stmts: list, top_level: bool, tail: list[Atom], tail_render, fold_tail: bool = False,
              group: tuple | None = None, tail_binds: frozenset[str] = frozenset()) -> list[str]:
        """Render a block; `tail` are the values read after it (results, merges, loop slots), and `tail_binds`
        the names its tail assigns (the merged names, the loop slots).

        `group` is the source line already shown by the enclosing statement's comment."""
        folded = self._foldable(stmts, tail if top_level or fold_tail else [])
        expressions: dict[int, cst.BaseExpression] = {}
        pending: dict[int, list[str]] = {}  # folded temporary -> the names its expression reads
        rendered: list[_Line] = []
        outside = self.bound_outside
        bound = set(outside)  # what the statements of this block see bound
        for stmt in stmts:
            if isinstance(stmt, Eqn):
                line = self._equation(stmt, folded, expressions, pending)
                if line is not None:
                    line.errstate = errstate(stmt)
                    rendered.append(line)
                    bound.update(line.defined)
            else:
                folded_cond = isinstance(stmt, If) and id(stmt.cond) in pending
                cond_uses = pending.pop(id(stmt.cond)) if folded_cond else []
                self.bound_outside = set(bound)
                line = self._compound(stmt, expressions)  # (its own lines are wrapped, not the whole statement)
                self.bound_outside = outside
                if folded_cond:  # the `if` line reads what its folded condition reads, not the condition's name
                    line.used = cond_uses + [n for n in line.used if n != var_name(stmt.cond)]
                rendered.append(line)
                bound.update(line.defined)
        tail_uses = [n for a in tail if isinstance(a, Var)
                     for n in (pending.pop(id(a)) if id(a) in pending else [self.targets.get(id(a), a.name)])]
        tail_lines = tail_render(expressions)
        # names this block creates (an in-place update or a tape push rebinds a name that lives outside)
        defined_here = {d for line in rendered for d in line.defined
                        if not (isinstance(line.stmt, Eqn) and line.stmt.prim.extra.get("in_place"))}
        keep = {self.targets.get(id(a), a.name) for a in tail if isinstance(a, Var)}
        if self.delete_dead:
            deaths = last_uses([(l.defined, l.used) for l in rendered] + [([], tail_uses)], keep,
                               deletable=None if top_level else defined_here)[:-1]
            if not top_level:
                deaths = _keep_bound_outside(deaths, rendered, outside, tail_binds)
        else:
            deaths = [[] for _ in rendered]
        runs = ErrstateRuns()
        for line, dying in zip(rendered, deaths):
            stmt = line.stmt
            lines: list[str] = []
            if stmt.note:
                lines.append(f"# {stmt.note}")
                group = None
            if stmt.loc is not None and (stmt.loc.line, stmt.loc.path) != group:
                group = (stmt.loc.line, stmt.loc.path)
                lines.append(_source_comment(self.source_file, stmt.loc))
            lines.extend(line.text)
            if dying:
                lines.append("del " + ", ".join(dying))
            runs.add(line.errstate, lines)
        last = stmts[-1] if stmts else None
        tail_modes = tail_errstate(stmts, folded, tail)
        if top_level and isinstance(last, Eqn) and last.loc is not None and out_id(last) in folded \
                and (last.loc.line, last.loc.path) != group:
            runs.add(tail_modes, [_source_comment(self.source_file, last.loc)])
        runs.add(tail_modes, tail_lines)
        return runs.lines()

    def _equation(self, eqn: Eqn, folded, expressions, pending) -> _Line | None:
        prim = eqn.prim
        if prim.imports:
            self.imports.add(prim.imports)
        helper = prim.extra.get("helper")
        helper = helper(eqn.params) if callable(helper) else helper  # a helper some uses of the entry need
        if helper:
            self.helpers.add(helper)
        used = []
        for atom in eqn.args:
            if isinstance(atom, Var):
                used.extend(pending.pop(id(atom)) if id(atom) in pending else [atom.name])
        args = [atom_expr(a, expressions) for a in eqn.args]
        if prim.statement:
            nodes = prim.render(args, eqn.params)
        else:
            expr = prim.render(args, eqn.params)
            if id(eqn.outs[0]) in folded:
                expressions[id(eqn.outs[0])] = expr
                pending[id(eqn.outs[0])] = used
                return None
            target = self.targets.get(id(eqn.outs[0]), eqn.outs[0].name)
            nodes = [assign(target, expr)]
            return _Line(eqn, [cg.source(n).rstrip("\n") for n in nodes], [target], used)
        defined = [] if prim.extra.get("effect") else [o.name for o in eqn.outs]  # (a print's output is no name)
        return _Line(eqn, [cg.source(n).rstrip("\n") for n in nodes], defined, used)

    def _compound(self, stmt, expressions) -> _Line:
        used = [a.name for a in statement_uses(stmt) if isinstance(a, Var)]
        defined = [o.name for o in stmt.outs]
        group = (stmt.loc.line, stmt.loc.path) if stmt.loc is not None else None
        if isinstance(stmt, If):
            text = [if_header(atom_expr(stmt.cond, expressions))]
            self._assign_into_merges(stmt)
            defined = [self.targets.get(id(o), o.name) for o in stmt.outs]
            then_lines = self.block(stmt.then_body, False, list(stmt.then_results),
                                    lambda exprs: merge_lines(stmt.outs, stmt.then_results, exprs, self.targets),
                                    fold_tail=True, group=group, tail_binds=frozenset(defined))
            else_lines = self.block(stmt.else_body, False, list(stmt.else_results),
                                    lambda exprs: merge_lines(stmt.outs, stmt.else_results, exprs, self.targets),
                                    fold_tail=True, group=group, tail_binds=frozenset(defined))
            text += indent(then_lines or ["pass"])
            if else_lines:
                text += ["else:"] + indent(else_lines)
            return _Line(stmt, text, defined, used)
        return _Line(stmt, self._loop(stmt), defined, used)

    def _assign_into_merges(self, stmt: If) -> None:
        """A value computed in a branch only to be merged is assigned to the merged name directly, when the
        branch does not read that name after computing it."""
        for out, then_value, else_value in zip(stmt.outs, stmt.then_results, stmt.else_results):
            name = self.targets.get(id(out), out.name)
            for value, body, merged in ((then_value, stmt.then_body, stmt.then_results),
                                        (else_value, stmt.else_body, stmt.else_results)):
                if not isinstance(value, Var) or self.use_counts[id(value)] != 1 or id(value) in self.targets:
                    continue
                if any(isinstance(v, Var) and v is not value and v.name == name for v in merged):
                    continue  # another merge of this branch still reads the old value under that name
                reads = last_reads(body)
                for position, inner in enumerate(body):
                    assigns = isinstance(inner, If) or (isinstance(inner, Eqn) and not inner.prim.statement)
                    if assigns and value in inner.outs and reads.get(name, -1) <= position:
                        self.targets[id(value)] = name

    def _assign_into_slots(self, loop: Loop) -> None:
        """Let the last computation of a slot's new value assign the slot directly (`s = s + x[i]`), when
        nothing in the body reads the slot after it."""
        last_read = last_reads(loop.body)
        for slot, value in zip(loop.carried, loop.carried_out):
            if not isinstance(value, Var) or value.name == slot.name or self.use_counts[id(value)] != 1:
                continue
            if any(isinstance(v, Var) and v is not value and v.name == slot.name for v in loop.carried_out):
                continue  # another slot's new value is this slot's old one (`a, b = b, a + b`)
            for position, stmt in enumerate(loop.body):
                if last_read.get(slot.name, -1) > position:
                    continue
                if isinstance(stmt, Eqn) and not stmt.prim.statement and value in stmt.outs:
                    self.targets[id(value)] = slot.name
                elif isinstance(stmt, If) and value in stmt.outs:
                    self.targets[id(value)] = slot.name  # the `if` merges straight into the slot

    def _loop(self, loop: Loop) -> list[str]:
        text = merge_lines(loop.carried, loop.inits, {})
        group = (loop.loc.line, loop.loc.path) if loop.loc is not None else None
        self._assign_into_slots(loop)
        slots = frozenset(self.targets.get(id(c), c.name) for c in loop.carried)
        self.bound_outside = self.bound_outside | slots
        body = self.block(loop.body, False, list(loop.carried_out),
                          lambda exprs: merge_lines(loop.carried, loop.carried_out, exprs, self.targets), group=group,
                          tail_binds=slots)
        if loop.kind == "for":
            start, stop, step = loop.bounds if len(loop.bounds) == 3 else (None, loop.bounds[0], None)
            bounds = [a for a in (start, stop, step)]
            if is_const(step, 1) or step is None:
                bounds = [start, stop] if not (is_const(start, 0) or start is None) else [stop]
            iterator: cst.BaseExpression = cg.call("range", *[atom_expr(b, {}) for b in bounds])
            if loop.reverse:
                iterator = cg.call("reversed", iterator)
            index = loop.index.name if loop.index is not None else "_"
            return text + [for_header(index, iterator)] + indent(body or ["pass"])
        cond_folds, cond_expr, cond_lines = self._condition(loop, group)
        if cond_folds:
            return text + [while_header(cond_expr)] + indent(body or ["pass"])
        return text + ["while True:"] + indent(cond_lines + body)

    def _condition(self, loop: Loop, group) -> tuple[bool, cst.BaseExpression, list[str]]:
        """A `while` test: one expression when its equations fold into it, else lines that end by `break`
        when it fails."""
        holder: dict[str, cst.BaseExpression] = {}

        def render_tail(exprs):
            holder["cond"] = atom_expr(loop.cond, exprs)
            return []

        lines = self.block(loop.cond_body, False, [loop.cond], render_tail, fold_tail=True, group=group)
        lines = [line for line in lines if not line.startswith("#")]
        test = [if_header(cg.unary("not", holder["cond"])), INDENT + "break"]
        modes = errstate(loop.cond_body[-1]) if loop.cond_body else ()
        if modes:  # the test computes under the source's modes: it stays inside their `with`
            return False, holder["cond"], lines + [errstate_header(modes)] + indent(test)
        return not lines, holder["cond"], lines + test

    # -- folding -------------------------------------------------------------------------------------------
    def _foldable(self, stmts: list, tail: list[Atom]) -> set[int]:
        """Temporaries used exactly once, by an expression of the same source statement in this block."""
        consumer: dict[int, Eqn] = {}
        phase, sweep = 0, {}
        for stmt in stmts:
            phase += bool(stmt.note)  # never fold across "reverse sweep": each sweep keeps its own lines
            sweep[id(stmt)] = phase
            if isinstance(stmt, Eqn):
                for atom in stmt.args:
                    if isinstance(atom, Var):
                        consumer[id(atom)] = stmt
            elif isinstance(stmt, If):  # a condition can be written straight into the `if` line
                consumer[id(stmt.cond)] = stmt
        folded = set()
        for stmt in stmts:
            if not isinstance(stmt, Eqn) or stmt.prim.statement or len(stmt.outs) != 1 or stmt.note:
                continue
            out = stmt.outs[0]
            user = consumer.get(id(out))
            if (out.temporary and self.use_counts[id(out)] == 1 and user is not None
                    and (isinstance(user, If) or not user.prim.statement or user.args[0] is not out)
                    and user.loc == stmt.loc and not user.note and sweep[id(user)] == sweep[id(stmt)]
                    and not (isinstance(user, If) and errstate(stmt))):  # (an `if` line is never wrapped)
                folded.add(id(out))
        # a value read before an in-place update of what it reads stays on its own line (`y[0], y[1] = y[1],
        # y[0]` reads both before writing): folded into its use, it would read after the update
        position = {id(stmt): k for k, stmt in enumerate(stmts)}
        reads: dict[int, set] = {}  # folded temporary -> the names its expression reads
        for stmt in stmts:
            if isinstance(stmt, Eqn) and out_id(stmt) in folded:
                reads[id(stmt.outs[0])] = set().union(*[reads.get(id(a), {a.name}) for a in stmt.args
                                                        if isinstance(a, Var)])
        writes = [(k, written_names(stmt)) for k, stmt in enumerate(stmts)
                  if not isinstance(stmt, Eqn) or stmt.prim.extra.get("in_place")]
        reads_until: dict[int, int] = {}
        for stmt in reversed(stmts):
            if not isinstance(stmt, Eqn) or out_id(stmt) not in folded:
                continue
            user = consumer[id(stmt.outs[0])]
            end = reads_until.get(id(user.outs[0]), position[id(user)]) if isinstance(user, Eqn) and user.outs \
                else position[id(user)]  # (an equation without results reads it: a run-time check)
            if any(position[id(stmt)] < k < end and names & reads[id(stmt.outs[0])] for k, names in writes):
                folded.discard(id(stmt.outs[0]))
            else:
                reads_until[id(stmt.outs[0])] = end
        # the trailing equations that compute values read only by the tail (a return, a merge) move into it
        tail_ids = {id(a) for a in tail}
        for stmt in reversed(stmts):
            if not isinstance(stmt, Eqn) or stmt.prim.statement or id(stmt.outs[0]) not in tail_ids \
                    or not stmt.outs[0].temporary or self.use_counts[id(stmt.outs[0])] != 1:
                break
            folded.add(id(stmt.outs[0]))
        return folded


def _keep_bound_outside(deaths: list[list[str]], rendered: list[_Line], outside: set[str],
                        tail_binds: frozenset[str]) -> list[list[str]]:
    """A nested block deletes a name bound before it only where it binds that name again later (a line after,
    or its merges): the path that skips the block (the other branch, zero trips) still holds the name, and the
    enclosing block deletes it after the statement, which must find it bound on every path."""
    rebound_later = set(tail_binds)
    kept: list[list[str]] = [[] for _ in deaths]
    for index in range(len(deaths) - 1, -1, -1):
        kept[index] = [n for n in deaths[index] if n not in outside or n in rebound_later]
        rebound_later.update(rendered[index].defined)
    return kept
