"""Differential fuzzer for derivatives over control flow: random kernels whose branches and loops make values of
sizes the types leave open, or that only one branch reads, and their nested transforms.

The semantics fuzzer's generator (test_property_semantics.py: writes, aliases, early returns in loops and
branches, `while` with a data-dependent exit, ...), plus:
* an `if`/`elif`/`else` whose branches assign one name values of the same run-time length made by different rules
  (`x[1:]`, `y[:-1]`; `M[0]`, `x[:3]`, `y[::2]`; `x`, `np.reshape(y, (5, 1))[:, 0]`, `y[:5]`), or of different
  lengths, read after it (`np.sum(np.sin(u) * u)`), so the derivative needs each path's size;
* a value of a derived size (`v = x[1:] * 0.5`) read by one branch only, the others leaving its adjoint alone;
* a loop slot (`for`, or `while` with a data-dependent exit, an early `return` or `break` in it) whose size the
  types leave open: an `f64[n]` that meets a length-5 vector of another rule each iteration, read later as any
  vector of length 5.
These are what the view fuzzer's seeds 105, 112, 113, 249 and 293 held (tests/test_branch_derivatives.py).

Each program is checked as the semantics fuzzer checks its own (`check_semantics`: Python's value, `grad` against
finite differences and autograd, `grad(grad)`, `vjp(grad)`, `hessian` and `jvp(grad)`), then: `vmap(grad(f))`
over a batch of `x` against a loop over the examples (each may take another branch), and `hessian(f, "x")`
times a vector against `jvp(grad(f))`. A located refusal is an outcome, never a failure.

Default suite: a fixed sample of seeds. Long run: `LIFTED_BRANCH_PROGRAMS=1000 pytest -m slow
tests/test_property_branches.py -s` (seeds from $LIFTED_PROPERTY_FIRST_SEED on).
"""
from __future__ import annotations

import os
import random
import re

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_property import Scope, Unusable, inputs_for
from test_property_semantics import SemanticsGenerator, check_semantics
from vmap_oracle import loop

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")

# run-time length -> vectors of that length made by different rules from an `N` (length 5) expression `{}`, or
# from a `D` (length 3) one where the template starts with `D:`; their static sizes differ (`n`, `5`, `n-1`, `d`, ?)
PIECES = {
    5: ("{}", "np.reshape({}, (5, 1))[:, 0]", "({})[:5]", "np.flip({})"),
    4: ("({})[1:]", "({})[:-1]", "({})[1:] * ({})[:-1]"),
    3: ("D:{}", "({})[:3]", "({})[2:]", "({})[::2]"),
}
READS = ("np.sum(np.sin({0}) * {0})", "np.sum({0} * {0})", "np.max({0}) * {1}", "np.sum({0}) * {1}",
         "np.mean(np.tanh({0}))")


