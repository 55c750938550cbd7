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


def _sinc_derivative(x: float) -> float:
    """d/dx sin(pi x) / (pi x) in extended precision (mpmath-free: a long Taylor sum, |x| small)."""
    from fractions import Fraction
    import math as m

    # sum over k >= 1 of (-1)^k (pi x)^(2k) / (2k+1)!, differentiated: (-1)^k 2k pi^(2k) x^(2k-1) / (2k+1)!
    return float(sum((-1) ** k * 2 * k * Fraction(m.pi) ** (2 * k) * Fraction(x) ** (2 * k - 1) /
                     m.factorial(2 * k + 1) for k in range(1, 12)))


@pytest.mark.filterwarnings("ignore")
def test_sinc_second_derivative_at_zero():
    """numba's `sinc` usecase at 0.0: grad(grad(f)) was 0 there (the first derivative's rule was the constant 0 at
    0); sinc''(0) = -pi^2/3, here against central differences of the generated gradient (autograd's sinc rule is
    NaN at 0), and at points off 0 against autograd too (check_second_order)."""
    from gradcheck import check_second_order, load_source

    text = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(x: "f64[]"):\n'
            '    return np.sinc(x)\n')
    module = load_source(text + "\nfrom lifted import grad\ng1 = grad(f, wrt=0)\ngg = grad(g1, wrt=0)\n", "sinc.py")
    fd = (module.g1(1e-5) - module.g1(-1e-5)) / 2e-5
    assert abs(module.gg(0.0) - fd) < 1e-6 and abs(module.gg(0.0) + np.pi ** 2 / 3) < 1e-12
    for x in (1e-6, -1e-6, 2e-4, 9.99e-3, 1.001e-2, -0.3):  # the first derivative near 0 without cancellation (was
        assert abs(module.g1(x) - _sinc_derivative(x)) < 1e-12 * abs(_sinc_derivative(x))  # 1e-5 off at 1e-6)
    check_second_order(text, [0.25], 0)
    vector = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(x: "f64[3]"):\n'
              '    return np.sum(np.sinc(x) * x)\n')
    check_second_order(vector, [np.array([0.125, 0.5, -1.25])], 0)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("call", ["np.linspace(start, stop)", "np.logspace(start, stop)", "np.geomspace(start, stop)"])
def test_spaces_with_numpys_default_num(call):
    """numba's `logspace2`/`geomspace2` usecases: left out, `num` (NumPy's 50) was an untyped constant and the
    build failed with an AttributeError instead of a kernel."""
    from gradcheck import load_source
    text = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\n'
            f'def f(start: "f64[]", stop: "f64[]"):\n    return {call}\n')
    module = load_source(text, "spaces.py")
    python: dict = {}
    exec(compile(text.replace("@kernel\n", ""), "python_reference", "exec"), {"np": np}, python)
    for start, stop in ((1.0, 2.0), (0.5, -3.25), (2.0, 2.0)):
        got, expected = module.f(start, stop), python["f"](start, stop)
        assert got.dtype == expected.dtype and got.shape == expected.shape == (50,), (call, start, stop)
        assert np.array_equal(got, expected, equal_nan=True), (call, start, stop)


