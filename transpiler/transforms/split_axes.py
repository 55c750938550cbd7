"""Split small static trailing axes: a `[p, 3]` value becomes three `[p]` values where that is exact.

Programs on points and cameras compute on `[p, 3]` rows (`np.sum(r * r, axis=1)`, `np.stack((a, b, c),
axis=1)`, `x[:, 0:3]`, `theta[:, None]`). Each such value is one array whose every use is a pass over short rows,
and every `sum(..., axis=1)`, stack and column slice cuts the fused kernels of the C backend. Written on columns
(`r0 * r0 + r1 * r1 + r2 * r2`) the same program is a handful of per-row values that fuse into one loop. This
pass makes that rewrite on the IR, before any derivative transform (so adjoints come out split too):

* a value whose last axis has a static length of at most `MAX_COMPONENTS` (and whose rank is at least 2) is
  held as that many component values `v[..., k]` where its producer allows: an elementwise operation (operands
  of length 1 on that axis broadcast, operands without it read as they are), a static column slice
  `x[:, a:b]`, an appended axis `t[:, None]`, `np.stack(..., axis=-1)`, `np.concatenate(..., axis=-1)`;
* `x[:, k]` of a split value is its component; `np.sum` / `np.mean` / `np.prod` over the last axis (floats) a
  chain of binary operations in NumPy's own order for short rows (left to right; a sum then adds `+0.0`, as
  NumPy's sum starts from `+0.0`, and a mean divides it by the count: checked bit for bit, `-0.0`, inf and NaN
  included, in tests/test_split_axes.py);
* a split value that something reads whole (a return, a call, a dynamic index, a loop, any operation not
  above) is reassembled once, where it was made, with one `np.stack` (`c[:, None]` for one column).

Values are left alone where the rewrite could change what the program observes: any value sharing storage with
one that is updated in place (through a view, `stop_gradient`, a loop slot, a branch result) is neither split
nor read as columns. `np.max`/`np.min` over the last axis are not chained: the chained `maximum`'s derivative
at ties is not the reduction's equal share. Groups of split values with no stack, column pick or short-axis
reduction stay whole: splitting them would only trade one operation on rows for several on columns.
"""
from __future__ import annotations

import dataclasses

from ..analysis.union_find import UnionFind
from ..builder import Builder, NameScope
from ..ir import Const, Eqn, Function, If, Loop, Var, all_defined, blocks, equations, result_atoms
from ..ir.types import TensorType
from ..primitives.registry import lookup
from ..ir.verify import verified

MAX_COMPONENTS = 4  # longer rows stay rows: the gain shrinks and the code grows with every component

# operations whose result is a new array, never a view of an operand
_FRESH_FAMILIES = ("elementwise", "reduction", "creation")
_FRESH = ("stack", "concatenate", "matmul", "outer", "copy")
_CHAINED = {"sum": "add", "mean": "add", "prod": "multiply"}


@verified("split_small_axes")
def split_small_axes(fn: Function) -> Function:
    """`fn` with its short static trailing axes split into component values (see the module docstring)."""
    splitter = _Splitter(fn, shared_with_updates(fn))
    if not splitter.decision:
        return fn
    body = splitter.block(fn.body, {})
    copies: dict[int, Var] = {}
    for atom in result_atoms(fn.result):  # a returned pick is a new array, as in the source, not the component
        if id(atom) in splitter.alias and id(atom) not in copies:
            copies[id(atom)] = atom
            body.append(Eqn(lookup("copy"), (splitter.alias[id(atom)],), {}, (atom,), fn.loc))
    return dataclasses.replace(fn, body=body)


def _trailing(atom) -> int | None:
    """The number of components `atom` would split into: its last axis's static length, if small."""
    shape = atom.type.shape
    if shape is None or len(shape) < 2 or not isinstance(shape[-1], int) or isinstance(shape[-1], bool):
        return None
    return shape[-1] if 1 <= shape[-1] <= MAX_COMPONENTS else None