class BranchGenerator(SemanticsGenerator):
    """SemanticsGenerator plus values whose size depends on the path taken, read by the derivative."""

    def statement(self, scope: Scope, indent: int) -> None:
        if scope.depth < 2 and self.chance(0.3):
            return self.pick((self.branch_sizes, self.one_branch_read, self.open_slot_loop))(scope, indent)
        return super().statement(scope, indent)

    def piece(self, length: int, scope: Scope) -> str:
        """A fresh vector of `length` elements at run time (never a name's own array)."""
        template = self.pick(PIECES[length])
        if template.startswith("D:"):
            return f"{self.expr('D', scope, 1)} * {self.const()}"
        operands = [self.expr("N", scope, 1) for _ in range(template.count("{}"))]
        return f"{template.format(*operands)} * {self.const()}"

    def read(self, name: str, scope: Scope) -> str:
        return self.pick(READS).format(name, self.leaf("S", scope))

    def branch_sizes(self, scope: Scope, indent: int) -> None:
        """`if ...: u = x[1:] * c  else: u = y[:-1] * c`, or values of different lengths, read after the `if`."""
        name = self.fresh("u")
        same = self.chance(0.6)
        length = self.pick((5, 4, 3))
        branches = self.pick((2, 2, 3))
        for branch in range(branches):
            head = "if" if branch == 0 else ("else" if branch == branches - 1 else "elif")
            self.emit(indent, f"{head} {self.condition(scope)}:" if head != "else" else "else:")
            inner = scope.child()
            self.block(inner, indent + 1, self.rnd.randint(0, 1))
            self.emit(indent + 1, f"{name} = {self.piece(length if same else self.pick((5, 4, 3)), inner)}")
        if same and length != 4:  # usable as any vector of its length from here on
            scope.vars[name] = {5: "N", 3: "D"}[length]
        read = self.fresh()
        self.emit(indent, f"{read} = {self.read(name, scope)}")
        scope.vars[read] = "S"

    def one_branch_read(self, scope: Scope, indent: int) -> None:
        """`v = x[1:] * c`, read by one branch of an `if` only (seed 105: the other branch's zero adjoint of `v`
        and this one's are both sized `n - 1`)."""
        value, result = self.fresh("v"), self.fresh()
        self.emit(indent, f"{value} = {self.piece(self.pick((4, 3, 5)), scope)}")
        branches = self.pick((2, 3))
        reader = self.rnd.randrange(branches)
        for branch in range(branches):
            head = "if" if branch == 0 else ("else" if branch == branches - 1 else "elif")
            self.emit(indent, f"{head} {self.condition(scope)}:" if head != "else" else "else:")
            inner = scope.child()
            self.block(inner, indent + 1, self.rnd.randint(0, 1))
            rhs = self.read(value, inner) if branch == reader else self.expr("S", inner)
            self.emit(indent + 1, f"{result} = {rhs}")
        scope.vars[result] = "S"

    def open_slot_loop(self, scope: Scope, indent: int) -> None:
        """A loop slot that enters as `f64[n]` and meets a length-5 vector of another rule every iteration, in a
        `for` or a `while` with a data-dependent exit, maybe left early by `return` or `break`."""
        slot = self.fresh("acc")
        self.emit(indent, f"{slot} = {self.pick(('np.ones(len(y))', 'x * 0.5', 'np.zeros_like(y)'))}")
        counter = None
        if self.chance(0.5):
            index = self.fresh("i")
            self.emit(indent, f"for {index} in range({self.rnd.randint(1, 4)}):")
            inner = scope.child(in_loop=True, in_while=False)
        else:
            counter, level = self.fresh("c"), self.fresh("w")
            self.emit(indent, f"{counter} = 0")
            self.emit(indent, f"{level} = np.tanh({self.expr('S', scope, 1)})")
            self.emit(indent, f"while {level} < 1.5 and {counter} < 6:")
            inner = scope.child(in_loop=True, in_while=True)
            inner.vars[level] = "S"
            inner.indices[counter] = 5
        self.block(inner, indent + 1, self.rnd.randint(0, 1))
        self.emit(indent + 1, f"{slot} = {slot} * np.cos({self.expr('S', inner, 1)}) + {self.piece(5, inner)}")
        inner.vars[slot] = "N"
        roll = self.rnd.randrange(4)
        if roll == 0:
            self.emit(indent + 1, f"if {self.condition(inner)}:")
            self.emit(indent + 2, f"return {self.read(slot, inner)}")
        elif roll == 1:
            self.emit(indent + 1, f"if {self.condition(inner)}:")
            self.emit(indent + 2, "break")
        if counter is not None:
            self.emit(indent + 1, f"{level} = {level} + 0.3 + 0.2 * np.tanh({self.expr('S', inner, 1)})")
            self.emit(indent + 1, f"{counter} += 1")
        scope.vars[slot] = "N"


