"""Loop slots that do not depend on the input on some trips: their derivative there is a constant's (zero), also
through a function whose derivative is infinite at the constant's value (transforms/peel.py).

Each program carries a slot that starts at a constant at such a point (`sqrt` and `** 0.5` at 0, `arcsin` at 1 ...)
and depends on `x` from the second trip on; `jvp`, `grad` and `jvp(grad)` are compared with autograd, which never
traces the constant (with central differences of Python's `f` where autograd lacks the function: `np.cbrt`).
Before the peel the forward sweep carried a run-time zero tangent into the rule: `0 * inf`, NaN.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from gradcheck import autograd_kernels, load_source

HEADER = '''import numpy as np
from lifted import grad, jvp, kernel


'''
DECLARATIONS = '''

jf = jvp(f, wrt="x")
gf = grad(f, wrt="x")
hf = jvp(grad(f, wrt="x"), wrt="x")
'''
ONE_SLOT = '''@kernel
def f(x: "f64[n]"):
    acc = np.zeros_like(x) + {init}
    out = x * 1.0
    for i in range(3):
        out = out + {use}
        acc = {following}
    return np.sum(out * x)'''
# function: (the slot's constant start, its use, its value from the second trip on)
SINGULAR_STARTS = {
    "sqrt": ("0.0", "np.sqrt(acc)", "out * out + 1.0"),
    "power_half": ("0.0", "acc ** 0.5", "out * out + 1.0"),
    "power_fraction": ("0.0", "acc ** 0.3", "out * out + 1.0"),
    "np_power": ("0.0", "np.power(acc, 0.5)", "out * out + 1.0"),
    "cbrt": ("0.0", "np.cbrt(acc)", "out * out + 1.0"),
    "arcsin": ("1.0", "np.arcsin(acc)", "0.5 * np.tanh(out)"),
    "arccos": ("1.0", "np.arccos(acc)", "0.5 * np.tanh(out)"),
    "log": ("0.0", "np.exp(np.log(acc))", "out * out + 1.0"),
    "log2": ("0.0", "np.exp2(np.log2(acc))", "out * out + 1.0"),
    "arctanh": ("1.0", "np.tanh(np.arctanh(acc))", "0.5 * np.tanh(out)"),
    "norm": ("0.0", "np.linalg.norm(acc) + 0.0 * out", "out * out + 1.0"),
    "hypot": ("0.0", "np.hypot(acc, acc)", "out * out + 1.0"),
    "reciprocal": ("0.0", "1.0 / (1.0 + 1.0 / acc)", "out * out + 1.0"),
}
LOOP_SHAPES = {
    "while": '''@kernel
def f(x: "f64[n]"):
    acc = np.zeros_like(x)
    out = x * 1.0
    k = 0
    while k < 3:
        out = out + acc ** 0.5
        acc = out * out + 1.0
        k = k + 1
    return np.sum(out * x)''',
    # `a` is constant on two trips: peeled twice
    "two_trips_constant": '''@kernel
def f(x: "f64[n]"):
    a = np.zeros_like(x)
    b = np.zeros_like(x)
    out = x * 1.0
    for i in range(4):
        out = out + a ** 0.3 + np.sqrt(b)
        a = b + 1.0
        b = out * out
    return np.sum(out * x)''',
    # active on the first trip only
    "active_then_constant": '''@kernel
def f(x: "f64[n]"):
    s = x * x
    out = x * 1.0
    for i in range(3):
        out = out + s ** 0.5
        s = np.zeros_like(x)
    return np.sum(out * x)''',
    "downward_range": '''@kernel
def f(x: "f64[n]"):
    acc = np.ones_like(x)
    out = x * 1.0
    for i in range(5, 0, -2):
        out = out + np.arcsin(acc) * x[0]
        acc = 0.5 * np.tanh(out)
    return np.sum(out * x)''',
    "python_float_start": '''@kernel
def f(x: "f64[n]"):
    acc = 0.0
    out = x * 1.0
    for i in range(3):
        out = out + np.sqrt(acc) * x
        acc = np.sum(out * out) + 1.0
    return np.sum(out * x)''',
    "inner_loop": '''@kernel
def f(x: "f64[n]"):
    out = x * 1.0
    for j in range(2):
        acc = np.zeros_like(x)
        for i in range(2):
            out = out + acc ** 0.5
            acc = out * out + 1.0
    return np.sum(out * x)''',
}
RUN_TIME_TRIPS = '''@kernel
def f(x: "f64[n]", m: "i64[]"):
    acc = np.zeros_like(x)
    out = x * 1.0
    for i in range(m):
        out = out + acc ** 0.5
        acc = out * out + 1.0
    return np.sum(out * x)'''


def _differences(f, x: np.ndarray, v: np.ndarray, rest: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The gradient (steps of 1e-6) and the Hessian times `v` (central differences of central differences)."""
    def gradient(at, h):
        return np.array([(f(at + h * e, *rest) - f(at - h * e, *rest)) / (2 * h) for e in np.eye(len(at))])

    return gradient(x, 1e-6), (gradient(x + 1e-4 * v, 1e-4) - gradient(x - 1e-4 * v, 1e-4)) / 2e-4


