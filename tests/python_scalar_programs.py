"""A generator of random scalar kernels written in Python's own scalar idioms, as source text (seeded).

Each program is one `@kernel def f(a: "f64[]", b: "f64[]", k: "i64[]", x: "f64[n]")` whose body mixes what a
user writes in scalar Python: int/float mixing, `//`, `%`, `divmod`, `**` (negative, fractional and zero
exponents, a negative base), `abs`, `round` (with and without digits), `int()`/`float()`/`bool()`, builtin
`min`/`max` (NaN first or last, ints against floats), `sum` of a list, `and`/`or` (an operand, not a bool; a guard
`k != 0 and a / k > b` whose division Python skips),
`not`, conditional expressions, chained comparisons, shifts of ints (`k << (k % 4 - 2)`), big Python ints (`2**70`, `3**40`), `True + True`, `-0.0`,
`math.*` (`sqrt`, `log` and `exp` raise where NumPy gives nan or inf; `floor`/`ceil`/`trunc` return ints),
augmented assignments, tuple swaps (`a, b = b, a + b`), `for` loops with `break`/`continue`/`else`, `while` over an
int counter, nested functions with defaults and keyword calls, early `return`s, NumPy scalars
(`np.float64`, `np.float32`, `np.sqrt` of a number, `x[i]`) beside Python numbers.

Even seeds write only what the kernel language takes (`core`: no `math.*`, `round`, `bool()`, `sum`, `for ...
else`, `and`/`or`/`not` of conditions only), so that most of their programs are checked rather than refused; odd
seeds write everything, and their refusals are counted. `scalar_program(seed)` gives (source, argument lists): the arguments are Python floats and ints, NumPy scalars of
the annotated dtype, and the corners (NaN, inf, -0.0, 0, 2**53 + 1). The judge is tests/test_python_scalars.py.
"""
from __future__ import annotations

import random

import numpy as np

HEAD = "import math\nimport numpy as np\nfrom lifted import grad, jvp, kernel\n"
SIGNATURE = 'def f(a: "f64[]", b: "f64[]", k: "i64[]", x: "f64[n]"):'

FLOATS = [0.0, -0.0, 1.0, -1.0, 2.5, -3.5, 0.1, 7.25, 1e300, -2.0, float("nan"), float("inf"), float("-inf"), 0.5,
          3.0, 1.5]
INTS = [0, 1, -1, 2, 3, -7, 10, 5, 2**53 + 1, -4]
FLOAT_LITERALS = ["0.0", "-0.0", "1.0", "2.5", "0.5", "-1.5", "3.0", "1e-3", "0.1", "1e308"]
INT_LITERALS = ["0", "1", "2", "3", "-1", "7", "-4", "10", "2 ** 53", "2 ** 70", "3 ** 40", "True", "False"]
MATH = ["math.sqrt", "math.floor", "math.ceil", "math.trunc", "math.fabs", "math.exp", "math.log", "math.sin",
        "math.atan", "math.tanh", "math.copysign"]
NUMPY = ["np.float64", "np.float32", "np.sqrt", "np.abs", "np.floor", "np.exp", "np.log1p", "np.int64"]


