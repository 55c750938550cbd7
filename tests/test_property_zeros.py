"""Random programs full of exact zeros, on inputs holding -0.0 and +0.0: every primal value compared bit for bit
in the sign of its zeros (tests/exact_values.py), the generated module against Python itself.

Why: allclose takes -0.0 == 0.0, so a generated module that gives +0.0 where Python gives -0.0 (a reduction
started from 0.0 where NumPy's starts from the first element, `np.maximum` of zeros of both signs, `0 - x` for
`-x`, a rewrite of `x * 0`, a vmap stacking, a C compiler's contraction) passed every other random run, yet
`1 / f(...)` differs by the sign of an infinity. The generators are the property and semantics generators with
ZERO_FORMS mixed into their expressions (a new seed stream: theirs keep their programs), so zeros come from
`x - x`, products with zeros, `np.maximum(v, -0.0)`, `np.where(..., -0.0, v)`, clip to [-0.0, 0.0], negations,
and reductions of such values. Checked per seed: `f` against Python on `inputs_for(seed)` and on `zero_inputs`,
`vmap(f)` against a loop of Python's `f`, and (`c_target`) every function through the CPU target against the
NumPy backend. Derivatives keep the other oracles' comparison (to rounding): the sign of a zero derivative is a
convention (autograd's `abs` at 0, `maximum` at a tie), which these runs do not chase.

`pytest -m slow tests/test_property_zeros.py -s` checks $LIFTED_ZERO_PROGRAMS seeds (default 1000) from
$LIFTED_PROPERTY_FIRST_SEED on, and $LIFTED_C_PROGRAMS of them (default 40) on the CPU target.
"""
from __future__ import annotations

import os
import random
import re
import warnings

import numpy as np
import pytest

from exact_values import same_values
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_property import ProgramGenerator, inputs_for
from test_property_semantics import SemanticsGenerator

# forms of one value `{0}` (of any kind) that are, or often are, an exact zero of a definite sign
ZERO_FORMS = ("({0} - {0})", "(0.0 * {0})", "(-0.0 * {0})", "(0.0 - {0})", "(-({0} - {0}))", "({0} * 0.0 - 0.0)",
              "np.maximum({0} - {0}, -0.0)", "np.minimum(-0.0, {0} - {0})", "np.abs(-0.0 * {0})",
              "np.where({0} > 0.0, -0.0, {0} * 0.0)", "np.clip(-0.0 * {0}, -0.0, 0.0)", "(-0.0 + 0.0 * {0})",
              "np.copysign({0} - {0}, -1.0)", "(({0} - {0}) / (1.0 + {0} * {0}))", "np.sign(0.0 * {0})")
# reductions of such values: NumPy's start from the first element, so a sum of -0.0 is -0.0
ZERO_REDUCTIONS = {"N": ("np.sum(-0.0 * {0})", "np.max(-0.0 * {0})", "np.min(0.0 * {0})", "np.prod(-0.0 * {0})",
                         "np.mean(-0.0 * {0})", "np.dot(-0.0 * {0}, {0})"),
                   "M": ("np.sum(-0.0 * {0})", "np.max(0.0 - {0} * 0.0)", "np.mean(-({0} - {0}))")}


class ZeroForms:
    """Mixed into a generator: an expression is, one time in four, a zero form of an expression of its kind,
    and a scalar one time in eight a reduction of zeros."""

    def expr(self, kind: str, scope, depth: int = 2) -> str:
        if depth > 0 and self.chance(0.25):
            inner = super().expr(kind, scope, depth - 1)
            return self.pick(ZERO_FORMS).format(inner)
        if kind == "M" and depth > 0 and self.chance(0.15):  # products of zeros with another value
            return self.pick(("np.outer(-0.0 * np.exp({0}), np.exp({1}))", "((-0.0 * np.exp({0}))[:, None] * {1})",
                              "np.einsum('i,j->ij', -0.0 * np.exp({0}), {1})")).format(
                super().expr("N", scope, depth - 1), super().expr("D", scope, depth - 1))
        if kind == "S" and depth > 0 and self.chance(0.125):
            source = self.pick(("N", "M"))
            return self.pick(ZERO_REDUCTIONS[source]).format(super().expr(source, scope, depth - 1))
        return super().expr(kind, scope, depth)


