"""Column updates into a zeros array as one stack: `z = zeros((p, 11)); z[:, 8] = a; z[:, 7] += b; ...`.

Reverse mode adds the cotangent of each static column pick `x[:, k]` into a zeros array of `x`'s shape, one
update in place per column (`dcam[:, :, 8] = t`, `dcam[:, :, 7] += t_4`). Each update is a pass over the whole
array's rows (the fill too), and on the C backend an update in place is host work between kernels: the element
work around ten column updates is cut into ten kernels that store every column before the host adds it in.

When every column of the last axis is written, that array is `np.stack(columns, axis=-1)` of the values the
updates leave in each column: a column's first assignment is its value, each `+=` an addition in the program's
order, computed where its update was (`0.0 + v` for a `+=` into the zeros: the same numbers, `-0.0` too), a
later assignment replaces it. The stack is made just before the first statement that reads the array (the
block's end if none does), so the element work around the updates stays one kernel and the array is written once.

Left alone (the updates stay as they are): an array something else reads between its updates (or that is a
loop slot or branch result), an update whose value may share storage with an array updated in place before the
stack reads it, a value that does not fill its columns exactly (broadcast), an index other than static integers
or slices on the last axis, integer and boolean arrays, and arrays with a column that no update writes (the
stack would need a zeros array per column). The program's own `z[:, k] += v` is lowered to a read of `z` and so
stays an update.
"""
from __future__ import annotations

import dataclasses

from ..analysis.union_find import UnionFind
from ..builder import NameScope
from ..ir import Const, Eqn, Function, If, Loop, Var, all_defined, blocks, result_atoms, statement_uses
from ..ir.types import TensorType
from ..primitives.registry import lookup
from .split_axes import storage_classes
from ..ir.verify import verified

MAX_COLUMNS = 32  # wider arrays keep their updates (a stack reads every column at once; not measured past 11)


@verified("stack_column_updates")
def stack_column_updates(fn: Function) -> Function:
    """`fn` with each zeros array filled column by column made as one stack (see the module docstring)."""
    uses: dict[int, int] = {}
    _count_uses(fn.body, uses)
    for atom in result_atoms(fn.result):
        if isinstance(atom, Var):
            uses[id(atom)] = uses.get(id(atom), 0) + 1
    rewrite = _Rewrite(uses, storage_classes(fn)[0],
                       NameScope([p.name for p in fn.params] + [v.name for v in all_defined(fn.body)]))
    body = rewrite.block(fn.body)
    return dataclasses.replace(fn, body=body) if rewrite.changed else fn


def _count_uses(block: list, uses: dict[int, int]) -> None:
    for stmt in block:
        for atom in statement_uses(stmt) if isinstance(stmt, Eqn) else _own_uses(stmt):
            if isinstance(atom, Var):
                uses[id(atom)] = uses.get(id(atom), 0) + 1
        if not isinstance(stmt, Eqn):
            for inner in blocks(stmt):
                _count_uses(inner, uses)


def _own_uses(stmt) -> list:
    """What a compound statement reads itself (its blocks are counted statement by statement)."""
    if isinstance(stmt, If):
        return [stmt.cond, *stmt.then_results, *stmt.else_results]
    return [*stmt.bounds, *stmt.inits, *stmt.carried_out, *([stmt.cond] if stmt.cond is not None else [])]


def _column_index(eqn: Eqn) -> list[int] | None:
    """The columns `x[..., k]` / `x[..., a:b]` an update writes (every other axis whole), else None."""
    x, value = eqn.args[0], eqn.args[1]
    index, rank = eqn.params.get("index"), x.type.rank
    if len(eqn.args) != 2 or not isinstance(index, tuple) or rank is None or len(index) != rank:
        return None
    if any(item != slice(None) for item in index[:-1]) or set(eqn.params) - {"index", "user"}:
        return None
    n, last = x.type.shape[-1], index[-1]
    if isinstance(last, int) and not isinstance(last, bool):
        columns, shape = ([last % n] if -n <= last < n else None), x.type.shape[:-1]
    elif isinstance(last, slice) and all(b is None or (isinstance(b, int) and not isinstance(b, bool))
                                         for b in (last.start, last.stop, last.step)):
        columns = list(range(*last.indices(n)))
        shape = x.type.shape[:-1] + (len(columns),)
    else:
        return None
    if not columns or not isinstance(value, Var) or value.type.shape != shape or value.type.dtype != x.type.dtype:
        return None
    return columns


