"""pymoo's test problems as a corpus (benchmarks/pymoo/, docs/corpora.md), and the features and fix it led to.

The corpus tests skip without pymoo (a clean clone has none); the regressions below them need only Lifted."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import autograd_kernels, load_source
from lifted.transpiler import TranspileError

ROOT = Path(__file__).resolve().parents[1]
# a handful of families: ZDT, DTLZ with a parent's _evaluate (C2DTLZ2), WFG (chained comparisons, module
# functions), G (a loop whose first iteration makes a vector), MW (np.errstate), CTP (a function attribute)
HANDFUL = ("ZDT1", "C2DTLZ2", "WFG1", "G2", "MW5", "CTP1")


@pytest.fixture(scope="module")
def pymoo_cases():
    pymoo = pytest.importorskip("pymoo")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.pymoo.convert import cases

    return {case.name: case for case in cases(pymoo, None, 3, set(HANDFUL))}


@pytest.mark.parametrize("name", HANDFUL)
def test_a_handful_of_pymoo_problems(pymoo_cases, name, tmp_path):
    """f bit for bit against pymoo's own _evaluate and the converted source, jvp, vjp, vmap and the gradient of a
    weighted sum against central differences and autograd: no form refused, failed or wrong."""
    from benchmarks.pymoo.__main__ import check

    case = pymoo_cases[name]
    assert not case.not_converted, case.not_converted
    outcomes = check(case, False, tmp_path)
    assert outcomes["pm"][0] == "pass" and outcomes["f"][0] == "pass", outcomes
    assert outcomes["sg"][0] in ("pass", "skip"), outcomes
    bad = {form: value for form, value in outcomes.items() if value[0] not in ("pass", "skip")}
    assert not bad, bad


def test_the_converter_says_why_it_cannot_convert(pymoo_cases):
    """A problem object held as an attribute (ScaledDTLZ1 wraps a DTLZ1) is not numbers: not converted, with the
    reason."""
    pymoo = pytest.importorskip("pymoo")
    from benchmarks.pymoo.convert import cases

    (case,) = cases(pymoo, None, 3, {"ScaledDTLZ1"})
    assert "self.problem is a DTLZ1, not numbers" in case.not_converted


# -- what the corpus found (no pymoo needed) ---------------------------------------------------------------------
WEIGHTED = '''
import numpy as np
from lifted import grad, kernel

W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]])


@kernel
def f(x: "f64[4, 3]"):
    v1 = np.full(4, np.inf)
    for i in range(3):
        v1 = np.minimum(x[:, i], v1)
    return np.sum(x * W) + np.sum(v1)


g = grad(f)
'''


def test_reverse_mode_does_not_add_into_a_module_array():
    """d(sum(x * W))/dx is W itself; the loop's pull-back then added into that adjoint in place (`dx[:, i] +=`),
    changing the module's W: every later call's value and gradient were wrong (pymoo's C2DTLZ2, whose weighted
    sum reads F twice). Main had it. The adjoint is now copied before the loop adds into it."""
    from autograd import grad

    module = load_source(WEIGHTED, "weighted.py")
    oracle = grad(autograd_kernels(WEIGHTED)["f"])
    before = module.W.copy()
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.random((4, 3))
        np.testing.assert_allclose(module.g(x), oracle(x), rtol=1e-13, atol=1e-13)
    assert np.array_equal(module.W, before)


CHAINED = '''
import numpy as np
from lifted import kernel


def shape(x, m, M):
    if m == 1:
        return x * 1.0
    elif 1 < m <= M:
        return x * 2.0
    return x * 3.0


@kernel
def static(x: "f64[3]"):
    return shape(x, 1, 3) + shape(x, 2, 3) * 10.0 + shape(x, 4, 3) * 100.0


@kernel
def run_time(a: "f64[]", b: "f64[]"):
    return 0.0 < a < b <= 3.0 != a
'''


def test_chained_comparisons_as_python_evaluates_them():
    """`a < b <= c` is `(a < b) and (b <= c)` with b evaluated once (pymoo's WFG shape functions: `1 < m <= M`),
    decided at build time where the operands are known, else on scalars at run time."""
    module = load_source(CHAINED, "chained.py")
    python: dict = {}
    exec(CHAINED.replace("@kernel\n", ""), python)
    x = np.array([0.5, -1.0, 2.0])
    assert np.array_equal(module.static(x), python["static"](x))
    for a, b in [(1.0, 2.0), (2.0, 1.0), (-1.0, 2.0), (1.0, 5.0), (3.0, 3.0), (1.0, 3.0)]:
        a64, b64 = np.float64(a), np.float64(b)
        assert bool(module.run_time(a64, b64)) == bool(python["run_time"](a64, b64)), (a, b)


def test_a_chained_comparison_indexes_only_where_the_links_before_hold():
    """`0.0 < x[0] < x[int(x[1])]`: the index is taken (and may raise IndexError) only where `0.0 < x[0]`."""
    source = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n'
              '    return 0.0 < x[0] < x[int(x[1])]\n')
    module, python = load_source(source, "chained_index.py"), {}
    exec(source.replace("@kernel\n", ""), python)
    for x in ([-1.0, 7.0, 0.0], [0.5, 2.0, 3.0], [0.5, 0.0, 3.0]):
        assert module.f(np.array(x)) == python["f"](np.array(x))
    with pytest.raises(IndexError):
        module.f(np.array([1.0, 7.0, 0.0]))


@pytest.mark.parametrize("body, message", [
    ("return 0.0 < x < 1.0", "a link of this chained comparison is an array"),
])
def test_chained_comparisons_refused_where_python_differs(body, message):
    source = f'import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n    {body}\n'
    with pytest.raises(TranspileError, match=message) as raised:
        load_source(source, "chained_refused.py")
    assert raised.value.loc is not None and raised.value.hint


ERRSTATE = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[4]"):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = 1.0 / x
        z = np.where(x == 0.0, 0.0, y)
    return z * 2.0
'''


def test_errstate_blocks_compute_what_their_body_computes():
    """`with np.errstate(...)` changes NumPy's warnings, never a value (pymoo's MW5-MW7): its body is lowered in
    its place. `all="raise"` is refused, located."""
    module = load_source(ERRSTATE, "errstate.py")
    x = np.array([0.0, 2.0, -4.0, np.inf])
    with np.errstate(all="ignore"):
        expected = np.where(x == 0.0, 0.0, 1.0 / x) * 2.0
    assert np.array_equal(module.f(x), expected)
    with pytest.raises(TranspileError, match="raise or call a function") as raised:
        load_source(ERRSTATE.replace('divide="ignore", invalid="ignore"', 'all="raise"'), "errstate_raise.py")
    assert raised.value.loc is not None


RANK = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[4, 3]"):
    s = 0.0
    for j in range(3):
        s = s + (j + 1) * x[:, j] ** 2
    return np.sum(np.sqrt(s))


g = grad(f)
'''


def test_a_loop_whose_first_iteration_makes_a_vector():
    """`s = 0.0`, then `s = s + x[:, j]` in a loop that surely runs (pymoo's G2, ZDT4): the first iteration is
    lowered on its own, as Python runs it, and the rest as a loop over the vector. Values bit for bit, the gradient
    against autograd."""
    from autograd import grad

    module = load_source(RANK, "rank.py")
    python = autograd_kernels(RANK)
    x = np.random.default_rng(5).random((4, 3))
    s = 0.0
    for j in range(3):
        s = s + (j + 1) * x[:, j] ** 2
    assert np.array_equal(module.f(x), np.sum(np.sqrt(s)))
    np.testing.assert_allclose(module.g(x), grad(python["f"])(x), rtol=1e-13, atol=1e-13)


WHILE = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[4, 6]"):
    y = [x[:, i] for i in range(2)]
    i = 3
    while i <= 4:
        y.append(np.sum(x[:, 2 * i - 4:2 * i - 2], axis=1))
        i += 1
    return np.column_stack(y)


@kernel
def g(x: "f64[4]", n: "i64[]"):
    y = []
    i = 0
    while i < n:
        y.append(x[i])
        i += 1
    return y[0]
'''


def test_a_while_over_python_ints_that_builds_a_list():
    """A `while` whose test is decided at build time on every pass and whose body appends to a list (pymoo's
    WFG2 and WFG3) runs at build time, as a `for` over a constant range does; one whose test is known at run time
    only keeps its located refusal."""
    source = WHILE[:WHILE.index("@kernel\ndef g")]
    module = load_source(source, "static_while.py")
    python: dict = {}
    exec(source.replace("@kernel\n", ""), python)
    x = np.random.default_rng(7).random((4, 6))
    assert np.array_equal(module.f(x), python["f"](x))
    with pytest.raises(TranspileError, match="cannot be changed in it") as raised:
        load_source(WHILE, "run_time_while.py")
    assert raised.value.loc is not None


ARGUMENT_WRITES = '''
import numpy as np
from lifted import kernel


def t1(x, k):
    for i in range(k):
        x[:, i] = np.sqrt(x[:, i] + np.sum(x[:, i + 1:], axis=1))
    return x


@kernel
def f(x: "f64[4, 5]"):
    y = x / 2.0
    y = t1(y, 3)
    return y * y
'''


def test_a_function_that_writes_its_argument_in_a_constant_loop():
    """A function that writes into the caller's array in a `for` over a constant range (pymoo's WFG7.t1) runs the
    loop at build time, so the caller sees each write as Python's would; bits as Python's."""
    module = load_source(ARGUMENT_WRITES, "argument_writes.py")
    python: dict = {}
    exec(ARGUMENT_WRITES.replace("@kernel\n", ""), python)
    x = np.random.default_rng(11).random((4, 5))
    assert np.array_equal(module.f(x), python["f"](x))