@pytest.mark.filterwarnings("ignore")
def test_interp_derivative_on_a_sample_point():
    """numba's `interp` usecase: x on a sample point of a straight line (fp = xp + 1.5) had d/dx 0 there (the value
    branch `fp[j]` carried no derivative); now the right-hand interval's slope, against central differences and
    autograd (check_against_python), and the value still NumPy's bits, -0.0 included."""
    from gradcheck import check_against_python, load_source

    text = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\n'
            'def f(x: "f64[n]", xp: "f64[m]", fp: "f64[m]"):\n    return np.sum(np.interp(x, xp, fp) * x)\n')
    xp = np.arange(-4.0, 8.0)
    x = np.array([-5.0, -2.0, 0.0, 0.5, 3.0, 6.0, 9.0])  # sample points inside (xp[-1] itself is a kink)
    for fp in (xp + 1.5, 2.0 * xp - 0.25):
        for wrt, position in (("x", 0), ("fp", 2)):
            check_against_python(text + f"\nfrom lifted import grad\ng = grad(f, wrt={wrt!r})\n", [x, xp, fp],
                                 wrt=position)
    values = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\n'
              'def f(x: "f64[n]", xp: "f64[m]", fp: "f64[m]"):\n    return np.interp(x, xp, fp)\n')
    fp = np.array([-0.0, 0.0, 1.0, np.inf, 2.0])
    xs = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 0.5, 2.5])
    got = load_source(values, "interp_values.py").f(xs, np.arange(5.0), fp)
    expected = np.interp(xs, np.arange(5.0), fp)
    assert np.array_equal(got, expected, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.filterwarnings("ignore")
def test_unary_plus_of_an_array_is_a_new_array():
    """numba's test_unary_positive_array_op_2: `a2 = +a1` then writes to each: `+a1` was a1 itself, so the write
    to a1 showed in a2 (NumPy's `+a` is np.positive(a), a copy); its derivative is still the identity."""
    from gradcheck import check_against_python, load_source

    text = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(a1: "f64[n]"):\n'
            '    a2 = +a1\n    a1[0] = 3.0\n    a2[1] = 4.0\n    return a2\n')
    got = load_source(text, "plus.py").f(np.zeros(4))
    assert got.tolist() == [0.0, 4.0, 0.0, 0.0]
    scalar = ('import numpy as np\nfrom lifted import kernel, grad\n\n@kernel\ndef f(a: "f64[n]"):\n'
              '    b = +a\n    a[0] = 3.0\n    return np.sum(b * a)\n\ng = grad(f)\n')
    check_against_python(scalar, [np.array([0.5, -1.5, 2.0])])


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("trim", ["fb", "f", "b"])
def test_trim_zeros_of_an_empty_array(trim):
    """numba's `np_trim_zeros` usecase on np.array([]): the generated argmax of the empty axis raised ValueError
    where NumPy returns the empty array; other inputs (all zeros, 2-D, empty rows) as NumPy's."""
    from gradcheck import load_source

    for annotation, values in (("f64[n]", [np.zeros(0), np.zeros(3), np.array([0.0, -0.0, 2.0, 0.0, 1.0, 0.0])]),
                               ("f64[n,m]", [np.zeros((0, 3)), np.zeros((3, 0)),
                                             np.array([[0.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 0.0]])])):
        text = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\n'
                f'def f(a: "{annotation}"):\n    return np.trim_zeros(a, {trim!r})\n')
        module = load_source(text, "trim.py")
        for a in values:
            got, expected = module.f(a.copy()), np.trim_zeros(a, trim)
            assert got.shape == expected.shape and got.dtype == expected.dtype and np.array_equal(got, expected), \
                (trim, a)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("call, args", [("np.arange(a, 4.0)", [0.5, 1.0]), ("np.arange(a, 7.0, b)", [0.25, 1.5]),
                                        ("np.concatenate((np.arange(-1.0, 3.0, b), np.arange(a)))", [2.5, 0.75])])
def test_arange_derivatives_in_start_and_step(call, args):
    """numba's `np_arange_2`/`np_arange_3` usecases at start 0.5: grad and jvp of np.arange's float start (and
    step) were silently 0; element k is start + k * step, so 1 in start and k in step (0 in stop, where the length
    does not jump). Against central differences of Python's `f` only: autograd's np.arange is a constant."""
    from gradcheck import assert_close, central_difference, load_source

    text = ('import numpy as np\nfrom lifted import kernel, grad, jvp\n\n@kernel\n'
            f'def f(a: "f64[]", b: "f64[]"):\n    return np.sum(np.sin({call}))\n\n'
            'g = grad(f, wrt=(0, 1))\nfj = jvp(f, wrt=(0, 1))\n')
    module = load_source(text, "arange_d.py")
    python: dict = {}
    exec(compile(text.split("@kernel")[0].replace("from lifted import kernel, grad, jvp\n", "") +
                 text.split("@kernel\n")[1].split("\n\ng =")[0], "python_reference", "exec"), python)
    for position in (0, 1):
        fd = central_difference(python["f"], args, position)
        assert_close(np.asarray(module.g(*args)[position]), fd, rtol=1e-6, atol=1e-7, what=f"d/d {position}")
    direction = (0.3, -0.7)
    value, tangent = module.fj(*args, *direction)
    fd = sum(d * central_difference(python["f"], args, k) for k, d in enumerate(direction))
    assert value == python["f"](*args)
    assert_close(np.asarray(tangent), fd, rtol=1e-6, atol=1e-7, what="jvp")


