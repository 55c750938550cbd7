"""benchmarks.tangent_corpus (docs/corpora.md) keeps working without a Tangent checkout: a tree shaped like one,
with functions of our own writing, goes through the mechanical rewrite and every form's check."""
from __future__ import annotations

import numpy as np

from benchmarks.corpus.checks import check_kernel
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
    """benchmarks.jax.corpus (docs/corpora.md) without a JAX checkout: records shaped like JAX's, parsed, sampled,
    written as kernels and checked."""
    from benchmarks.jax.corpus import check_case, collect
    from benchmarks.jax.records import kernel_text

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


NUMPY_API_TESTS = '''
import numpy as np
from functools import partial
from jax._src import test_util as jtu

small_shapes = [(3,), (2, 3)]
float_dtypes = jtu.dtypes.all_floating
all_dtypes = float_dtypes + jtu.dtypes.integer


def _axes(shape):
  return range(-len(shape), len(shape))


class LaxBackedNumpyTests(jtu.JaxTestCase):

  @jtu.sample_product(
    [dict(shape=shape, axis=axis) for shape in small_shapes for axis in _axes(shape)],
    dtype=all_dtypes,
  )
  def testFlipAlong(self, shape, dtype, axis):
    rng = jtu.rand_default(self.rng())
    np_fun = lambda x: np.flip(x, axis=axis)
    jnp_fun = lambda x: jnp.flip(x, axis=axis)
    args_maker = lambda: [rng(shape, dtype)]
    self._CheckAgainstNumpy(np_fun, jnp_fun, args_maker)

  @jtu.sample_product(shape=small_shapes, dtype=float_dtypes, bound=[None, 0.5])
  def testClipBelow(self, shape, dtype, bound):
    rng = jtu.rand_default(self.rng())
    if bound is None:
      np_fun = partial(np.clip, a_min=-1.0, a_max=bound)
    else:
      np_fun = jtu.with_jax_dtype_defaults(partial(np.clip, a_min=None, a_max=bound))
    args_maker = self._GetArgsMaker(rng, [shape], [dtype])
    self._CheckAgainstNumpy(np_fun, jnp.clip, args_maker)

  @jtu.sample_product(shape=small_shapes, dtype=float_dtypes)
  def testSumTwo(self, shape, dtype):
    rng = jtu.rand_positive(self.rng())
    def np_fun(a, b, scale=2):
      total = a + scale * b
      return np.sum(total)
    args_maker = lambda: [rng(shape, dtype) for _ in range(2)]
    self._CheckAgainstNumpy(np_fun, jnp.sum, args_maker)

  @jtu.sample_product(shape=small_shapes, dtype=float_dtypes)
  def testJaxOnly(self, shape, dtype):
    rng = jtu.rand_default(self.rng())
    np_fun = lambda x: jnp.sort(x)
    args_maker = lambda: [rng(shape, dtype)]
    self._CheckAgainstNumpy(np_fun, np_fun, args_maker)

  def testNoProduct(self):
    self.assertEqual(jnp.zeros(3).shape, (3,))
'''


def test_the_jax_driver_reads_lax_numpy_test_methods(tmp_path):
    """benchmarks.jax.numpy_tests (docs/corpora.md, "JAX's lax_numpy_test.py") without a JAX checkout: test methods
    shaped like JAX's (a lambda, a partial chosen by an `if`, a local def, `_GetArgsMaker`, a comprehension in
    args_maker), walked per combination, written as kernels and checked; a jnp reference is counted as skipped."""
    from benchmarks.jax.corpus import check_case, collect

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "lax_numpy_test.py").write_text(NUMPY_API_TESTS)
    summary: dict = {}
    picked, totals = collect(tmp_path, per_record=3, only=None, families={"api"}, summary=summary)
    assert set(summary) == {"testFlipAlong", "testClipBelow", "testSumTwo", "testJaxOnly", "testNoProduct"}
    assert summary["testFlipAlong"]["combinations"] == 6 * 6  # (3,): 2 axes, (2, 3): 4; 6 dtypes
    jax_only = summary["testJaxOnly"]
    assert jax_only["kernels"] == 0 and "`jnp` in the NumPy reference" in jax_only["skipped"]
    assert summary["testNoProduct"]["kernels"] == 0
    assert totals["api", "all"] > totals["api", "lifted dtypes"] > 0  # float16, bfloat16: counted, not run
    texts = {c.label(): c.kernel_text()[0] for c in picked}
    assert any("return np.flip(x, axis=-1)" in t or "return np.flip(x, axis=" in t for t in texts.values())
    assert any("np.clip(x0, a_min=None, a_max=0.5)" in t for t in texts.values())
    assert any("np.clip(x0, a_min=-1.0, a_max=None)" in t for t in texts.values())
    assert any("scale = 2" in t and "total = a + scale * b" in t and "b: 'f" in t for t in texts.values())
    for case in picked:
        outcomes = check_case(case, c=False, folder=tmp_path)
        verdicts = {form: outcome for form, (outcome, _) in outcomes.items()}
        assert verdicts["bits"] == "pass" and not {"bad", "WRONG", "refused"} & set(verdicts.values()), \
            (case.label(), outcomes)


