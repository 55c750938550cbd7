"""The intermediate representation: functions of one-primitive equations (A-normal form).

Every value is a `Var` (defined once, carrying its static type) or a `Const` (a Python literal). An `Eqn`
applies one registered primitive to atoms, with static parameters (axes, index structure, einsum spec).
Transforms produce IR again, so their output can be transformed and rendered by the same code.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Union

from .arena import hold
from .types import TensorType
from .source import SourceLoc


class Var:
    """A value defined exactly once; `name` is unique within its function (in-place updates share it).

    `temporary` marks compiler-made intermediates, which the backend may fold into their single use;
    values named after the source (`p`, `dw`) always keep their own line.
    """

    __slots__ = ("name", "type", "temporary")

    def __init__(self, name: str, type: TensorType, temporary: bool = False):
        self.name = name
        self.type = type
        self.temporary = temporary
        hold(self)

    def __repr__(self) -> str:
        return f"{self.name}:{self.type}"


@dataclass(frozen=True)
class Const:
    value: Any
    type: TensorType

    def __post_init__(self):
        hold(self)

    def __repr__(self) -> str:
        return repr(self.value)


def const(value: Any) -> Const:
    """The constant of a Python literal, weakly typed as Python's numbers are in NumPy expressions."""
    if isinstance(value, bool):
        return Const(value, TensorType("bool", (), weak=True))
    if isinstance(value, int):
        return Const(value, TensorType("i64", (), weak=True, value=value))
    if isinstance(value, float):
        return Const(value, TensorType("f64", (), weak=True))
    raise TypeError(f"not a scalar literal: {value!r}")


Atom = Union[Var, Const]


@dataclass(eq=False)
class Eqn:
    prim: Any  # primitives.registry.Primitive (kept untyped to keep ir free of imports)
    args: tuple[Atom, ...]
    params: dict[str, Any]
    outs: tuple[Var, ...]
    loc: SourceLoc | None = None
    note: str | None = None  # a block comment placed before this equation, e.g. "reverse sweep"

    def __post_init__(self):
        hold(self)

    @property
    def out(self) -> Var:
        return self.outs[0]

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{', '.join(map(repr, self.outs))} = {self.prim.name}({', '.join(map(repr, self.args))}{params})"


@dataclass
class If:
    """`if cond: then else: orelse`, merging values as `outs` (each branch ends by binding its `*_results`)."""

    cond: Atom
    then_body: list
    else_body: list
    outs: tuple[Var, ...]
    then_results: tuple[Atom, ...]
    else_results: tuple[Atom, ...]
    loc: SourceLoc | None = None
    note: str | None = None

    def __post_init__(self):
        hold(self)


@dataclass
class Loop:
    """A `for` over `range(*bounds)` (with `index`) or a `while` (re-evaluating `cond_body` and `cond`).

    Loop-carried values live in slots: `carried[i]` holds `inits[i]` on entry and `carried_out[i]` at the end of
    each iteration; `outs[i]` is its value after the loop. Slots share one name in generated code.
    """

    kind: str  # "for" | "while"
    index: Var | None
    bounds: tuple[Atom, ...]
    cond_body: list
    cond: Atom | None
    carried: tuple[Var, ...]
    inits: tuple[Atom, ...]
    body: list
    carried_out: tuple[Atom, ...]
    outs: tuple[Var, ...]
    loc: SourceLoc | None = None
    note: str | None = None
    reverse: bool = False  # iterate the range backwards (the reverse sweep of a `for`)

    def __post_init__(self):
        hold(self)


Stmt = Union[Eqn, If, Loop]


def blocks(stmt) -> list[list]:
    """The blocks a compound statement holds: an `If`'s two branches, a `Loop`'s condition block and body."""
    return [stmt.then_body, stmt.else_body] if isinstance(stmt, If) else [stmt.cond_body, stmt.body]


def own_operands(stmt) -> list[Atom]:
    """What a compound statement itself reads, apart from what its blocks read inside them."""
    if isinstance(stmt, If):
        return [stmt.cond, *stmt.then_results, *stmt.else_results]
    return [*stmt.bounds, *stmt.inits, *stmt.carried_out] + ([stmt.cond] if stmt.cond is not None else [])


def statement_uses(stmt) -> list[Atom]:
    """The atoms a statement reads from its enclosing scope (for compound statements: free values)."""
    if isinstance(stmt, Eqn):
        return list(stmt.args)
    if isinstance(stmt, If):
        inner = _block_free(blocks(stmt), list(stmt.then_results) + list(stmt.else_results))
        return [stmt.cond] + inner
    local = {id(v) for v in stmt.carried} | ({id(stmt.index)} if stmt.index is not None else set())
    inner = _block_free(blocks(stmt), list(stmt.carried_out) + ([stmt.cond] if stmt.cond else []))
    return list(stmt.bounds) + list(stmt.inits) + [a for a in inner if id(a) not in local]


def statement_defs(stmt) -> list[Var]:
    return list(stmt.outs)


