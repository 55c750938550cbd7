"""What the twenty-sixth session's re-run of NPBench, NumPy's docstring examples, numpy-ml and rougier's exercises
found refused (docs/corpora.md, "Re-run of four corpora"): np.gradient along an axis whose length is named by an
annotation (13 docstring examples; NumPy's ValueError for too few samples, or coordinates of another length, at run
time), and the docstring driver writing np.einsum's label lists as arrays. Each kernel goes through the corpus
drivers' checks: NumPy running the same source bit for bit, every transform against central differences (and
autograd where it runs the source), vmap against a loop, the C target."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from test_array_writes import _statements_module
from test_jax_numpy_api import all_forms_pass

SIGNATURE = 'y: "f64[n]", x: "f64[n]", z: "f64[m,k]", c: "f64[k]", h: "f64[]"'
PARAMS = ["y", "x", "z", "c", "h"]


def _inputs(lengths=((5, 3, 4), (3, 4, 3))) -> list[list]:
    rng = np.random.default_rng(26)
    cases = []
    for n, m, k in lengths:
        x = np.cumsum(rng.uniform(0.5, 1.5, size=n))
        cases.append([rng.normal(size=n), x, rng.normal(size=(m, k)), np.cumsum(rng.uniform(0.5, 1.5, size=k)),
                      0.5 + rng.uniform()])
    return cases


@pytest.mark.parametrize("lines", [
    "return np.gradient(y) * 2.0",
    "return np.gradient(y, h, edge_order=2)",
    "return np.gradient(y, x), np.gradient(y, x, edge_order=2)",
    "return np.gradient(z)",
    "return np.gradient(z, h, c, edge_order=2)",
    "return np.gradient(z, c, axis=-1) * z",
    "return np.gradient(z, 2.0, axis=0)",
    "u = np.arange(y.shape[0] + 0.0); return np.gradient(y, u)",  # equal distances: NumPy's uniform formulas
    "return np.gradient((z > 0).astype(np.int64), axis=1) * z",  # integers: float64
])
def test_gradient_along_named_lengths(lines):
    all_forms_pass(_statements_module(SIGNATURE, lines), PARAMS, _inputs())


@pytest.mark.parametrize("lines, lengths", [
    ("return np.gradient(y)", (1, 3, 4)),
    ("return np.gradient(y, edge_order=2)", (2, 3, 4)),
    ("return np.gradient(z, axis=0, edge_order=2)", (5, 2, 4)),
    ("return np.gradient(z, x, axis=1)", (5, 3, 4)),  # coordinates of another length than the axis
])
def test_gradient_raises_numpys_error_at_run_time(lines, lengths):
    """NumPy decides from the lengths, which the annotations only name: the same ValueError, at run time."""
    text = _statements_module(SIGNATURE, lines)
    args = _inputs((lengths,))[0]
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    with pytest.raises(ValueError) as expected:
        python["f"](*args)
    with pytest.raises(ValueError) as got:
        load_source(text, "corpus_case.py").f(*args)
    assert str(got.value) == str(expected.value)


def test_gradient_of_named_lengths_on_the_c_target(tmp_path):
    text = _statements_module(SIGNATURE, "return np.gradient(y, x, edge_order=2) + np.gradient(z, h, c)[1].sum()")
    all_forms_pass(text, PARAMS, _inputs(((6, 3, 4),)), c=True, tmp_path=tmp_path)


def test_docs_driver_keeps_einsum_labels_as_lists():
    """np.einsum's sublist form: the label lists stay lists in the kernel (the driver made them i64 arrays, which
    Lifted refuses as labels: 8 examples refused, 2 with `...` not converted)."""
    from benchmarks.numpy_docs.convert import DocCase, convert_statement

    namespace = {"np": np, "a": np.arange(25).reshape(5, 5), "b": np.arange(5)}
    expected = {"np.einsum(a, [0,0])": 'def f(a: "i64[n0,n0]"):\n    return np.einsum(a, [0,0])',
                "np.einsum(a, [0,1], b, [1])":
                    'def f(a: "i64[n0,n0]", b: "i64[n0]"):\n    return np.einsum(a, [0,1], b, [1])',
                "np.einsum(a, [Ellipsis,0], [Ellipsis])":
                    'def f(a: "i64[n0,n0]"):\n    return np.einsum(a, [Ellipsis,0], [Ellipsis])',
                "np.einsum('i,i', b, [1, 2, 3, 4, 5])":
                    'def f(b: "i64[n0]", a1: "i64[n0]"):\n    return np.einsum(\'i,i\', b, a1)'}
    for statement, kernel in expected.items():
        case = DocCase(name="einsum", index=1)
        convert_statement(case, statement, namespace, np.einsum, "einsum")
        assert kernel in case.text, case.text
        module, python = load_source(case.text, "docs_case.py"), {}
        exec(compile(case.text, "python_reference", "exec", dont_inherit=True), python)
        got, want = module.f(*case.inputs[0]), python["f"](*case.inputs[0])
        assert np.asarray(got).dtype == np.asarray(want).dtype and np.array_equal(got, want)


FILL = 'x: "f64[n,m]", s: "f64[n,n]", t: "f64[n,n,n]", v: "f64[n]", h: "f64[]"'


def _fill_inputs(shapes=((5, 3), (3, 4), (0, 3), (3, 0))) -> list[list]:
    rng = np.random.default_rng(62)
    return [[rng.normal(size=(n, m)), rng.normal(size=(n, n)), rng.normal(size=(n, n, n)), rng.normal(size=n),
             rng.normal()] for n, m in shapes]


@pytest.mark.parametrize("lines", [
    "a = x.copy(); np.fill_diagonal(a, h); return a * x",
    "a = x * 2.0; np.fill_diagonal(a, h, wrap=True); return a",
    "a = x * 1.0; np.fill_diagonal(a, np.array([1.5, -2.0])); return a * h",
    "a = s + 0.0; np.fill_diagonal(a, v * h); return a.sum(axis=0) * v",
    "a = t * t; np.fill_diagonal(a, h); return a",
    "a = (x > 0).astype(np.int64); np.fill_diagonal(a, 7); return a * x",
])
def test_fill_diagonal_of_named_lengths(lines):
    """np.fill_diagonal of NumPy's examples (`a: "i64[n0,n1]"`, 7 refused): the positions at run time."""
    all_forms_pass(_statements_module(FILL, lines), ["x", "s", "t", "v", "h"], _fill_inputs())


