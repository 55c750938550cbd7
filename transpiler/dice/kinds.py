"""Which kind of number a value is, in each world: a Python bool, a NumPy bool, another number (Python's or
NumPy's), and arithmetic read so that NumPy computes what Python computes with them.

Python's bools add as ints (True + True == 2), NumPy's as `or` (np.True_ + np.True_ is np.True_, `-` fails), and a
column (or a list's array) holds one type, so a bool stored with ints reads as an int. A `Val` (values.py) carries
the kinds it may be in some world (a list: any item's, and each item's where the compiler knows them); what they
make exact is compiled, the rest refused with a located error.
"""
from __future__ import annotations

import dataclasses

from .. import codegen as cg
from .values import Val

_WIDENED = ("+", "-", "*", "**", "//", "%")  # arithmetic whose result on Python bools is an int
_INT8 = ("**", "//", "%")  # NumPy: int8 from a bool and a bool or a Python int


KINDS = ("pybool", "numpy", "npbool", "number", "python")
PYTHON_BOOL = {"pybool": True, "numpy": False, "npbool": False, "number": False, "python": True}
NUMPY_BOOL = {"pybool": False, "numpy": True, "npbool": True, "number": False, "python": False}
NUMPY_NUMBER = {"pybool": False, "numpy": True, "npbool": False, "number": True, "python": False}


def kinds(value) -> dict:
    """The kinds of number of a `Val` or `Binding` (values.py), to pass on: `Val(..., **kinds(v))`; with the
    per-item kinds of a list."""
    return {**{name: getattr(value, name) for name in KINDS}, "items": value.items}


def union(*values) -> dict:
    """Kinds of a value that is one of `values` (or holds their items) in some world; a `kinds` dict or a Val."""
    values = [v if isinstance(v, dict) else kinds(v) for v in values]
    return {name: any(v[name] for v in values) for name in KINDS}


def item_kinds(value) -> dict:
    """The kinds of one item of a list (or a number): the flags without the per-item ones."""
    return {name: getattr(value, name) if not isinstance(value, dict) else value[name] for name in KINDS}


def exact_bool(k: dict) -> str | None:
    """"python" or "numpy" where a value is a bool of that kind in every world, else None."""
    if k["number"] or k["pybool"] == k["npbool"]:
        return None
    return "python" if k["pybool"] else "numpy"

def merged_items(values) -> tuple | None:
    """The per-item kinds of a list that is one of `values` (bindings or Vals): item by item where all of them
    know their items and have the same length, else None."""
    known = [v.items for v in values]
    if not known or any(k is None for k in known) or len({len(k) for k in known}) != 1:
        return None
    return tuple(union(*column) for column in zip(*known))


def widens(before, after) -> bool:
    """Whether `after` may be a kind of number `before` is not (in some item: a loop must read it again)."""
    grown = any(getattr(after, name) and not getattr(before, name) for name in KINDS)
    if before.items is None:
        return grown
    if after.items is None or len(after.items) != len(before.items):
        return True
    return grown or any(a[name] and not b[name] for a, b in zip(after.items, before.items) for name in KINDS)


def result_kinds(op: str, left: Val, right: Val) -> dict:
    """The kinds of number of `left op right` (the operands as written): `&`, `|`, `^` of bools are bools
    (NumPy's where one is), `+`, `-`, `*` of a NumPy bool and a bool a NumPy bool; otherwise a number."""
    bools = (left.pybool or left.npbool, right.pybool or right.npbool)
    if op in ("&", "|", "^"):
        return {"pybool": left.pybool and right.pybool, "number": left.number or right.number,
                "npbool": left.npbool and bools[1] or right.npbool and bools[0]}
    if op in ("+", "-", "*"):
        return {"pybool": False, "number": left.number or right.number or (left.pybool and right.pybool),
                "npbool": left.npbool and bools[1] or right.npbool and bools[0]}
    return {"pybool": False, "npbool": False, "number": True}