@pytest.mark.filterwarnings("ignore")
def test_judge_second_derivative_where_autograds_is_nan(tmp_path):
    """corpus.checks' `gg` compared with autograd even where autograd's second derivative is NaN (its np.sinc rule at
    0): a WRONG for a right answer. Now not compared there (counted) and judged by differences of grad(f)."""
    from benchmarks.corpus.against_autograd import AUTOGRAD_NOT_COMPARED
    from benchmarks.corpus.checks import check_kernel

    text = ('import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n\n@kernel\n'
            'def f(x: "f64[]"):\n    return np.sinc(x)\n')
    AUTOGRAD_NOT_COMPARED.clear()
    outcomes = check_kernel(text, ["x"], [[0.0]], lambda args: args, folder=tmp_path, only={"gg"})
    assert outcomes["gg"][0] == "pass", outcomes
    assert AUTOGRAD_NOT_COMPARED["gg: autograd's derivative is not finite"] == 1


def test_judge_second_derivative_where_autograds_cancels(tmp_path):
    """numba's `sinc` usecase at 5e-21: autograd's np.sinc rule differentiated again gives -pi^2 there (its
    numerator cos(pi x) pi x - sin(pi x) is 0 in float64), Lifted's Taylor branch -pi^2/3, which the central
    differences of grad(f) give: autograd is not the judge where it is off them (counted), as for g, vjp and jvp."""
    from benchmarks.corpus.against_autograd import AUTOGRAD_NOT_COMPARED
    from benchmarks.corpus.checks import check_kernel

    text = ('import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n\n@kernel\n'
            'def f(x: "f64[]"):\n    return np.sinc(x)\n')
    AUTOGRAD_NOT_COMPARED.clear()
    outcomes = check_kernel(text, ["x"], [[5e-21]], lambda args: args, folder=tmp_path, only={"gg"})
    assert outcomes["gg"][0] == "pass", outcomes
    assert AUTOGRAD_NOT_COMPARED["gg: autograd's derivative is off the central differences"] == 1


_BINCOUNT = ('import numpy as np\nfrom lifted import kernel, grad, vjp\n\n@kernel\ndef f(w: "f64[n]"):\n'
             '    return np.sum(np.sin(np.bincount([1, 2, 5, 2, 3, 20], weights=w)))\n\ng = grad(f, wrt=0)\n')


@pytest.mark.filterwarnings("ignore")
def test_bincount_weights_beside_a_constant_list():
    """numba's `bincount2` with a list `[1, 2, 5, 2, 3, 20]` and weights `w: "f64[n]"`: the weights' cotangent (a
    gather of the bins) had the list's length 6, not n, and the vjp was refused without a place; now it has the
    weights' shape (the frontend checks the lengths are equal at run time), against differences and Python."""
    from gradcheck import check_against_python, load_source

    check_against_python(_BINCOUNT, [np.linspace(-1.0, 2.0, 6)])
    module = load_source(_BINCOUNT.replace("np.sum(np.sin(", "").replace(")))\n", ")\n")
                         .replace("g = grad(f, wrt=0)", "fv = vjp(f, wrt=0)"), "bincount_vjp.py")
    value, cotangent = module.fv(np.arange(6.0), np.arange(21.0))
    assert np.array_equal(value, np.bincount([1, 2, 5, 2, 3, 20], weights=np.arange(6.0)))
    assert np.array_equal(cotangent, [1.0, 2.0, 5.0, 2.0, 3.0, 20.0])
    with pytest.raises(ValueError):  # the lengths' check stays
        module.fv(np.arange(5.0), np.arange(21.0))


