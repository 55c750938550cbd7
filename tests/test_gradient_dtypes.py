"""A float32 parameter's gradient is float32 even where its adjoint is a scalar loop slot entered with a Python float.

`v = 0.1`, then `v = v + np.sum(a) * i` in a loop that may not run: the slot is typed float32 (what the loop makes of
it), but where the loop runs no trip it still holds the Python float 0.1, and the gradient of `np.sum(v * a)` in `a`
broadcast that float to float64 (tests/test_property_dtypes.py seed 31034). The gradient now casts such a scalar.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from test_property_dtypes import _check

SOURCE = '''import numpy as np
from lifted import grad, kernel


@kernel
def f(a: "{t}[n]", c: "i64[]", q: "{t}[]"):
    v = 0.1
    for i in range(c, -1):
        v = v + np.sum(a) * i * q
    return np.sum(v * a) + v * q


g_a = grad(f, wrt="a")
g_q = grad(f, wrt="q")
'''


@pytest.mark.parametrize("c", [3, -3])  # the loop runs no trip, three trips
def test_a_float32_gradient_through_a_slot_entered_with_a_python_float(c):
    single, double = load_source(SOURCE.format(t="f32"), "f32.py"), load_source(SOURCE.format(t="f64"), "f64.py")
    a, q = np.array([0.5, -1.25, 2.0], np.float32), np.float32(1.5)
    for name, like in (("g_a", a), ("g_q", q)):
        got = getattr(single, name)(a, np.int64(c), q)
        assert np.asarray(got).dtype == np.float32 and np.shape(got) == np.shape(like), (name, got)
        expected = getattr(double, name)(a.astype(np.float64), np.int64(c), np.float64(q))
        np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_the_generated_program_that_found_it():
    assert _check(31034, c=False, later=False)["g"].startswith("checked")


INT_SLOT = '''import numpy as np
from lifted import grad, kernel


@kernel
def f(b: "f64[n]", m: "bool[n]"):
    v = 0
    i = np.sum(m)
    while i < 3:
        v *= 2
        v += 1.5
        i = i + 1
    return np.sum(v * b)


g_b = grad(f, wrt="b")
'''


@pytest.mark.parametrize("m", [[True, True, True], [True, False, False]])  # no trip, two trips
def test_a_float64_gradient_through_a_slot_entered_with_a_python_int(m, tmp_path):
    """`v = 0` before a loop that makes it a float and may not run: the slot is typed float64, but after no trip it
    is the int 0, and the gradient in `b` (`v` broadcast to b's shape, then copied) was an int64 array (dtype scan
    seed 33033). Now it is float64, as Python's own derivative is (0.0 * b), on the C target too."""
    from test_c_backend import c_module
    b, mask = np.array([1.0, -2.0, 3.0]), np.array(m)
    expected = np.full(3, 0.0 if all(m) else 4.5)
    module = load_source(INT_SLOT, "int_slot.py")
    c, _ = c_module(INT_SLOT, tmp_path, "int_slot")
    for got in (module.g_b(b, mask), c.g_b(b, mask)):
        assert got.dtype == np.float64, got
        np.testing.assert_array_equal(got, expected)


def test_the_generated_program_with_an_int_slot():
    assert _check(33033, c=False, later=False)["g"].startswith("checked")


INT_SLOT_SCALAR = '''import numpy as np
from lifted import grad, kernel, value_and_grad


@kernel
def f(x: "f64[]", m: "i64[]"):
    v = 0
    for i in range(m):
        v += 1.5
    return x * v


g_x = grad(f, wrt="x")
vg_x = value_and_grad(f, wrt="x")
'''


@pytest.mark.parametrize("m", [0, 2])  # no trip, two trips
def test_a_float64_scalar_gradient_through_a_slot_entered_with_a_python_int(m, tmp_path):
    """The scalar case of the test above: `x * v`'s gradient in `x` is `v` itself, which after no trip is the int 0
    (it came back as the Python int 0); the gradient of a float64 parameter is a float64, as autograd's is, on the
    C target too."""
    from autograd import grad as autograd_grad

    from gradcheck import autograd_kernels
    from test_c_backend import c_module
    expected = autograd_grad(autograd_kernels(INT_SLOT_SCALAR)["f"])(0.5, m)
    module = load_source(INT_SLOT_SCALAR, "int_slot_scalar.py")
    c, _ = c_module(INT_SLOT_SCALAR, tmp_path, "int_slot_scalar")
    for got in (module.g_x(0.5, np.int64(m)), module.vg_x(0.5, np.int64(m))[1], c.g_x(0.5, np.int64(m))):
        assert isinstance(got, np.float64), repr(got)
        assert got == expected == 1.5 * m


