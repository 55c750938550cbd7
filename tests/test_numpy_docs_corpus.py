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


@pytest.mark.filterwarnings("ignore")
def test_driver_skips_what_no_oracle_judges(tmp_path, monkeypatch):
    """np.arange(3.0): a shifted start changes the result's length, no difference to take (it was "bad"); np.poly
    and np.block: autograd returns a list of its boxes, not an array to compare (it was "bad")."""
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.numpy_docs.__main__ import main

    results = main(["--only", "arange,poly"])
    assert results["arange#5"]["statement"] == "np.arange(3.0)" and results["arange#5"]["fj"][0] == "skip"
    assert results["poly#3"]["statement"].startswith("np.poly((np.random") and results["poly#3"]["fj"][0] == "pass"


def test_driver_writes_the_kernel_a_user_would():
    """Arrays and numbers become annotated parameters (one dimension name per length), a list written in place an
    array, keywords and later integers literal; an in-place function returns the array it changed."""
    from benchmarks.numpy_docs.convert import DocCase, convert_statement

    namespace = {"np": np, "x": np.array([1, 2, 4, 7, 0]), "a": np.zeros((3, 3))}
    case = DocCase(name="diff", index=1)
    convert_statement(case, "np.diff(x, n=2)", namespace, np.diff, "diff")
    assert 'def f(x: "i64[n0]"):\n    return np.diff(x, n=2)' in case.text
    case = DocCase(name="roll", index=1)
    convert_statement(case, "np.roll([1.5, 2.0], 1, axis=0)", namespace, np.roll, "roll")
    assert 'def f(a0: "f64[n0]"):\n    return np.roll(a0, 1, axis=0)' in case.text
    case = DocCase(name="fill_diagonal", index=1)
    convert_statement(case, "np.fill_diagonal(a, 5)", namespace, np.fill_diagonal, "fill_diagonal")
    assert 'def f(a: "f64[n0,n0]"):\n    np.fill_diagonal(a, 5)\n    return a' in case.text
    case = DocCase(name="sum", index=1)
    convert_statement(case, "x.sum(axis=0)", namespace, np.sum, "sum")
    assert 'def f(x: "i64[n0]"):\n    return x.sum(axis=0)' in case.text


# -- the reduced programs of what the corpus found ---------------------------------------------------------------
def _kernel(signature: str, body: str) -> str:
    return f"import numpy as np\nfrom lifted import kernel, vmap\n\n\n@kernel\ndef f({signature}):\n    {body}\n"


def _python(text: str):
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec"), namespace)
    return namespace["f"]


@pytest.mark.parametrize("signature, body, args", [
    # np.linalg.norm casts integers to float64 first (NumPy's `x.astype(float)`): ord=1 and inf of int64 were int64
    ('a: "i64[n]"', "return np.linalg.norm(a, 1)", [np.arange(9) - 4]),
    ('c: "i64[n,m]"', "return np.linalg.norm(c, ord=1, axis=1)", [np.array([[1, 2, 3], [-1, 1, 4]])]),
    ('c: "i32[n,m]"', "return np.linalg.norm(c, np.inf, axis=0)", [np.array([[1, 2, 3], [-1, 1, 4]], np.int32)]),
    ('c: "bool[n]"', "return np.linalg.norm(c)", [np.array([True, False, True])]),
    # np.geomspace of integer bounds passed as parameters (Python ints at run time: no `.astype`)
    ('a: "i64[]", b: "i64[]"', "return np.geomspace(a, b, num=4)", [1, 1000]),
    ('a: "i64[]", b: "i64[]"', "return np.geomspace(a, b, num=3, endpoint=False)", [-1000, -1]),
])
def test_numpy_docs_values(signature, body, args):
    text = _kernel(signature, body)
    same_values(load_source(text, "docs_case.py").f(*args), _python(text)(*args), "f vs Python")


@pytest.mark.parametrize("signature, body, message", [
    # np.matmul of a scalar raises ValueError in NumPy (as `@` does); it was a product
    ('a: "i64[n]"', "return np.matmul(a, 3)", "matmul needs arrays of rank 1 or more"),
    ('a: "f64[n]", b: "f64[]"', "return np.matmul(b, a)", "matmul needs arrays of rank 1 or more"),
    # np.squeeze without axis removes a named length when it is 1: the rank is not known at build time (vmap kept
    # the axes, `f` typed the result as rank 2)
    ('x: "i64[n,n]"', "return np.squeeze(x)", "np.squeeze without `axis` needs every length known"),
    ('x: "f64[n,1]"', "return x.squeeze()", "np.squeeze without `axis` needs every length known"),
    # np.append of arrays of two ranks: NumPy's ValueError, refused with a hint (it had none)
    ('a: "i64[n,m]", b: "i64[m]"', "return np.append(a, b, axis=0)", "np.concatenate needs arrays of the same rank"),
])
def test_numpy_docs_refusals(signature, body, message):
    with pytest.raises(TranspileError) as info:
        load_source(_kernel(signature, body), "docs_case.py")
    assert message in info.value.message and info.value.loc.line == 7 and info.value.hint


def test_squeeze_of_known_lengths_still_batches():
    text = _kernel('x: "f64[1,3,1]"', "return np.squeeze(x) * 2.0") + "\n\nfv = vmap(f)\n"
    x = np.arange(6.0).reshape(2, 1, 3, 1)
    same_values(load_source(text, "docs_case.py").fv(x), np.stack([np.squeeze(e) * 2.0 for e in x]), "vmap")


@pytest.mark.parametrize("body", ["np.ravel(x, order='F')", "x.ravel('F')", "x.flatten(order='F')",
                                  "np.ravel(x, 'C')", "x.T.ravel(order='F')"])
def test_ravel_in_fortran_order(body):
    """np.ravel(x, order='F') of NumPy's examples (refused before): the reversed-axes transpose read row by row."""
    x = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    text = _kernel('x: "f64[a,b,c]"', f"return {body}") + "\n\nfv = vmap(f)\n"
    module = load_source(text, "docs_case.py")
    same_values(module.f(x), _python(text)(x), "f vs Python")
    batch = np.stack([x, x + 1.0, 2.0 * x])
    same_values(module.fv(batch), np.stack([_python(text)(e) for e in batch]), "vmap vs a loop")


def test_ravel_in_memory_order_is_refused():
    with pytest.raises(TranspileError) as info:
        load_source(_kernel('x: "f64[a,b]"', "return np.ravel(x, order='K')"), "docs_case.py")
    assert "memory layout" in info.value.message and info.value.loc.line == 7 and info.value.hint
