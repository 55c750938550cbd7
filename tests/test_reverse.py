"""Reverse mode over whole programs: every golden input's transforms against finite differences."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from gradcheck import assert_close, central_difference, load_source, random_inputs

GOLDEN_INPUTS = sorted((Path(__file__).parent / "golden" / "inputs").glob("*.py"))


def _declarations(module):
    for key, target in module.__lifted_transforms__.items():
        kind, kernel, wrt, wrt_is_tuple = ast.literal_eval(key) if isinstance(key, str) else key
        yield kind, kernel, wrt, wrt_is_tuple, target


@pytest.mark.parametrize("path", GOLDEN_INPUTS, ids=lambda p: p.stem)
def test_golden_program_gradients_match_finite_differences(path):
    module = load_source(path.read_text(), path.name)
    rng = np.random.default_rng(7)
    for kind, kernel, wrt, wrt_is_tuple, target in _declarations(module):
        primal = getattr(module, kernel)
        args = random_inputs(primal, rng, positive=True)
        names = list(primal.__code__.co_varnames[:primal.__code__.co_argcount])
        transformed = getattr(module, target)
        if kind == "vjp":
            value = primal(*args)
            outputs = value if isinstance(value, tuple) else (value,)
            cts = tuple(rng.normal(size=np.shape(o)) for o in outputs)
            got_value, cotangents = transformed(*args, cts if isinstance(value, tuple) else cts[0])
            objective = lambda *a: sum(np.sum(c * o) for c, o in  # noqa: E731
                                       zip(cts, primal(*a) if isinstance(value, tuple) else (primal(*a),)))
        else:
            result = transformed(*args)
            got_value, cotangents = (primal(*args), result) if kind == "grad" else result
            objective = primal
        if not wrt_is_tuple:
            cotangents = (cotangents,)
        for name, cotangent in zip(wrt, cotangents):
            expected = central_difference(objective, args, names.index(name))
            assert_close(cotangent, expected, what=f"{target} d/d{name}")
        for got, want in zip(np.atleast_1d(np.asarray(got_value, dtype=object)),
                             np.atleast_1d(np.asarray(primal(*args), dtype=object))):
            assert_close(got, want, rtol=1e-12, atol=0, what=f"{target} value")
