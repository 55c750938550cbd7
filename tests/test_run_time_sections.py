"""np.split / np.array_split into a number of sections of an axis whose length is named (`f64[n]`): the cuts are
computed at run time where NumPy computes them, np.split raises NumPy's ValueError where the sections are unequal
(frontend/repeats_and_splits.py `_run_time_sections`). Values against NumPy running the same source on both
backends, every transform against central differences and autograd (the corpus driver's checks)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from both_targets import python_and_lifted

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, vjp, vmap\n"

VALUE_CASES = [
    ('x: "f64[n]"', "np.split(x, 2)", [(0,), (1,), (6,), (7,), (8,)]),
    ('x: "f64[n]"', "np.split(x, 1)", [(0,), (3,)]),
    ('x: "f64[n]"', "np.array_split(x, 3)", [(0,), (1,), (2,), (7,), (8,), (9,)]),
    ('x: "f64[n, m]"', "np.split(x, 3, axis=-1)", [(2, 6), (3, 4), (0, 3), (2, 0)]),
    ('x: "f32[n, m]"', "np.array_split(x, 4, 0)", [(2, 3), (5, 2), (9, 1), (0, 2)]),
    ('x: "i32[n, m]"', "np.hsplit(x, 2)", [(2, 6), (3, 5)]),
    ('x: "i64[n, m, k]"', "np.dsplit(x, 2)", [(2, 1, 4), (1, 2, 3)]),
    ('x: "f64[n, m]"', "np.vsplit(x, 2)", [(4, 3), (3, 3)]),
]


def _python_and_lifted(signature: str, body: str, c: bool, folder: Path):
    return python_and_lifted(HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n", "sections", c, folder)


@pytest.mark.parametrize("c", [False, True], ids=["numpy", "c"])
@pytest.mark.parametrize("signature, body, shapes", VALUE_CASES, ids=[v[1] for v in VALUE_CASES])
def test_named_lengths_are_cut_where_numpy_cuts(signature, body, shapes, c, tmp_path):
    reference, compiled = _python_and_lifted(signature, body, c, tmp_path)
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[signature.split('"')[1][:3]]
    for shape in shapes:
        x = np.arange(np.prod(shape), dtype=dtype).reshape(shape) - 3
        try:
            expected = reference(x)
        except ValueError as exc:
            with pytest.raises(ValueError, match=str(exc)):
                compiled(x)
            continue
        got = compiled(x)
        assert isinstance(got, list) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.dtype == e.dtype and g.shape == e.shape and np.array_equal(g, e)


DERIVATIVE_CASES = [
    ('x: "f64[n]"', "a, b = np.split(x, 2)\n    return np.sum(a * b) + np.sum(np.sin(a))",
     [[np.array([0.7, -1.3, 2.0, 0.4])], [np.array([0.5, 1.5, -2.5, 3.0, 0.25, -1.0])]]),
    ('x: "f64[n, m]"', "parts = np.array_split(x, 3, axis=1)\n    return np.sum(parts[0] ** 2) - np.sum(parts[2] * 3.0)",
     [[np.array([[0.7, -1.3, 2.0, 0.4], [1.1, 0.2, -0.6, 1.9]])], [np.array([[0.7, -1.3, 2.0, 0.4, 0.9]])]]),
]


@pytest.mark.parametrize("signature, body, inputs", DERIVATIVE_CASES, ids=["split", "array_split"])
def test_every_transform_agrees_with_the_oracles(signature, body, inputs):
    text = HEADER + f"\n\n@kernel\ndef f({signature}):\n    {body}\n"
    params = re.findall(r"(\w+): ", signature)
    outcomes = check_kernel(text, params, inputs, lambda args: args, c=True)
    failed = {form: outcome for form, (outcome, _) in outcomes.items() if outcome not in ("pass", "skip")}
    assert failed == {}, outcomes