class KindLowering:
    """Arithmetic and list reads that keep Python's kinds of number. A part of `Lowerer` (lower.py)."""

    def python_arithmetic(self, op: str, *operands: Val, where) -> list[Val]:
        """The operands of arithmetic (`op`; one operand: unary), read so that NumPy computes what Python does.

        Where bools meet (`b + b`, `b - b`, `b * b`; `**`, `//`, `%` with a bool; `-b`, `~b`), Python's bools
        add as ints, NumPy's as `or` (and `-` fails): operands that may only be Python bools (or numbers) are read
        as ints (a fixed one is Python's own value already), and where a NumPy bool takes part, each operand
        must be of one kind in every world (a NumPy bool, a Python bool, or a number), so that the bool columns
        compute as NumPy's and Python's bools do. Anything else (a value that is a Python bool in some worlds and
        a NumPy bool in others, or a NumPy bool stored with ints in one list or column) is refused."""
        if op not in _WIDENED and op not in ("~", "abs"):
            return list(operands)
        bools = [v.pybool or v.npbool for v in operands]
        if len(operands) == 1 or op in _INT8:
            sensitive = any(bools)
        else:
            sensitive = all(bools)
        if not sensitive:
            return list(operands)
        if not any(v.npbool for v in operands):
            if not any(v.random for v in operands):
                return list(operands)
            return [self.as_number(v) if v.pybool else v for v in operands]
        for v in operands:
            if v.pybool + v.npbool + v.number > 1:
                kinds_seen = [what for what, flag in (("a Python bool", v.pybool), ("a NumPy bool", v.npbool),
                                                      ("another number", v.number)) if flag]
                symbol = "abs()" if op == "abs" else f"`{op}`"
                raise self.error(
                    f"{symbol} of a value that may be {', '.join(kinds_seen[:-1])} or {kinds_seen[-1]} (in different "
                    "worlds, or held in one list): Python computes bools of each kind differently (True + True is "
                    "2, np.True_ + np.True_ is True), and the compiler cannot tell which this one is", where,
                    "convert it first: int(x) for Python's int arithmetic, or keep NumPy's bools and Python's "
                    "values in separate names or lists")
        return list(operands)

    def as_number(self, value: Val) -> Val:
        """A value that may be a Python bool, read as Python's arithmetic reads it (dice.lib.as_number)."""
        return dataclasses.replace(value, node=cg.call("dice.lib.as_number", value.node), rank=self.rank(value),
                                   pybool=False, number=True)

    def item_kinds_of(self, array: Val, at: int | None) -> dict:
        """The kinds of number of an item of `array`: at the fixed index `at` of a list whose items the compiler
        knows, that item's; else any item's (an array's items are NumPy values, its bools NumPy's bools)."""
        listed = item_kinds(array)
        if array.pylist and at is not None and array.items is not None and -len(array.items) <= at < len(array.items):
            listed = dict(array.items[at])
        if array.pylist is True or array.pylist == 2:
            return listed
        in_array = {**listed, "pybool": False, "numpy": True, "python": False,
                    "npbool": array.npbool or array.pybool}
        return in_array if array.pylist is False else union(listed, in_array)

    def restored(self, array: Val, item: Val, flags: dict, at: int | None) -> Val:
        """An item of a Python list as Python holds it: the list's array holds one type, so a bool stored with
        wider numbers is read back as the bool it is (where its index is fixed and its kind known), and a fixed
        list's Python numbers as Python numbers (the array's are NumPy's)."""
        if array.pylist is not True:
            return item
        kind = exact_bool(flags)
        if kind is not None and array.number and at is not None:
            python = True if kind == "python" and not item.random else None
            return dataclasses.replace(item, node=cg.call("dice.lib.as_bool", item.node, python=python),
                                       rank=self.rank(item))
        if not item.random and not flags["numpy"]:
            return dataclasses.replace(item, node=cg.call("dice.lib.python_number", item.node), rank=self.rank(item))
        return item