def branch_program(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return BranchGenerator(random.Random(seed)).program()


BATCHED = 'from lifted import vmap\n\nf_vx = vmap(f_x, in_axes=(0, None, None, None, None))\nf_hess_x = hessian(f, wrt="x")\n'


def _check_batched(text: str, args: list, outcome: str) -> tuple[str, str]:
    """`vmap(grad(f, "x"))` against a loop over examples, and `hessian(f, "x")` against `jvp(grad(f, "x"))`
    (declared apart, so that a refusal of `vmap` leaves the other checks standing: it is reported)."""
    try:
        module = load_source(text + BATCHED, "branches_case.py")
    except TranspileError as exc:
        assert exc.loc is not None and exc.loc.line > 0, f"refusal without a location: {exc}"
        return outcome, f"batched refused: {str(exc).splitlines()[0]}"
    rng = np.random.default_rng(len(text))
    x, rest = args[0], args[1:]
    xs = x + 0.3 * rng.normal(size=(4,) + np.shape(x))
    with np.errstate(all="ignore"):
        expected = loop(module.f_x, [xs, *rest], (0, None, None, None, None))
        try:
            got = module.f_vx(xs, *rest)
        except ValueError as exc:  # the documented run-time refusal (docs/transforms.md): examples on two sides
            # of an `if` give a value read after it two lengths (seed 4167), located at the `if`
            if "(a ragged batch)" not in str(exc):
                raise
            assert re.match(r"branches_case\.py:\d+:\d+: vmap: ", str(exc)), f"ragged batch not located: {exc}"
            return outcome, f"batched refused at run time: {exc}"
        tangent = rng.normal(size=np.shape(x))
        _, hvp = module.f_hvp(*[a.copy() if isinstance(a, np.ndarray) else a for a in args], tangent)
        hessian = module.f_hess_x(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    if not (np.all(np.isfinite(expected)) and np.all(np.isfinite(hessian))):
        return outcome, "batched: not finite"
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10 * scale, err_msg="vmap(grad(f, x)) vs a loop")
    scale = max(1.0, float(np.max(np.abs(hessian))))
    np.testing.assert_allclose(hessian @ tangent, hvp, rtol=1e-8, atol=1e-9 * scale,
                               err_msg="hessian(f, x) @ t vs jvp(grad(f, x))")
    return outcome, ""


def _check_seed(seed: int) -> tuple[str, str]:
    text, wrt, _ = branch_program(seed)
    args = inputs_for(seed)
    try:
        with np.errstate(all="ignore"):
            outcome = check_semantics(text, wrt, args)
            if outcome == "refused":
                return outcome, ""
            return _check_batched(text, args, outcome)
    except Unusable as exc:
        return "unusable", str(exc)


def test_generator_writes_its_constructs():
    corpus = "\n".join(branch_program(seed)[0] for seed in range(200))
    for construct in ("[1:] * ", "[:-1] * ", "np.reshape(", "[:5] * ", "[::2] * ", "    elif ", "while w",
                      "        return ", "        break", "for i"):
        assert construct in corpus, construct


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_over_branches_match_python(seed):
    outcome, message = _check_seed(seed)
    assert outcome in ("checked", "fd-skipped", "refused", "unusable"), f"seed {seed}: {message}"


@pytest.mark.parametrize("seed", [82, 83, 128, 4167])
def test_programs_that_once_failed(seed):
    """Seed 0 (in the sample above): vmap(grad) read an element's batched column after the reverse sweep's update
    of its array (transforms/batch/copies.py). Seeds 82, 83, 128: an UnboundLocalError in every derivative, an inner
    `while` slot of open size whose zero cotangent was sized from the slot (test_branch_derivatives.py).
    Seed 4167: the check took the batch's located run-time refusal of a ragged batch (`u1` of length 5 on one
    side of an `if`, ceil(n / 2) on the other) for a failure."""
    outcome, message = _check_seed(seed)
    assert outcome in ("checked", "fd-skipped", "refused", "unusable"), f"seed {seed}: {message}"


@pytest.mark.slow
def test_many_random_programs_over_branches_match_python():
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    count = int(os.environ.get("LIFTED_BRANCH_PROGRAMS", "1000"))
    tally: dict[str, int] = {}
    for seed in range(first, first + count):
        try:
            outcome, _ = _check_seed(seed)
        except (AssertionError, TranspileError) as exc:
            raise AssertionError(f"seed {seed}: {exc}\n{branch_program(seed)[0]}") from None
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{count} programs: {tally}")
    assert tally.get("checked", 0) + tally.get("fd-skipped", 0) > count // 4, tally
