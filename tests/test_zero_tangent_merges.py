"""A value that is a constant on one path and depends on the input on another, then reaches a rule whose factor is
infinite at the constant (transforms/forward.py, `Tangents.live`).

`if c > 0: y = x * x` / `else: y = np.zeros_like(x)`, then `np.sqrt(y)`: on the path where `c <= 0` Python's
function does not depend on `x` through `y`, and its derivative there has no such term; forward mode carried the
merged zero tangent into `sqrt`'s rule, `0 / (2 * sqrt(0))` = NaN (jvp, jvp(grad), hessian, jacfwd, vmap of jvp;
NumPy and C targets). A loop of no trip (`for i in range(m)`, `m == 0`) leaves a slot at its constant start the
same way, and a slot the loop's body sets to a constant leaves the loop constant. `grad` was right before (the
adjoint of the constant is dropped); it is checked too. Against autograd and central differences of Python's `f`.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import autograd_kernels, load_source
from test_c_backend import c_module

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (the constant path's discarded adjoints: 1 / 0)

HEADER = '''import numpy as np
from lifted import grad, hessian, jacfwd, jvp, kernel, vmap


'''
DECLARATIONS = '''

jf = jvp(f, wrt="x")
gf = grad(f, wrt="x")
hf = jvp(grad(f, wrt="x"), wrt="x")
H = hessian(f, wrt="x")
JF = jacfwd(fv, wrt="x")
VJ = vmap(jvp(f, wrt="x"), in_axes=(0, 0, 0))
'''
# the singular function of `y`, the constant it is at on the constant path, a value it takes on the other
USES = {
    "sqrt": ("np.sqrt(y)", "np.zeros_like(x)", "x * x + 1.0"),
    "power": ("y ** 0.3", "np.zeros_like(x)", "np.exp(x)"),
    "arcsin": ("np.arcsin(y)", "np.ones_like(x)", "0.5 * np.tanh(x)"),
    "hypot": ("np.hypot(y, x)", "np.zeros_like(x) + 0.0 * c", "x * x"),  # at (0, x): finite; x's term stays
    "chained": ("np.sqrt(2.0 * y + 0.0)", "np.zeros_like(x)", "x * x + 1.0"),  # through rules that are not singular
}
MERGE = '''@kernel
def {name}(x: "f64[n]", c: "f64[]"):
    if c > 0:
        y = {active}
    else:
        y = {constant}
    return {result}'''
ZERO_TRIP = '''@kernel
def {name}(x: "f64[n]", c: "f64[]"):
    y = {constant}
    for i in range(int(c)):
        y = {active} + 0.5 * y
    return {result}'''
WHILE = '''@kernel
def {name}(x: "f64[n]", c: "f64[]"):
    y = {constant}
    k = 0.0
    while k < c:
        y = {active} + 0.5 * y
        k = k + 1.0
    return {result}'''
SET_CONSTANT = '''@kernel
def {name}(x: "f64[n]", c: "f64[]"):
    y = {active}
    for i in range(int(c)):
        y = {constant}
    return {result}'''
SHAPES = {"merge": MERGE, "zero_trip": ZERO_TRIP, "while": WHILE, "set_constant": SET_CONSTANT}


def _program(shape: str, use: str) -> str:
    function, constant, active = USES[use]
    body = "\n\n\n".join(SHAPES[shape].format(name=name, active=active, constant=constant, result=result)
                         for name, result in (("f", f"np.sum({function} * x)"), ("fv", f"{function} * x")))
    return HEADER + body + DECLARATIONS


def _differences(f, x: np.ndarray, c) -> np.ndarray:
    return np.array([(f(x + 1e-6 * e, c) - f(x - 1e-6 * e, c)) / 2e-6 for e in np.eye(len(x))])


def _check(module, text: str, c: float) -> None:
    from autograd import grad as autograd_grad, hessian as autograd_hessian, jacobian

    x, v = np.array([0.3, -1.2, 2.0, 0.7]), np.array([1.0, 0.5, -0.25, 2.0])
    c = np.float64(c)
    oracle = autograd_kernels(text)
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # autograd: "Output seems independent of input"
        gradient, hessian = autograd_grad(oracle["f"])(x, c), autograd_hessian(oracle["f"])(x, c)
        jac = jacobian(oracle["fv"])(x, c)
        other = autograd_grad(oracle["f"])(x, 1.0 - c) @ v
    assert np.all(np.isfinite(hessian)) and np.all(np.isfinite(jac))
    np.testing.assert_allclose(_differences(python["f"], x, c), gradient, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(module.jf(x, c, v)[1], gradient @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.gf(x, c), gradient, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.hf(x, c, v)[1], hessian @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.H(x, c), hessian, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.JF(x, c), jac, rtol=1e-10, atol=1e-12)
    # per example: one example on each path
    batched = module.VJ(np.stack([x, x]), np.array([c, 1.0 - c]), np.stack([v, v]))[1]
    np.testing.assert_allclose(batched, [gradient @ v, other], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("use", sorted(USES))
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("c", [0.0, 2.0])
def test_a_value_constant_on_one_path_has_a_zero_derivative_there(shape, use, c):
    text = _program(shape, use)
    _check(load_source(text, f"merge_{shape}_{use}.py"), text, c)


@pytest.mark.parametrize("shape", ["merge", "zero_trip"])
def test_the_c_target_too(shape, tmp_path):
    text = _program(shape, "sqrt")
    module, _ = c_module(text, tmp_path, f"merge_c_{shape}")
    for c in (0.0, 2.0):
        _check(module, text, c)


def test_a_true_zero_tangent_on_the_active_path_is_not_masked():
    """The test is on the path, never on the tangent's values: where `y`'s tangent is 0 on the active path
    (`y = x * x` at x = 0) `sqrt`'s rule is Python's own, 0 / 0 (autograd gives NaN as well)."""
    text = _program("merge", "sqrt").replace("y = x * x + 1.0", "y = x * x")
    module = load_source(text, "true_zero.py")
    x, v = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    with np.errstate(all="ignore"):
        assert np.isnan(module.jf(x, np.float64(1.0), v)[1])
        assert module.jf(x, np.float64(0.0), v)[1] == 0.0