def _check(text: str, rest: tuple = ()) -> None:
    from autograd import grad as autograd_grad, jacobian

    text = HEADER + text + DECLARATIONS
    module = load_source(text, "zero_tangents_case.py")
    rng = np.random.default_rng(0)
    x, v = rng.normal(size=4), rng.normal(size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # autograd: "Output seems independent of input"
        try:
            oracle = autograd_kernels(text)["f"]
            gradient = autograd_grad(oracle)(x, *rest)
            hvp = jacobian(autograd_grad(oracle))(x, *rest) @ v
            rtol = 1e-8
        except NotImplementedError:  # autograd has no rule for it (np.cbrt): Python's f itself
            python: dict = {}
            exec(compile(text, "python", "exec", dont_inherit=True), python)
            gradient, hvp = _differences(python["f"], x, v, rest)
            rtol = 1e-5
    assert np.all(np.isfinite(gradient)) and np.all(np.isfinite(hvp))
    with np.errstate(divide="ignore"):  # (1 / acc at acc = 0, as in Python)
        tangent, got_gradient, got_hvp = module.jf(x, *rest, v)[1], module.gf(x, *rest), module.hf(x, *rest, v)[1]
    np.testing.assert_allclose(tangent, gradient @ v, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(got_gradient, gradient, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(got_hvp, hvp, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", sorted(SINGULAR_STARTS))
def test_a_constant_start_at_a_singular_point_has_a_zero_derivative(name):
    init, use, following = SINGULAR_STARTS[name]
    _check(ONE_SLOT.format(init=init, use=use, following=following))


@pytest.mark.parametrize("name", sorted(LOOP_SHAPES))
def test_trips_where_a_slot_is_constant_in_other_loops(name):
    _check(LOOP_SHAPES[name])


@pytest.mark.parametrize("trips", [0, 1, 3])
def test_a_run_time_trip_count_runs_the_peeled_trip_only_if_the_loop_runs(trips):
    _check(RUN_TIME_TRIPS, (np.int64(trips),))


def test_the_singular_rules_are_marked_in_their_registry_entries():
    """The peel asks each entry whether a factor of its derivative can be infinite (`singular`): the rules this
    file reaches through a constant start are. (np.std's rule is 0 where all values are equal: not singular. The
    math module's entries, `math_<name>`, take their NumPy twin's rules and mark.)"""
    from lifted.transpiler.primitives.registry import all_primitives

    marked = {name for name, prim in all_primitives().items() if prim.singular and not name.startswith("math_")}
    assert marked == {"sqrt", "cbrt", "power", "float_power", "log", "log2", "log10", "log1p", "logit", "arcsin",
                      "arccos", "arccosh", "arctanh", "divide", "reciprocal", "hypot", "arctan2", "norm"}


def test_the_entries_finite_where_positive_are_singular_and_name_their_arguments():
    """A registry entry's `finite_when_positive` (the arguments whose positivity keeps its factor finite) marks a
    singular rule and names arguments it differentiates."""
    from lifted.transpiler.primitives.registry import all_primitives

    marked = {name: p for name, p in all_primitives().items() if p.finite_when_positive}
    assert {"sqrt", "log", "divide", "power", "hypot"} <= set(marked)
    for p in marked.values():
        assert p.singular
        assert all(i in p.diff_args for indices in p.finite_when_positive for i in indices)


@pytest.mark.parametrize("name", ["power_half", "arcsin", "log"])
def test_hessian_and_jacobians_of_a_constant_start(name):
    """`hessian` (forward over reverse) and `jacfwd` took the run-time zero tangent into the rule too (NaN
    columns); `jacrev` did not (the NaN went to the constant start only). Against autograd."""
    from autograd import hessian as autograd_hessian, jacobian

    init, use, following = SINGULAR_STARTS[name]
    body = ONE_SLOT.format(init=init, use=use, following=following)
    text = HEADER + body + '\n\n\nfrom lifted import hessian\nH = hessian(f, wrt="x")\n'
    vector = HEADER + body.replace("return np.sum(out * x)", "return out * x") + (
        '\n\n\nfrom lifted import jacfwd, jacrev\nJF = jacfwd(f, wrt="x")\nJR = jacrev(f, wrt="x")\n')
    module, vector_module = load_source(text, "hessian_case.py"), load_source(vector, "jacobian_case.py")
    x = np.random.default_rng(0).normal(size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected_hessian = autograd_hessian(autograd_kernels(text)["f"])(x)
        expected_jacobian = jacobian(autograd_kernels(vector)["f"])(x)
    np.testing.assert_allclose(module.H(x), expected_hessian, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(vector_module.JF(x), expected_jacobian, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(vector_module.JR(x), expected_jacobian, rtol=1e-8, atol=1e-10)


# slots whose singular rule is never at its infinite point (analysis/positive.py): no peel, the same derivatives
NEVER_SINGULAR = {
    "one_plus_square": ("np.ones_like(x)", "u + 0.1 * np.tanh(x) / (1.0 + u * u)"),
    "sqrt_of_positive": ("np.zeros_like(x)", "u + np.sqrt(np.cosh(u) + u * u) * x"),
    "log_of_positive": ("np.zeros_like(x)", "u + np.log(2.0 + np.exp(u)) * x"),
    "power_of_positive": ("np.zeros_like(x)", "u + (1.0 + np.abs(u)) ** 0.5 * x"),
}
NEVER_SINGULAR_LOOP = '''@kernel
def f(x: "f64[n]"):
    u = {init}
    for i in range(3):
        u = {step}
    return np.sum(u * x)'''


@pytest.mark.parametrize("name", sorted(NEVER_SINGULAR))
def test_a_rule_never_at_its_singular_point_is_not_peeled(name):
    """The peel asks whether the rule's argument can be at the infinite point: `1.0 + u * u`, `np.cosh(u) + ...`,
    `2.0 + np.exp(u)` cannot, so the loop is left whole (one loop in each function), with autograd's derivatives."""
    from lifted.transpiler import transpile_source

    init, step = NEVER_SINGULAR[name]
    body = NEVER_SINGULAR_LOOP.format(init=init, step=step)
    _check(body)
    source = transpile_source(HEADER + body + DECLARATIONS, "never_singular.py")
    for function in ("def jf(", "def gf("):
        text = source[source.index(function):]
        text = text[:text.index("\n\n\n")] if "\n\n\n" in text else text
        loops = re.findall(r"^ +for i in (?:reversed\()?range\(", text, re.M)  # (not the source comments)
        assert len(loops) == (1 if function == "def jf(" else 2), function


def test_vmap_of_a_peeled_loop_with_a_trip_count_per_example():
    """The peeled first trip runs `if` the loop runs: with a batched `m` that test is per example (0, 1, 2 and 3
    trips in one batch). vmap of grad, jvp and jvp(grad) against autograd example by example."""
    from autograd import grad as autograd_grad, jacobian

    text = HEADER + RUN_TIME_TRIPS + '''

from lifted import vmap
VF = vmap(f, in_axes=(0, 0))
VG = vmap(grad(f, wrt="x"), in_axes=(0, 0))
VJ = vmap(jvp(f, wrt="x"), in_axes=(0, 0, 0))
VH = vmap(jvp(grad(f, wrt="x"), wrt="x"), in_axes=(0, 0, 0))
'''
    module, oracle = load_source(text, "batched_trips.py"), autograd_kernels(text)["f"]
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    rng = np.random.default_rng(1)
    xs, vs, trips = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), np.array([0, 1, 3, 2], dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        values = [python["f"](x, m) for x, m in zip(xs, trips)]
        gradients = np.stack([autograd_grad(oracle)(x, m) for x, m in zip(xs, trips)])
        hvps = np.stack([jacobian(autograd_grad(oracle))(x, m) @ v for x, m, v in zip(xs, trips, vs)])
    np.testing.assert_allclose(module.VF(xs, trips), values, rtol=1e-12)
    np.testing.assert_allclose(module.VG(xs, trips), gradients, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.VJ(xs, trips, vs)[1], (gradients * vs).sum(axis=1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.VH(xs, trips, vs)[1], hvps, rtol=1e-10, atol=1e-12)


def test_a_quotient_of_a_numerator_near_the_float64_maximum_is_peeled():
    """The extreme of the division rule: `1e-3 + u * u` >= 1e-3 on every trip, but the numerator 1.7e306 + x over
    it overflows to inf on the first, where the zero tangent of `u` would meet the factor `a / b ** 2` (0 * inf, a
    NaN through tanh's zero slope): the numerator is not bounded, so the first trip is peeled and the derivatives
    are autograd's (finite; its second derivative is NaN here, so the first only)."""
    from autograd import grad as autograd_grad

    text = HEADER + NEVER_SINGULAR_LOOP.format(init="np.zeros_like(x)",
                                               step="np.tanh((1.7e306 + x) / (1e-3 + u * u))") + DECLARATIONS
    module = load_source(text, "quotient_extreme.py")
    x, v = np.random.default_rng(0).normal(size=(2, 4))
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        gradient = autograd_grad(autograd_kernels(text)["f"])(x)
        tangent, got_gradient = module.jf(x, v)[1], module.gf(x)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(got_gradient, gradient, rtol=1e-12)
    np.testing.assert_allclose(tangent, gradient @ v, rtol=1e-12)


@pytest.mark.parametrize("step, peeled", [
    ("u + np.sqrt(2.0 * (u * u) + 1.0) * x", False),  # 2 * u * u >= 0, + 1 >= 1
    ("u + np.sqrt(np.maximum(u, 0.5)) * x", False),
    ("u + np.sqrt(1e-300 + u * u) * x", True),  # a literal below 1e-3 is not taken: 1 / b ** 2 overflows near it
    ("u + np.log(np.exp(u) + 0.0) * x", True),  # np.exp underflows to 0 (below -745)
    ("u + np.sqrt((u * u + 1.0) * (u * u + 1.0)) * x", True),  # a product of positives can underflow
    ("0.5 * np.tanh(u + np.sqrt(1.0 - u * u) * x)", True),
    ("0.5 * np.tanh(u + 0.01 * (u * u + 1.0) ** 12.0 * x)", True),  # an exponent beyond 8
    ("0.5 * np.tanh(u + 0.01 * (u * u + 1.0) ** 2.0 * x)", True),  # above 1: b * a ** (b - 1) overflows for large a
    ("u + 0.1 * x / (1.0 + u * u)", True),  # an unbounded numerator: a / b ** 2 overflows near float64's maximum
    ("u + 2.0 * np.sin(x) / (1.0 + u * u)", False),  # |2 sin(x)| <= 2
    ("0.5 * np.tanh(u + 1e303 / (1e300 + u * u) * x)", True),  # a literal numerator above QUOTIENT_BOUND
    ("u + np.hypot(1.0 + u * u, x) * x", True),  # x may be infinite: x / hypot(., x) is inf / inf
])
def test_what_the_positivity_analysis_proves(step, peeled):
    """Sound in floating point: what can be 0 (or overflow a factor) after rounding is not proved, and the loop
    is peeled as before; the values are autograd's either way."""
    from lifted.transpiler import transpile_source

    body = NEVER_SINGULAR_LOOP.format(init="np.zeros_like(x) + 0.5", step=step)
    source = transpile_source(HEADER + body + DECLARATIONS, "positivity.py")
    text = source[source.index("def jf("):source.index("def gf(")]
    assert ("for i in range(1, 3):" in text) == peeled  # the first trip in front of the rest
    assert ("for i in range(3):\n" in text.replace("# positivity.py:8  for i in range(3):\n", "")) != peeled
    _check(body)
