"""NumPy's docstring examples (benchmarks/numpy_docs, docs/corpora.md "NumPy's docstring examples"): the driver's
smoke test, which needs only the installed NumPy and so never skips, and the reduced programs of what the corpus
found."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from hostile import same_values
from lifted.transpiler import TranspileError


@pytest.mark.filterwarnings("ignore")
def test_driver_runs_numpy_docstring_examples(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.numpy_docs.__main__ import main

    results = main(["--only", "diff,cumsum,log1p", "--json", str(tmp_path / "out.json")])
    assert {label.partition("#")[0] for label in results} == {"diff", "cumsum", "log1p"}
    assert results["diff#1"]["not converted"] == "argument 0: a uint8 value (no such annotation)"
    assert results["diff#4"]["statement"] == "np.diff(x, n=2)" and results["diff#4"]["f"][0] == "pass"
    for label, outcomes in results.items():
        assert all(value[0] not in ("bad", "WRONG") for form, value in outcomes.items()
                   if form not in ("statement", "not converted")), (label, outcomes)
    assert results["log1p#1"]["g"][0] == "pass" and results["log1p#1"]["fj"][0] == "pass"


def test_driver_writes_the_kernel_a_user_would():
    """Arrays and numbers become annotated parameters (one dimension name per length), a list written in place an
    array, keywords and later integers literal; an in-place function returns the array it changed."""
    from benchmarks.numpy_docs.convert import DocCase, convert_statement

    namespace = {"np": np, "x": np.array([1, 2, 4, 7, 0]), "a": np.zeros((3, 3))}
    case = DocCase("diff", 1)
    convert_statement(case, "np.diff(x, n=2)", namespace, np.diff, "diff")
    assert 'def f(x: "i64[n0]"):\n    return np.diff(x, n=2)' in case.text
    case = DocCase("roll", 1)
    convert_statement(case, "np.roll([1.5, 2.0], 1, axis=0)", namespace, np.roll, "roll")
    assert 'def f(a0: "f64[n0]"):\n    return np.roll(a0, 1, axis=0)' in case.text
    case = DocCase("fill_diagonal", 1)
    convert_statement(case, "np.fill_diagonal(a, 5)", namespace, np.fill_diagonal, "fill_diagonal")
    assert 'def f(a: "f64[n0,n0]"):\n    np.fill_diagonal(a, 5)\n    return a' in case.text
    case = DocCase("sum", 1)
    convert_statement(case, "x.sum(axis=0)", namespace, np.sum, "sum")
    assert 'def f(x: "i64[n0]"):\n    return x.sum(axis=0)' in case.text
