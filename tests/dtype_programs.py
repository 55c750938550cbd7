"""Random kernels that mix dtypes, for the property tests of NumPy's promotion rules (tests/test_property_dtypes.py).

A program of `program_for_seed(seed)` reads float32 and float64 arrays, int64, int32 and bool arrays and NumPy
scalars of each kind, and combines them with Python literals (weak: `2.0`, `3`, `True`), sizes (`len(a)`, weak
Python ints), NumPy functions of literals (`np.sqrt(2.0)`, a strong float64), arithmetic, comparisons, `np.where`,
`np.clip`, `np.maximum`/`np.minimum`, `np.linspace` between scalars, reductions of every kind (a bool's sum is an
int, an int's mean a float), `astype` and NumPy's scalar types (`np.float32(x)`), `** 2` and `** 0.5`, `if`/`else`
on a scalar test whose sides may differ in dtype, and accumulators carried round `for` and `while` loops (augmented
assignments, a counter that may be a NumPy int, loops that may run no iteration), Python ints an `if` or a loop
makes meeting an int32 array. The arguments may hold -0.0, inf,
-inf and NaN; `Program.wrong` gives some of them in another dtype than the annotation's, which every form must
refuse at entry. It returns a tuple of values (their dtypes are what is checked) or, for the gradient, one float
scalar. Each program is checked by tests/hostile.py against Python itself: the NumPy backend (values, dtypes,
signed zeros), grad (its dtype is the parameter's), jvp, vmap against a loop, and the C CPU target against the
NumPy backend.

The generator only writes what Python itself runs without raising (no negation or subtraction of bools, no
integer division by a value that may be 0, no negative integer powers, Python ints past an integer dtype's range
only where NumPy does not raise: compared, times a float, a `np.clip` bound, `np.where`'s other side).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

# name, annotation, kind (f, i, b), rank
PARAMS = (("a", "f32[n]", "f", 1), ("b", "f64[n]", "f", 1), ("k", "i64[n]", "i", 1), ("j", "i32[n]", "i", 1),
          ("m", "bool[n]", "b", 1), ("s", "f32[]", "f", 0), ("t", "f64[]", "f", 0), ("c", "i64[]", "i", 0))
FLOAT_LITERALS = ("0.5", "2.0", "1.5", "-0.0", "3.0", "0.25")
INT_LITERALS = ("2", "3", "1", "-1")
N = 5
# constructs the generator writes, counted by tests (each must be reachable)
CONSTRUCTS = ("literal_float", "literal_int", "literal_bool", "size", "numpy_of_literal", "arith", "compare",
              "where", "clip", "maximum", "reduce", "astype", "square", "root", "unary", "branch", "floor_divide",
              "loop", "stopping_loop", "while_loop", "bitwise", "join", "builtin_extreme", "builtin_number", "big_int",
              "alias_update", "linspace", "scalar_type", "made_int", "join_dtype", "membership",
              "sort_in_place", "choose", "broadcast_fixed", "ufunc_out")


@dataclass
class Value:
    text: str
    kind: str  # f, i, b
    rank: int  # 0 or 1


class _Never(random.Random):
    """A stream whose every draw chooses the old program (`Generator`'s `later=False`)."""

    def random(self) -> float:
        return 1.0


class Generator:
    def __init__(self, rnd: random.Random, extra: random.Random | None = None, ints: random.Random | None = None,
                 made_ints: random.Random | None = None, later: bool = True):
        self.rnd = rnd
        self.made_ints = made_ints or random.Random(2)  # (Python ints an `if` or a loop makes: its own stream)
        self.extra = extra or random.Random(0)  # (choices added later: the programs of `rnd` stay as they were)
        self.ints = ints or random.Random(1)  # (Python ints past a dtype's range: wraps values, draws from no other)
        # (the twenty-second session's constructs, np.concatenate's dtype=, `in`, a.choose, np.broadcast_to: their
        # own stream, drawn after `rnd`'s; where one is written the program changes, so `later=False` writes none:
        # the programs that found bugs before, tests/test_gradient_dtypes.py)
        self.later = random.Random(3) if later else _Never()
        self.values: list[Value] = []
        self.used: set[str] = set()
        self.lines: list[str] = []
        self.count = 0

    def choice(self, options):
        return options[self.rnd.randrange(len(options))]

    def leaf(self) -> Value:
        roll = self.rnd.random()
        if roll < 0.55 or not self.values:
            pool = self.values + [Value(n, k, r) for n, _, k, r in PARAMS]
            return self.choice(pool)
        what = self.choice(("literal_float", "literal_float", "literal_int", "literal_bool", "size",
                            "numpy_of_literal"))
        self.used.add(what)
        if what == "literal_float":
            return Value(self.choice(FLOAT_LITERALS), "f", 0)
        if what == "literal_int":
            return Value(self.choice(INT_LITERALS), "i", 0)
        if what == "literal_bool":
            return Value("True", "b", 0)
        if what == "size":
            return Value(self.choice(("len(a)", "b.shape[0]")), "i", 0)
        return Value(self.choice(("np.sqrt(2.0)", "np.exp(0.5)", "np.abs(-1.5)")), "f", 0)

    def expr(self, depth: int) -> Value:
        value = self._expr(depth)
        return self.big_int(value) if self.ints.random() < 0.015 else value

    def big_int(self, x: Value) -> Value:
        """`x` meeting a Python int past int32 (or int64) where NumPy does not raise: compared (exactly), times a
        float (converted to the float), a `np.clip` bound past `x`'s range (dropped), `np.where`'s other side
        (cast unsafely: an int32 wraps). Where Python raises (`j + 2**40`) the generator writes nothing: Lifted
        refuses such literals at build time (tests/test_hostile_ints.py)."""
        self.used.add("big_int")
        pick = lambda options: options[self.ints.randrange(len(options))]  # noqa: E731
        what = pick(("compare", "compare", "float", "clip", "where"))
        if what == "compare" or x.kind == "b":
            big = pick(("2**40", "2**31", "(-2**31 - 1)", "3000000000", "2**63", "2**70"))
            if x.kind == "b" and big in ("2**63", "2**70"):  # NumPy raises OverflowError for a bool (seed 30051)
                big = "2**40"
            return Value(f"({x.text} {pick(('<', '>=', '=='))} {big})", "b", x.rank)
        big = pick(("2**40", "3000000000", "(2**40 + 5)"))
        if what == "float":
            scaled = x.text if x.kind == "f" else f"({x.text} * 1.0)"
            return Value(f"({scaled} * {pick(('2**70', '2**40', '3000000000'))})", "f", x.rank)
        if what == "clip" and x.kind == "i":
            return Value(f"np.clip({x.text}, -{big}, {big})", "i", x.rank)
        return Value(f"np.where({x.text} > 0, {x.text}, {big})", x.kind, x.rank)

    def _expr(self, depth: int) -> Value:
        if depth <= 0:
            return self.leaf()
        what = self.choice(("arith", "arith", "arith", "compare", "where", "clip", "maximum", "reduce", "astype",
                            "square", "root", "unary", "floor_divide", "leaf"))
        if what == "leaf":
            return self.leaf()
        if self.extra.random() < 0.1:
            what = self.extra.choice(("join", "builtin_extreme", "builtin_number", "linspace"))  # (`extra`: `rnd`'s
            # programs stay)
        self.used.add(what)
        x = self.expr(depth - 1)
        if what == "builtin_number":  # float(s), int(c): Python numbers (weak), whatever the scalar's dtype
            if x.rank:
                x = Value(f"np.sum({x.text})", "i" if x.kind == "b" else x.kind, 0)
            if x.kind == "f" or self.extra.random() < 0.5:
                return Value(f"float({x.text})", "f", 0)
            return Value(f"int({x.text})", "i", 0)
        if what == "builtin_extreme":  # Python's max/min of numbers: the first of the largest, NaN kept if first
            y, z = self.expr(depth - 1), self.leaf()
            items = [v if not v.rank else Value(f"np.sum({v.text})", "i" if v.kind == "b" else v.kind, 0)
                     for v in (x, y, z)][:self.extra.choice((2, 3))]
            if len({v.kind for v in items}) > 1:  # (one kind: max(2, 1.5) is an int or a float by value, refused)
                items = [Value(f"float({v.text})", "f", 0) for v in items]
            name = self.extra.choice(("max", "min"))
            return Value(f"{name}({', '.join(v.text for v in items)})", _promoted(*items), 0)
        if what == "linspace":  # between two scalars of any kind: float32 only where NumPy's result_type(start, stop,
            # float(num)) is, float64 otherwise; a differentiated end point's tangent spreads over the points
            y = self.expr(depth - 1)
            start, stop = (v if not v.rank else Value(f"np.sum({v.text})", "i" if v.kind == "b" else v.kind, 0)
                           for v in (x, y))
            endpoint = self.extra.choice(("", ", endpoint=False"))
            return Value(f"np.linspace({start.text}, {stop.text}, len(a){endpoint})", "f", 1)
        if what == "join":  # NumPy promotes the arrays it joins as arrays: float32 with an int is float64
            y = self.expr(depth - 1)
            x, y = (v if v.rank else Value(f"({v.text} + 0 * k)", _promoted(v, Value("k", "i", 1)), 1)
                    for v in (x, y))
            if self.extra.random() < 0.5:
                joined, kind = f"np.concatenate(({x.text}, {y.text})", _promoted(x, y)
                if self.later.random() < 0.5:  # its dtype= (same_kind: a float never to an int), or an unsafe cast
                    self.used.add("join_dtype")
                    source = kind
                    target, kind, rule = self.later.choice(
                        (("np.float32", "f", ""), ("np.float64", "f", ""), ("np.int64", "i", ", casting='unsafe'"),
                         ("bool", "b", ", casting='unsafe'")) if kind == "f" else
                        (("np.float32", "f", ""), ("np.int32", "i", ""), ("np.int64", "i", ", casting='safe'")))
                    if source == "f" and kind == "i":  # (a NaN or inf to an int is undefined: a float's sign instead)
                        joined = f"np.concatenate((np.sign({x.text}), np.sign({y.text}))"
                    joined += f", dtype={target}{rule}"
                return Value(f"{joined})[{self.choice(('::2', '1::2', ':len(a)'))}]", kind, 1)
            axis = self.choice(("0", "1"))
            kind = _promoted(x, y)
            return Value(f"np.stack(({x.text}, {y.text}), axis={axis}).sum(axis={axis})", "i" if kind == "b" else kind,
                         1)
        if what == "arith":
            used = set(self.used)
            y = self.expr(depth - 1)
            ops = ["+", "*"]
            if "b" not in (x.kind, y.kind):
                ops.append("-")  # NumPy refuses `-` on bools
            op = self.choice(ops)
            if self.later.random() >= 0.08:
                return Value(f"({x.text} {op} {y.text})", _promoted(x, y), max(x.rank, y.rank))
            # `in` over a list instead (after `rnd`'s draws, so the other programs stay): a Python bool (`or` of `==`)
            self.used = used | {"membership"}
            x = x if not x.rank else Value(f"{x.text}[1]", x.kind, 0)
            items = [self.later.choice(FLOAT_LITERALS + INT_LITERALS + ("True", "np.nan"))
                     for _ in range(self.later.choice((1, 2, 3)))]
            if x.kind != "f":  # (two run-time floats are refused: a NaN is itself but not equal to itself)
                items.append(self.later.choice(("c", "k[2]", "m[0]")))
            negated = self.later.choice(("in", "not in"))
            return Value(f"({x.text} {negated} [{', '.join(items)}])", "b", 0)
        if what == "compare":
            y = self.expr(depth - 1)
            op = self.choice(("<", "<=", "==", ">"))
            return Value(f"({x.text} {op} {y.text})", "b", max(x.rank, y.rank))
        if what == "where":
            y, z = self.expr(depth - 1), self.expr(depth - 1)
            cond = self.condition(depth - 1)
            if max(cond.rank, y.rank, z.rank) == 1 and self.later.random() < 0.3:  # the same choice as a.choose
                self.used.add("choose")  # (of an array result: a 0-d one is a NumPy scalar in NumPy's choose)
                return Value(f"np.asarray({cond.text}).choose([{z.text}, {y.text}])", _promoted(y, z), 1)
            return Value(f"np.where({cond.text}, {y.text}, {z.text})", _promoted(y, z),
                         max(cond.rank, y.rank, z.rank))
        if what == "clip":
            # (bounds from `a` or `b`: scalars of each example, which vmap makes a batch: NumPy's clip between two
            # scalars keeps a signed zero equal to a bound, that of arrays does not)
            low, high = self.choice((("-0.5", "1.5"), ("0", "2"), ("-1.0", "0.0"), ("s", "t"), ("c", "3"),
                                     ("np.min(a)", "np.max(a)"), ("np.min(b) * 0.0", "np.max(b)")))
            kind = _promoted(x, Value(low, "i" if low in ("0", "c") else "f", 0), Value(high, "i" if high in
                                                                                        ("2", "3") else "f", 0))
            if x.kind == "b":
                x = Value(f"({x.text} * 1)", "i", x.rank)
                kind = _promoted(x, Value(low, "f", 0)) if low not in ("0", "c") else kind
            return Value(f"np.clip({x.text}, {low}, {high})", kind if kind != "b" else "i", x.rank)
        if what == "maximum":
            y = self.expr(depth - 1)
            name = self.choice(("np.maximum", "np.minimum"))
            return Value(f"{name}({x.text}, {y.text})", _promoted(x, y), max(x.rank, y.rank))
        if what == "reduce":
            if x.rank == 0:
                x = Value(f"({x.text} + a)", _promoted(x, Value("a", "f", 1)), 1)
            name = self.choice(("np.sum", "np.mean", "np.max", "np.min"))
            kind = "f" if name == "np.mean" else ("i" if x.kind == "b" and name == "np.sum" else x.kind)
            return Value(f"{name}({x.text})", kind, 0)
        if what == "astype":
            target, kind = self.choice((("np.float32", "f"), ("np.float64", "f"), ("np.int64", "i")))
            if self.extra.random() < 0.25:  # NumPy's scalar type called on the value: a scalar of a scalar, an array
                self.used.add("scalar_type")  # of an array (the array itself where its dtype is the type's)
                if kind == "i" and x.kind == "f":
                    target, kind = "np.float32", "f"
                return Value(f"{target}({x.text})", kind, x.rank)
            if x.rank == 0:
                x = Value(f"({x.text} + b)", _promoted(x, Value("b", "f", 1)), 1)
            if kind == "i" and x.kind == "f":
                target, kind = "np.float32", "f"  # (a NaN or inf to an int is undefined)
            return Value(f"{x.text}.astype({target})", kind, 1)
        if what == "square":
            if x.kind == "b":  # (NumPy squares a bool array to int8, a dtype Lifted refuses)
                x = Value(f"({x.text} * 1)", "i", x.rank)
            return Value(f"({x.text} ** 2)", x.kind, x.rank)
        if what == "root":
            if x.kind != "f":
                x = Value(f"({x.text} * 0.5)", "f", x.rank)
            if x.rank == 0:  # a NumPy scalar (a Python float's negative root is complex): `- 0.0` keeps -0.0
                x = Value(f"({x.text} - np.sum(k[:0]) * 1.0)", "f", 0)  # (a float64 zero that depends on nothing)
            return Value(f"({x.text} ** 0.5)", "f", x.rank)
        if what == "unary":
            if x.kind == "b":
                x = Value(f"({x.text} * 1.0)", "f", x.rank)
            name = self.choice(("np.sin", "np.abs", "np.tanh", "-"))
            if x.rank == 1 and self.later.random() < 0.5:  # the named length n meets the literal size N of a fixed
                self.used.add("broadcast_fixed")  # target: checked at run time to be 1 or N (after `rnd`'s draws)
                return Value(f"np.broadcast_to({x.text}, (2, {N}))[{self.later.choice((0, 1, -1))}]", x.kind, 1)
            kind = x.kind if name in ("np.abs", "-") else "f"
            return Value(f"{name}({x.text})", kind, x.rank)
        # floor_divide: integers by a positive literal, floats by a float literal
        divisor = self.choice(("2", "3")) if x.kind != "f" else self.choice(("2.0", "0.5"))
        if x.kind != "f" and self.extra.random() < 0.5:
            return self.bitwise(x)
        return Value(f"({x.text} // {divisor})", x.kind if x.kind != "b" else "i", x.rank)

    def bitwise(self, x: Value) -> Value:
        """`& | ^ ~ << >>` and np.gcd on integers and booleans (chosen by `extra`: the programs of `rnd` stay): shifts
        by arrays of counts (any count: NumPy's are defined for all), never of two bools (int8 in NumPy) or of two
        Python ints (Python's int grows), `~` never of a Python bool (`~True` is -2)."""
        self.used.add("bitwise")
        pick = lambda options: options[self.extra.randrange(len(options))]  # noqa: E731
        op = pick(("&", "|", "^", "<<", ">>", "~", "gcd"))
        if op == "~":
            if x.kind == "b" and x.rank == 0:
                x = Value(f"({x.text} * 1)", "i", 0)
            return Value(f"(~{x.text})", x.kind, x.rank)
        if op in ("<<", ">>", "gcd"):
            if x.kind == "b":
                x = Value(f"({x.text} * 1)", "i", x.rank)
            y = pick((Value("k", "i", 1), Value("j", "i", 1), Value("c", "i", 0) if x.rank else Value("k", "i", 1)))
            text = f"np.gcd({x.text}, {y.text})" if op == "gcd" else f"({x.text} {op} {y.text})"
            return Value(text, _promoted(x, y), max(x.rank, y.rank))
        y = pick((Value("k", "i", 1), Value("j", "i", 1), Value("m", "b", 1), Value("3", "i", 0), Value("c", "i", 0)))
        return Value(f"({x.text} {op} {y.text})", _promoted(x, y), max(x.rank, y.rank))

    def condition(self, depth: int) -> Value:
        x, y = self.expr(depth), self.expr(depth)
        return Value(f"({x.text} {self.choice(('<', '>=', '=='))} {y.text})", "b", max(x.rank, y.rank))

    def assign(self, depth: int) -> None:
        name = f"v{self.count}"
        self.count += 1
        if self.made_ints.random() < 0.06:
            return self.made_int(name)
        if self.rnd.random() < 0.15:
            return self.loop(name, depth)
        if self.rnd.random() < 0.2:
            self.used.add("branch")
            test = self.expr(1)
            if test.rank:
                test = Value(f"np.sum({test.text})", "i" if test.kind == "b" else test.kind, 0)
            then, other = self.expr(depth), self.expr(depth)
            if then.rank != other.rank:  # one rank on both sides: lift the scalar side onto the vector
                then, other = (Value(f"({v.text} + 0 * b)", _promoted(v, Value("b", "f", 1)), 1) if v.rank == 0
                               else v for v in (then, other))
            if self.rnd.random() < 0.6:  # one dtype on both sides (else a dtype that differs is refused)
                then, other = (Value(f"({v.text} + np.sum(k[:0]) * 1.0)" if v.rank == 0 else
                                     f"{v.text}.astype(np.float64)", "f", v.rank) for v in (then, other))
            self.lines += [f"    if {test.text} > 0:", f"        {name} = {then.text}", "    else:",
                           f"        {name} = {other.text}"]
            # a value that may be a bool on the path Python takes is written as a bool (no `-` of it)
            kind = "b" if "b" in (then.kind, other.kind) else then.kind if then.kind == other.kind else \
                "f" if "f" in (then.kind, other.kind) else "i"
            self.values.append(Value(name, kind, then.rank))
            return
        value = self.expr(depth)
        self.lines.append(f"    {name} = {value.text}")
        self.values.append(Value(name, value.kind, value.rank))


    def made_int(self, name: str) -> None:
        """A Python int made by an `if`/`else` (both sides Python ints) or carried round a loop, then meeting the
        int32 array `j` (NEP 50: converted to int32, so the C target checks its range on the host after the
        statement that makes it: nussinov's `max(table[i, j], table[i + 1, j - 1] + match(...))`)."""
        self.used.add("made_int")
        pick = lambda options: options[self.made_ints.randrange(len(options))]  # noqa: E731
        if self.made_ints.random() < 0.5:
            self.lines += [f"    if {pick(('c', 'len(a) - 3', 'np.sum(m)'))} > 0:",
                           f"        {name} = {pick(('len(a) * 2', '3', 'len(a) - 1'))}", "    else:",
                           f"        {name} = {pick(('1', 'len(a)', '-2'))}"]
        else:
            self.lines += [f"    {name} = {pick(('0', '1'))}", f"    for i in range({pick(('len(a)', '3'))}):",
                           f"        {name} = {name} + {pick(('i', '2 * i', '1'))}"]
        self.lines.append(f"    {name} = j {pick(('+', '-', '*'))} {name}")
        self.values.append(Value(name, "i", 1))

    def loop(self, name: str, depth: int) -> None:
        """An accumulator carried round a `for` loop that runs at least once: a Python number or a NumPy scalar
        to start, the loop index (a Python int) in the body, the accumulator's dtype set by what it meets. Or a
        loop that `break`s, over a range that starts at a NumPy integer (which `range` makes Python ints of; one
        that differs between the examples of a vmap where it counts the batched `a`) and may run no iteration,
        so that the accumulator keeps its Python number."""
        if self.rnd.random() < 0.5:
            return self.stopping_loop(name, depth)
        self.used.add("loop")
        init = self.choice((Value("0", "i", 0), Value("0.0", "f", 0), Value("1", "i", 0), Value("np.sqrt(1.0)", "f", 0)))
        self.values.append(Value("i", "i", 0))
        body = self.expr(depth)
        self.values.pop()
        if body.rank:
            body = Value(f"np.sum({body.text})", "i" if body.kind == "b" else body.kind, 0)
        scale = self.choice((Value("0.5", "f", 0), Value("2", "i", 0), Value("s", "f", 0)))
        stop = self.choice(('1', '3', 'len(a)'))
        if self.extra.random() < 0.35:
            return self.while_loop(name, init, scale, body, stop)
        self.lines += [f"    {name} = {init.text}", f"    for i in range({stop}):",
                       f"        {name} = {name} * {scale.text} + {body.text}"]
        kind = _promoted(init, scale, body)
        self.values.append(Value(name, kind if kind != "b" else "i", 0))


    def while_loop(self, name: str, init: Value, scale: Value, body: Value, stop: str) -> None:
        """The accumulator loop as users also write it: a `while` over a counter and augmented assignments. The
        counter starts at a Python int, the NumPy int `c` (or a Python int: the argument may be either) or a
        bool array's sum (np.int64: `x32 * i` is then float64, not float32 as for `range`'s Python ints), and the
        loop may run no iteration (`c` >= `stop`), keeping the accumulator's Python number."""
        self.used.add("while_loop")
        start = self.extra.choice(("0", "c", "np.sum(m)"))
        self.lines += [f"    {name} = {init.text}", f"    i = {start}", f"    while i < {stop}:",
                       f"        {name} *= {scale.text}", f"        {name} += {body.text}", "        i = i + 1"]
        kind = _promoted(init, scale, body)
        self.values.append(Value(name, kind if kind != "b" else "i", 0))

    def stopping_loop(self, name: str, depth: int) -> None:
        self.used.add("stopping_loop")
        init = self.choice((Value("0", "i", 0), Value("0.0", "f", 0), Value("0.1", "f", 0), Value("1.5", "f", 0)))
        self.values.append(Value("i", "i", 0))
        body = self.expr(depth)
        self.values.pop()
        if body.rank:
            body = Value(f"np.sum({body.text})", "i" if body.kind == "b" else body.kind, 0)
        if body.kind == "b":
            body = Value(f"({body.text} * 1)", "i", 0)
        start = self.choice(("c", "np.sum(m)", "np.sum(a > 0)"))
        self.lines += [f"    {name} = {init.text}", f"    for i in range({start}, {self.choice(('4', '1', '-1'))}):",
                       f"        {name} = {name} + {body.text} * i",
                       f"        if i > {self.choice(('0', '2'))}:", "            break"]
        kind = _promoted(init, body)
        self.values.append(Value(name, kind, 0))


def _alias_update(rnd: random.Random, gen: Generator) -> str | None:
    """A rank-0 float parameter held by another name (or a 0-d view of it), then updated in place: `w = t;
    t += np.sum(b)`. Its arguments are NumPy scalars or Python numbers, so `+=` makes a new value (the old name
    keeps the old one; the generated function's entry check refuses only a 0-d array) of the promoted dtype (a
    Python float `t` plus a float32 is float32). Returns the old name's text, read at the end."""
    if rnd.random() >= 0.25:
        return None
    gen.used.add("alias_update")
    target = rnd.choice(("t", "s"))
    held = rnd.choice((target, f"np.reshape({target}, ())", f"({target},)[0]"))
    update = rnd.choice(("np.sum(b)", "np.max(a)", "s", "c", "np.mean(k)", "0.5"))
    gen.lines += [f"    w = {held}", f"    {target} {rnd.choice(('+=', '*=', '-='))} {update}"]
    return "w"


def _sort_in_place(rnd: random.Random, gen: Generator) -> str | None:
    """`srt.sort()` of a new array with a view of it taken first (`rev = srt[::-1]`): the view sees the sort, as in
    Python (normalize/sort_in_place.py); the result reads `rev` (not the expressions: the programs of `rnd` stay)."""
    if rnd.random() >= 0.2:
        return None
    gen.used.add("sort_in_place")
    source = rnd.choice(("a", "b", "k", "j", "m"))
    gen.lines += [f"    srt = {source} * 1", "    rev = srt[::-1]",
                  "    srt.sort(" + rnd.choice(("", "kind='stable'", "0", "axis=-1")) + ")"]
    return "rev"


def _ufunc_out(rnd: random.Random, gen: Generator) -> str | None:
    """A ufunc written into a new array through `out=` (keyword, NumPy's positional one, or a tuple), sometimes
    with `where=`, a view of that array taken first: the view sees the write, the result computed in the
    inputs' loop and cast with casting='same_kind' into the float32 or float64 target (normalize/ufunc_out.py; the
    result reads the view, so the programs of `rnd` stay)."""
    if rnd.random() >= 0.2:
        return None
    gen.used.add("ufunc_out")
    operands = ("a", "b", "k", "j", "s", "t", "c", "0.5", "2")
    x, y = rnd.choice(operands + ("m",)), rnd.choice(operands)
    out = rnd.choice(("out=dst", "out=(dst,)", "dst"))
    where = rnd.choice(("", "", ", where=m", ", where=a > 0"))
    out = f"out={out}" if where and out == "dst" else out  # (where= after a positional out is a keyword too)
    call = rnd.choice((f"np.add({x}, {y}, {out}{where})", f"np.multiply({x}, {y}, {out}{where})",
                       f"np.maximum({x}, {y}, {out}{where})", f"np.exp({y}, {out}{where})",
                       f"np.negative({y}, {out}{where})", f"np.sqrt(np.abs({y}), {out}{where})"))
    gen.lines += [f"    dst = {rnd.choice(('a', 'b'))} * 1", "    seen = dst[::-1]", f"    {call}"]
    return "seen"


def _promoted(*values: Value) -> str:
    kinds = {v.kind for v in values}
    return "f" if "f" in kinds else "i" if "i" in kinds else "b"


@dataclass
class Program:
    source: str
    args: list
    used: set
    wrong: list  # (position, an argument of another dtype than the annotation's): every form refuses it at entry


def program_for_seed(seed: int, later: bool = True) -> Program:
    """A kernel `f` and its arguments, a pure function of `seed` (`later`: with the constructs added in the
    twenty-second session; without, the program the seed gave before them)."""
    rnd = random.Random(seed)
    gen = Generator(rnd, random.Random(f"extra {seed}"), random.Random(f"ints {seed}"), random.Random(f"made {seed}"),
                    later)
    alias = _alias_update(random.Random(f"alias {seed}"), gen)  # (its own stream: the other programs stay)
    ordered = _sort_in_place(random.Random(f"sort {seed}"), gen) if later else None  # (so has this)
    written = _ufunc_out(random.Random(f"out {seed}"), gen) if later else None  # (and this: after the sort's)
    for _ in range(rnd.randint(2, 5)):
        gen.assign(rnd.randint(1, 3))
    first = rnd.choice(("a", "b"))
    if later and random.Random(f"scalar first {seed}").random() < 0.2:  # (its own stream: the programs stay)
        first = random.Random(f"scalar {seed}").choice(("s", "t"))  # a 0-d float first: its gradient's dtype
    params = [p for p in PARAMS if p[0] == first] + [p for p in PARAMS if p[0] != first]
    signature = ", ".join(f'{name}: "{note}"' for name, note, _, _ in params)
    if rnd.random() < 0.4:  # one float scalar: grad(f) is checked too
        floats = [v for v in gen.values if v.kind == "f"] or [Value("a", "f", 1)]
        result = f"np.sum({rnd.choice(floats).text} * {first})"
    else:
        picked = rnd.sample(gen.values, min(len(gen.values), rnd.randint(1, 3)))
        result = ", ".join(v.text for v in picked) + ("," if len(picked) == 1 else "")
    if alias is not None:  # the old value, read after the update (a NumPy scalar's `+=` is a new value)
        result = f"{result.rstrip(',')}, {alias}" if "," in result else f"{result} + {alias}"
    if ordered is not None:  # (read after the sort: a view of the sorted array)
        result = f"{result.rstrip(',')}, {ordered}" if "," in result else f"{result} + np.sum({ordered})"
    if written is not None:  # (read after the write: a view of the written array)
        result = f"{result.rstrip(',')}, {written}" if "," in result else f"{result} + np.sum({written})"
    lines = ["@kernel", f"def f({signature}):"] + gen.lines + [f"    return {result}"]
    args = [_argument(rnd, name) for name, *_ in params]
    return Program("\n".join(lines) + "\n", args, gen.used, wrong_dtypes(args, random.Random(f"wrong {seed}")))


# another dtype for an argument's: Python computes in the argument's, so every form refuses it (never converts)
OTHER_DTYPES = {np.dtype(np.float32): (np.float64, np.float16, np.int32), np.dtype(np.float64): (np.float32, np.int64,
                np.bool_), np.dtype(np.int64): (np.int32, np.float64, np.bool_), np.dtype(np.int32): (np.int64, np.uint8),
                np.dtype(np.bool_): (np.int64, np.float64)}


def wrong_dtypes(args: list, rnd: random.Random) -> list:
    """One array or NumPy scalar argument of each program in another dtype (a Python number is weak: not one)."""
    wrong = []
    for position, value in enumerate(args):
        if isinstance(value, (np.ndarray, np.generic)):
            other = np.dtype(rnd.choice(OTHER_DTYPES[value.dtype]))
            with np.errstate(invalid="ignore"):  # (NaN or inf made an int: refused before it is read)
                wrong.append((position, value.astype(other) if isinstance(value, np.ndarray) else other.type(value)))
    return wrong


def _argument(rnd: random.Random, name: str):
    edges = rnd.random() < 0.3
    floats = np.round(np.array([rnd.uniform(-2.0, 2.0) for _ in range(N)]), 2)
    if edges:
        for position in rnd.sample(range(N), 2):
            floats[position] = rnd.choice((-0.0, 0.0, np.inf, -np.inf, np.nan))
    ints = np.array([rnd.randint(-3, 4) for _ in range(N)])
    scalar_float = rnd.choice((-0.0, np.inf, -np.inf)) if edges and rnd.random() < 0.5 else round(rnd.uniform(-2, 2), 2)
    return {"a": floats.astype(np.float32), "b": floats[::-1].copy(), "k": ints, "j": ints[::-1].astype(np.int32),
            "m": ints > 0, "s": np.float32(scalar_float), "t": _scalar(rnd, np.float64, -scalar_float),
            "c": _scalar(rnd, np.int64, rnd.randint(-2, 3))}[name]


def _scalar(rnd: random.Random, numpy_type, value):
    """A NumPy scalar, or (a third of the time) the Python number, which NumPy promotes as a weak scalar."""
    return value if rnd.random() < 1 / 3 else numpy_type(value)


def tree_program(seed: int) -> Program:
    """Program `seed` with its parameters after the first gathered into one tree parameter `p` (a dict for even
    seeds, a list of a tuple and the rest for odd ones) that the kernel unpacks first: its `wrong` arguments are
    the tree with one leaf in another dtype, refused at entry naming that leaf as the caller writes it
    (`p['k']`, `p[0][1]`). Python numbers among the leaves are NumPy scalars here (a weak Python number in a tree
    is refused where it would promote: tests/test_property_dtypes.py checks that apart)."""
    program = program_for_seed(seed)
    head, _, rest = program.source.partition("def f(")
    signature, _, body = rest.partition("):\n")
    params = [(p.split(":")[0].strip(), p.split(":")[1].strip().strip('"')) for p in signature.split(", ")]
    (first, first_note), leaves = params[0], params[1:]
    args = [program.args[0]] + [np.asarray(a)[()] if type(a) in (bool, int, float) else a for a in program.args[1:]]
    if seed % 2 == 0:
        note = "{" + ", ".join(f"'{name}': {leaf}" for name, leaf in leaves) + "}"
        paths = {name: f"p[{name!r}]" for name, _ in leaves}
        tree = {name: value for (name, _), value in zip(leaves, args[1:])}
    else:
        note = f"[({leaves[0][1]}, {leaves[1][1]}), " + ", ".join(leaf for _, leaf in leaves[2:]) + "]"
        paths = {name: (f"p[0][{k}]" if k < 2 else f"p[{k - 1}]") for k, (name, _) in enumerate(leaves)}
        tree = [(args[1], args[2])] + args[3:]
    unpack = "".join(f"    {name} = {path}\n" for name, path in paths.items())
    source = f'{head}def f({first}: "{first_note}", p: "{note}"):\n{unpack}{body}'
    wrong = []
    for position, value in program.wrong:
        if position == 0:
            wrong.append((0, value))
            continue
        name = leaves[position - 1][0]
        changed = dict(tree) if isinstance(tree, dict) else [tuple(tree[0])] + list(tree[1:])
        if isinstance(changed, dict):
            changed[name] = value
        elif position <= 2:
            changed[0] = tuple(value if k == position - 1 else v for k, v in enumerate(changed[0]))
        else:
            changed[position - 2] = value
        wrong.append((1, changed, paths[name], value))
    return Program(source, [args[0], tree], program.used, wrong)
