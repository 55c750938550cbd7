"""What a name or expression stands for while a kernel is lowered: an IR atom, a tuple of values (a shape, a
kernel's tuple result), a module (`np`), or a kernel to inline."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Module:
    """A module-like name in scope: `np`, `scipy.special`."""

    path: str


@dataclass(frozen=True)
class KernelRef:
    name: str
    lowering: Any = None  # the Lowering of the module that defines it, when imported


@dataclass(frozen=True)
class TransformRef:
    """A module-level transform declaration (`g = grad(f)`), called from a kernel: its IR is inlined."""

    target: str


Value = Any  # Atom | tuple[Value, ...] | Module | KernelRef | TransformRef | str | None | Ellipsis


@dataclass(frozen=True)
class Stale:
    """A name whose array may or may not have been changed by an in-place update through another name (they
    share one array on some paths only): reading it is a located error; rebinding it is fine."""

    writer: str  # the name assigned into
    line: int  # where
    reason: str  # why the two may share an array