@pytest.mark.filterwarnings("ignore")
def test_gradient_of_another_shape_is_refused_where_its_adjoint_was_made(monkeypatch):
    """A cotangent whose static shape cannot become its parameter's (the bincount rule before the fix above: the
    list's [6] for the weights' [n]) was refused at gradient time with no file:line:col (the builder has no
    statement there); now at the statement whose pull-back made it."""
    import dataclasses

    from gradcheck import load_source
    from lifted.transpiler.errors import TranspileError
    from lifted.transpiler.primitives.symbolic import ops
    from lifted.transpiler.primitives.registry import REGISTRY
    from lifted.transpiler.primitives.indexing.items import Ref

    def gathered_only(g, out, x, weights, *length, active=None, minlength=0, bounded=False):
        return [None, ops.getitem(g, x, index=(Ref(1),))] + [None] * len(length)

    monkeypatch.setitem(REGISTRY, "bincount", dataclasses.replace(REGISTRY["bincount"], vjp=gathered_only))
    with pytest.raises(TranspileError) as raised:
        load_source(_BINCOUNT, "bincount_unlocated.py")
    assert raised.value.loc is not None and raised.value.loc.line == 6, raised.value.format()


def test_judge_skips_where_partials_exist_but_no_gradient():
    """numba's `array_nanmedian_global` at an array whose median value is repeated three times or more: moving one
    element alone leaves the median (every partial is 0, on both sides), moving them all moves it, so the median
    has no gradient there. The judge compared the kernel's gradient with those partials and reported WRONG; now
    it checks that the partials predict the difference along one generic direction, and skips where they do
    not. Where there is a gradient it still gives the differences."""
    from benchmarks.corpus.oracles import smooth_gradient

    for point in (np.array([2.0, 2.0, 2.0]), np.array([[3.5, 3.5, 72.5], [3.5, 60.5, 3.5]])):
        assert smooth_gradient(lambda a: np.nanmedian(a), [point], 0) is None
    smooth = smooth_gradient(lambda a: np.nanmedian(a) * a[0], [np.array([1.0, 4.0, 2.0])], 0)
    assert np.allclose(smooth, [2.0, 0.0, 1.0], atol=1e-6)


_ORDER_STATISTICS = ("np.median(a)", "np.nanmedian(a)", "np.percentile(a, 30.0)", "np.quantile(a, 0.5)",
                     "np.nanpercentile(a, 50.0)", "np.nanquantile(a, 0.75)")


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("call", _ORDER_STATISTICS)
def test_order_statistics_at_ties_follow_the_stable_order(call):
    """One rule for median, nanmedian, percentile and quantile (and the NaN-ignoring forms) at tied values: the
    weight of each sorted position read goes to the element NumPy's stable sort puts there (JAX's convention;
    docs/kernel-language.md). There is no gradient at ties, but that one is the derivative along every direction
    that keeps the stable order: central differences along directions that move tied elements together, and
    one-sided differences along directions that keep the earlier of two tied elements first."""
    from gradcheck import load_source

    text = (f'import numpy as np\nfrom lifted import kernel, grad\n\n@kernel\ndef f(a: "f64[n]"):\n'
            f'    return {call}\n\ng = grad(f, wrt=0)\n')
    module = load_source(text, "ties.py")
    python: dict = {}
    exec(compile(text.replace("from lifted import kernel, grad", "kernel = grad = lambda f, **k: f"), "ties", "exec"),
         python)
    reference = python["f"]
    rng = np.random.default_rng(3)
    for point in (np.array([2.0, 2.0, 2.0]), np.array([3.0, 1.0, 2.0, 2.0, 5.0]), np.array([2.0, 1.0, 2.0, 2.0, 2.0, 7.0]),
                  np.array([1.0, 2.0, 2.0, 3.0])):
        gradient = module.g(point.copy())
        assert np.isclose(np.sum(gradient), 1.0)
        groups = {v: np.flatnonzero(point == v) for v in np.unique(point)}
        for _ in range(3):
            together = np.zeros_like(point)  # tied elements moved together: the order stays on both sides
            for members in groups.values():
                together[members] = rng.uniform(-1.0, 1.0)
            central = (reference(point + 1e-6 * together) - reference(point - 1e-6 * together)) / 2e-6
            assert np.isclose(gradient @ together, central, rtol=1e-6, atol=1e-8), (point, together)
            kept = together + 1e-3 * np.arange(point.size)  # the earlier of tied elements stays first, for h > 0
            one_sided = (reference(point + 1e-7 * kept) - reference(point)) / 1e-7
            assert np.isclose(gradient @ kept, one_sided, rtol=1e-5, atol=1e-7), (point, kept)


