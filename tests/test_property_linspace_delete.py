"""Differential fuzzer for np.linspace of array bounds, `axis=`, `retstep=` (transpiler/frontend/linspace_forms.py)
and np.delete of run-time positions and masks (delete_masks.py): the semantics generator plus, now and then, one of
these where a scalar or a vector is drawn. Python's value, gradients against differences and autograd,
compositions (check_semantics). A subclass drawing its new choice before the parent's (as test_property_copies.py
does): the base generator's seeds, and every other generator's, keep their programs.

Default suite: a fixed sample of seeds. Long run: `LIFTED_LINSPACE_PROGRAMS=400 pytest -m slow
tests/test_property_linspace_delete.py -s`.
"""
from __future__ import annotations

import os
import random

import numpy as np
import pytest

from test_property import Scope, Unusable, inputs_for
from test_property_semantics import SemanticsGenerator, check_semantics

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")

# `{S}`, `{N}`, `{M}`: a scalar, an (n,) vector, an (n, d) matrix drawn by the parent; `idx`: the i64[k] parameter
SCALARS = ["np.sum(np.linspace({N}, {N}, 4, axis=1) ** 2)", "np.sum(np.linspace({N}, {S}, 3, endpoint=False))",
           "np.linspace({S}, {S}, 5, retstep=True)[1]", "np.sum(np.delete({N}, idx) ** 2)",
           "np.sum(np.delete({M}, {N} > 0.0, axis=0))", "np.sum(np.delete({M}, idx, axis=0) * 0.5)",
           "np.mean(np.linspace({M}, {S}, 3, axis=-1))"]
VECTORS = ["np.linspace({N}, {N}, 3)[1]", "np.linspace({N}, {S}, 4, axis=-1)[:, 2]",
           "np.linspace({S}, {N}, 5, endpoint=False, dtype=np.float32)[3].astype(np.float64)"]


class LinspaceDeleteGenerator(SemanticsGenerator):
    """SemanticsGenerator (every composition check_semantics reads) plus np.linspace's array forms and np.delete's run-time positions."""

    def combination(self, kind: str, scope: Scope, depth: int) -> str:
        if kind not in ("S", "N") or self.chance(0.6):
            return super().combination(kind, scope, depth)
        e = lambda k: self.expr(k, scope, depth - 1)  # noqa: E731
        template = self.pick(SCALARS if kind == "S" else VECTORS)
        return "(" + template.replace("{S}", "{s}").format(s=e("S"), N=e("N"), M=e("M")) + ")" \
            if "{S}" in template else "(" + template.format(N=e("N"), M=e("M")) + ")"


def linspace_program(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return LinspaceDeleteGenerator(random.Random(seed)).program()


def _check_seed(seed: int) -> tuple[str, str]:
    text, wrt, _ = linspace_program(seed)
    try:
        with np.errstate(all="ignore"):
            return check_semantics(text, wrt, inputs_for(seed)), ""
    except Unusable as exc:
        return "unusable", str(exc)


def test_generator_writes_every_form():
    corpus = "\n".join(linspace_program(seed)[0] for seed in range(400))
    for template in SCALARS + VECTORS:
        assert template.split("{")[0] in corpus, template


@pytest.mark.parametrize("seed", range(10))
def test_random_programs_with_linspace_and_delete_match_python(seed):
    outcome, message = _check_seed(seed)
    assert outcome in ("checked", "fd-skipped", "refused", "unusable"), f"seed {seed}: {message}"


@pytest.mark.slow
def test_many_random_programs_with_linspace_and_delete_match_python():
    count = int(os.environ.get("LIFTED_LINSPACE_PROGRAMS", "400"))
    tally: dict[str, int] = {}
    for seed in range(count):
        try:
            outcome, _ = _check_seed(seed)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {exc}\n{linspace_program(seed)[0]}") from None
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{count} programs: {tally}")
    assert tally.get("checked", 0) + tally.get("fd-skipped", 0) > count // 4, tally