def _component_name(var: Var, k: int) -> str | None:
    """`axis0` for column 0 of `axis` (`rotated_1c0` where the name ends in a digit); temporaries stay `t`."""
    if var.temporary:
        return None
    return f"{var.name}{'c' if var.name[-1].isdigit() else ''}{k}"


def _is_fresh(eqn: Eqn) -> bool:
    """Whether `eqn` makes a new array (`stop_gradient(x)` is `x` itself in generated code)."""
    prim = eqn.prim
    if prim.extra.get("in_place") or prim.name == "stop_gradient":
        return False
    return prim.family in _FRESH_FAMILIES or prim.name in _FRESH


def shared_with_updates(fn: Function) -> set[int]:
    """Every value that may share storage with a value updated in place (through views, in-place updates, loop
    slots and branch results): splitting or reordering reads of those could miss an update."""
    classes, seeds, every = storage_classes(fn)
    roots = {classes.find(id(s)) for s in seeds if isinstance(s, Var)}
    candidates = list(fn.params) + every
    return {id(v) for v in candidates if classes.find(id(v)) in roots}


def storage_classes(fn: Function) -> tuple[UnionFind, list, list]:
    """The classes of values that may share storage (joined through views, in-place updates, loop slots and
    branch results), the arrays updated in place, and every value `fn` defines."""
    classes, seeds, every = UnionFind(), [], []

    def walk(block):
        for stmt in block:
            if isinstance(stmt, Eqn):
                every.extend(stmt.outs)
                if stmt.prim.extra.get("in_place"):
                    seeds.append(stmt.args[0])
                    classes.join((stmt.args[0], *stmt.outs))
                elif not _is_fresh(stmt):
                    for out in stmt.outs:
                        classes.join((out, *stmt.args))
                continue
            if isinstance(stmt, Loop):
                every.extend([*stmt.carried, *stmt.outs])
                for group in zip(stmt.inits, stmt.carried, stmt.carried_out, stmt.outs):
                    classes.join(group)
            else:
                every.extend(stmt.outs)
                for group in zip(stmt.outs, stmt.then_results, stmt.else_results):
                    classes.join(group)
            for inner in blocks(stmt):
                walk(inner)

    walk(fn.body)
    return classes, seeds, every


def _static_columns(eqn: Eqn) -> list[int] | None:
    """For `x[..., a:b]` / `x[:, k]` (every other axis whole): the columns read, or None for another index.
    A pick (`x[:, k]`) gives one column and drops the axis; the caller tells them apart by rank."""
    if eqn.prim.name != "getitem" or len(eqn.args) != 1:
        return None
    x = eqn.args[0]
    index, rank = eqn.params.get("index"), x.type.rank
    n = x.type.shape[-1] if rank else None
    if not isinstance(index, tuple) or rank is None or len(index) != rank or not isinstance(n, int):
        return None
    if any(item != slice(None) for item in index[:-1]):
        return None
    last = index[-1]
    if isinstance(last, int) and not isinstance(last, bool):
        return [last % n] if -n <= last < n else None
    if isinstance(last, slice) and all(b is None or (isinstance(b, int) and not isinstance(b, bool))
                                       for b in (last.start, last.stop, last.step)):
        return list(range(*last.indices(n)))
    return None


def _appends_axis(eqn: Eqn) -> bool:
    """`t[:, None]`: every axis whole, one new axis of length 1 at the end."""
    if eqn.prim.name != "getitem" or len(eqn.args) != 1:
        return False
    index, rank = eqn.params.get("index"), eqn.args[0].type.rank
    return (isinstance(index, tuple) and rank is not None and len(index) == rank + 1 and index[-1] is None
            and all(item == slice(None) for item in index[:-1]))


def _last_axis(eqn: Eqn, rank: int) -> bool:
    axis = eqn.params.get("axis")
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    return isinstance(axis, int) and not isinstance(axis, bool) and axis % rank == rank - 1 and -rank <= axis < rank