class ZeroPrograms(ZeroForms, ProgramGenerator):
    pass


class ZeroSemantics(ZeroForms, SemanticsGenerator):
    pass


_FINISHED = re.compile(r"np\.sum\((\w+) \* x\)|np\.sum\(np\.sin\((\w+)\)\)|np\.mean\((\w+)\)|(\w+)")


def zero_program(seed: int) -> str:
    """Seed `seed`'s program (the property generator's for even seeds, the semantics generator's for odd ones)
    returning its values themselves rather than their sum (`return v3, v5`: a sum of zeros of both signs is +0.0,
    which would hide the sign of each), with `f_batched = vmap(f)` over its arrays x, y and M as its one
    declaration (the derivative declarations dropped: they need a scalar result)."""
    generator = (ZeroPrograms if seed % 2 == 0 else ZeroSemantics)(random.Random(seed ^ 0x2E805))
    text = generator.program()[0]
    text = text[:text.index("\n\n\nf_grad = ")]
    head, _, last = text.rpartition("\n    return ")
    if "return " not in head:  # (an early return keeps the sum: the branches of a kernel return alike)
        names = [next(g for g in m.groups() if g) for m in _FINISHED.finditer(last)]
        text = head + "\n    return " + ", ".join(dict.fromkeys(names)) + ("," if len(set(names)) == 1 else "") + "\n"
    text = text.replace("from lifted import grad, ", "from lifted import grad, vmap, ", 1)
    in_axes = (0, 0, 0, None, None)  # (x, y and M batched: a product of two batched values is batched twice)
    return text + f"\n\nf_batched = vmap(f, in_axes={in_axes!r})\n"


def zero_inputs(seed: int) -> list:
    """`inputs_for(seed)` with -0.0 and +0.0 in place of some elements of x, y and M, and s = ±0.0 half the time."""
    rng = np.random.default_rng(seed + 0x2E80)
    x, y, M, s, idx = inputs_for(seed)
    for v in (x, y, M.reshape(-1)):
        picks = rng.choice(v.size, size=2, replace=False)
        v[picks] = rng.choice([-0.0, 0.0], size=2)
    if rng.random() < 0.5:
        s = float(rng.choice([-0.0, 0.0]))
    return [x, y, M, s, idx]


def _copies(args: list) -> list:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _python(text: str):
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace["f"]


def zero_count(value) -> int:
    """How many exact zeros a result holds (what a run reports: the check judged that many signs)."""
    values = value if isinstance(value, tuple) else (value,)
    return sum(int(np.sum(np.asarray(v) == 0)) for v in values if np.asarray(v).dtype.kind == "f")


def check_zero_program(seed: int) -> tuple[str, int]:
    """('checked' or 'refused', the number of exact zeros whose sign was compared); AssertionError on a
    difference (value, dtype, or the sign of a zero)."""
    text = zero_program(seed)
    try:
        module = load_source(text, "zeros_case.py")
    except TranspileError as exc:
        assert exc.loc is not None and exc.loc.line > 0 and exc.hint, f"refusal without a place or hint: {exc}"
        return "refused", 0
    reference = _python(text)
    zeros = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        examples = [inputs_for(seed), zero_inputs(seed), zero_inputs(seed + 1)]
        expected = []
        for k, args in enumerate(examples):
            try:
                value = reference(*_copies(args))
            except Exception:  # noqa: BLE001 - Python itself fails here: nothing to compare
                return "refused", zeros
            same_values(module.f(*_copies(args)), value, f"f vs Python (inputs {k})")
            zeros += zero_count(value)
            expected.append(value)
        stacked = [np.stack([e[k] for e in examples]) for k in range(3)] + _copies(examples[0][3:])
        # (vmap shares s and idx of the first example: Python's loop does the same)
        loop = [reference(*_copies(e[:3] + examples[0][3:])) for e in examples]
        loop = [v if isinstance(v, tuple) else (v,) for v in loop]
        batched = tuple(np.stack([np.asarray(v[k]) for v in loop]) for k in range(len(loop[0])))
        batched = batched if isinstance(expected[0], tuple) else batched[0]
        same_values(module.f_batched(*stacked), batched, "vmap(f) vs a loop of f")
        zeros += zero_count(batched)
    return "checked", zeros


