"""rougier's "100 NumPy exercises" (benchmarks/numpy_100, docs/corpora.md "rougier's 100 NumPy exercises"): the
driver's smoke test (skips without the checkout: --checkout, NUMPY_100, else /tmp/numpy-100) and the writing of
kernels, which needs no checkout."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHECKOUT = Path(os.environ.get("NUMPY_100", "/tmp/numpy-100"))


@pytest.mark.filterwarnings("ignore")
@pytest.mark.skipif(not (CHECKOUT / "source" / "exercises100.ktx").exists(), reason="no numpy-100 checkout")
def test_driver_runs_the_exercises(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.numpy_100.__main__ import main

    results = main(["--checkout", str(CHECKOUT), "--only", "29,61,12", "--json", str(tmp_path / "out.json")])
    assert results["12#1"]["not converted"] == "shows an input only"
    assert results["61#1"]["statement"] == "m" and results["61#1"]["f"][0] == "pass"
    assert results["29#1"]["f"][0] == "pass" and results["29#2"]["f"][0] == "pass"
    for label, outcomes in results.items():
        assert all(value[0] not in ("bad", "WRONG") for form, value in outcomes.items()
                   if form not in ("statement", "not converted")), (label, outcomes)


def test_a_solution_becomes_one_kernel_per_shown_result():
    """Drawn inputs become annotated parameters holding the seeded draws; every other statement before a print is
    the body, the printed expression the result; a print of an input alone is not a kernel."""
    from benchmarks.numpy_100.convert import cases_of

    source = ("Z = np.random.uniform(0,1,10)\nprint(Z)\nz = 0.5\nm = Z.flat[np.abs(Z - z).argmin()]\nprint(m)\n"
              "print(np.sort(Z), Z.max())\n")
    shown, found, both = cases_of(61, source)
    assert shown.not_converted == "shows an input only"
    assert found.params == ["Z"] and found.inputs[0][0].shape == (10,)
    assert 'def f(Z: "f64[n0]"):\n    z = 0.5\n    m = Z.flat[np.abs(Z - z).argmin()]\n    return m' in found.text
    assert "return (np.sort(Z), Z.max())" in both.text
    assert cases_of(5, "%run `python -c 'x'`\n") == []