def test_fill_diagonal_raises_numpys_error_at_run_time():
    text = _statements_module('t: "f64[n,m,n]"', "a = t * 1.0; np.fill_diagonal(a, 2.0); return a")
    with pytest.raises(ValueError, match="All dimensions of input must be of equal length"):
        np.fill_diagonal(np.zeros((3, 2, 3)), 2.0)
    with pytest.raises(ValueError, match="All dimensions of input must be of equal length"):
        load_source(text, "corpus_case.py").f(np.zeros((3, 2, 3)))
    assert np.array_equal(load_source(text, "corpus_case.py").f(np.ones((2, 2, 2))),
                          np.where(np.eye(2, dtype=bool)[:, None, :] & np.eye(2, dtype=bool)[:, :, None], 2.0, 1.0))


def test_fill_diagonal_of_named_lengths_on_the_c_target(tmp_path):
    text = _statements_module(FILL, "a = x * 1.0; np.fill_diagonal(a, h, wrap=True); b = s * 1.0; "
                                    "np.fill_diagonal(b, v); return a * h, b * v")
    all_forms_pass(text, ["x", "s", "t", "v", "h"], _fill_inputs(((7, 3),)), c=True, tmp_path=tmp_path)


def test_histogram_of_a_run_time_bin_count_is_refused_as_such():
    """NPBench's azimint_hist (`np.histogram(radius, npt)`, `npt: "i64[]"`): NumPy takes a 0-d value as a number
    of bins; the refusal said NumPy raises ValueError for edges that are not 1-d."""
    from lifted.transpiler import TranspileError

    with pytest.raises(TranspileError) as info:
        load_source(_statements_module('x: "f64[n]", k: "i64[]"', "return np.histogram(x, k)[0]"), "corpus_case.py")
    assert "known at build time" in info.value.message and "raises" not in info.value.message
    assert info.value.loc.line > 0 and info.value.hint
    assert np.histogram(np.arange(5.0), np.array(2))[0].tolist() == [2, 3]  # NumPy runs it


@pytest.mark.parametrize("lines", [
    # numpy-ml's pad1D (conv1D): `p in ["same", "causal"]` with `p` a tuple of ints; refused since `in` over a
    # list with a run-time value was made exact (0b890d9a), where Python answers False at build time
    'p = (1, 1); return x * 2.0 if p in ["same", "causal"] else x - 1.0',
    'p = (1, 2); return x * 2.0 if p in [(1, 2), "same"] else x - 1.0',
    'p = (1, (2, 3)); return x * 2.0 if p not in ((1, (2, 3)),) else x - 1.0',
    'p = (1, 1); return x * 2.0 if p == (1, 1) and p != (1, 2) and p != "same" else x - 1.0',
])
def test_membership_of_a_tuple_known_at_build_time(lines):
    all_forms_pass(_statements_module('x: "f64[n]"', lines), ["x"], [[np.arange(4.0) - 1.5]])
