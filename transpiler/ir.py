"""The intermediate representation: functions of one-primitive equations (A-normal form).

Every value is a `Var` (defined once, carrying its static type) or a `Const` (a Python literal). An `Eqn`
applies one registered primitive to atoms, with static parameters (axes, index structure, einsum spec).
Transforms produce IR again, so their output can be transformed and rendered by the same code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .analysis.types import TensorType
from .errors import SourceLoc


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

    def __repr__(self) -> str:
        return f"{self.name}:{self.type}"


@dataclass(frozen=True)
class Const:
    value: Any
    type: TensorType

    def __repr__(self) -> str:
        return repr(self.value)


Atom = Union[Var, Const]


@dataclass
class Eqn:
    prim: Any  # primitives.registry.Primitive (kept untyped to keep ir free of imports)
    args: tuple[Atom, ...]
    params: dict[str, Any]
    outs: tuple[Var, ...]
    loc: SourceLoc | None = None
    note: str | None = None  # a block comment placed before this equation, e.g. "reverse sweep"

    @property
    def out(self) -> Var:
        return self.outs[0]

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{', '.join(map(repr, self.outs))} = {self.prim.name}({', '.join(map(repr, self.args))}{params})"


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
