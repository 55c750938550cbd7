"""np.cov / np.corrcoef of named numbers of variables and observations, np.correlate of named lengths, np.histogram
with edges of a named count, and np.issubdtype (covariance.py, run_time_correlation.py, histograms/edges.py,
dtype_objects.py): CuPy's statistics tests annotate every length with a name.

Values bit for bit against NumPy over drawn shapes (empty and one-element ones included); the shapes NumPy decides
from a named length's value (one variable: a 0-d result) a located run-time refusal; NumPy's ValueErrors (an empty
operand of np.correlate) raised; derivatives against central differences and autograd, vmap against a loop and the
C target through all_forms_pass.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.corpus.oracles import RUN_TIME_REFUSAL
from gradcheck import load_source
from lifted.transpiler.errors import TranspileError
from test_common_functions import all_forms_pass, kernel_module

DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32}


def _outcome(function, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NumPy's degrees-of-freedom and division warnings)
        try:
            return function(*[np.copy(a) for a in args])
        except Exception as raised:  # noqa: BLE001
            return raised


def _same(text: str, draws) -> list[str]:
    """Each draw's result compared with Python's: the same bits, dtype and shape, or the same exception class;
    the run-time refusals (located, "which Lifted does not model") returned."""
    module, python = load_source(text, "corpus_case.py"), {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    refused = []
    for args in draws:
        expected, got = _outcome(python["f"], args), _outcome(module.f, args)
        if isinstance(got, ValueError) and RUN_TIME_REFUSAL.match(str(got)):
            refused.append(str(got))
            continue
        if isinstance(expected, Exception):
            assert type(got) is type(expected), (text, args, expected, got)
            continue
        assert not isinstance(got, Exception), (text, args, got)
        pairs = zip(got, expected) if isinstance(expected, tuple) else [(got, expected)]
        for g, e in pairs:
            g, e = np.asarray(g), np.asarray(e)
            assert g.dtype == e.dtype and g.shape == e.shape and g.tobytes() == e.tobytes(), (text, args, g, e)
    return refused


COVARIANCES = ["np.cov(x)", "np.cov(x, ddof=3)", "np.cov(x, bias=True)", "np.cov(x, rowvar=False)",
               "np.cov(x, y)", "np.cov(x, y, rowvar=False)", "np.cov(x, dtype=np.float32)", "np.corrcoef(x)",
               "np.corrcoef(x, y=y)", "np.corrcoef(x, y=y, rowvar=False)", "np.corrcoef(x, rowvar=False)",
               "np.corrcoef(x, y, dtype=np.float32)", "np.cov(x[0], y[0])", "np.corrcoef(x[0], y[0])"]


@pytest.mark.parametrize("body", COVARIANCES)
@pytest.mark.parametrize("dtype", ["f64", "f32", "i64"])
def test_covariances_of_named_sizes_are_numpys(body, dtype):
    """Every shape up to 4 x 6 (no variables and no observations too) of drawn data: NumPy's bits, or its
    exception, or (one variable in all: a 0-d result) the located run-time refusal."""
    if "float32" in body and dtype == "i64":
        return  # (refused at build time: an integer's dtype= rounds, tested in test_numpy_from_jax_refusals)
    rng = np.random.default_rng(11)
    text = kernel_module(f'x: "{dtype}[n0,n1]", y: "{dtype}[n0,n1]"', body)
    draws = [[(rng.normal(size=(r, c)) * 4).astype(DTYPES[dtype]) for _ in range(2)]
             for r, c in itertools.product(range(5), range(7))]
    refused = _same(text, draws)
    for message in refused:
        assert any(why in message for why in ("one variable", "one row", "no variables")), message


def test_one_variable_of_a_named_count_is_refused_at_run_time_where_numpy_squeezes():
    text = kernel_module('x: "f64[n0,n1]"', "np.corrcoef(x)")
    refused = _same(text, [[np.arange(3.0).reshape(1, 3)], [np.arange(6.0).reshape(2, 3)]])
    assert len(refused) == 1 and refused[0].startswith("corpus_case.py:7:12: np.corrcoef of one variable"), refused


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("dtypes, signature", [
    (("f64", "f64"), 'a: "{}[n0]", v: "{}[n1]"'), (("f32", "f32"), 'a: "{}[n0]", v: "{}[n1]"'),
    (("i64", "i32"), 'a: "{}[n0]", v: "{}[n1]"'), (("f32", "i64"), 'a: "{}[n0]", v: "{}[n1]"'),
    (("f64", "f32"), 'a: "{}[n0]", v: "{}[5]"'), (("f64", "f64"), 'a: "{}[8]", v: "{}[n1]"')])
def test_correlate_of_run_time_lengths_is_numpys(mode, dtypes, signature):
    """Every pair of lengths up to 9 and some longer (CuPy's 20 and 21), each operand the longer: NumPy's bits;
    an empty one NumPy's ValueError."""
    rng = np.random.default_rng(12)
    text = kernel_module(signature.format(*dtypes), f"np.correlate(a, v, mode={mode!r})")
    sizes = list(range(10)) + [20, 21, 64]
    fixed = [int(s) for s in signature.replace('"', " ").replace("[", " ").replace("]", " ").split() if s.isdigit()]
    draws = [[(rng.normal(size=n) * 5).astype(DTYPES[dtypes[0]]), (rng.normal(size=m) * 5).astype(DTYPES[dtypes[1]])]
             for n, m in itertools.product(sizes, sizes)
             if ("a: \"{}[8]" not in signature or n == 8) and ("[5]" not in signature or m == 5)]
    assert fixed or len(draws) == len(sizes) ** 2
    assert _same(text, draws) == []


@pytest.mark.parametrize("data, edges", [("f64", "f64"), ("f32", "f32"), ("i64", "f64"), ("f32", "f64"),
                                         ("i32", "i64")])
@pytest.mark.parametrize("body", ["np.histogram(x, e)", "np.histogram(x, e, density=True)",
                                  "np.histogram(x, bins=e, range=(0, 1))[0]"])
def test_histogram_with_edges_of_a_named_count_is_numpys(data, edges, body):
    """Edges of a run-time count (none, one, several; increasing, or not: NumPy's ValueError)."""
    rng = np.random.default_rng(13)
    text = kernel_module(f'x: "{data}[n0]", e: "{edges}[n1]"', body)
    draws = [[(rng.normal(size=n) * 5).astype(DTYPES[data]), np.sort(rng.normal(size=m) * 4).astype(DTYPES[edges])]
             for n, m in itertools.product((0, 1, 7, 50), (0, 1, 2, 5))]
    draws.append([np.arange(5.0).astype(DTYPES[data]), np.array([3, 1, 2]).astype(DTYPES[edges])])
    assert _same(text, draws) == []


def test_issubdtype_is_numpys_answer_at_build_time():
    """CuPy's `assert xp.issubdtype(h.dtype, xp.integer)`: dtypes, type classes (abstract ones too) and names."""
    body = ("np.histogram(x, weights=np.ones(x.shape[0], int))[0] * np.issubdtype(np.histogram(x, weights=x)[0]"
            ".dtype, np.floating) + np.issubdtype(x.dtype, np.integer) * 2 + np.issubdtype(np.float32, 'f') * 4 "
            "+ np.issubdtype('int32', np.signedinteger) * 8 + np.issubdtype(np.bool_, np.number) * 16")
    for dtype in DTYPES:
        text = kernel_module(f'x: "{dtype}[n]"', body)
        assert _same(text, [[np.arange(6).astype(DTYPES[dtype])]]) == []
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[n]"', "np.issubdtype(x, np.floating)"))
    assert info.value.loc.line == 7 and info.value.hint and "TypeError" in str(info.value)


@pytest.mark.parametrize("signature, body, params, shapes", [
    ('x: "f64[n0,n1]"', "np.corrcoef(x)", ["x"], [(3, 5), (2, 4)]),
    ('x: "f32[n0,n1]"', "np.cov(x, ddof=2)", ["x"], [(3, 6)]),
    ('x: "f64[n0,n1]", y: "f64[n0,n1]"', "np.cov(x, y=y, rowvar=False)", ["x", "y"], [(5, 2)]),
    ('a: "f64[n0]", v: "f64[n1]"', "np.correlate(a, v, mode='full')", ["a", "v"], [(7,), (3,)]),
    ('a: "f64[n0]", v: "f64[n1]"', "np.correlate(a, v, mode='same')", ["a", "v"], [(4,), (7,)]),
    ('x: "f64[n0]", e: "f64[n1]"', "np.histogram(x, e, density=True)", ["x", "e"], [(20,)]),
])
def test_derivatives_vmap_and_c_target(signature, body, params, shapes, tmp_path):
    """Every form the corpus driver judges. vmap of np.correlate of run-time lengths is refused, located (the
    batched convolution needs its row length at build time)."""
    rng = np.random.default_rng(14)
    if params == ["a", "v"]:
        sets = [[rng.normal(size=shapes[0]), rng.normal(size=shapes[1])],
                [rng.normal(size=shapes[1]), rng.normal(size=shapes[0])]]
    elif params == ["x", "e"]:
        sets = [[rng.normal(size=shapes[0]), np.array([-1.0, -0.2, 0.5, 1.5])]]
    else:
        dtype = DTYPES[signature.split('"')[1][:3]]
        sets = [[rng.normal(size=s).astype(dtype) for _ in params] for s in shapes]
    text = kernel_module(signature, body)
    if "correlate" in body:
        outcomes = check_kernel(text, params, sets, lambda args: args, c=True, folder=tmp_path)
        assert {form: outcome for form, (outcome, _) in outcomes.items()} == {
            "f": "pass", "vjp": "pass", "fj": "pass", "c": "pass", "fv": "refused"}, outcomes
        assert "vmap of np.convolve needs both lengths" in outcomes["fv"][1]
        return
    all_forms_pass(text, params, sets, c=True, tmp_path=tmp_path)


def test_the_judge_skips_differences_where_python_raises_beside_the_point(tmp_path):
    """CuPy's test_histogram_range_float asserts `int(h.sum()) == 10` of data 1..10 against edges 1..10: a step of
    the data moves 10 past the last edge and Python's assert fails there. The judge's central differences have no
    oracle at such a point (skip); they called it bad."""
    text = kernel_module('x0: "f64[n0]", x1: "f64[n0]"', "np.histogram(x0, x1)").replace(
        "    return np.histogram(x0, x1)",
        "    h, b = np.histogram(x0, x1)\n    assert int(h.sum()) == 10\n    return h, b")
    outcomes = check_kernel(text, ["x0", "x1"], [[np.arange(1.0, 11.0), np.arange(1.0, 11.0)]], lambda args: args,
                            c=False, folder=tmp_path)
    assert outcomes["f"][0] == "pass" and outcomes["fj"][0] == "skip", outcomes