class _Splitter:
    def __init__(self, fn: Function, pinned: set[int]):
        self.fn, self.pinned = fn, pinned
        self.scope = NameScope([p.name for p in fn.params] + [v.name for v in all_defined(fn.body)])
        self.alias: dict[int, object] = {}  # a pick `x[:, k]` of a split value -> that component
        self.decision: dict[int, tuple[str, int]] = {}  # equation id -> (how it splits, components)
        self.reads: dict[int, int] = {}  # split value id -> how many uses read it whole
        self.groups = UnionFind()  # equations and the split values they make or read component-wise
        self.picks: dict[tuple[int, int], Var] = {}  # (whole value, column) -> that column, in the current block
        self._plan(fn.body, {}, result_atoms(fn.result))
        self._prune()

    # -- the plan: which equations split, which values are read whole -------------------------------------
    def _plan(self, stmts: list, split: dict[int, int], tail=()) -> None:
        """Decide, in program order, which equations produce split values, and count each split value's whole
        reads (uses that are not component-wise); `tail`: what reads the block's values after it (its results)."""
        split = dict(split)
        for stmt in stmts:
            if isinstance(stmt, Eqn):
                decision = self._decide(stmt, split)
                if decision is None:
                    for atom in stmt.args:
                        self._read_whole(atom, split)
                    continue
                self.decision[id(stmt)] = decision
                kind = decision[0]
                if kind not in ("pick", "chain") or stmt.params.get("keepdims"):
                    split[id(stmt.out)] = decision[1]
                    self.groups.join((stmt, stmt.out))
                for atom in stmt.args:
                    if kind in ("append", "stack"):  # its operands are its components, whole values
                        self._read_whole(atom, split)
                    elif isinstance(atom, Var) and id(atom) in split:
                        self.groups.join((stmt, atom))
            elif isinstance(stmt, If):
                self._read_whole(stmt.cond, split)
                self._plan(stmt.then_body, split, stmt.then_results)
                self._plan(stmt.else_body, split, stmt.else_results)
            else:
                for atom in (*stmt.bounds, *stmt.inits):
                    self._read_whole(atom, split)
                self._plan(stmt.cond_body, split, (stmt.cond,) if stmt.cond is not None else ())
                self._plan(stmt.body, split, stmt.carried_out)
        for atom in tail:
            self._read_whole(atom, split)

    def _read_whole(self, atom, split: dict[int, int]) -> None:
        if isinstance(atom, Var) and id(atom) in split:
            self.reads[id(atom)] = self.reads.get(id(atom), 0) + 1

    def _prune(self) -> None:
        """Keep only the groups of split values that remove some structure (a stack, a column pick, a reduction
        over the short axis): a group of elementwise operations alone would only trade one operation on rows
        for several on columns and a stack."""
        eqns = {id(e): e for e in equations(self.fn.body) if id(e) in self.decision}
        useful = {self.groups.find(key) for key, (kind, _) in self.decision.items()
                  if kind in ("stack", "concatenate", "pick", "chain")}
        self.decision = {key: plan for key, plan in self.decision.items()
                         if self.groups.find(key) in useful and key in eqns}

    def _decide(self, eqn: Eqn, split: dict[int, int]) -> tuple[str, int] | None:
        """How `eqn` splits given which operands are split, or None where it reads its operands whole."""
        if len(eqn.outs) != 1 or any(id(a) in self.pinned for a in (*eqn.args, eqn.out) if isinstance(a, Var)):
            return None
        out, prim = eqn.out, eqn.prim
        x = eqn.args[0] if eqn.args else None
        if prim.name == "getitem" and isinstance(x, Var):
            columns = _static_columns(eqn)
            if columns is not None and out.type.rank == x.type.rank - 1:
                return ("pick", 1) if id(x) in split else None
            n = _trailing(out)
            if columns is not None and n is not None and len(columns) == n:
                return "columns", n
            if _appends_axis(eqn) and n == 1 and x.type.rank >= 1:
                return "append", 1
            return None
        if prim.name in _CHAINED and isinstance(x, Var) and id(x) in split and len(eqn.args) == 1:
            extra = {k for k in eqn.params if k not in ("axis", "keepdims")}
            if not extra and x.type.is_float and out.type.dtype == x.type.dtype and _last_axis(eqn, x.type.rank):
                return "chain", 1
            return None
        n = _trailing(out)
        if n is None:
            return None
        if prim.name in ("stack", "concatenate") and _last_axis(eqn, out.type.rank):
            whole = out.type.shape[:-1]
            if prim.name == "stack" and all(isinstance(a, Var) and a.type.shape == whole for a in eqn.args):
                return ("stack", n) if all(a.type.dtype == out.type.dtype for a in eqn.args) else None
            if prim.name == "concatenate" and all(
                    isinstance(a, Var) and a.type.shape is not None and a.type.shape[:-1] == whole
                    and isinstance(a.type.shape[-1], int) and a.type.dtype == out.type.dtype for a in eqn.args):
                return "concatenate", n
            return None
        if prim.family == "elementwise" and not prim.extra.get("in_place") and not prim.statement:
            for a in eqn.args:
                if a.type.shape is None:
                    return None
                if a.type.rank == 0:
                    continue
                if isinstance(a, Const) or a.type.shape[-1] not in (1, n):
                    return None
            return "elementwise", n
        return None

    # -- the rewrite ----------------------------------------------------------------------------------------
    def block(self, stmts: list, split: dict[int, list]) -> list:
        """Rewrite one block; `split` maps a value's id to its components (inherited from enclosing blocks)."""
        split, outer_picks = dict(split), self.picks
        self.picks = dict(outer_picks)  # columns taken inside a block are not reused after it
        out: list = []
        for stmt in stmts:
            if isinstance(stmt, Eqn):
                plan = self.decision.get(id(stmt))
                stmt = dataclasses.replace(stmt, args=self._sub(stmt.args))
                self._note_pick(stmt)
                out += self._equation(stmt, plan, split) if plan is not None else [stmt]
            elif isinstance(stmt, If):  # (the blocks first: a pick they make stands for the result they end with)
                then_body, else_body = self.block(stmt.then_body, split), self.block(stmt.else_body, split)
                out.append(dataclasses.replace(
                    stmt, cond=self._sub((stmt.cond,))[0], then_body=then_body, else_body=else_body,
                    then_results=self._sub(stmt.then_results), else_results=self._sub(stmt.else_results)))
            else:
                cond_body, body = self.block(stmt.cond_body, split), self.block(stmt.body, split)
                out.append(dataclasses.replace(
                    stmt, bounds=self._sub(stmt.bounds), inits=self._sub(stmt.inits), cond_body=cond_body,
                    body=body, carried_out=self._sub(stmt.carried_out),
                    cond=self._sub((stmt.cond,))[0] if stmt.cond is not None else None))
        self.picks = outer_picks
        return out

    def _note_pick(self, eqn: Eqn) -> None:
        """A column `x[:, k]` the program takes itself: reused where the split needs that column of `x`."""
        columns = _static_columns(eqn)
        x = eqn.args[0] if eqn.args else None
        if (columns is not None and isinstance(x, Var) and eqn.out.type.rank == x.type.rank - 1
                and id(x) not in self.pinned and id(eqn.out) not in self.pinned):
            self.picks.setdefault((id(x), columns[0]), eqn.out)

    def _sub(self, atoms) -> tuple:
        return tuple(self.alias.get(id(a), a) for a in atoms)

    def _equation(self, eqn: Eqn, plan: tuple[str, int], split: dict[int, list]) -> list:
        kind, n = plan
        emitted: list[Eqn] = []
        out = eqn.out
        if kind == "pick":  # x[:, k] of a split x: the component itself
            self.alias[id(out)] = split[id(eqn.args[0])][_static_columns(eqn)[0]]
            return []
        if kind == "chain":
            comps = split[id(eqn.args[0])]
            weak = TensorType("f64", (), weak=True)
            steps = [(_CHAINED[eqn.prim.name], c) for c in comps[1:]]
            if eqn.prim.name != "prod":  # NumPy's sum starts from +0.0; a mean divides that sum by the count
                steps.append(("add", Const(0.0, weak)))
            if eqn.prim.name == "mean":
                steps.append(("divide", Const(float(len(comps)), weak)))
            keep = eqn.params.get("keepdims", False)
            value = comps[0]
            for i, (prim_name, term) in enumerate(steps):
                target = out if i == len(steps) - 1 and not keep else None
                value = self._bind(emitted, eqn, prim_name, (value, term), {}, target)
            if not keep and not steps:  # the product of one column: that column, as a new array
                self._bind(emitted, eqn, "copy", (value,), {}, out)
            if keep:
                split[id(out)] = [value]
                if self.reads.get(id(out)):
                    self._reassemble(emitted, eqn, out, [value])
            return emitted
        comps = self._components(emitted, eqn, split, n, kind)
        split[id(out)] = comps
        if self.reads.get(id(out)):
            if kind in ("append", "stack") or (kind == "columns" and id(eqn.args[0]) not in split):
                emitted.append(eqn)  # the original (a view, or the stack itself) gives the whole value
            else:
                self._reassemble(emitted, eqn, out, comps)
        return emitted

    def _reassemble(self, emitted: list, eqn: Eqn, out: Var, comps: list) -> None:
        """The whole value from its components: `np.stack(..., axis=-1)`, or `c[..., None]` for one."""
        if len(comps) == 1 and isinstance(comps[0], Var):
            index = (slice(None),) * comps[0].type.rank + (None,)
            self._bind(emitted, eqn, "getitem", (comps[0],), {"index": index}, out)
        else:
            self._bind(emitted, eqn, "stack", tuple(comps), {"axis": -1}, out)

    def _components(self, emitted: list, eqn: Eqn, split: dict[int, list], n: int, kind: str) -> list:
        if kind == "columns":
            x = eqn.args[0]
            return [split[id(x)][k] if id(x) in split else self._pick(emitted, eqn, x, k) for k in _static_columns(eqn)]
        if kind == "append":
            return [eqn.args[0]]
        if kind == "stack":
            return list(eqn.args)
        if kind == "concatenate":
            comps = []
            for x in eqn.args:
                comps += split[id(x)] if id(x) in split else [self._pick(emitted, eqn, x, k)
                                                              for k in range(x.type.shape[-1])]
            return comps

        def component(atom, k):  # component k of an operand (0 where its last axis has length 1)
            if atom.type.rank == 0:
                return atom
            k = 0 if atom.type.shape[-1] == 1 else k
            if id(atom) in split:
                return split[id(atom)][k]
            return self._pick(emitted, eqn, atom, k)

        return [self._bind(emitted, eqn, eqn.prim.name, tuple(component(a, k) for a in eqn.args), eqn.params,
                           name=_component_name(eqn.out, k)) for k in range(n)]

    def _pick(self, emitted: list, eqn: Eqn, x: Var, k: int):
        """Column `k` of the whole value `x`: `x[:, k]`, taken once per block."""
        if (id(x), k) not in self.picks:
            index = (slice(None),) * (x.type.rank - 1) + (k,)
            self.picks[id(x), k] = self._bind(emitted, eqn, "getitem", (x,), {"index": index},
                                              name=_component_name(x, k))
        return self.picks[id(x), k]

    def _bind(self, emitted: list, eqn: Eqn, prim_name: str, args: tuple, params: dict, target: Var | None = None,
              name: str | None = None):
        """Append `prim_name(*args)` to `emitted`, into `target` or a new value, through the builder's rules; as for
        user code, nothing is simplified or reused (`s + 0.0` must stay: NumPy's sum starts from +0.0)."""
        builder = Builder(self.scope)
        builder.reuse = False
        builder.loc = eqn.loc
        builder.note = None if emitted else eqn.note
        out = builder.bind(prim_name, args, params, name=name) if target is None else \
            builder.bind_into(prim_name, args, params, target)
        emitted.extend(builder.eqns)
        return out