class ScalarGenerator:
    """Random expressions and statements over the scalar names in scope (seeded; see the module docstring)."""

    def __init__(self, rnd: random.Random, core: bool = False):
        self.rnd = rnd
        self.core = core  # only what the kernel language takes (no math.*, round, bool(), sum, for-else, ...)
        self.lines: list[str] = []
        self.names = ["a", "b", "k"]
        self.fresh = 0
        self.helpers: list[str] = []
        self.counters: set[str] = set()  # while counters: never rebound in the body (the loop must end)

    # ---- expressions ------------------------------------------------------------------------------------
    def leaf(self) -> str:
        roll = self.rnd.random()
        if roll < 0.55:
            return self.rnd.choice(self.names)
        if roll < 0.7:
            return self.rnd.choice(FLOAT_LITERALS)
        if roll < 0.85:
            return self.rnd.choice(INT_LITERALS)
        if roll < 0.95:
            return f"x[{self.rnd.randrange(-3, 3)}]"
        return "x[k % 3]"

    def expr(self, depth: int = 0) -> str:
        if depth >= 3 or self.rnd.random() < 0.25:
            return self.leaf()
        r = self.rnd
        e = lambda: self.expr(depth + 1)  # noqa: E731
        roll = r.randrange(30)
        if roll < 7:
            op = r.choice(["+", "-", "*", "/", "//", "%", "+", "*", "-"])
            return f"({e()} {op} {e()})"
        if roll < 9:
            return self.power(e)
        if roll == 9:
            return f"(-{e()})"
        if roll == 10:
            return f"abs({e()})"
        if self.core and roll in (11, 14, 19) or self.core and roll == 20 and r.random() < 0.5:
            return f"({e()} {r.choice(['+', '*', '-', '/', '//', '%'])} {e()})"
        if self.core and roll == 15 and r.random() < 0.3:  # a guard: Python never divides by the zero it tests
            guard = r.choice(self.names)
            return f"({guard} {r.choice(['!=', '>'])} 0 {r.choice(['and', 'or'])} {e()} {r.choice(['/', '//', '%'])} " \
                f"{guard} > {e()})"
        if self.core and roll in (15, 16):
            return f"({'not ' if roll == 16 else ''}{self.condition(depth + 1)}"  \
                f"{' ' + r.choice(['and', 'or']) + ' ' + self.condition(depth + 1) if roll == 15 else ''})"
        if self.core and roll == 25 and r.random() < 0.5:  # a shift of ints (a negative count raises ValueError)
            return f"({r.choice(['k', '(k % 5)', '(-k)'])} {r.choice(['<<', '>>'])} " \
                f"{r.choice(['2', '(k % 4)', '(k % 4 - 2)'])})"
        if self.core and roll == 12:
            return f"{r.choice(['int', 'float'])}({e()})"
        if self.core and roll == 20:
            return f"{r.choice(['np.sqrt', 'np.abs', 'np.floor', 'np.exp'])}({e()})"
        if roll == 11:
            return r.choice([f"round({e()})", f"round({e()}, {r.choice([0, 1, 2, -1])})"])
        if roll == 12:
            return f"{r.choice(['int', 'float', 'bool'])}({e()})"
        if roll == 13:
            fn = r.choice(["min", "max"])
            return f"{fn}({', '.join(e() for _ in range(r.choice([2, 2, 3])))})"
        if roll == 14:
            return f"sum([{', '.join(e() for _ in range(r.choice([1, 2, 3])))}])"
        if roll == 15:
            return f"({e()} {r.choice(['and', 'or'])} {e()})"
        if roll == 16:
            return f"(not {e()})"
        if roll == 17:
            return f"({e()} if {self.condition(depth + 1)} else {e()})"
        if roll == 18:
            return self.condition(depth + 1)
        if roll == 19:
            fn = r.choice(MATH)
            return f"{fn}({e()}, {e()})" if fn == "math.copysign" else f"{fn}({e()})"
        if roll == 20:
            return f"{r.choice(NUMPY)}({e()})"
        if roll == 21:
            return f"divmod({e()}, {e()})[{r.randrange(2)}]"
        if roll == 22:
            return f"(True + {e()})"
        if roll == 23 and self.helpers:
            return self.call_helper(e)
        if roll == 24:
            return f"float(x[{r.randrange(3)}])"
        return f"({e()} {r.choice(['+', '*', '-'])} {e()})"

    def power(self, e) -> str:
        """`**` whose size stays small: a literal exponent, or a float parameter's with a literal base."""
        r = self.rnd
        if r.random() < 0.6:
            exponent = r.choice(["2", "3", "-1", "-2", "0", "0.5", "(1 / 3)", "-0.5", "2.0", "1"])
            return f"({e()} ** {exponent})"
        base = r.choice(["2", "-8", "0", "0.0", "-2.0", "1.5", "(-8)", "10"])
        return f"({base} ** {r.choice(['a', 'b', 'x[0]'])})"

    def condition(self, depth: int) -> str:
        r = self.rnd
        e = lambda: self.expr(depth + 1)  # noqa: E731
        ops = ["<", "<=", ">", ">=", "==", "!="]
        if r.random() < 0.3:
            return f"({e()} {r.choice(ops)} {e()} {r.choice(ops)} {e()})"
        return f"({e()} {r.choice(ops)} {e()})"

    def call_helper(self, e) -> str:
        name, arity = self.rnd.choice(self.helpers_arity)
        if arity == 1 or self.rnd.random() < 0.4:
            return f"{name}({e()})"
        if self.rnd.random() < 0.5:
            return f"{name}({e()}, c={e()})"
        return f"{name}({e()}, {e()})"

    # ---- statements -------------------------------------------------------------------------------------
    def new_name(self) -> str:
        self.fresh += 1
        return f"v{self.fresh}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def statement(self, indent: int, loop: bool = False) -> None:
        r = self.rnd
        roll = r.randrange(14 if indent < 3 else 8)
        if roll < 3:
            name = self.new_name() if r.random() < 0.6 or indent > 1 else \
                r.choice([n for n in self.names if n not in self.counters])
            self.emit(indent, f"{name} = {self.expr()}")
            if indent == 1 and name not in self.names:
                self.names.append(name)
        elif roll < 5:
            target = r.choice([n for n in self.names if n not in self.counters])
            op = r.choice(["+=", "-=", "*=", "/=", "//=", "%="] + ([] if loop else ["**="]))
            value = r.choice(["2", "3", "0.5", "-1", "2.0"]) if op == "**=" else self.expr(1)
            self.emit(indent, f"{target} {op} {value}")
        elif roll == 5:
            p, q = r.sample([n for n in self.names if n not in self.counters], 2)
            self.emit(indent, f"{p}, {q} = {q}, {p} {r.choice(['+', '*', '-'])} {q}")
        elif roll == 6 and loop:
            self.emit(indent, f"if {self.condition(1)}:")
            self.emit(indent + 1, r.choice(["break", "continue"]))
        elif roll == 7 and indent > 1:
            self.emit(indent, f"if {self.condition(1)}:")
            self.emit(indent + 1, f"return {self.expr(1)}")
        elif roll < 10:
            self.emit(indent, f"if {self.condition(1)}:")
            self.block(indent + 1, loop)
            if r.random() < 0.6:
                self.emit(indent, "else:")
                self.block(indent + 1, loop)
        elif roll < 12:
            index = self.new_name()
            self.emit(indent, f"for {index} in range({r.choice(['3', '4', '1, 5', '5, 0, -2', '0'])}):")
            self.names.append(index)
            self.block(indent + 1, True)
            self.names.remove(index)
            if r.random() < 0.4 and not self.core:
                self.emit(indent, "else:")
                self.block(indent + 1, loop)
        else:
            counter = self.new_name()
            self.emit(indent, f"{counter} = {r.choice(['0', '1', '-2'])}")
            self.emit(indent, f"while {counter} < {r.choice(['3', '4', '2'])}:")
            self.emit(indent + 1, f"{counter} += {r.choice(['1', '2'])}")  # first: a `continue` skips the rest
            self.names.append(counter)
            self.counters.add(counter)
            self.block(indent + 1, True)
            self.names.remove(counter)
            self.counters.discard(counter)

    def block(self, indent: int, loop: bool) -> None:
        for _ in range(self.rnd.choice([1, 1, 2])):
            self.statement(indent, loop)

    def helper(self) -> str:
        """A nested function with a default argument, called positionally and by keyword."""
        saved, self.names = self.names, ["p", "c"]
        body = f"        return {self.expr(1)}"
        self.names = saved
        return f"    def h(p, c={self.rnd.choice(['2', '0.5', '-1', '3.0'])}):\n{body}"

    def program(self) -> str:
        self.helpers_arity: list[tuple[str, int]] = []
        head = ["@kernel", SIGNATURE]
        if self.rnd.random() < 0.35:
            head.append(self.helper())
            self.helpers_arity.append(("h", 2))
            self.helpers.append("h")
        for _ in range(self.rnd.randrange(1, 5)):
            self.statement(1)
        returned = self.expr() if self.rnd.random() < 0.7 else f"{self.expr()}, {self.expr()}"
        self.emit(1, f"return {returned}")
        return HEAD + "\n\n" + "\n".join(head + self.lines) + "\n"


def _float_argument(rnd: random.Random):
    value = rnd.choice(FLOATS)
    roll = rnd.random()
    if roll < 0.2:
        return np.float64(value)
    if roll < 0.3 and float(value).is_integer() and abs(value) < 1e6:
        return int(value)  # an int for a float parameter
    return value


def _int_argument(rnd: random.Random):
    value = rnd.choice(INTS)
    return np.int64(value) if rnd.random() < 0.2 else value


def scalar_program(seed: int, calls: int = 4) -> tuple[str, list[list]]:
    """The program of `seed` and `calls` argument lists for it (the first: plain finite Python numbers)."""
    rnd = random.Random(seed)
    source = ScalarGenerator(rnd, core=seed % 2 == 0).program()
    argument_lists = [[rnd.choice([0.7, -1.3, 2.25]), rnd.choice([1.5, -0.4, 3.0]), rnd.choice([2, -3, 5]),
                       np.array([0.5, -1.25, 2.0])]]
    for _ in range(calls - 1):
        x = np.array([rnd.choice(FLOATS) for _ in range(3)])
        argument_lists.append([_float_argument(rnd), _float_argument(rnd), _int_argument(rnd), x])
    return source, argument_lists
