"""Issue #11, hostile inputs (second round): the minimal programs of what hand-written hostile kernels found.

Each is checked against Python itself (the reference is the un-transpiled source): the NumPy backend, the
transforms, and the C CPU target where it matters; a located refusal (file:line:col and a hint) is allowed where
the tests say so, a different number never.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError

HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, vmap\n\n\n"


def _python(source: str):
    namespace: dict = {}
    exec(compile(HEAD + source, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace["f"]


# -- vmap: a mask written twice is one mask -------------------------------------------------------------------
MASKED = '''@kernel
def f(x: "f64[2,3]", y: "f64[3]"):
    b = np.zeros((3, 2))
    b[:, 0][y > 0] += np.sin(x[0][y > 0]) * x[1][y > 0]
    return b, np.sum(b[:, 0][y > 0] * 2.0)
'''


@pytest.mark.parametrize("in_axes", ["(None, 0)", "(0, 0)"])
def test_a_mask_written_twice_is_the_same_mask_under_vmap(in_axes):
    """`b[:, 0][y > 0] = 2 * x[0][y > 0]` with `y` batched: the two `y > 0` are two computations of one mask (the
    same operation on the same operands), so the selection written is the selection read (vmap refused it)."""
    module = load_source(HEAD + MASKED + f"\n\nfv = vmap(f, in_axes={in_axes})\n", "masked.py")
    rng = np.random.default_rng(3)
    xs, ys = rng.normal(size=(4, 2, 3)), rng.normal(size=(4, 3))
    x_batched = in_axes.startswith("(0")
    got = module.fv(xs if x_batched else xs[0], ys)
    looped = [_python(MASKED)(xs[k] if x_batched else xs[0], ys[k].copy()) for k in range(4)]
    for part, expected in zip(got, zip(*looped)):
        np.testing.assert_allclose(part, np.stack(expected), rtol=1e-12)


@pytest.mark.parametrize("second", ["y > 1", "0 < y"])
def test_masks_that_are_not_one_computation_stay_refused_under_vmap(second):
    source = ('@kernel\ndef f(x: "f64[2,3]", y: "f64[3]"):\n    b = np.zeros((3, 2))\n'
              f'    b[:, 0][y > 0] = 2 * x[0][{second}]\n    return b\n\n\nfv = vmap(f, in_axes=(0, 0))\n')
    with pytest.raises(TranspileError, match="selects a different number of elements"):
        load_source(HEAD + source, "masked.py")


def test_a_mask_of_an_array_updated_between_its_two_readings_is_another_mask():
    source = ('@kernel\ndef f(x: "f64[2,3]", y: "f64[3]"):\n    b = np.zeros((3, 2))\n    m = y > 0\n'
              '    y[0] = -y[0]\n    b[:, 0][m] = 2 * x[0][y > 0]\n    return b\n\n\nfv = vmap(f, in_axes=(0, 0))\n')
    with pytest.raises(TranspileError, match="selects a different number of elements"):
        load_source(HEAD + source, "masked.py")


# -- an axis out of range: NumPy's AxisError, refused where it is written, with a hint ------------------------
@pytest.mark.parametrize("call", ["np.sum(x, axis=2)", "np.max(x, axis=-3)", "np.cumsum(x, axis=5)",
                                  "np.concatenate([x, x], axis=2)", "np.flip(x, axis=3)", "np.mean(x[0, 0], axis=0)",
                                  "np.swapaxes(x, 0, 2)", "x.transpose(1, 2)", "np.transpose(x, (0, 2))",
                                  "np.diff(x, axis=2)", "np.gradient(x, axis=2)", "np.cross(x, x, axisa=4)",
                                  "np.roll(x, 1, axis=3)", "np.repeat(x, 2, axis=3)", "np.expand_dims(x, 4)",
                                  "np.tensordot(x, x, axes=([3], [0]))", "np.moveaxis(x, 0, 4)"])
def test_an_axis_out_of_range_is_refused_with_a_hint(call):
    source = f'@kernel\ndef f(x: "f64[2,3]"):\n    return {call}\n'
    with pytest.raises(Exception) as python_error:  # (Python's own: AxisError, a ValueError and IndexError)
        _python(source)(np.ones((2, 3)))
    assert isinstance(python_error.value, (ValueError, IndexError))
    with pytest.raises(TranspileError) as caught:
        load_source(HEAD + source, "axes.py")
    assert (caught.value.loc.line, caught.value.loc.col) == (7, 12) and caught.value.hint, caught.value


# -- arguments Python would treat otherwise: read-only where the kernel writes, another float width -------------
UPDATES = '''@kernel
def f(x: "f64[n]", y: "f32[n]"):
    if np.sum(y) > 100.0:
        x[0] = 2.0
    x[1:] *= 0.5
    return np.sum(x * y)


g = grad(f)
fj = jvp(f)
fv = vmap(f)
'''


def _updates(backend: str, tmp_path):
    if backend == "numpy":
        return load_source(HEAD + UPDATES, "updates.py")
    from test_c_backend import c_module

    return c_module(HEAD + UPDATES, tmp_path, "updates")[0]


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_a_read_only_argument_the_kernel_assigns_into_is_refused_as_python_refuses_it(backend, tmp_path):
    """Python's `x[1:] *= 0.5` writes into the caller's array: ValueError where it is read-only. The generated code
    works on a copy, and returned a number; now every form refuses at entry, naming the first update."""
    module = _updates(backend, tmp_path)
    x, y = np.array([1.0, 2.0, 3.0]), np.ones(3, np.float32)
    read_only = x.copy()
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _python(UPDATES.split("\n\n\n")[0])(read_only, y)
    calls = {"f": lambda: module.f(read_only, y), "g": lambda: module.g(read_only, y),
             "fj": lambda: module.fj(read_only, y, np.ones(3)),
             "fv": lambda: module.fv(np.broadcast_to(read_only, (2, 3)), np.stack([y, y]))}
    for name, call in calls.items():
        with pytest.raises(ValueError, match=r"argument `x` is read-only, and the kernel assigns into it at "
                                             r"updates\.py:8:9"):
            call()
    assert module.f(x, y) == _python(UPDATES.split("\n\n\n")[0])(x.copy(), y)  # writeable: Python's number
    y_read_only = y.copy()
    y_read_only.flags.writeable = False
    assert module.f(x, y_read_only) == module.f(x, y)  # only read: accepted


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_an_array_of_another_dtype_than_its_annotation_is_refused(backend, tmp_path):
    """float32 for "f64[n]": Python computes in float32, the generated code in float64 (the C target converted it,
    vmap's batch was float64); float64 for "f32[n]", int32 for "i64[n]" (Python wraps at 2**31), a bool or int
    array for a float annotation (`x + x` of bools is their `or`) likewise: the C target computed in the
    annotation's dtype. Refused at entry (TypeError, the cast named); Python numbers keep NumPy's weak rules."""
    module = _updates(backend, tmp_path)
    x, y = np.array([1.0, 2.0, 3.0]), np.ones(3, np.float32)
    for args, name, wanted in (((x.astype(np.float32), y), "x", "float64"), ((x, y.astype(np.float64)), "y", "float32"),
                               ((x.astype(np.float16), y), "x", "float64"), ((x.astype(np.int64), y), "x", "float64"),
                               ((x > 0, y), "x", "float64"), ((x, np.float32(1.0) * y), "", "")):
        if not name:
            assert module.f(*args) == 3.5
            continue
        for call in (lambda: module.f(*args), lambda: module.g(*args)):
            with pytest.raises(TypeError, match=rf"argument `{name}` has dtype \w+, .* pass {name}\.astype\(np\."
                                                rf"{wanted}\)"):
                call()


DERIVED = '''@kernel
def f(x: "f64[n]", y: "f32[n]") -> "f64[]":
    return np.sum(np.sin(x) * y)


g = grad(f, wrt=("x", "y"))
fj = jvp(f, wrt=("x", "y"))
fvjp = vjp(f, wrt=("x", "y"))
fv = vmap(f, in_axes=(0, None))
fh = hessian(f, wrt="x")
'''


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_every_entry_point_refuses_another_dtype_and_tangents_must_have_the_primals(backend, tmp_path):
    """grad, jvp, vjp, vmap and hessian check their primal arguments as the kernel does; a tangent or a cotangent
    has no Python reference: it must have its primal's dtype (JAX's rule), never converted. Refusals are not
    remembered by the checks' cache (a second call is refused again), and the right dtypes pass."""
    head = HEAD.replace("vmap\n", "vmap, vjp, hessian\n")
    if backend == "numpy":
        module = load_source(head + DERIVED, "derived.py")
    else:
        from test_c_backend import c_module

        module = c_module(head + DERIVED, tmp_path, "derived")[0]
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -0.5], np.float32)
    tx, ty = np.ones(3), np.ones(3, np.float32)
    cases = {"g": (x.astype(np.float32), y), "fj": (x, y, tx, ty.astype(np.float64)), "fvjp": (x, y, np.float32(1.0)),
             "fv": (np.stack([x, x]), y.astype(np.float64)), "fh": (x.astype(np.int64), y)}
    for name, args in cases.items():
        for _ in range(2):
            with pytest.raises(TypeError, match=r"^\w+\(\): argument `\w+` has dtype \w+, but its annotation "
                                                r"\"\w+\[[\w,]*\]\" asks for \w+; pass \w+\.astype\(np\.\w+\)$"):
                getattr(module, name)(*args)
    python = _python(DERIVED.split("\n\n\n")[0])
    assert module.g(x, y)[1].dtype == np.float32 and np.isclose(module.fj(x, y, tx, ty)[0], python(x, y))
    assert module.fvjp(x, y, np.float64(1.0))[1][1].dtype == np.float32 and module.fh(x, y).shape == (3, 3)
    np.testing.assert_allclose(module.fv(np.stack([x, -x]), y), [python(x, y), python(-x, y)], rtol=1e-6)