ZERO_D = '''import numpy as np
from lifted import grad, hessian, jacfwd, jacrev, jvp, kernel, value_and_grad, vjp


@kernel
def ident(x: "f32[]"):
    return x


@kernel
def quad(x: "f32[]"):
    return 1.5 * x * x


@kernel
def other(x: "f32[]", y: "f32[]"):
    return y * 2.0 + np.sin(y)


g_ident = grad(ident)
vg_ident = value_and_grad(ident)
vjp_ident = vjp(ident)
rr_ident = vjp(grad(ident))
h_ident = hessian(ident)
jf_ident = jacfwd(ident)
jr_ident = jacrev(ident)
gg_quad = grad(grad(quad))
h_quad = hessian(quad)
hvp_quad = jvp(grad(quad))
jvp_other = jvp(other, wrt=0)
h_other = hessian(other, wrt=0)
g_quad = grad(quad)
g_other = grad(other, wrt=0)
'''

# form -> (the kernel, the derivative's order, the arguments after x: a seed of x's dtype `one`, `y`)
ZERO_D_FORMS = {"g_ident": ("ident", 1, []), "vg_ident": ("ident", 1, []), "vjp_ident": ("ident", 1, ["one"]),
                "rr_ident": ("ident", 2, ["one"]), "h_ident": ("ident", 2, []), "jf_ident": ("ident", 1, []),
                "jr_ident": ("ident", 1, []), "gg_quad": ("quad", 2, []), "h_quad": ("quad", 2, []),
                "hvp_quad": ("quad", 2, ["one"]), "jvp_other": ("other", 1, ["y", "one"]),
                "h_other": ("other", 2, ["y"])}


@pytest.mark.parametrize("zero_d", [False, True])  # np.float32(x), np.array(x, np.float32)
def test_derivatives_of_a_0d_float32_argument_are_float32(zero_d, tmp_path):
    """The derivative of a `f32[]` argument is float32, as autograd's and JAX's are (the argument's dtype), on
    both targets: where it is a constant (the seed passed through: `grad` of `x` itself, `grad(grad)` of
    `1.5 * x * x`, a Hessian of a linear function, the zero tangent of a result that does not depend on `x`)
    it was the Python float (float64: CuPy's test_trim_zero_dim, `vjp(grad(f))` asked a float64 cotangent).
    Values against autograd (float64) and central differences of the float64 kernel or of its gradient."""
    import autograd

    from gradcheck import autograd_kernels, central_difference
    from test_c_backend import c_module
    module = load_source(ZERO_D, "zero_d.py")
    c, _ = c_module(ZERO_D, tmp_path, "zero_d")
    oracle = autograd_kernels(ZERO_D)
    double = load_source(ZERO_D.replace("f32", "f64"), "zero_d64.py")
    x = np.array(0.5, np.float32) if zero_d else np.float32(0.5)
    values = {"one": np.float32(1.0), "y": np.float32(0.75)}
    for name, (kernel, order, extra) in ZERO_D_FORMS.items():
        rest = [0.75] if kernel == "other" else []
        derivative = autograd.grad(oracle[kernel]) if order == 1 else autograd.grad(autograd.grad(oracle[kernel]))
        expected = float(derivative(0.5, *rest))
        of = getattr(double, kernel if order == 1 else f"g_{kernel}")
        fd = central_difference(lambda v: of(np.float64(v), *map(np.float64, rest)), [0.5], 0)
        assert np.isclose(float(fd), expected, atol=1e-6), (name, fd, expected)
        for target, m in (("numpy", module), ("c", c)):
            got = getattr(m, name)(x, *[values[e] for e in extra])
            got = got[1] if isinstance(got, tuple) else got
            assert np.asarray(got).dtype == np.float32 and np.ndim(got) == 0, (target, name, got)
            assert float(got) == pytest.approx(expected, abs=1e-6), (target, name, got)
