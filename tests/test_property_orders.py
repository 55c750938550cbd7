"""Differential fuzzer for `order=` and np.repeat's counts per element: the view-writing generator
(tests/test_property_views.py) plus, now and then, an array made with an `order=` (np.ones/np.full/np.array/
np.asarray/np.asfortranarray/`.copy()`/`.astype()`, 'C' or 'F') that a view of it (a reshape among them, in order
'C', 'F' or 'A') is written through, and a vector or matrix repeated by a list of counts of the same total (so its
kind is kept). Python's value, gradients against differences and autograd, compositions (check_semantics); a
write through a reshape of a Fortran array (NumPy copies) is refused with a located error (allowed).
A subclass drawing its new choices after the parent's: the other generators' seeds keep their programs.

Default suite: a fixed sample of seeds. Long run: `LIFTED_ORDER_PROGRAMS=400 pytest -m slow
tests/test_property_orders.py -s`.
"""
from __future__ import annotations

import os
import random
import re

import numpy as np
import pytest

from test_property import SIZES, Scope, Unusable, inputs_for
from test_property_semantics import check_semantics
from test_property_views import VIEWS, ViewWriteGenerator

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")

N, D = SIZES["N"], SIZES["D"]
MADE = ["np.ones((%d, %d), order='F')" % (N, D), "np.full((%d, %d), 0.5, order='C')" % (N, D),
        "np.array(M, order='C')", "np.array(M, order='F')", "M.copy(order='F')", "M.copy(order='C')",
        "np.asfortranarray(M)", "M.astype(np.float64, order='C')", "np.asarray(M, order='F')",
        "np.zeros_like(M, order='F')", "np.ones_like(M, order='C')"]
ORDERED_VIEWS = [("np.reshape({}, (%d, %d), order='A')" % (N, D), "M"), ("{}.reshape(%d, %d, order='F')" % (N, D), "M"),
                 ("{}.ravel(order='K')[:%d]" % D, "D")]


def _counts(rnd: random.Random, length: int) -> list[int]:
    """`length` counts of total `length` (a repeat keeps the axis's length), zeros among them."""
    cuts = sorted(rnd.randrange(length + 1) for _ in range(length - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [length])]


class OrderGenerator(ViewWriteGenerator):
    """ViewWriteGenerator plus arrays made in an order and written through their views, and np.repeat."""

    def view(self, scope: Scope, indent: int) -> None:
        if self.chance(0.6):
            return super().view(scope, indent)
        if self.chance(0.4):
            return self.repeat(scope, indent)
        base = self.fresh("a")
        self.emit(indent, f"{base} = {self.pick(MADE)}")
        scope.vars[base] = "M"
        template, view_kind = self.pick(VIEWS["M"] + ORDERED_VIEWS)
        name = self.fresh("view")
        self.emit(indent, f"{name} = {template.format(base)}")
        if view_kind == "M":
            self.emit(indent, f"{name}[{self.index(scope, N)}] = {self.expr('D', scope, 1)}")
        elif view_kind in ("N", "D"):
            rows = N if view_kind == "N" else D
            self.emit(indent, f"{name}[{self.index(scope, rows)}] = {self.expr('S', scope, 1)}")
        scope.vars[f"({name})" if view_kind else f"np.sum({name})"] = view_kind or "S"

    def repeat(self, scope: Scope, indent: int) -> None:
        kind = self.pick(("N", "M", "M"))
        base = self.pick(self.arrays(scope, (kind,)) or [kind.replace("N", "x")])
        axis = self.rnd.randrange(2) if kind == "M" else 0
        counts = _counts(self.rnd, N if axis == 0 else D)
        written = f"np.array({counts})" if self.chance(0.4) else repr(counts)
        name = self.fresh("rep")
        self.emit(indent, f"{name} = np.repeat({base}, {written}" + (f", axis={axis})" if kind == "M" else ")"))
        scope.vars[name] = kind


def order_program(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return OrderGenerator(random.Random(seed)).program()


def _check_seed(seed: int) -> tuple[str, str]:
    text, wrt, _ = order_program(seed)
    try:
        with np.errstate(all="ignore"):
            return check_semantics(text, wrt, inputs_for(seed)), ""
    except Unusable as exc:
        return "unusable", str(exc)


def test_generator_writes_every_order_and_repeat():
    corpus = "\n".join(order_program(seed)[0] for seed in range(300))
    for made in MADE:
        assert f"= {made}" in corpus, made
    for template, _ in ORDERED_VIEWS:
        assert template.split("{}")[1][:12] in corpus, template
    assert re.search(r"= np\.repeat\(\w+, \[[\d, ]+\]\)", corpus) and "axis=1)" in corpus and "np.array([" in corpus


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_with_orders_match_python(seed):
    outcome, message = _check_seed(seed)
    assert outcome in ("checked", "fd-skipped", "refused", "unusable"), f"seed {seed}: {message}"


@pytest.mark.slow
def test_many_random_programs_with_orders_match_python():
    count = int(os.environ.get("LIFTED_ORDER_PROGRAMS", "400"))
    tally: dict[str, int] = {}
    for seed in range(count):
        try:
            outcome, _ = _check_seed(seed)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {exc}\n{order_program(seed)[0]}") from None
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{count} programs: {tally}")
    assert tally.get("checked", 0) + tally.get("fd-skipped", 0) > count // 4, tally
