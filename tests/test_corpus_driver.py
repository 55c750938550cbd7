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


OPERATOR_RECORDS = '''
import numpy as np
from jax._src import test_util as jtu

all_shapes = [jtu.NUMPY_SCALAR_SHAPE, jtu.PYTHON_SCALAR_SHAPE, (), (3,), (2, 3), (0,)]
float_dtypes = jtu.dtypes.all_floating

def op_record(*args, **kwargs):
    raise AssertionError("never called: the driver brings its own")

JAX_ONE_TO_ONE_OP_RECORDS = [
    op_record("log", 1, float_dtypes + jtu.dtypes.complex, all_shapes, jtu.rand_positive, ["rev"]),
    op_record("arctan2", 2, float_dtypes, all_shapes, partial(jtu.rand_uniform, low=-1.5), ["rev"]),
]
JAX_OPERATOR_OVERLOADS = [op_record("__mul__", 2, jtu.dtypes.integer, all_shapes, jtu.rand_default, [])]
JAX_RIGHT_OPERATOR_OVERLOADS = [op_record("__rmul__", 2, jtu.dtypes.integer, all_shapes, jtu.rand_default, [])]
'''

REDUCER_RECORDS = '''
nonempty_shapes = [jtu.PYTHON_SCALAR_SHAPE, (2, 3)]
JAX_REDUCER_NO_DTYPE_RECORDS = [op_record("max", 1, [np.float64, jnp.bfloat16], nonempty_shapes, jtu.rand_default, [])]
JAX_REDUCER_WHERE_NO_INITIAL_RECORDS = [op_record("mean", 1, [np.float32], nonempty_shapes, jtu.rand_default, [])]
'''


def test_the_jax_driver_reads_records_and_checks_every_form(tmp_path):
    """benchmarks.jax_corpus (docs/corpora.md) without a JAX checkout: records shaped like JAX's, parsed, sampled,
    written as kernels and checked."""
    from benchmarks.jax_corpus import check_case, collect
    from benchmarks.jax_records import kernel_text

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "lax_numpy_operators_test.py").write_text(OPERATOR_RECORDS)
    (tmp_path / "tests" / "lax_numpy_reducers_test.py").write_text(REDUCER_RECORDS)
    picked, totals = collect(tmp_path, per_record=3, only=None)
    assert {c.record["name"] for c in picked} == {"log", "arctan2", "__mul__", "max", "mean"}  # no right overloads
    assert totals["functions", "all"] > totals["functions", "lifted dtypes"] > 0  # float16, complex: not run
    texts = {c.label(): kernel_text(c)[0] for c in picked}
    assert any("return np.log(x0)" in t and 'x0: "f64[' in t for t in texts.values())
    assert any("return x0 * x1" in t for t in texts.values())
    assert any("np.mean(x0, axis=" in t and "where=where" in t and '"bool[' in t for t in texts.values())
    for case in picked:
        outcomes = check_case(case, c=case.record["name"] == "log", folder=tmp_path)
        verdicts = {form: outcome for form, (outcome, _) in outcomes.items()}
        assert not {"bad", "WRONG"} & set(verdicts.values()), (case.label(), outcomes)
        if case.record["name"] == "log" and case.differentiable:
            assert verdicts["bits"] == "pass" and verdicts.get("c") == "pass" and "fj" in verdicts
        if case.record["name"] == "mean":
            assert verdicts["bits"] == "pass"  # where= (NumPy's own masked mean)
