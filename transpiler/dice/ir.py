"""The structured IR of a compiled dist function: statements over a named world table.

Each statement knows the columns it defines and reads, so liveness can delete (and merge on) each column
right after its last use. Column names are strings in the table; fixed values are Python locals and never
appear here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass
class Op:
    """One simple statement acting on the table `table`."""

    table: str
    stmt: cst.BaseSmallStatement
    defs: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    overwrites: bool = False  # redefines a live column: worlds may have become equal
    note: str | None = None


@dataclass
class Branch:
    """An `if` on a random condition: split the table, run both sides, join (and merge)."""

    table: str
    cond: cst.BaseExpression
    cond_uses: tuple[str, ...]
    then_table: str
    else_table: str
    then_body: list
    else_body: list
    note: str | None = None


@dataclass
class Choice:
    """An `if` on a fixed condition: a plain Python `if` over the same table."""

    table: str
    test: cst.BaseExpression
    then_body: list
    else_body: list
    note: str | None = None


@dataclass
class Loop:
    """`for target in iterable:` where the iterable is fixed (a range of draws, a fixed array...)."""

    table: str
    target: str
    iterable: cst.BaseExpression
    body: list
    note: str | None = None


@dataclass
class Sub:
    """An independent subexpression computed in its own one-world table, then multiplied in."""

    table: str
    sub_table: str
    body: list
    results: tuple[str, ...]
    note: str | None = None


@dataclass
class Plain:
    """A statement over fixed values only (`print`, a fixed `assert`)."""

    table: str
    stmt: cst.BaseSmallStatement
    note: str | None = None


Statement = Op | Branch | Choice | Loop | Sub | Plain


@dataclass
class DistFunction:
    name: str
    params: list[str]
    options: dict
    body: list
    table: str
    doc: str | None = None
    notes: list[str] = field(default_factory=list)