def test_autograd_judges_jvp_and_vjp_where_it_runs_the_source():
    """benchmarks/corpus/against_autograd.py: a derivative within the differences' tolerance (1e-5) but off by 1e-6 is
    WRONG against autograd's; where autograd cannot run the source (an in-place write) it is counted, not passed."""
    import pytest

    from benchmarks.corpus.against_autograd import AUTOGRAD_NOT_COMPARED, check_cotangent, check_tangent
    from benchmarks.corpus.oracles import Wrong
    from gradcheck import autograd_kernels

    oracle = autograd_kernels("import numpy as np\n\ndef f(x):\n    return np.sin(x) * x, [np.sum(x ** 2)]\n")["f"]
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    expected = (np.sin(x) * x, [np.sum(x ** 2)])
    tangent = (np.cos(x) * x + np.sin(x)) * v
    check_tangent(oracle, [x], expected, (tangent, None), v, {0: (tangent, 1e-6)}, "x")
    with pytest.raises(Wrong, match="vs autograd"):
        check_tangent(oracle, [x], expected, (tangent * (1 + 1e-6), None), v, {0: (tangent, 1e-6)}, "x")
    cotangent = np.cos(x) * x + np.sin(x) + 2 * x
    check_cotangent(oracle, [x], expected, cotangent, "x")
    with pytest.raises(Wrong, match="vs autograd"):
        check_cotangent(oracle, [x], expected, cotangent + 1e-6, "x")
    writes = autograd_kernels("import numpy as np\n\ndef f(x):\n    y = x * 1.0\n    y[0] = 0.0\n    return y\n")["f"]
    AUTOGRAD_NOT_COMPARED.clear()
    check_cotangent(writes, [x], x * 1.0, np.array([0.0, 1.0, 1.0]) + 5.0, "x")
    assert AUTOGRAD_NOT_COMPARED == {"vjp: autograd cannot run the source": 1}
    # where autograd is off the differences Lifted passed (its np.full_like sends nothing to the fill value), it
    # does not judge: counted
    full = autograd_kernels("import numpy as np\n\ndef f(x):\n    return np.full_like(x, x[0])\n")["f"]
    AUTOGRAD_NOT_COMPARED.clear()
    check_cotangent(full, [x], np.full_like(x, x[0]), np.array([3.0, 0.0, 0.0]), "x", np.array([3.0, 0.0, 0.0]), 1e-6)
    assert AUTOGRAD_NOT_COMPARED == {"vjp: autograd's derivative is off the central differences": 1}


def test_vmap_batches_an_int_given_for_a_float_as_floats():
    """A Python int for an `f64[]` parameter (Tangent's hostile `3`) is batched as float64: an int64 batch for
    `f64[B]` is refused at entry (by design), which counted 74 of Tangent's functions arg-refused under `fv`."""
    text = "import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(a: 'f64[]'):\n    return np.tanh(a) * a\n"
    outcomes = check_kernel(text, ["a"], [[3], [0.5]], annotated_dtypes("f"))
    assert outcomes["fv"][0] == "pass", outcomes


ALIASED = '''import numpy as np
from lifted import kernel


@kernel
def f(a: "f64[3]", b: "f64[3]"):
    for i in range(1, 3):
        a[i] = 2.0 * b[i - 1] + 1.0
    return a
'''


def test_a_call_with_arguments_that_share_memory_is_counted_arg_refused():
    """pythran's d2q9_nxnyns is called `one_time_step(r, r)`: Python's writes into `a` are read back through `b`
    (another value than with two arrays), the generated function updates a copy of `a` and refuses the call with
    a ValueError of its argument check, which the driver counted bad; it is an argument refused."""
    namespace: dict = {}
    exec(compile(ALIASED, "python_reference", "exec", dont_inherit=True), namespace)
    x = np.array([1.0, 5.0, 7.0])
    shared = x.copy()
    assert not np.array_equal(namespace["f"](shared, shared), namespace["f"](x.copy(), x.copy()))
    outcomes = check_kernel(ALIASED, ["a", "b"], [[x, x]], lambda args: args, only=set())
    assert outcomes["f"][0] == "arg-refused", outcomes
    assert "shares memory with it" in outcomes["f"][1]


