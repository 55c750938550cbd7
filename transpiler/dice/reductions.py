"""Reductions in the dist language: sum, max and min of lists, arrays and streams (dice-nine's `*stream` and
lazy folds), NumPy's axis functions, and `__max__(x)` and the like over the worlds; each keeps track of rank
and of whether its result is a Python or a NumPy value."""
from __future__ import annotations

import dataclasses

import libcst as cst

from .. import codegen as cg
from . import ir, prelude
from .bindings import AXIS_FUNCTIONS
from .kinds import NUMPY_BOOL, NUMPY_NUMBER, kinds, union
from .values import Segment, Stream, Val

KEEP_RANK = {"argsort", "flip", "cumsum", "sort"}  # the other AXIS_FUNCTIONS drop the axis they reduce


class ReductionLowering:
    """Reductions and folds. A part of `Lowerer` (lower.py)."""

    def extremum(self, name, node, positional):
        stream = self.starred_stream(positional)
        if stream is not None:
            return self.fold_extremum(name, node, stream)
        values = [self.expr(arg.value) for arg in positional]
        if len(values) == 1:
            only = values[0]
            if isinstance(only, Stream):
                return self.fold_extremum(name, node, only)
            only = self.value_of(only, node)
            self.check_axis(name, only, -1, node)
            result = self.python_reduced(Val(cg.call(f"np.{name}", only.node, axis=-1), only.random, only.uses),
                                         only)
            # the largest of a Python list is one of its items (an array's: a NumPy value; a list's of ints and
            # bools: stored as an int)
            return dataclasses.replace(result, **self.item_kinds_of(only, None))
        values = [self.value_of(v, node) for v in values]
        if not any(v.random for v in values) and all(self.rank(v) == 0 for v in values):  # fixed numbers: Python's
            # max(a, b) of the dist language is NumPy's, given back as a Python number (dice.lib.python_number)
            fn = "np.maximum" if name == "max" else "np.minimum"
            result = values[0].node
            for value in values[1:]:
                result = cg.call(fn, result, value.node)
            return Val(cg.call("dice.lib.python_number", result), False, rank=0, **_extremum_kinds(values))
        result = values[0]
        fn = "np.maximum" if name == "max" else "np.minimum"
        for value in values[1:]:
            result = self.elementwise(lambda a, b: cg.call(fn, a, b), result, value)
        # max(True, False) is True; max(a, b) of the dist language is a Python number where the values are numbers
        rank = self.rank(result)
        if not result.random and rank is None:  # a fixed value of unknown rank: a number, or an array
            result = dataclasses.replace(result, node=cg.call("dice.lib.python_number", result.node))
        flags = _extremum_kinds(values)
        if rank != 0 and result.random:  # arrays per world (a fixed one is NumPy's as in Python), or maybe numbers
            arrays = {**flags, "numpy": True, "python": False, "npbool": flags["npbool"] or flags["pybool"]}
            flags = arrays if rank is not None else union(flags, arrays)
        return dataclasses.replace(result, **flags)

    def starred_stream(self, positional) -> Stream | None:
        """dice-nine's `sum(*s1, x, *s2)`: the arguments as one stream, a starred one's elements in its place
        (None when no argument is starred)."""
        if not any(isinstance(arg.star, str) and arg.star == "*" for arg in positional):
            return None
        parts = []
        for arg in positional:
            if isinstance(arg.star, str) and arg.star == "*":
                parts.extend(self.iterable(arg.value).segments)
            else:
                value = self.expr(arg.value)
                parts.append(Segment(None, lambda index, value=value: value))
        return Stream(parts)

    def fold_extremum(self, name: str, node, stream: Stream):
        """lazy_max / lazy_min: the first element then the others where it can be split off (a counted
        stream), else a fold that knows whether it has seen an element yet (a generator)."""
        if stream.counted:
            fold = prelude.functions()[f"lazy_{name}"]
            return self.inline(fold, node, [cst.Arg(cst.Name("__stream__"))], {}, stream=stream)
        fold = prelude.functions()["__lazy_extremum__"]
        take_max = cst.Arg(cst.Name("True" if name == "max" else "False"))
        return self.inline(fold, node, [cst.Arg(cst.Name("__stream__")), take_max], {}, stream=stream)

    def call_lazy_max(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "lazy_max")
        return self.fold_extremum("max", node, self.as_stream(value))

    def call_lazy_min(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "lazy_min")
        return self.fold_extremum("min", node, self.as_stream(value))

    def call___nonempty__(self, node, positional, keywords):
        empty = self.fixed(positional[0].value, "the flag of __nonempty__")
        self.emit(ir.Plain(self.table, cst.Expr(cg.call("dice.lib.nonempty", empty))))
        return Val(cg.name("None"), False)

    def over_worlds(self, name: str, node, positional):
        """dice-nine's `__max__(x)` (and `__min__`, `__all__`, `__any__`): a fixed value, `x` reduced over the
        worlds there are at this point (e.g. the largest value x can take, for a loop count)."""
        (value,) = self.args(node, positional, 1, name)
        value = self.value_of(value, node)
        if not value.random:
            return value
        if self.batched:
            raise self.error(f"{name}() reduces over every world, and under vmap the worlds of all the examples are in "
                             "one table", node, "vmap a function that does not use it, or call the function once "
                             "per value")
        py = self.fresh_py(name.strip("_"))
        self.note_rank("py", py, self.rank(value))
        self.op(cst.Assign([cst.AssignTarget(cg.name(py))],
                           cg.call("dice.lib.over_worlds", cg.literal(name.strip("_")), value.node)),
                uses=value.uses)
        return Val(cg.name(py), False)

    def call___max__(self, node, positional, keywords):
        return self.over_worlds("__max__", node, positional)

    def call___min__(self, node, positional, keywords):
        return self.over_worlds("__min__", node, positional)

    def call___all__(self, node, positional, keywords):
        return self.over_worlds("__all__", node, positional)

    def call___any__(self, node, positional, keywords):
        return self.over_worlds("__any__", node, positional)

    def check_axis(self, name: str, value: Val, axis: int, node) -> None:
        """A negative axis counts from a column's last axis: refuse one that would reach the world axis."""
        rank = self.rank(value)
        if value.random and rank is not None and axis < 0 and -axis > rank:
            what = "a single number" if rank == 0 else f"an array of {rank} axes"
            raise self.error(f"{name}() over axis {axis} of {what} per world: there is no such axis", node,
                             "reduce an array (a list, or a stream with lazy_*), or name an axis it has")

    def reduced(self, result: Val, value: Val) -> Val:
        """A column reduced over its last axis: one rank less (when known)."""
        rank = self.rank(value)
        if rank is None or rank < 1:
            return result
        return Val(result.node, value.random, result.uses, rank - 1, **kinds(result))

    def python_reduced(self, result: Val, value: Val) -> Val:
        """Python's sum/max/min of `value`: of a fixed Python list of Python numbers, a Python number (np.sum
        gives an np.int64, whose comparisons are NumPy bools)."""
        result = self.reduced(result, value)
        if not value.random and self.rank(value) == 1 and value.pylist is True and not value.numpy:
            return dataclasses.replace(result, node=cg.call("dice.lib.python_number", result.node))
        return result

    def call_max(self, node, positional, keywords):
        return self.extremum("max", node, positional)

    def call_min(self, node, positional, keywords):
        return self.extremum("min", node, positional)

    def call_sum(self, node, positional, keywords):
        """dice-nine's `sum(*s, x, ...)`: every element of the streams and every value added, lists as arrays."""
        self.sums_items += 1
        try:
            return self.summed(node, positional)
        finally:
            self.sums_items -= 1

    def summed(self, node, positional):
        stream = self.starred_stream(positional)
        if stream is not None:
            return self.inline(prelude.functions()["lazy_sum"], node, [cst.Arg(cst.Name("__stream__"))], {},
                               stream=stream)
        if len(positional) == 1:
            value = self.expr(positional[0].value)
            if isinstance(value, Stream):
                return self.inline(prelude.functions()["lazy_sum"], node, positional, {}, stream=value)
            value = self.value_of(value, node)
            self.check_axis("sum", value, -1, node)
            numpy = self.numpy_items(value)  # Python's sum of NumPy values is NumPy's; of bools a number
            return dataclasses.replace(self.python_reduced(Val(cg.call("np.sum", value.node, axis=-1), value.random,
                                                               value.uses), value), numpy=numpy,
                                       python=self.item_kinds_of(value, None)["python"])
        values = [self.value(a.value, node) for a in positional]
        result = values[0]
        if result.pybool or result.npbool:  # sum(a, b) starts from 0: 0 + np.True_ is an int, np.True_ + b may not be
            result = self.binary("+", Val(cg.literal(0), False, rank=0), result, node)
        for value in values[1:]:
            result = self.binary("+", result, value, node)
        return result

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
        self.check_axis(name, value, axis, node)
        if value.random and axis >= 0:
            axis += 1
        # NumPy's results, except argmin/argmax, which the dist language reads as Python ints
        result = Val(cg.call(AXIS_FUNCTIONS[name], value.node, axis=axis), value.random, value.uses,
                     **_axis_kinds(name, value))
        if name in KEEP_RANK:
            return self.ranked(result, value) if value.random else result
        return self.reduced(result, value)


def _extremum_kinds(values) -> dict:
    """max(a, b) of the dist language: NumPy's, given back as Python's value (a bool of either kind is then a
    Python bool); a column of it holds one type, so bools with numbers are stored as numbers."""
    return {"pybool": any(v.pybool or v.npbool for v in values), "npbool": False, "numpy": False, "python": True,
            "number": any(v.number for v in values)}


def _axis_kinds(name: str, value: Val) -> dict:
    """The kinds of NumPy's reductions and reorderings: NumPy values (argmin and argmax: Python ints); all and
    any give NumPy bools, min, max, sort and flip the items' type, sum and cumsum numbers."""
    if name in ("argmin", "argmax"):
        return {}
    bools = value.pybool or value.npbool
    if name in ("reduce_all", "reduce_any"):
        return NUMPY_BOOL
    if name in ("reduce_min", "reduce_max", "sort", "flip"):
        return {**NUMPY_NUMBER, "npbool": bools, "number": value.number}
    return NUMPY_NUMBER
