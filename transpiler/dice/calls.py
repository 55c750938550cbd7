"""Lowering of calls: dice (`d`, `dd`), builtins and library functions, and inlining of helpers and @dist calls."""
from __future__ import annotations

import dataclasses

import libcst as cst

from .. import codegen as cg
from . import ir, prelude
from .bindings import (AXIS_FUNCTIONS, ELEMENTWISE, FIXED_ONLY, STREAM, VALUE, Binding, Scope, find_yield, is_ref,
                       is_return, scalar_literal)
from .kinds import NUMPY_BOOL, NUMPY_NUMBER, kinds, union
from .values import Segment, Stream, TupleVal, Val

KEEP_RANK = {"argsort", "flip", "cumsum", "sort"}  # the other AXIS_FUNCTIONS drop the axis they reduce


MAX_RECURSION = 64  # levels of one function inlined into itself
MAX_RECURSIVE_CALLS = 4096  # recursive calls inlined in one @dist function (a fib-like tree grows fast)


class CallLowering:
    """Calls: draws, builtins, the library, and inlined functions. A part of `Lowerer` (lower.py)."""

    def expr_Call(self, node: cst.Call):
        if not isinstance(node.func, cst.Name):
            raise self.error("only calls of plain function names are part of the dist language", node.func)
        name = node.func.value
        positional = [a for a in node.args if a.keyword is None]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        handler = getattr(self, "call_" + name, None)
        if name in self.functions or name in self.dists:
            if name in self.call_stack:
                self.recursive_calls += 1
                if self.call_stack.count(name) >= MAX_RECURSION or self.recursive_calls > MAX_RECURSIVE_CALLS:
                    raise self.error(
                        f"`{name}` calls itself more than {MAX_RECURSION} deep (or {MAX_RECURSIVE_CALLS} times): "
                        "recursion needs a depth the compiler knows", node,
                        "call it with literal arguments that reach a base case through a fixed `if` "
                        "(e.g. `roll(3)` with `if n == 0:`), or use a `for` loop over a fixed range")
            return self.inline(self.functions[name], node, positional, keywords)
        if handler is not None:
            return handler(node, positional, keywords)
        if name in prelude.functions():
            return self.inline(prelude.functions()[name], node, positional, keywords)
        if name in AXIS_FUNCTIONS:
            return self.axis_function(name, node, positional, keywords)
        if name in ELEMENTWISE:
            value = self.value(positional[0].value, node)
            if name == "abs":  # abs(True) is the int 1, abs(np.True_) is np.True_
                original = value
                (value,) = self.python_arithmetic("abs", value, where=node)
                # a fixed value is Python's own: Python's abs (np.abs(True) is np.True_, abs(True) the int 1)
                function = ELEMENTWISE[name] if value.random else "abs"
                return self.ranked(Val(cg.call(function, value.node), value.random, value.uses,
                                       numpy=original.numpy, python=original.python, npbool=original.npbool,
                                       number=original.number or original.pybool), value)
            # sign(x) is a Python int
            return self.ranked(Val(cg.call(ELEMENTWISE[name], value.node), value.random, value.uses), value)
        if name in FIXED_ONLY:
            args = [self.fixed(a.value, f"the argument of {name}()") for a in positional]
            one_axis = all(scalar_literal(a) for a in args)  # zeros(n), arange(a, b): arrays of one axis
            shape = positional[0].value if len(args) == 1 and name != "arange" else None
            if isinstance(shape, cst.Tuple) and all(isinstance(e, cst.Element) for e in shape.elements):
                return Val(cg.call(FIXED_ONLY[name], *args), False, rank=len(shape.elements))  # zeros((2, 3))
            return Val(cg.call(FIXED_ONLY[name], *args), False, rank=1 if one_axis else None)
        raise self.error(f"`{name}` is not a function of the dist language", node.func,
                         "define it in this module (plain or @dist), or use the library functions")

    def args(self, node, positional, count: int | tuple, name: str) -> list:
        counts = count if isinstance(count, tuple) else (count,)
        if len(positional) not in counts:
            raise self.error(f"{name}() takes {' or '.join(map(str, counts))} arguments", node)
        return [self.expr(a.value) for a in positional]

    def call_d(self, node, positional, keywords):
        (sides,) = self.args(node, positional, 1, "d")
        sides = self.value_of(sides, node)
        if sides.random:
            raise self.error("d(n) needs a fixed number of sides; this `n` is random", node.args[0],
                             "use dd(n) for 0..n-1 with a random n (add 1 for 1..n)")
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_d"), column, sides.node)), defs=[column])
        self.note_rank("col", column, 0)
        return Val(self.ref(column), True, frozenset([column]))

    def call_dd(self, node, positional, keywords):
        (sides,) = self.args(node, positional, 1, "dd")
        sides = self.value_of(sides, node)
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_dd"), column, sides.node)), defs=[column],
                uses=sides.uses)
        self.note_rank("col", column, 0)
        return Val(self.ref(column), True, frozenset([column]))

    def call_len(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "len")
        if isinstance(value, TupleVal):
            return Val(cg.literal(len(value.items)), False)
        value = self.value_of(value, node)
        length = Val(cg.call("dice.lib.length", value.node, rows=value.random), False)
        if not value.random:
            return length
        # the same in every world: a fixed number, read from the column now (liveness may drop it after)
        py = self.fresh_py("length")
        self.note_rank("py", py, 0)
        self.op(cst.Assign([cst.AssignTarget(cg.name(py))], length.node), uses=value.uses)
        return Val(cg.name(py), False, rank=0)

    def call_complex(self, node, positional, keywords):
        values = [self.value_of(v, node) for v in self.args(node, positional, (1, 2), "complex")]
        if not any(v.random for v in values):
            return Val(cg.call("complex", *[v.node for v in values]), False, rank=0)
        if len(values) == 1:
            values.append(Val(cg.literal(0), False))
        return self.elementwise(lambda a, b: cg.call("dice.lib.make_complex", a, b), *values)

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

    def _extremum_error(self, node):
        raise self.error("max(*stream) takes exactly one starred stream", node)

    def call_max(self, node, positional, keywords):
        return self.extremum("max", node, positional)

    def call_min(self, node, positional, keywords):
        return self.extremum("min", node, positional)

    def call_sum(self, node, positional, keywords):
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

    def call_int(self, node, positional, keywords):
        value = self.value(positional[0].value, node)
        return self.ranked(Val(cg.call("dice.arith.as_int", value.node), value.random, value.uses), value)

    def call_bincount(self, node, positional, keywords):
        values, length = [self.value_of(v, node) for v in self.args(node, positional, 2, "bincount")]
        if length.random:
            raise self.error("bincount's length must be fixed", node)
        return Val(cg.call("dice.lib.bincount", values.node, length.node, rows=values.random), values.random,
                   values.uses)

    def call_reshape(self, node, positional, keywords):
        values, shape = [self.value_of(v, node) for v in self.args(node, positional, 2, "reshape")]
        if shape.random:
            raise self.error("reshape's shape must be fixed", node)
        return Val(cg.call("dice.lib.reshape", values.node, shape.node, rows=values.random), values.random,
                   values.uses)

    def call_one_hot(self, node, positional, keywords):
        index, depth = [self.value_of(v, node) for v in self.args(node, positional, 2, "one_hot")]
        return Val(cg.call("dice.lib.one_hot", index.node, depth.node), index.random, index.uses)

    def call_top_k(self, node, positional, keywords):
        values, k = [self.value_of(v, node) for v in self.args(node, positional, 2, "top_k")]
        return Val(cg.call("dice.lib.top_k", values.node, k.node), values.random, values.uses)

    def call_importance(self, node, positional, keywords):
        raise self.error("importance(w) is a statement, not a value", node)

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

    def bind_arguments(self, fn: cst.FunctionDef, node, positional, keywords, stream: Stream | None = None) -> dict:
        """Python's binding of a call's arguments to `fn`'s parameters (positional-only, plain, keyword-only,
        defaults), each argument lowered once, in the order written."""
        name = fn.name.value
        signature = fn.params
        if isinstance(signature.star_arg, cst.Param) or signature.star_kwarg is not None:
            raise self.error(f"`{name}` takes *args or **kwargs, which the dist language does not have",
                             signature, "name each parameter")
        positional_params = list(signature.posonly_params) + list(signature.params)
        keyword_params = list(signature.params) + list(signature.kwonly_params)
        every = positional_params + list(signature.kwonly_params)
        if len(positional) > len(positional_params):
            raise self.error(f"`{name}` takes {len(positional_params)} positional arguments, {len(positional)} "
                             "given", node)
        args = {}
        for param, arg in zip(positional_params, positional):
            if isinstance(arg.star, str) and arg.star:
                raise self.error("`*` arguments are not part of the dist language here", arg,
                                 "pass each argument by itself")
            args[param.name.value] = stream if (stream is not None and not args) else self.expr(arg.value)
        for key, value in keywords.items():
            if key not in [p.name.value for p in keyword_params]:
                what = "a positional-only parameter" if key in [p.name.value for p in signature.posonly_params] \
                    else "no parameter"
                raise self.error(f"`{name}` has {what} `{key}`", value,
                                 f"pass `{key}` by position" if what != "no parameter" else None)
            if key in args:
                raise self.error(f"`{name}` got two values for `{key}`", value)
            args[key] = self.expr(value)
        for param in every:
            key = param.name.value
            if key not in args:
                if param.default is None:
                    raise self.error(f"`{name}` is missing the argument `{key}`", node)
                args[key] = self.expr(param.default)
        return args

    def enter_function(self, fn: cst.FunctionDef, node, args: dict) -> Scope:
        """A fresh scope for one inlined call of `fn`, its parameters bound to the arguments."""
        inner = Scope(f"{self.fresh(fn.name.value)}.")
        for key, value in args.items():
            if isinstance(value, Stream):
                inner.env[key] = Binding(STREAM, stream=value)
            else:
                inner.env[key] = Binding(VALUE, val=value)
        return inner

    def inline(self, fn: cst.FunctionDef, node, positional, keywords, stream: Stream | None = None):
        name = fn.name.value
        if find_yield(fn) is not None:
            return self.generator_stream(fn, node, positional, keywords)
        args = self.bind_arguments(fn, node, positional, keywords, stream)
        outer_loc = self.call_loc
        targets, self.yield_targets = self.yield_targets, []  # a `yield` in here is not the caller's
        self.call_stack.append(name)
        self.call_loc = self.loc(node) or outer_loc
        try:
            with self.in_scope(self.enter_function(fn, node, args)):
                body = self._statements(fn)
                if not body or not is_return(body[-1]):
                    raise self.error(f"`{name}` must end with a `return` to be called from a @dist function",
                                     fn.name)
                for pair in body[:-1]:
                    self.statement(pair)
                result = self.expr(body[-1][1].value)
                if isinstance(result, Val) and result.random and not is_ref(result.node):
                    # read the value before the callee's columns can be reused or deleted
                    result = self.materialize(result, "_r")
                return result
        finally:
            self.call_stack.pop()
            self.call_loc = outer_loc
            self.yield_targets = targets


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