def _seeds(variable: str, default: int) -> range:
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    return range(first, first + int(os.environ.get(variable, str(default))))


def test_generator_writes_zero_forms_of_both_families():
    texts = [zero_program(seed) for seed in range(12)]
    assert any("- 0.0" in t or "-0.0" in t for t in texts[::2]) and any("-0.0" in t for t in texts[1::2])
    assert all("f_batched = vmap(f" in t for t in texts)
    inputs = zero_inputs(3)
    assert any(np.signbit(v).any() and (v == 0).any() for v in inputs[:3])


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_keep_pythons_signed_zeros(seed):
    check_zero_program(seed)


@pytest.mark.slow
def test_many_random_programs_keep_pythons_signed_zeros():
    tally: dict[str, int] = {}
    zeros, failures = 0, []
    for seed in _seeds("LIFTED_ZERO_PROGRAMS", 1000):
        try:
            outcome, count = check_zero_program(seed)
            zeros += count
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
            outcome = "failed"
            failures.append((seed, f"{type(exc).__name__}: {exc}"[:600]))
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\nzero programs, seeds {_seeds('LIFTED_ZERO_PROGRAMS', 1000)}: {tally}, {zeros} zero results compared")
    assert not failures, failures[:10]


@pytest.mark.slow
def test_many_random_programs_keep_pythons_signed_zeros_on_the_cpu_target(tmp_path):
    from test_c_random_programs import run_on_the_cpu_target

    tally: dict[str, int] = {}
    failures = []
    for seed in _seeds("LIFTED_C_PROGRAMS", 40):
        for k, args in enumerate((zero_inputs(seed), inputs_for(seed))):
            try:
                outcome = run_on_the_cpu_target(f"zeros_{seed}", zero_program(seed), tmp_path, args)
            except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
                outcome = "failed"
                failures.append((seed, k, f"{type(exc).__name__}: {exc}"[:600]))
            tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\nzero programs on the CPU target: {tally}")
    assert not failures, failures[:10]


def test_the_comparison_tells_signed_zeros_dtypes_and_integers_apart():
    from exact_values import exact_parts

    same_values(np.array([-0.0, 1.0]), np.array([-0.0, 1.0 + 1e-15]), "equal to rounding")
    for got, expected in ((np.array([0.0]), np.array([-0.0])), (np.float32(1.0), np.float64(1.0)),
                          (np.array([1, 2], dtype=np.int32), np.array([1, 2])), (np.array([3]), np.array([4])),
                          (np.array([np.inf]), np.array([-np.inf])), ((np.array(1.0),), (np.array(1.0), 2.0))):
        with pytest.raises(AssertionError):
            exact_parts(got, expected, "differ")
    same_values(1.0, np.float64(1.0), "a Python float is NumPy's float64")


def test_vmap_of_an_outer_product_keeps_its_negative_zeros(tmp_path):
    """Found by these runs: vmap of `np.outer` with both operands batched was `einsum("zi,zj->zij")`, whose
    products NumPy adds into a zero: -0.0 entries came back +0.0 (primitives/linalg.py `_batch_outer`)."""
    from hostile import check_hostile

    x = np.array([0.5, -1.0, 2.0])
    outcomes = check_hostile('@kernel\ndef f(x: "f64[n]"):\n    return np.outer(-0.0 * np.exp(x), np.exp(x))\n',
                             [x], c=True, folder=tmp_path)
    assert outcomes["fv"] == "checked"