# -- reverse mode: a float64 parameter's adjoint first met as float32 values -------------------------------------
@pytest.mark.parametrize("made", ["np.zeros(1, np.float32)", "np.zeros((), np.float32)"])
def test_a_float64_gradient_met_first_by_float32_values_in_a_loop_is_added_in_float64(made):
    """`u` float32 carried round a loop, then `np.sum(x * u)`: the reverse loop's accumulator for `dx` started as
    `u` broadcast (float32) and the float64 contributions were added into it in place, rounded to float32 (the
    gradient came back float32; hostile corpus `zero_d_float32_array_accumulated`)."""
    source = (f'@kernel\ndef f(x: "f64[n]") -> "f64[]":\n    u = {made}\n    for i in range(len(x)):\n'
              '        u += x[i] * x[i]\n    return np.sum(x * u)\n\n\ng = grad(f)\n')
    module = load_source(HEAD + source, "float32_adjoint.py")
    x = np.array([0.7, -1.3, 2.1])
    gradient = module.g(x)
    u = np.float32(0.0)
    for value in x:
        u = np.float32(u + value * value)
    expected = np.full(3, float(u)) + 2 * x * np.sum(x)  # d/dx_i: u + sum(x) * 2 x_i (u's rounding aside)
    assert gradient.dtype == np.float64
    np.testing.assert_allclose(gradient, expected, rtol=1e-12)  # (float32 additions were 1e-7 off)
