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
class DType(Module):
    """A NumPy dtype object known at build time (`x.dtype`, `np.dtype("f4")`): usable wherever a dtype is, as its
    scalar type (`path`, `numpy.float32`) is; unlike the type it has `.kind`, `.itemsize`, ... and is no class
    (`issubclass` and calls refuse it, as Python raises)."""


@dataclass(frozen=True)
class IntInfo:
    """The value of `np.iinfo(<integer dtype>)` in a kernel: attributes only (frontend/dtype_objects.py)."""

    path: str  # the integer type, numpy.int32


@dataclass(frozen=True)
class KernelRef:
    name: str
    lowering: Any = None  # the Lowering of the module that defines it, when imported


@dataclass(frozen=True)
class TransformRef:
    """A module-level transform declaration (`g = grad(f)`), called from a kernel: its IR is inlined."""

    target: str


@dataclass(eq=False)
class PendingTransform:
    """`gradient = grad(objective)` run at build time in a factory (`objective, gradient = make(...)`): the
    transform call and the value of the function it transforms; the module-level name that ends up holding it
    becomes a declaration (declarations.py)."""

    call: Any  # the cst.Call as written
    function: Any  # the transformed function's value (a Closure, a KernelRef...)
    parsed: Any  # the ParsedModule of the file the call is written in (how its names read, where it is)


Value = Any  # Atom | tuple[Value, ...] | Module | KernelRef | TransformRef | str | None | Ellipsis


@dataclass(frozen=True)
class Stale:
    """A name whose array may or may not have been changed by an in-place update through another name (they
    share one array on some paths only): reading it is a located error; rebinding it is fine."""

    writer: str  # the name assigned into
    line: int  # where
    reason: str  # why the two may share an array


class ListValue:
    """A Python list while a kernel is lowered: its length is known at build time. It exists only at build
    time (its elements are atoms or other values), so it may be changed (`append`, `xs[i] = v`) only where the
    change happens exactly once: at the block level (`level`) it was made at, never inside a run-time branch or
    loop."""

    __slots__ = ("items", "level")

    def __init__(self, items, level: int):
        self.items = list(items)
        self.level = level

    def __repr__(self) -> str:
        return f"ListValue({self.items!r})"


class DictValue:
    """A Python dict while a kernel is lowered: keys known at build time, changed only at its own level."""

    __slots__ = ("items", "level")

    def __init__(self, items: dict, level: int):
        self.items = dict(items)
        self.level = level

    def __repr__(self) -> str:
        return f"DictValue({self.items!r})"


class Frame:
    """A function body being lowered (a kernel, an inlined function, a comprehension): `env` is its names as
    they are at the statement being lowered, `parent` the frame it was defined in (closures read free names
    there, at the time of the call, as Python does), `local` the names its body assigns (never looked up
    outside)."""

    __slots__ = ("env", "parent", "local")

    def __init__(self, env: dict, parent: "Frame | None", local: frozenset = frozenset()):
        self.env = env
        self.parent = parent
        self.local = local


@dataclass(frozen=True, eq=False)
class Closure:
    """A function defined in a kernel or a factory (`def` or `lambda`): inlined at each call, its free names
    read in the frame it was defined in."""

    node: Any  # cst.FunctionDef | cst.Lambda
    frame: Frame | None
    lowering: Any  # the Lowering of the module defining it
    name: str


@dataclass(frozen=True, eq=False)
class Partial:
    """`functools.partial(f, *args, **keywords)`: a call adds its own arguments after these."""

    func: Any
    args: tuple
    keywords: tuple  # ((name, value), ...)


def is_container(value) -> bool:
    return isinstance(value, (tuple, ListValue, DictValue))


@dataclass(frozen=True, eq=False)
class Unflatten:
    """What autograd's `flatten(tree)` returns second: rebuilds a tree shaped like `template` from a vector."""

    template: Any


def is_function(value) -> bool:
    return isinstance(value, (KernelRef, TransformRef, Closure, Partial, Unflatten))


def describe(value) -> str:
    """What a build-time value is, in a user's words (for errors)."""
    if isinstance(value, ListValue):
        return "a list"
    if isinstance(value, DictValue):
        return "a dict"
    if isinstance(value, tuple):
        return "a tuple"
    if isinstance(value, DType):
        return f"the dtype `{value.path.replace('numpy.', '')}`"
    if isinstance(value, IntInfo):
        return "an `np.iinfo` object"
    if isinstance(value, Module):
        return f"`{value.path.replace('numpy.', 'np.').replace('builtins.', '')}`"
    if is_function(value):
        return "a function"
    if isinstance(value, PendingTransform):
        return "a transform made in a factory (call it through the module-level name that holds it)"
    if isinstance(value, range):
        return "a range"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "None"
    shape = getattr(getattr(value, "type", None), "shape", None)
    return "a number" if shape == () else "an array" if hasattr(value, "type") else "this value"