@pytest.mark.filterwarnings("ignore")
def test_real_and_imag_attributes():
    """numba's `array_real`/`array_imag` (`arr.real`, `arr.imag`) were refused ("the array attribute `.real` is not
    supported"); they are `np.real(x)`/`np.imag(x)`, which read them: `.real` the array itself (an update through it
    is seen in the array), `.imag` read-only zeros (an update raises NumPy's ValueError)."""
    from gradcheck import assert_close, central_difference, load_source

    text = ('import numpy as np\nfrom lifted import kernel, grad\n\n@kernel\ndef f(a: "f64[n]", x: "f64[]"):\n'
            '    return np.sum((a.real * 2.0 + a.imag) * a.conj()) + x.real * x.conjugate() + x.imag\n\n'
            'g = grad(f, wrt=(0, 1))\n')
    module = load_source(text, "real_imag.py")
    python: dict = {}
    exec(text.replace("from lifted import kernel, grad", "kernel = grad = lambda f, **k: f"), python)
    args = [np.array([0.5, -1.0, 2.0]), 1.5]  # (autograd's ArrayBox has no `.real`: differences only)
    assert module.f(*args) == python["f"](*args)
    for position, got in enumerate(module.g(*args)):
        assert_close(got, central_difference(python["f"], args, position), what=f"d/d argument {position}")
    update = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(a: "f64[n]"):\n    b = a.real\n'
              '    b[0] = 5.0\n    return a + a.imag\n')
    assert np.array_equal(load_source(update, "real_update.py").f(np.arange(3.0)), [5.0, 1.0, 2.0])
    written = ('import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(a: "f64[n]"):\n    b = a.imag\n'
               '    b[0] = 5.0\n    return b\n')
    with pytest.raises(ValueError, match="read-only"):
        load_source(written, "imag_update.py").f(np.arange(3.0))


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("call", ["np.arange(3, stop=7)", "np.arange(a, stop=7.0)", "np.arange(3, step=2)",
                                  "np.arange(stop=5)", "np.arange(a, stop=7.0, step=b)", "np.arange(3, stop=None)",
                                  "np.arange(1, 9, step=3)", "np.arange(3, None, 2)", "np.arange(start=a, stop=6.0)"])
def test_arange_by_keyword(call):
    """numba's `np_arange_start_stop`, `np_arange_1_stop`, `np_arange_1_step` ... (`np.arange(start, stop=stop)`)
    were refused ("does not support the argument `stop=`"); now read as NumPy's C parser reads them, against
    Python, and the derivatives in a float start and step against differences."""
    from gradcheck import assert_close, central_difference, load_source

    text = ('import numpy as np\nfrom lifted import kernel, grad\n\n@kernel\ndef f(a: "f64[]", b: "f64[]"):\n'
            f'    return {call}\n\n@kernel\ndef s(a: "f64[]", b: "f64[]"):\n    return np.sum(np.sin(f(a, b)))\n\n'
            'g = grad(s, wrt=(0, 1))\n')
    module = load_source(text, "arange_keywords.py")
    python: dict = {}
    exec(text.replace("from lifted import kernel, grad", "kernel = grad = lambda f, **k: f"), python)
    args = [np.float64(2.5), np.float64(1.25)]  # (no length at a jump: (7 - 2.5) / 1.25 is not whole)
    got, expected = module.f(*args), python["f"](*args)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    for position, derivative in enumerate(module.g(*args)):
        assert_close(derivative, central_difference(python["s"], args, position), what=f"d/d argument {position}")


