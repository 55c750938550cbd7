"""Property test for the reverse sweep's adjoint bookkeeping: random kernels where three values read from one
parameter (`a = p[0] * 1.0`, `b`, `c`) meet again and again in sums, differences, negations and products, in
straight-line code, `for` loops and `if/else`, with augmented assignments (`b *= a * 0.3`).

Each value's adjoint is then the sum of many contributions, several values receive the same ones, and the
builder reuses an equal expression it computed before: `ds2 - du`, made as one value's adjoint, handed back as
another's. That is where the sweep once updated an array two adjoints shared in place (issue 10: a wrong
gradient for `(b + r) * (b + r)`). The broader generators (test_property.py, test_property_semantics.py) reach
such programs rarely; this one writes little else.

Oracles: central finite differences of Python's `f` (at two step sizes, which must agree first) and autograd
on the source. No name here is bound to another's array (a bare name on the right is written `name * 1.0`), so
autograd's `a = a + (e)` for `a += e` computes what Python does.

Default suite: a fixed sample of seeds. Long run: `LIFTED_ADJOINT_PROGRAMS=5000 pytest -m slow
tests/test_property_adjoints.py -s`.
"""
from __future__ import annotations

import os
import random
import time
import warnings

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import autograd_kernels, load_source
from test_property import desugar_augmented


class AdjointProgramGenerator:
    """One random kernel over `p: f64[3,n]`; every choice comes from `rnd`."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd
        self.names = ["a", "b", "c"]
        self.lines = ["a = p[0] * 1.0", "b = p[1] * 1.0", "c = p[2] * 1.0"]
        self.indent = ["    "] * 3
        self.counter = 0

    def expr(self, depth: int = 2) -> str:
        if depth == 0 or self.rnd.random() < 0.3:
            return self.rnd.choice(self.names)
        e = lambda: self.expr(depth - 1)  # noqa: E731
        roll = self.rnd.randrange(6)
        if roll == 0:
            return f"({e()} + {e()})"
        if roll == 1:
            return f"({e()} - {e()})"
        if roll == 2:
            return f"({e()} * {e()})"
        if roll == 3:
            return f"np.sin({e()})"
        if roll == 4:
            return f"-{e()}"
        return f"({e()} * {self.rnd.choice(('0.5', '-1.0', '2.0'))})"

    def value(self) -> str:
        """An expression that makes a new array (never a bare name: that would bind two names to one array)."""
        text = self.expr()
        return f"{text} * 1.0" if text in self.names else text

    def emit(self, indent: int, line: str) -> None:
        self.lines.append(line)
        self.indent.append("    " * indent)

    def statement(self, indent: int, depth: int) -> None:
        roll = self.rnd.randrange(10 if depth < 2 else 6)
        if self.rnd.random() < 0.3:
            self.counter += 1
            name = f"v{self.counter}"
            self.emit(indent, f"{name} = {self.value()}")
            if indent == 1:  # defined on every path
                self.names.append(name)
            return
        target = self.rnd.choice(("a", "b", "c"))
        if roll < 3:  # the same subexpression twice: its two adjoints add up to one array
            shared = self.expr(1)
            self.emit(indent, f"{target} = {target} * 0.5 + {shared} * {shared} * 0.1")
        elif roll < 5:
            self.emit(indent, f"{target} = np.tanh({self.expr()})")
        elif roll < 6:
            self.emit(indent, f"{target} {self.rnd.choice(('+=', '-=', '*='))} {self.expr(1)} * 0.3")
        elif roll < 8:
            self.emit(indent, f"for i{indent} in range({self.rnd.randint(1, 3)}):")
            for _ in range(self.rnd.randint(1, 3)):
                self.statement(indent + 1, depth + 1)
        else:
            self.emit(indent, f"if np.sum({self.rnd.choice(('a', 'b', 'c'))}) > 0.0:")
            for _ in range(self.rnd.randint(1, 2)):
                self.statement(indent + 1, depth + 1)
            self.emit(indent, "else:")
            for _ in range(self.rnd.randint(1, 2)):
                self.statement(indent + 1, depth + 1)

    def program(self) -> str:
        for _ in range(self.rnd.randint(2, 6)):
            self.statement(1, 0)
        used = self.rnd.sample(self.names, min(3, len(self.names)))
        self.emit(1, f"return np.sum(np.sin({' + '.join(used)}))")
        body = "\n".join(indent + line for indent, line in zip(self.indent, self.lines))
        return ("import numpy as np\nfrom lifted import grad, kernel\n\n\n@kernel\n"
                f'def f(p: "f64[3,n]"):\n{body}\n\n\nf_grad = grad(f)\n')


def adjoint_program(seed: int) -> str:
    return AdjointProgramGenerator(random.Random(seed)).program()


def check_adjoints(seed: int) -> str:
    """Raise AssertionError on a wrong gradient; return "checked", or "fd-skipped" where the two finite-difference
    steps disagree (a branch boundary within a step)."""
    text = adjoint_program(seed)
    module = load_source(text, "adjoint_case.py")
    point = np.random.default_rng(seed).normal(size=(3, 4))
    got = module.f_grad(point.copy())
    with warnings.catch_warnings():  # "Output seems independent of input", where it is
        warnings.simplefilter("ignore", UserWarning)
        expected = autograd_grad(autograd_kernels(desugar_augmented(text))["f"])(point.copy())
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10, err_msg="gradient vs autograd")
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    direction = np.random.default_rng(seed + 1).normal(size=point.shape)
    fine, coarse = [(python["f"](point + eps * direction) - python["f"](point - eps * direction)) / (2 * eps)
                    for eps in (1e-6, 1e-4)]
    scale = max(1.0, abs(fine))
    if abs(fine - coarse) > 1e-3 * scale:
        return "fd-skipped"
    assert abs(float(np.sum(got * direction)) - fine) <= 1e-5 * scale, "gradient vs finite differences"
    return "checked"


def test_generator_writes_shared_subexpressions():
    corpus = "\n".join(adjoint_program(seed) for seed in range(100))
    for construct in ("* 0.5 + (", "for i1 in range(", "if np.sum(", "else:", "+= ", "-= ", "*= ", "np.tanh(", "-("):
        assert construct in corpus, construct


@pytest.mark.parametrize("seed", range(30))
def test_random_programs_adjoints(seed):
    check_adjoints(seed)


@pytest.mark.parametrize("seed", [109, 117, 203, 230, 301, 366, 388])
def test_programs_that_once_failed(seed):
    """Wrong gradients on main before issue 10's fix: one array, the sum or difference of two contributions,
    the adjoint of two values, updated in place for one of them."""
    check_adjoints(seed)


@pytest.mark.slow
def test_many_random_programs_adjoints():
    count = int(os.environ.get("LIFTED_ADJOINT_PROGRAMS", "5000"))
    start = time.perf_counter()
    tally: dict[str, int] = {}
    failures = []
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    for seed in range(first, first + count):
        try:
            outcome = check_adjoints(seed)
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
            outcome = "failed"
            failures.append((seed, f"{type(exc).__name__}: {exc}"[:1000]))
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{count} programs in {time.perf_counter() - start:.0f} s: {tally}")
    for seed, message in failures[:10]:
        print(f"--- seed {seed}: {message}\n{adjoint_program(seed)}")
    assert not failures, f"{len(failures)} of {count} programs failed; seeds {[s for s, _ in failures[:50]]}"
