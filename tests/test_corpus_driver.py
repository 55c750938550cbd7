"""benchmarks.tangent_corpus (docs/corpora.md) keeps working without a Tangent checkout: a tree shaped like one,
with functions of our own writing, goes through the mechanical rewrite and every form's check."""
from __future__ import annotations

import numpy as np

from benchmarks.corpus_checks import check_kernel
from benchmarks.tangent_corpus import annotated_dtypes, inputs, kernels

FUNCTIONS = '''
import numpy as np


def _scale(a, b):
    return a * b


def looped(a, n):
    for i in range(n):
        a = _scale(a, np.tanh(a))
    return a


def vector_tail(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = x[i] * x[i]
    return np.sum(y[1:]) + np.sum([1.0, x[0]]) if len(x) > 0 else 0.0


def tfe_left_out(t):
    return t
'''


def test_the_driver_rewrites_and_checks_every_form(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "functions.py").write_text(FUNCTIONS)
    (tmp_path / "tests" / "test_hessian_vector_products.py").write_text("def f_straightline(x):\n    return x\n")
    found = kernels(tmp_path)
    assert set(found) == {"_scale", "looped", "vector_tail", "f_straightline"}
    text, params = found["looped"]
    assert params == ["a", "n"] and '@kernel\ndef f(a: \'f64[]\', n: \'i64[]\'):' in text and "def _scale" in text
    for name in ("looped", "vector_tail"):
        text, params = found[name]
        args = inputs(name, params)
        assert args and any(np.size(a[0]) == 0 or not np.all(np.isfinite(a[0])) for a in args)  # hostile ones
        outcomes = check_kernel(text, params, args[:3] + args[-4:], annotated_dtypes(name))
        assert {form for form, (outcome, _) in outcomes.items() if outcome != "pass"} <= {"fj"}, outcomes
        assert {"f", "g", "vg", "vjp", "fv"} <= set(outcomes)
