"""numba's NumPy-support tests (benchmarks/numba_tests, docs/corpora.md "numba's NumPy tests"): the driver's smoke
test, which skips without a numba checkout ($LIFTED_NUMBA or /tmp/numba) or an importable numba, and the reduced
programs of what the corpus found."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

CHECKOUT = Path(os.environ.get("LIFTED_NUMBA", "/tmp/numba"))


@pytest.mark.filterwarnings("ignore")
@pytest.mark.skipif(not (CHECKOUT / "numba" / "tests" / "test_array_attr.py").exists(), reason="no numba checkout")
def test_driver_runs_numba_usecases(tmp_path, monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.numba_tests.__main__ import main

    results = main(["--numba", str(CHECKOUT), "--files", "test_array_attr", "--only",
                    "array_shape,array_size,array_strides,use_dtype", "--json", str(tmp_path / "o.json")])
    assert results["array_attr:array_shape#1"]["f"][0] == "pass"
    assert results["array_attr:array_strides#1"]["f"][0] == "refused"
    assert results["array_attr:use_dtype#0"]["not converted"] == "a int16 argument (no such annotation)"
    for label, outcomes in results.items():
        assert all(value[0] not in ("bad", "WRONG") for form, value in outcomes.items()
                   if form != "not converted"), (label, outcomes)


def test_usecase_becomes_the_kernel_a_user_writes():
    """Arrays and floats become annotated parameters, integer axes and None are written in place, and a usecase
    that returns nothing returns the array it filled (no numba needed)."""
    from benchmarks.numba_tests.convert import kernel

    def diff2(a, n):
        return np.diff(a, n)

    text, names, values = kernel(diff2, (np.arange(6.0).reshape(2, 3), 1), {})
    assert names == ["a"] and 'def f(a: "f64[n0,n1]"):' in text and "np.diff(a, 1)" in text

    def fill(a, val, wrap=None):
        np.fill_diagonal(a, val)

    text, names, _ = kernel(fill, (np.zeros((3, 3)), 2.0), {})
    assert names == ["a", "val"] and text.rstrip().endswith("return a")


def test_constants_replace_reads_not_keywords_or_attributes():
    """`np.geomspace(start, stop, num=num)` with num constant: `num=5`, not `5=5` (the driver wrote a syntax error
    before); an attribute of the same name as a constant parameter stays."""
    from benchmarks.numba_tests.convert import kernel

    def geomspace3(start, stop, num, shape):
        return np.geomspace(start, stop, num=num).reshape(start.shape)

    text, names, _ = kernel(geomspace3, (np.array([1.0]), 10.0, 5, 2), {})
    assert "np.geomspace(start, stop, num=5).reshape(start.shape)" in text and names == ["start", "stop"]
