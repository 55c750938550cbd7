"""Differential fuzzer for `copy=` of np.array and reshape, `shape=` of the array makers and `.swapaxes()`
(transpiler/frontend/copy_and_shape.py): the order generator (tests/test_property_orders.py) plus, now and then,
an array made with one of them from a kernel-made matrix `src` that is written after (NumPy's aliasing: the result
is `src` itself or a view where copy=None/False lets it be, a new array where copy=True), or written through its
own views. Python's value, gradients against differences and autograd, compositions (check_semantics); a write
the kernel cannot place (the caller's layout) is refused with a located error (allowed).
A subclass drawing its new choices after the parent's: the other generators' seeds keep their programs.

Default suite: a fixed sample of seeds. Long run: `LIFTED_COPY_PROGRAMS=400 pytest -m slow
tests/test_property_copies.py -s`.
"""
from __future__ import annotations

import os
import random

import numpy as np
import pytest

from test_property import SIZES, Scope, Unusable, inputs_for
from test_property_orders import OrderGenerator
from test_property_semantics import check_semantics
from test_property_views import VIEWS

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")

N, D = SIZES["N"], SIZES["D"]
# each made of `{}`, a C-contiguous (N, D) matrix the kernel made
COPIED = ["np.array({}, copy=None)", "np.array({}, copy=False)", "np.array({}, copy=True)",
          "np.array({}, copy=None, order='C')", "{}.reshape({}.shape, copy=True)", "{}.reshape(-1, {}.shape[1], copy=None)",
          "np.reshape({}, {}.shape, copy=False)", "np.reshape({}, {}.shape, order='F', copy=True)",
          "{}.swapaxes(0, 1).swapaxes(1, 0)", "np.zeros_like({}, shape={}.shape) + {}",
          "np.ones_like({}, shape={}.shape, order='F') * {}", "np.zeros(shape={}.shape) + {}"]


class CopyGenerator(OrderGenerator):
    """OrderGenerator plus arrays made with copy=/shape=/.swapaxes() of a kernel-made matrix written after."""

    def view(self, scope: Scope, indent: int) -> None:
        if self.chance(0.6):
            return super().view(scope, indent)
        src = self.fresh("src")
        self.emit(indent, f"{src} = {self.expr('M', scope, 1)}.copy()")
        made = self.fresh("c")
        self.emit(indent, f"{made} = {self.pick(COPIED).replace('{}', src)}")
        if self.chance(0.5):  # the source written after: seen where `made` is it or its view
            self.emit(indent, f"{src}[{self.index(scope, N)}] = {self.expr('D', scope, 1)}")
        else:  # `made` written through one of its views
            template, view_kind = self.pick([v for v in VIEWS["M"] if v[1] in ("M", "D") and "broadcast" not in v[0]])
            name = self.fresh("view")
            self.emit(indent, f"{name} = {template.format(made)}")
            value = self.expr("D", scope, 1) if view_kind == "M" else self.expr("S", scope, 1)
            self.emit(indent, f"{name}[{self.index(scope, N if view_kind == 'M' else D)}] = {value}")
        scope.vars[src], scope.vars[made] = "M", "M"


def copy_program(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return CopyGenerator(random.Random(seed)).program()


def _check_seed(seed: int) -> tuple[str, str]:
    text, wrt, _ = copy_program(seed)
    try:
        with np.errstate(all="ignore"):
            return check_semantics(text, wrt, inputs_for(seed)), ""
    except Unusable as exc:
        return "unusable", str(exc)


def test_generator_writes_every_copy_form():
    corpus = "\n".join(copy_program(seed)[0] for seed in range(300))
    for made in COPIED:
        assert made.replace("{}", "src")[:18] in corpus or made.split("{}")[1][:14] in corpus, made


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_with_copies_match_python(seed):
    outcome, message = _check_seed(seed)
    assert outcome in ("checked", "fd-skipped", "refused", "unusable"), f"seed {seed}: {message}"


@pytest.mark.slow
def test_many_random_programs_with_copies_match_python():
    count = int(os.environ.get("LIFTED_COPY_PROGRAMS", "400"))
    tally: dict[str, int] = {}
    for seed in range(count):
        try:
            outcome, _ = _check_seed(seed)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {exc}\n{copy_program(seed)[0]}") from None
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{count} programs: {tally}")
    assert tally.get("checked", 0) + tally.get("fd-skipped", 0) > count // 4, tally