def _chain(block: list, start: int, uses: dict[int, int], classes: UnionFind) \
        -> tuple[list[int], list[int], int] | None:
    """Positions of the updates that fill the zeros array made at `block[start]`, if it qualifies, of the views
    of it that nothing reads (lowering takes one before each of the program's own writes), and where the stack
    goes: before the first statement that reads the array (the block's end if none does)."""
    current, chain, unread, written = block[start].out, [], [], set()
    views = 0  # unread views of `current`, each one more use of it
    stack_at = len(block)
    for position in range(start + 1, len(block)):
        stmt = block[position]
        if isinstance(stmt, Eqn) and stmt.prim.name == "getitem" and stmt.args[0] is current and \
                len(stmt.outs) == 1 and not uses.get(id(stmt.out)):
            unread.append(position)
            views += 1
            continue
        if not isinstance(stmt, Eqn) or not any(a is current for a in stmt.args):
            if any(a is current for a in statement_uses(stmt)):
                stack_at = position
                break
            continue
        columns = _column_index(stmt) if stmt.prim.name in ("setitem", "index_add") and stmt.args[0] is current \
            and sum(a is current for a in stmt.args) == 1 else None
        if columns is None or uses.get(id(current), 0) != 1 + views:
            stack_at = position
            break
        chain.append(position)
        written.update(columns)
        current, views = stmt.out, 0
    if not chain or len(written) != current.type.shape[-1]:
        return None
    for position in chain:  # each value must still hold, where the stack reads it, what it held at its update
        value = classes.find(id(block[position].args[1]))
        if any(classes.find(id(target)) == value for target in _updated(block[position + 1:stack_at])):
            return None
    return chain, unread, stack_at


def _updated(block: list) -> list:
    """The arrays the statements of `block` (nested blocks too) update in place."""
    found = []
    for stmt in block:
        if isinstance(stmt, Eqn):
            if stmt.prim.extra.get("in_place"):
                found.append(stmt.args[0])
        else:
            for inner in blocks(stmt):
                found += _updated(inner)
    return found


class _Rewrite:
    def __init__(self, uses: dict[int, int], classes: UnionFind, scope: NameScope):
        self.uses, self.classes, self.scope, self.changed = uses, classes, scope, False

    def block(self, block: list) -> list:
        block = [self._nested(stmt) for stmt in block]
        replaced: dict[int, list] = {}  # position -> what takes its place
        stacks: dict[int, list] = {}  # position -> stacks made just before it
        for start, stmt in enumerate(block):
            found = _chain(block, start, self.uses, self.classes) if _fills_zeros(stmt) else None
            if found is None:
                continue
            chain, unread, stack_at = found
            columns: dict[int, object] = {}
            for position in [start, *unread]:
                replaced[position] = []
            for position in chain:
                replaced[position] = self._columns(block[position], columns)
            target = block[chain[-1]].out
            stacks.setdefault(stack_at, []).append(Eqn(
                lookup("stack"), tuple(columns[k] for k in range(target.type.shape[-1])), {"axis": -1}, (target,),
                block[chain[-1]].loc, stmt.note))
            self.changed = True
        out = []
        for position, stmt in enumerate(block):
            out += stacks.get(position, []) + replaced.get(position, [stmt])
        return out + stacks.get(len(block), [])

    def _columns(self, update: Eqn, columns: dict[int, object]) -> list[Eqn]:
        """What an update leaves in the columns it writes (`columns`, updated): assigned, or added to what was
        there (zeros at first). The equations computing it run where the update did."""
        emitted: list[Eqn] = []
        value, target = update.args[1], update.out
        picks = value.type.rank == target.type.rank  # a slice of columns: its value's columns one by one
        for j, k in enumerate(_column_index(update)):
            part = self._bind(emitted, update, "getitem", (value,),
                              {"index": (slice(None),) * (value.type.rank - 1) + (j,)}) if picks else value
            if update.prim.name == "setitem":
                columns[k] = part
            else:
                before = columns.get(k, Const(0.0, TensorType(target.type.dtype, (), weak=True)))
                columns[k] = self._bind(emitted, update, "add", (before, part), {})
        return emitted

    def _nested(self, stmt):
        if isinstance(stmt, If):
            return dataclasses.replace(stmt, then_body=self.block(stmt.then_body), else_body=self.block(stmt.else_body))
        if isinstance(stmt, Loop):
            return dataclasses.replace(stmt, cond_body=self.block(stmt.cond_body), body=self.block(stmt.body))
        return stmt

    def _bind(self, emitted: list, update: Eqn, prim_name: str, args: tuple, params: dict) -> Var:
        prim = lookup(prim_name)
        out = Var(self.scope.fresh(prim.temp_name), prim.infer([a.type for a in args], dict(params)), temporary=True)
        emitted.append(Eqn(prim, args, dict(params), (out,), update.loc))
        return out


def _fills_zeros(stmt) -> bool:
    if not isinstance(stmt, Eqn) or stmt.prim.name not in ("zeros", "zeros_like") or len(stmt.outs) != 1:
        return False
    shape = stmt.out.type.shape
    return shape is not None and len(shape) >= 2 and isinstance(shape[-1], int) and \
        not isinstance(shape[-1], bool) and 1 <= shape[-1] <= MAX_COLUMNS and stmt.out.type.is_float