def _block_free(bodies: list[list], tail: list[Atom]) -> list[Atom]:
    defined: set[int] = set()
    free: list[Atom] = []
    for block in bodies:
        for stmt in block:
            for atom in statement_uses(stmt):
                if isinstance(atom, Var) and id(atom) not in defined:
                    free.append(atom)
            defined.update(id(v) for v in statement_defs(stmt))
            defined.update(id(v) for v in _inner_defs(stmt))
    return free + [a for a in tail if isinstance(a, Var) and id(a) not in defined]


def _inner_defs(stmt) -> list[Var]:
    if isinstance(stmt, If):
        return [v for block in blocks(stmt) for s in block for v in _all_defs(s)]
    if isinstance(stmt, Loop):
        own = list(stmt.carried) + ([stmt.index] if stmt.index is not None else [])
        return own + [v for block in blocks(stmt) for s in block for v in _all_defs(s)]
    return []


def _all_defs(stmt) -> list[Var]:
    return statement_defs(stmt) + _inner_defs(stmt)


def equations(block: list):
    """Every equation of a block, nested blocks included, in order."""
    for stmt in block:
        if isinstance(stmt, Eqn):
            yield stmt
        elif isinstance(stmt, If):
            yield from equations(stmt.then_body)
            yield from equations(stmt.else_body)
        else:
            yield from equations(stmt.cond_body)
            yield from equations(stmt.body)


def updates_in_place(block: list, var: Var) -> bool:
    """Whether `block` updates `var` in place (`var[i] = v`), in a branch or through a nested loop's slot too."""
    for stmt in block:
        if isinstance(stmt, Eqn):
            if stmt.prim.family == "indexing" and stmt.prim.extra.get("in_place") and stmt.args[0] is var:
                return True
        elif isinstance(stmt, If):
            if updates_in_place(stmt.then_body, var) or updates_in_place(stmt.else_body, var):
                return True
        elif any(init is var and updates_in_place(stmt.body, slot) for init, slot in zip(stmt.inits, stmt.carried)):
            return True
    return False


def all_defined(block: list) -> list[Var]:
    """Every value a block defines, nested blocks included."""
    return [v for stmt in block for v in _all_defs(stmt)]


def free_values(block: list, tail: list[Atom] = ()) -> list[Var]:
    """Values a block (and `tail`, read after it) uses without defining them, in first-use order."""
    seen: set[int] = set()
    out = []
    for atom in _block_free([block], list(tail)):
        if id(atom) not in seen:
            seen.add(id(atom))
            out.append(atom)
    return out


def substitute(block: list, mapping: dict[int, Atom]) -> None:
    """Replace, in place, every read of a value in `mapping` (by id) throughout a block."""
    def sub(atoms):
        return tuple(mapping.get(id(a), a) for a in atoms)

    for stmt in block:
        if isinstance(stmt, Eqn):
            stmt.args = sub(stmt.args)
        elif isinstance(stmt, If):
            stmt.cond = mapping.get(id(stmt.cond), stmt.cond)
            stmt.then_results, stmt.else_results = sub(stmt.then_results), sub(stmt.else_results)
            substitute(stmt.then_body, mapping)
            substitute(stmt.else_body, mapping)
        else:
            stmt.bounds, stmt.inits, stmt.carried_out = sub(stmt.bounds), sub(stmt.inits), sub(stmt.carried_out)
            if stmt.cond is not None:
                stmt.cond = mapping.get(id(stmt.cond), stmt.cond)
            substitute(stmt.cond_body, mapping)
            substitute(stmt.body, mapping)


# What a function returns: an atom, or a (possibly nested) tuple of results.
Result = Union[Atom, tuple]


def result_atoms(result: Result) -> list[Atom]:
    if isinstance(result, tuple):
        return [atom for item in result for atom in result_atoms(item)]
    return [result]


@dataclass
class Function:
    name: str
    params: list[Var]
    body: list[Eqn]
    result: Result
    loc: SourceLoc | None = None
    doc: str | None = None
    source_name: str | None = None  # the kernel this function was generated from
    # parameter trees (trees.py): the user-facing parameters, [(name, tree over `params`)], and the structure
    # of the result over result_atoms(result); None where they are the flat params and the result as it is
    in_tree: list | None = None
    out_tree: tuple | None = None
    defaults: dict | None = None  # user-facing parameter name -> its numeric default (`l2: "f64[]" = 0.1`)


def rewrite_equations(fn: Function, rewrite: Callable[[Eqn], "Eqn | list[Eqn]"]) -> Function:
    """`fn` with each equation of every block (inside branches and loops too) replaced by `rewrite(eqn)`: one
    equation, or a list of them."""
    return dataclasses.replace(fn, body=_rewritten(fn.body, rewrite))


def _rewritten(block: list, rewrite) -> list:
    out = []
    for stmt in block:
        if isinstance(stmt, If):
            out.append(dataclasses.replace(stmt, then_body=_rewritten(stmt.then_body, rewrite),
                                           else_body=_rewritten(stmt.else_body, rewrite)))
        elif isinstance(stmt, Loop):
            out.append(dataclasses.replace(stmt, cond_body=_rewritten(stmt.cond_body, rewrite),
                                           body=_rewritten(stmt.body, rewrite)))
        else:
            made = rewrite(stmt)
            out += made if isinstance(made, list) else [made]
    return out
