"""Math-library results loaded instead of recomputed on the CPU target (remat.py's second pass, `CALL_BYTES`).

A kernel recomputing `exp(x - a)` pays a libmvec call per element; where the calls (and the input loads) that
loading saves outweigh the loads and the producer's store, the producer stores the result once and the later
kernels read it. Plans (bytes per element, the kernels' text) on both targets, and numbers against the NumPy
backend (float64, float32, NaN and infinities, ties, empty arrays), finite differences and autograd.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference
from lifted.transpiler.analysis.liveness import eliminate_dead_code
from lifted.transpiler.pipeline import transpile_c
from lifted.transpiler.backends.c.fusion import bytes_per_element, fuse
from lifted.transpiler.ir.arena import one_compilation
from lifted.transpiler.pipeline import lower_source
from test_c_backend import assert_agree, c_module, load_source

PROGRAMS = '''
import numpy as np
from lifted import grad, kernel, value_and_grad


@kernel
def lse(x: "f64[n]") -> "f64[]":
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


@kernel
def lse32(x: "f32[n]") -> "f32[]":
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


@kernel
def softmax_rows(z: "f64[m,k]", w: "f64[m,k]") -> "f64[]":
    top = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - top)
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(w * np.log(p + 1.0)) + np.sum(np.tanh(z) * w)


@kernel
def chained(x: "f64[n]", y: "f64[n]") -> "f64[]":
    t = np.tanh(np.exp(-x * x) * y)
    s = np.sum(t * t) + 1.0
    return np.sum(t * np.sin(x) / s)


@kernel
def logistic(w: "f64[d]", x: "f64[n,d]", y: "f64[n]") -> "f64[]":
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


lse_grad = grad(lse)
lse32_grad = grad(lse32)
softmax_rows_grad = grad(softmax_rows, wrt=("z", "w"))
chained_grad = grad(chained, wrt=("x", "y"))
chained_vg = value_and_grad(chained, wrt=("x",))
logistic_vg = value_and_grad(logistic, wrt=("w",))
'''
SCALAR = {"lse": 1, "softmax_rows": 2, "chained": 2}  # function -> how many arguments it is differentiated in


def plan(function: str, cpu: bool) -> list[int]:
    """Bytes per element of each kernel of `function`, in launch order, on the CPU target or the GPU's."""
    with one_compilation():
        lowered = lower_source(PROGRAMS, "plan.py", (), None)
        fn = next(f for f in lowered.functions if f.name == function)
        _host, kernels = fuse(eliminate_dead_code(fn), cpu=cpu)
        return [bytes_per_element(k) for k in kernels]


def kernel_calls(kernels: str, function: str, call: str) -> int:
    """How many times the element loops of `function`'s kernels call `call`."""
    bodies = re.findall(rf"void {function}_k\d+_body\(.*?\n}}\n", kernels, re.S)
    code = [re.sub(r"//.*", "", body) for body in bodies]  # (the source lines quoted in comments call np.exp)
    return sum(len(re.findall(rf"(?<![\w.]){call}\(", text)) for text in code)


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    compiled, _ = c_module(PROGRAMS, tmp_path_factory.mktemp("stored_calls"), "stored_calls")
    return compiled, load_source(PROGRAMS, "stored_calls.py")


def test_logsumexp_gradient_stores_exp_once_on_the_cpu():
    # max; exp-sum with the tie count, storing exp(x - a); the scaled sum reading it; dx reading it and x (the
    # tie mask): 56 bytes per element and one exp, where recomputing took 40 bytes and three exps
    assert plan("lse_grad", cpu=True) == [8, 16, 8, 24]
    assert plan("lse_grad", cpu=False) == [8, 8, 8, 16]  # on the GPU bytes alone decide: recomputed
    cpu, gpu = transpile_c(PROGRAMS, "p.py").kernels, transpile_c(PROGRAMS, "p.py", target="cuda").kernels
    assert kernel_calls(cpu, "lse_grad", "exp") == 1
    assert kernel_calls(gpu, "lse_grad", "exp") == 3


def test_a_chain_after_a_call_loads_the_call_result_alone():
    # logistic's value-and-gradient: the sweep recomputed p = 1 / (1 + exp(-m)) from m = x @ w; now it loads
    # exp(-m) (stored by the value's pass) and recomputes the three values after it, where weighing each value
    # on its own would store all four (exp, 1 + exp, p, 1 - p)
    cpu = transpile_c(PROGRAMS, "p.py").kernels
    assert kernel_calls(cpu, "logistic_vg", "exp") == 1
    assert plan("logistic_vg", cpu=True) == [24, 24]  # (m, y; exp stored) and (y, exp; the cotangent stored)
    assert plan("logistic_vg", cpu=False) == [16, 24]  # (m, y) and (m, y; the cotangent stored)