def test_arange_without_a_stop_is_refused_located():
    from gradcheck import load_source
    from lifted.transpiler.errors import TranspileError

    text = 'import numpy as np\nfrom lifted import kernel\n\n@kernel\ndef f(a: "f64[]"):\n    return np.arange(start=5)\n'
    with pytest.raises(TranspileError, match="TypeError") as raised:
        load_source(text, "arange_no_stop.py")
    assert raised.value.loc is not None and raised.value.hint


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("call", ["a.clip(lo, 1.0)", "a.clip(lo)", "a.clip(max=1.0)", "a.clip(min=lo, max=1.0)",
                                  "a.clip(None, 1.0, None)", "np.clip(a, lo, 1.0, None)", "a.clip(lo, 1.0, out=None)"])
def test_clip_and_conj_methods(call):
    """numba's `array_clip`, `array_clip_kwargs` (`a.clip(a_min, a_max, out)` with out None) and `np_clip` were
    refused ("the array attribute `.clip`", "np.clip takes 1 to 3 positional arguments"), as were `.conj()` and
    `.conjugate()` (tested beside `.real`): now NumPy's functions, which call these methods; an `out` of None is no
    out. Values against Python, gradients against differences and autograd."""
    from gradcheck import check_against_python

    text = ('import numpy as np\nfrom lifted import kernel, grad\n\n@kernel\ndef f(a: "f64[n]", lo: "f64[]"):\n'
            f'    return np.sum(np.sin({call}))\n\ng = grad(f, wrt=(0, 1))\n')
    check_against_python(text, [np.array([0.5, -1.0, 3.0, 0.2]), -0.5])


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("call, tolerances", [
    ("np.allclose(a, b, rtol, atol, False)", [1e-5, 1e-8]),
    ("np.isclose(a, b, rtol=rtol, atol=atol)", [np.float64(1e-5), 1e-8]),
    ("np.isclose(a, b, rtol, atol * 2.0, True)", [np.array([1e-5, 1e-9]), 0.0]),
])
def test_close_with_tolerances_computed_or_passed(tmp_path, call, tolerances):
    """numba's `np_allclose` usecase (`np.allclose(a, b, rtol, atol, equal_nan)` with the tolerances passed in)
    was refused ("`rtol` must be a constant known at build time"): NumPy's `atol + rtol * abs(y)` takes them as
    they are, numbers or arrays. Both backends against Python, derivatives of the float results where there are."""
    from benchmarks.corpus.checks import check_kernel

    text = ('import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n\n@kernel\n'
            f'def f(a: "f64[n0]", b: "f64[n0]", rtol: "{"f64[n0]" if np.ndim(tolerances[0]) else "f64[]"}", '
            f'atol: "f64[]"):\n    return {call}\n')
    inputs = [[np.array([1e10, 1e-7]), np.array([1.00001e10, 1e-8]), *tolerances],
              [np.array([1.0, np.nan]), np.array([1.0 + 1e-6, np.nan]), *tolerances]]
    outcomes = check_kernel(text, ["a", "b", "rtol", "atol"], inputs, lambda args: args, folder=tmp_path, c=True)
    assert outcomes["f"][0] == "pass" and outcomes["c"][0] == "pass", outcomes
    assert all(value[0] in ("pass", "skip", "refused") for value in outcomes.values()), outcomes


def test_saved_recordings_read_back_as_one(tmp_path):
    """`--cases F1,F2` (the parts `--methods K/N` recorded): the cases of both, a usecase's kernel found in both
    parts read once, the counts summed."""
    import pickle

    from benchmarks.numba_tests.__main__ import _read_cases
    from benchmarks.numba_tests.convert import NumbaCase

    first = [NumbaCase(name="diff2", index=0, module="test_np_functions", text="text a"),
             NumbaCase(name="roll", index=0, module="test_np_functions", text="b")]
    second = [NumbaCase(name="diff2", index=0, module="test_np_functions", text="text a"),
              NumbaCase(name="sinc", index=0, module="test_np_functions", text="c")]
    paths = [tmp_path / "1.pickle", tmp_path / "2.pickle"]
    for path, part in zip(paths, (first, second)):
        path.write_bytes(pickle.dumps((part, {"usecases called": 2, "calls recorded": 5})))
    found, recorded = _read_cases(paths)
    assert [case.name for case in found] == ["diff2", "roll", "sinc"]
    assert recorded == {"usecases called": 4, "calls recorded": 10}