def test_parts_of_the_cases_cover_them_once_in_order():
    """--part K/N (a module too long for one piece of a scan, in pieces): the N parts, in turn, are the cases once,
    in their order, sizes differing by at most one."""
    import argparse

    import pytest

    from benchmarks.corpus.driver import corpus_parser, part_of

    found = list(range(11))
    parser = corpus_parser("a driver", "names", parts=True)
    pieces = [part_of(parser.parse_args(["--part", f"{k}/3"]), found) for k in (1, 2, 3)]
    assert sum(pieces, []) == found and {len(p) for p in pieces} <= {3, 4}
    assert part_of(parser.parse_args([]), found) == found
    with pytest.raises(SystemExit):
        part_of(argparse.Namespace(part="4/3"), found)


def test_numba_cases_saved_once_and_read_back(tmp_path, monkeypatch):
    """--cases F: the first run records (4 to 8 minutes for test_np_functions) and saves the converted cases; a
    later run reads them, records nothing, and --only and --part pick among them."""
    import benchmarks.numba_tests.__main__ as driver

    def usecase(a):
        return a * 2.0

    def other(a):
        return a + 1.0

    recorded = []

    def record(numba, files, methods=None):
        recorded.append(files)
        return {usecase: [((np.arange(3.0),), {})], other: [((np.ones(2),), {})]}, {usecase: "t", other: "t"}

    monkeypatch.setattr(driver, "record", record)
    saved = tmp_path / "cases.pickle"
    first = driver.main(["--numba", str(tmp_path), "--cases", str(saved), "--only", "none"])
    assert first == {} and saved.exists() and len(recorded) == 1
    again = driver.main(["--numba", str(tmp_path), "--cases", str(saved), "--part", "2/2"])
    assert len(recorded) == 1 and list(again) == [next(label for label in again)]
    assert [label.split(":")[1].split("#")[0].rpartition(".")[2] for label in again] == ["other"]
    assert again[next(iter(again))]["f"][0] == "pass"


def _logistic(x):
    """A chaotic loop: its round-off grows with every step, so 4 ulps of input move its value by far more."""
    for _ in range(60):
        x = 3.99 * x * (1.0 - x)
    return x


def test_the_c_check_allows_the_numpy_backends_own_spread_and_counts_it():
    """The corpus `c` check (c_target._within_spread): a float64 C value outside rtol 1e-10 of NumPy's passes,
    counted in WITHIN_SPREAD, where it is within SPREAD_FACTOR times NumPy's own movement under nudged inputs (opfunu
    F29 2017's `g`, docs/corpora.md); the same difference of a well-conditioned function, or one far beyond the
    spread, stays WRONG."""
    import pytest

    from benchmarks.corpus.c_target import WITHIN_SPREAD, _within_spread
    from benchmarks.corpus.oracles import Wrong
    from benchmarks.corpus.spread import SPREAD_FACTOR, reference_spread

    x = np.linspace(0.1, 0.9, 7)
    expected = _logistic(x.copy())
    spread = reference_spread(_logistic, [x], expected)
    assert spread > 1e-6  # (the chaotic loop's own spread: far beyond rtol 1e-10)
    WITHIN_SPREAD.clear()
    detail = _within_spread(_logistic, [x], expected + spread / 2, expected, "g", Wrong("differs"))
    assert detail.startswith("g: round-off, C differs by ")
    assert sum(WITHIN_SPREAD.values()) == 1 and "c g: within" in next(iter(WITHIN_SPREAD))
    with pytest.raises(Wrong, match="beyond"):
        _within_spread(_logistic, [x], expected + 2 * SPREAD_FACTOR * spread, expected, "g", Wrong("differs"))
    smooth = np.sum  # (well conditioned: its own spread is a few ulps, far below a difference of 1e-6)
    with pytest.raises(Wrong):
        _within_spread(smooth, [x], smooth(x) + 1e-6, smooth(x), "f", Wrong("differs"))
    with pytest.raises(Wrong, match="own spread under nudged inputs: 0"):  # (an integer result never moves)
        _within_spread(lambda v: np.round(v * 0).astype(np.int64), [x], np.ones(7), np.zeros(7, dtype=np.int64), "f",
                       Wrong("differs"))
    assert sum(WITHIN_SPREAD.values()) == 1
    WITHIN_SPREAD.clear()
