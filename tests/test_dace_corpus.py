"""DaCe's NumPy-frontend test programs (benchmarks/dace_tests, docs/corpora.md "DaCe's test programs"): the driver's
smoke test, which skips without a DaCe checkout ($LIFTED_DACE or /tmp/dace), the converter on a test file written
here, and the reduced programs of what the corpus found, which never skip. Each reduced program runs through every
form the corpus driver runs (benchmarks/corpus/checks.py: `f` bit for bit against Python, `vjp`/`fj` against
differences and autograd, `fv` against a loop)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.corpus.oracles import compiled_or_outcome
from gradcheck import load_source

CHECKOUT = Path(os.environ.get("LIFTED_DACE", "/tmp/dace"))
HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.skipif(not (CHECKOUT / "tests" / "numpy").is_dir(), reason="no DaCe checkout")
def test_driver_runs_dace_programs(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.dace_tests.__main__ import main

    results = main(["--dace", str(CHECKOUT), "--only", "augassign_test,test_augdiv,basic_test,test_linspace_6,"
                    "ufunc_add_reduce_simple2,ufunc_add_accumulate_axis2,test_arange_4",
                    "--json", str(tmp_path / "o.json")])
    assert results["numpy/augassign_test.py::test_augadd"]["f"][0] == "pass"
    assert results["numpy/augassign_test.py::test_augdiv"]["vjp"][0] == "pass"
    assert results["numpy/basic_test.py::addunk"] == {"not converted": "a parameter without an annotation"}
    assert results["numpy/basic_test.py::gemm"]["f"][0] == "pass"  # writes C, returns nothing: C is compared
    assert results["numpy/array_creation_test.py::test_linspace_6"]["f"][0] == "pass"
    for name in ("ufunc_support_test.py::ufunc_add_reduce_simple2", "ufunc_support_test.py::ufunc_add_accumulate_axis2",
                 "array_creation_test.py::test_arange_4"):  # refused before ufunc_methods.py
        assert results[f"numpy/{name}"]["f"][0] == "pass", results[f"numpy/{name}"]
    for label, outcomes in results.items():
        assert all(value[0] not in ("bad", "WRONG") for form, value in outcomes.items() if form != "not converted"), \
            (label, outcomes)
    assert (tmp_path / "o.json").is_file()


FAKE_TEST_FILE = '''import dace
import numpy as np
M, N = 24, 25
K = dace.symbol('K')


@dace.program
def scale(A: dace.float64[M, K], B: dace.float64[K], c: dace.float64):
    A[:] = A * B * c


def test_nested():
    @dace.program
    def inner(A: dace.int32[N]):
        return A + 1

    @dace.program
    def mapped(A: dace.float64[N]):
        for i in dace.map[0:N]:
            A[i] = 0.0

    @dace.program
    def twice(A: dace.complex128[N]):
        return A + A
'''


def test_converter_names_lengths_and_returns_what_the_program_writes(tmp_path):
    """The file's int constants that lengths are written with become named lengths (drawn small, then 0 and 1);
    a program that writes an argument and returns nothing returns that argument; DaCe-only constructs and dtypes
    are not converted, with the reason."""
    from benchmarks.dace_tests.convert import cases

    folder = tmp_path / "tests" / "numpy"
    folder.mkdir(parents=True)
    (folder / "fake_test.py").write_text(FAKE_TEST_FILE)
    found = {case.name: case for case in cases(tmp_path)}
    scale = found["scale"]
    assert 'def f(A: "f64[M,K]", B: "f64[K]", c: "f64[]"):' in scale.text and "return A" in scale.text
    assert [np.shape(a) for a in scale.inputs[0]] == [(3, 4), (4,), ()]
    assert [np.shape(a) for a in scale.inputs[1]] == [(0, 0), (0,), ()]  # the hostile lengths 0, then 1
    assert [np.shape(a) for a in scale.inputs[2]] == [(1, 1), (1,), ()]
    assert found["inner"].text.count('"i32[N]"') == 1 and "result_ = inner(A)" in found["inner"].text
    assert found["mapped"].not_converted == "DaCe-only construct dace.map"
    assert found["twice"].not_converted == "a dace.complex128 parameter (no such annotation)"
    outcomes = check_kernel(scale.text, scale.params, scale.inputs, lambda a: a)
    assert outcomes["f"][0] == "pass" and outcomes["vjp"][0] == "pass", outcomes


def _outcomes(text: str, params: list[str], inputs: list[list]) -> dict:
    with np.errstate(all="ignore"):
        return {form: tuple(value) for form, value in check_kernel(HEAD + text, params, inputs, lambda a: a).items()}


# -- np.linspace's default number of points (DaCe's test_linspace_6: `np.linspace(-5, 5.5, dtype=np.float32)`) --------
def test_linspace_takes_its_default_fifty_points():
    """`num` left out was a default without a type: an AttributeError while compiling ("bad"), whatever the end
    points; np.logspace and np.geomspace, which share the handler, too."""
    text = '''
@kernel
def f(a: "f64[]"):
    return np.linspace(a, 5.5) + np.logspace(0.0, a).sum() + np.linspace(-5, a, endpoint=False)
'''
    outcomes = _outcomes(text, ["a"], [[0.25], [-3.0]])
    assert {form: outcome for form, (outcome, _) in outcomes.items()} == \
        {"f": "pass", "fj": "pass", "vjp": "pass", "fv": "pass"}, outcomes
    single = _outcomes('\n@kernel\ndef f(a: "f64[]"):\n    return np.linspace(-5, 5.5, dtype=np.float32) * a\n',
                       ["a"], [[1.0]])
    assert single["f"][0] == "pass", single


# -- ufunc.outer of a Python number (DaCe's ufunc_add_outer_simple3: `np.add.outer(A, 5)` of an int32 A) ------------
@pytest.mark.parametrize("body, annotation, argument", [
    ("np.add.outer(A, 5)", "i32[n,m]", np.arange(6, dtype=np.int32).reshape(2, 3)),
    ("np.multiply.outer(3, A)", "i32[n,m]", np.arange(6, dtype=np.int32).reshape(2, 3)),
    ("np.add.outer(A, 2.0)", "f32[n,m]", np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)),
    ("np.subtract.outer(A[0, 1], 2.0)", "f32[n,m]", np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)),
    ("np.maximum.outer(A, True)", "i32[n,m]", np.arange(6, dtype=np.int32).reshape(2, 3)),
])
def test_ufunc_outer_makes_python_numbers_arrays(body, annotation, argument):
    """NumPy's ufunc.outer makes each operand an array first: a Python int is an int64 0-d array, a float a
    float64 one, no longer weak. Lifted kept the number weak: `np.add.outer(a32, 5)` came back int32 (NumPy:
    int64), `np.add.outer(x32, 2.0)` float32 (NumPy: float64): WRONG dtypes."""
    outcomes = _outcomes(f'\n@kernel\ndef f(A: "{annotation}"):\n    return {body}\n', ["A"], [[argument]])
    assert outcomes["f"][0] == "pass" and outcomes["fv"][0] == "pass", outcomes
    assert all(outcome in ("pass", "skip") for outcome, _ in outcomes.values()), outcomes


# -- a.fill(v) (DaCe's test_fill, test_fill2, test_fill3) ----------------------------------------------------------
FILL = '''
@kernel
def f(x: "f64[n,m]", v: "f64[]"):
    b = x * 2.0
    b[0].fill(v)
    t = b.T
    t[1].fill(3.0)
    x.fill(v * v)
    return b + x
'''


def test_fill_writes_through_views_and_into_a_copy_of_a_parameter():
    """`a.fill(v)` was refused ("the array attribute `.fill`"); it is `a[...] = v`: through a view into the array
    it looks into, into the kernel's copy of a parameter (the caller's array is left as it was)."""
    x = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    outcomes = _outcomes(FILL, ["x", "v"], [[x, 0.75], [np.ones((1, 2)), -2.0], [np.ones((0, 2)), 1.5]])
    assert {form: outcome for form, (outcome, _) in outcomes.items()} == \
        {"f": "pass", "fj": "pass", "vjp": "pass", "fv": "pass"}, outcomes


def test_fill_casts_as_the_assignment_and_refuses_an_array_value():
    ints = HEAD + '\n@kernel\ndef f(a: "i32[n]", v: "i64[]"):\n    a.fill(v)\n    return a\n'
    module = load_source(ints, "fill_ints.py")
    a = np.arange(4, dtype=np.int32)
    assert module.f(a, 7).dtype == np.int32 and module.f(a, 7).tolist() == [7] * 4 and a.tolist() == [0, 1, 2, 3]
    array_value = HEAD + '\n@kernel\ndef f(a: "f64[n]"):\n    b = a * 1.0\n    b.fill(a[:1])\n    return b\n'
    _, refusal = compiled_or_outcome(array_value, lambda t: load_source(t, "fill_array.py"))
    assert refusal[0] == "refused" and "ndarray.fill takes a scalar" in refusal[1], refusal  # NumPy: ValueError


# -- refusals that had no hint: counted "bad" -------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    "A[:, (1, 2, 0), (0, 1)]",  # index arrays that do not broadcast (NumPy: IndexError)
    "np.concatenate((A, A.T), axis=1)",  # (NumPy: ValueError)
    "np.logspace(A[0], 5.0, num=4, base=A[0, 0])",  # a base known at run time only (not supported yet)
    "A[0, 0][1:]",  # an index of a rank-0 value (NumPy: IndexError)
])
def test_refusals_have_a_place_and_a_hint(body):
    text = HEAD + f'\n@kernel\ndef f(A: "f64[3,2]"):\n    return {body}\n'
    _, refusal = compiled_or_outcome(text, lambda t: load_source(t, "hint_case.py"))
    assert refusal is not None and refusal[0] == "refused", refusal


def test_unpacking_too_few_rows_is_refused_with_a_hint():
    text = HEAD + '\n@kernel\ndef f(A: "f64[2,3]"):\n    b, c, d = np.square(A)\n    return b\n'
    _, refusal = compiled_or_outcome(text, lambda t: load_source(t, "unpack_case.py"))
    assert refusal is not None and refusal[0] == "refused", refusal


def test_the_cotangent_of_a_float32_scalar_result_is_float32():
    """corpus.checks seeded vjp with a Python 1.0 for a float32 scalar result, which the generated function refuses
    ("arg-refused", DaCe's test_mean): the seed has the result's dtype."""
    text = '\n@kernel\ndef f(A: "f32[n,m]"):\n    return A.mean()\n'
    outcomes = _outcomes(text, ["A"], [[np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)]])
    assert outcomes["vjp"][0] in ("pass", "skip") and outcomes["f"][0] == "pass", outcomes