def test_values_and_gradients_agree_with_the_numpy_backend(modules):
    compiled, reference = modules
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 64, 65, 1000):
        x, y = rng.normal(size=n) * 3.0, rng.normal(size=n)
        for name in ("lse", "lse_grad"):
            assert_agree(getattr(compiled, name)(x), getattr(reference, name)(x), f"{name} n={n}", rtol=1e-13)
        for name in ("chained", "chained_grad", "chained_vg"):
            assert_agree(getattr(compiled, name)(x, y), getattr(reference, name)(x, y), f"{name} n={n}", rtol=1e-13)
    for m, k in ((1, 1), (3, 5), (17, 70)):
        z, w = rng.normal(size=(m, k)), rng.normal(size=(m, k))
        for name in ("softmax_rows", "softmax_rows_grad"):
            assert_agree(getattr(compiled, name)(z, w), getattr(reference, name)(z, w), f"{name} {m}x{k}", rtol=1e-13)
    w, x, y = rng.normal(size=4), rng.normal(size=(300, 4)), rng.uniform(0.0, 1.0, 300)
    assert_agree(compiled.logistic_vg(w, x, y), reference.logistic_vg(w, x, y), "logistic_vg", rtol=1e-13)


def test_ties_at_the_max_and_float32(modules):
    compiled, reference = modules
    x = np.random.default_rng(1).normal(size=301)
    x[[0, 150, 300]] = x.max() + 1.0  # three ties: each takes a third of the max's cotangent
    assert_agree(compiled.lse_grad(x), reference.lse_grad(x), "ties", rtol=1e-13)
    x32 = x.astype(np.float32)
    got, want = compiled.lse32_grad(x32), reference.lse32_grad(x32)
    assert got.dtype == want.dtype == np.float32
    assert_agree(got, want, "float32", rtol=1e-5)  # (float32 sums accumulate in float64 on the C target)
    assert_agree(compiled.lse32(x32), reference.lse32(x32), "float32 value", rtol=1e-6)


@pytest.mark.parametrize("special", ["nan", "inf", "-inf", "all -inf", "inf and nan"])
def test_nan_and_infinities_as_numpy_gives_them(modules, special):
    compiled, reference = modules
    x, y = np.random.default_rng(2).normal(size=97), np.random.default_rng(3).normal(size=97)
    if special == "all -inf":
        x[:] = -np.inf
    elif special == "inf and nan":
        x[[4, 40]] = np.inf, np.nan
    else:
        x[[5, 60]] = float(special)
    with np.errstate(all="ignore"):
        for name, args in (("lse", (x,)), ("lse_grad", (x,)), ("chained_grad", (x, y)), ("chained_vg", (x, y))):
            got, want = getattr(compiled, name)(*args), getattr(reference, name)(*args)
            for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
                np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-13, atol=0, equal_nan=True,
                                           err_msg=f"{name} with {special}")


def test_empty_arrays(modules):
    compiled, reference = modules
    x, y = np.zeros(0), np.zeros(0)
    for name in ("chained", "chained_grad", "chained_vg"):
        assert_agree(getattr(compiled, name)(x, y), getattr(reference, name)(x, y), f"{name} empty")
    z = np.zeros((0, 3))
    assert_agree(compiled.softmax_rows_grad(z, z), reference.softmax_rows_grad(z, z), "softmax_rows_grad empty")
    for module in (compiled, reference):  # NumPy's max of an empty array raises; so does the compiled module
        with pytest.raises(ValueError):
            module.lse_grad(x)


def test_gradients_against_finite_differences_and_autograd(modules):
    from autograd import grad as autograd_grad

    compiled, _ = modules
    oracles = autograd_kernels(PROGRAMS)
    python: dict = {}
    exec(compile(PROGRAMS, "python_reference", "exec", dont_inherit=True), python)
    rng = np.random.default_rng(4)
    cases = {"lse": [rng.normal(size=40)], "chained": [rng.normal(size=30), rng.normal(size=30)],
             "softmax_rows": [rng.normal(size=(5, 9)), rng.normal(size=(5, 9))]}
    for name, args in cases.items():
        gradients = getattr(compiled, f"{name}_grad")(*args)
        gradients = gradients if isinstance(gradients, tuple) else (gradients,)
        for position in range(SCALAR[name]):
            assert_close(gradients[position], central_difference(python[name], args, position), rtol=1e-6,
                         atol=1e-7, what=f"{name}: d/d{position} vs finite differences")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                expected = autograd_grad(oracles[name], position)(*args)
            assert_close(gradients[position], expected, rtol=1e-10, atol=1e-12,
                         what=f"{name}: d/d{position} vs autograd")
