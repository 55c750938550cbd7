"""rougier's "100 NumPy exercises" (benchmarks/numpy_100, docs/corpora.md "rougier's 100 NumPy exercises"): the
driver's smoke test (skips without the checkout: --checkout, NUMPY_100, else /tmp/numpy-100) and the writing of
kernels, which needs no checkout."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
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


STAR = '''import numpy as np
from numpy import *
from lifted import kernel


@kernel
def f(x: "f64[n]"):
    return sum(range(5), -1) + x
'''


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_a_star_import_of_numpy_rebinds_builtins_as_python_does(backend, tmp_path):
    """Exercise 26: after `from numpy import *`, Python's `sum(range(5), -1)` is np.sum along axis -1 (10), not the
    builtin with start -1 (9); the star was ignored and the kernel computed 9, then refused. Now the star binds
    NumPy's names (tests/test_star_imports.py)."""
    from gradcheck import load_source
    from test_c_backend import c_module

    module = load_source(STAR, "star.py") if backend == "numpy" else c_module(STAR, tmp_path, "star")[0]
    assert np.asarray(module.f(np.zeros(2))).tolist() == [10.0, 10.0]


def test_a_relative_star_import_is_still_read():
    """A package's `from .module import *` (opfunu's __init__) is not a rebinding of builtins: not refused."""
    from gradcheck import load_source

    module = load_source(STAR.replace("from numpy import *", "from .helpers import *").replace(
        "sum(range(5), -1) + x", "x + 1.0"), "relative_star.py")
    assert module.f(np.ones(2)).tolist() == [2.0, 2.0]


@pytest.mark.parametrize("body", [
    "return Z[Z[:, 1].argsort()]",
    "return Z.argsort()",
    "return Z.argsort(axis=0, kind='stable') + Z.argsort(-1)",
    "return np.sum(Z[Z[:, 0].argsort()][:, 1:] * Z[:2, :1].T)",
])
def test_argsort_method_is_np_argsort(body, tmp_path):
    """Exercise 59 (`Z[Z[:,1].argsort()]`): `.argsort()` was refused as an unknown attribute; NumPy's np.argsort
    calls it, so the method is the function (every form, both targets)."""
    from test_jax_numpy_api import all_forms_pass

    text = f'import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(Z: "f64[n,3]"):\n    {body}\n'
    rng = np.random.default_rng(59)
    all_forms_pass(text, ["Z"], [[rng.normal(size=(4, 3))], [np.round(rng.normal(size=(5, 3)))]], c=True,
                   tmp_path=tmp_path)


def test_argsort_method_of_a_python_number_is_refused():
    from gradcheck import load_source
    from lifted.transpiler import TranspileError

    with pytest.raises(TranspileError, match="Python number"):
        load_source('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[n]"):\n'
                    '    return (1.5).argsort() + x\n')


def test_a_drawn_length_of_one_is_written_as_1():
    """Exercise 78 draws `p` of shape (1, 2) to broadcast against (10, 2): the length is `1` in the annotation
    (a named length would not broadcast at build time: "shapes [n0,n1] and [n2,n1] cannot be broadcast")."""
    from benchmarks.numpy_100.convert import cases_of

    (case,) = cases_of(78, "P0 = np.random.uniform(-10,10,(10,2))\np = np.random.uniform(-10,10,( 1,2))\n"
                           "print(np.sum((P0 - p) ** 2, axis=1))\n")
    assert 'def f(P0: "f64[n0,n1]", p: "f64[1,n1]"):' in case.text
