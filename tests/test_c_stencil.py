"""Stencils on the C target (transpiler/backends/c/stencils/): step-1 slices, the updates of a zero array through
slices that their gradients make, and shifts written as concatenations, fused into one kernel.

Each program runs on the C target against the NumPy backend (every function), and its C gradient against central
finite differences of the untouched source and against autograd, at sizes where slices are empty (1), hold one
element (2), and the windows overlap or not (3, 17, 1000).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import assert_agree, c_module, compare_all
from test_property import inputs_for, program_for_seed, stencil_seeds

HEADER = '''
import numpy as np
from lifted import grad, kernel, value_and_grad
'''

PROGRAMS = {
    "rosenbrock": '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    head = x[:-1]
    return np.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)
''',
    "three_offsets": '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(x[2:] * x[1:-1] - np.sin(x[:-2]) * x[2:] + 0.5 * x[1:-1] ** 2)
''',
    "two_arrays": '''
@kernel
def f(x: "f64[n]", w: "f64[n]") -> "f64[]":
    d = x[1:] - x[:-1]
    return np.sum(w[1:] * d * d) + np.sum(np.tanh(w[:-2] * x[2:]))
''',
    "rows_shifted": '''
@kernel
def f(a: "f64[m,n]") -> "f64[]":
    d = a[:, 1:] - a[:, :-1]
    return np.sum(d * d * a[:, 1:])
''',
    "columns_shifted": '''
@kernel
def f(a: "f64[m,n]") -> "f64[]":
    d = a[1:] - 2.0 * a[:-1]
    return np.sum(np.exp(-d * d))
''',
    "float32": '''
@kernel
def f(x: "f32[n]") -> "f32[]":
    head = x[:-1]
    return np.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)
''',
    "concatenate_shift": '''
@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    left = np.concatenate((np.ones(1), y[:-1]))
    right = np.concatenate((y[1:], np.zeros(1)))
    return np.sum(x * left * left + right * y)
''',
}


def _source(name: str, wrt: str = "x") -> str:
    program = PROGRAMS[name]
    first = program.split("def f(")[1].split(":")[0]
    return HEADER + program + f"\ng = grad(f, wrt={first!r})\nvg = value_and_grad(f, wrt={first!r})\n"


def _inputs(name: str, size: int, rng) -> list:
    text = PROGRAMS[name]
    if "m,n" in text:
        return [rng.normal(size=(3, size))]
    dtype = np.float32 if "f32" in text else np.float64
    count = text.split("def f(")[1].split(")")[0].count(":")
    return [rng.normal(size=size).astype(dtype) for _ in range(count)]


@pytest.mark.parametrize("size", [1, 2, 3, 17, 1000])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_stencil_programs_agree_with_numpy_and_their_gradients_with_oracles(name, size, tmp_path):
    text = _source(name)
    args = _inputs(name, size, np.random.default_rng(size))
    if args[0].dtype == np.float32:  # sums: the C target adds float32 in double, NumPy pairwise in float32
        reference, (compiled, _) = load_source(text, "f32.py"), c_module(text, tmp_path, name)
        for function in ("f", "g", "vg"):
            assert_agree(getattr(compiled, function)(*args), getattr(reference, function)(*args), function, 2e-5)
        return
    compare_all(text, tmp_path, args, name)
    if size > 17:
        return
    compiled, _ = c_module(text, tmp_path, name)
    gradient = compiled.g(*[a.copy() for a in args])
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    assert_close(gradient, central_difference(python["f"], [a.copy() for a in args], 0), rtol=1e-6, atol=1e-6,
                 what="C gradient vs finite differences")
    from autograd import grad as autograd_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = autograd_grad(autograd_kernels(text)["f"], 0)(*[a.copy() for a in args])
    assert_close(gradient, expected, rtol=1e-9, atol=1e-10, what="C gradient vs autograd")


def test_rosenbrock_gradient_is_one_kernel_with_guarded_shifted_loads():
    out = transpile_c(_source("rosenbrock"), "rosenbrock.py")
    # (the fast version: slices typed n-1 where n >= 1, backends/c/clamped.py; the exact one is host NumPy code)
    host = out.host[out.host.index("\ndef _g_fast("):out.host.index("\ndef _g_exact(")]
    assert host.count("_kernels.") == 1 and "dx[" not in host and "np.zeros" not in host
    assert "(LIFTED_WINDOW(i0 >= 1)) ? x_data[(i0 + -1) * x_s0]" in out.kernels
    assert "const bool lifted_inside = i_base + LIFTED_LANE_COUNT <= d0 - 1 && i_base >= 1;" in out.kernels


def test_an_update_that_writes_through_a_view_keeps_numpys_order(tmp_path):
    # `b` views the accumulator between two updates: the chain is left as NumPy's in-place writes
    text = HEADER + '''
@kernel
def f(x: "f64[n]") -> "f64[n]":
    acc = np.zeros_like(x)
    acc[1:] = x[:-1] * 2.0
    b = acc[:-1]
    acc[:-1] += x[1:]
    return acc + b[0]
'''
    for size in (1, 2, 5):
        compare_all(text, tmp_path, [np.random.default_rng(size).normal(size=size)], "view")


def test_a_repeated_value_never_reads_an_array_updated_in_place_since(tmp_path):
    """`sin(v)` of a slice `v = x[1:]`, repeated one element on for `dx[1:] += dv`, read `x` as it is: after
    `x += ...`, the updated values (a wrong gradient). The repetition now counts the arrays it reads as they are
    among those an update in place between must not write (stencils/align.py), and loads the stored value."""
    text = HEADER + '''
@kernel
def f(a: "f64[n,d]") -> "f64[]":
    x = a * 1.0
    v = x[1:]
    s = np.sum(np.sin(v) * v)
    x += a * a
    return s + np.sum(x * x)

g = grad(f)
'''
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    compiled = c_module(text, tmp_path, "updated")[0]
    for size in (1, 2, 5):
        a = np.random.default_rng(size).normal(size=(size, 3))
        assert_close(compiled.g(a.copy()), central_difference(lambda t: python["f"](t.copy()), [a.copy()], 0),
                     rtol=1e-6, atol=1e-6, what=f"gradient at {size} rows vs finite differences")


@pytest.mark.parametrize("seed", stencil_seeds(16))
def test_random_programs_with_stencils_on_the_cpu_target(seed, tmp_path):
    """Each program as generated (sizes named) and with the sizes of its inputs written in its annotations: the
    stencil rewrite repeats work at offsets only where it knows the windows' extents (a wrapped column read one row
    up was wrong only with literal sizes). A value off by round-off the program itself amplifies (seed 3: a cosine
    of sums fed back through two nested loops, 8.7e-7 apart with NumPy 2.4.6) passes within 10 times the spread
    of NumPy's own value under a few ulps of input (test_c_random_programs.py::reference_spread)."""
    from test_c_random_programs import run_on_the_cpu_target

    text, _wrt, _as_tuple = program_for_seed(seed, stencils=True)
    literal = text.replace('"f64[n]"', '"f64[5]"').replace('"f64[n,d]"', '"f64[5,3]"').replace('"i64[k]"', '"i64[4]"')
    for name, program in ((f"stencil_prop_{seed}", text), (f"stencil_literal_{seed}", literal)):
        assert run_on_the_cpu_target(name, program, tmp_path, inputs_for(seed)) in ("checked", "ill-conditioned")


EDGE_CASES = {
    # a module-level array's slice is read at an offset as the view it is (it was once taken for the array)
    "module_array_slice": ('''
TABLE = np.linspace(0.0, 1.0, 6)


@kernel
def f(x: "f64[6]") -> "f64[]":
    return np.sum(x[1:] * TABLE[:-1] - x[:-1] ** 2)


g = grad(f)
''', lambda n, rng: [rng.normal(size=6)]),
    # overlapping windows, a scalar written into a window, the sign of a zero: NumPy's order, element by element
    "overlapping_updates": ('''
@kernel
def f(x: "f64[n]") -> "f64[n]":
    acc = np.zeros_like(x)
    acc[1:] = x[:-1] * 2.0
    acc[:-2] += x[2:]
    acc[2:-1] = -0.0
    acc[1:] += x[1:]
    return acc
''', lambda n, rng: [rng.normal(size=n)]),
    # shifts of a loop-carried value: each step's element work reads the previous step's array at offsets
    "shifts_in_a_loop": ('''
@kernel
def f(x: "f64[n]", s: "i64[]") -> "f64[]":
    y = x * 1.0
    for k in range(s):
        y = y + 0.1 * np.concatenate((y[1:], np.zeros(1))) - 0.05 * np.concatenate((np.zeros(1), y[:-1]))
    return np.sum(y * y)


g = grad(f)
''', lambda n, rng: [rng.normal(size=n), 3]),
    "concatenate_along_rows": ('''
@kernel
def f(a: "f64[m,n]") -> "f64[]":
    b = np.concatenate((np.zeros((1, a.shape[1])), a[:-1]), axis=0)
    return np.sum(np.sin(a) * b)


g = grad(f)
''', lambda n, rng: [rng.normal(size=(n, 3))]),
}


@pytest.mark.parametrize("size", [1, 2, 3, 17])
@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_stencil_edge_cases_agree_with_numpy(name, size, tmp_path):
    text, inputs = EDGE_CASES[name]
    compare_all(HEADER + text, tmp_path, inputs(size, np.random.default_rng(size)), name)


def test_steps_other_than_one_keep_numpys_updates(tmp_path):
    text = HEADER + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(x[::2] * np.sin(x[::2])) + np.sum(x[1:] * x[::-1][1:])


g = grad(f)
'''
    host = transpile_c(text, "steps.py", loop_kernels=False).host
    grad_code = host[host.index("\ndef _g_fast("):host.index("\ndef _g_exact(")]
    assert "dx[::2]" in grad_code  # an update through a step-2 slice stays NumPy's (or a run's strided view)
    for size in (1, 2, 5, 17):
        compare_all(text, tmp_path, [np.random.default_rng(size).normal(size=size)], "steps")


TRANSFORMED = HEADER + '''from lifted import hessian, jvp, vmap


@kernel
def f(x: "f64[n]") -> "f64[]":
    head = x[:-1]
    return np.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)


@kernel
def shift(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


batched_grad = vmap(grad(f), in_axes=(0,))
batched_shift = vmap(shift, in_axes=(0, 0))
tangent = jvp(f, wrt="x")
curvature = hessian(f)
'''


@pytest.mark.parametrize("size", [1, 2, 3, 9])
def test_stencils_under_vmap_jvp_and_hessian(size, tmp_path):
    """Batched slices are stencils along the trailing axis (rank-2 windows); tangents and second derivatives
    of slices go through the same rewrite."""
    rng = np.random.default_rng(size)
    reference, (compiled, _) = load_source(TRANSFORMED, "transformed.py"), c_module(TRANSFORMED, tmp_path, "tr")
    xs, ys, x, t = rng.normal(size=(4, size)), rng.normal(size=(4, size)), rng.normal(size=size), rng.normal(size=size)
    for name, args in (("batched_grad", [xs]), ("batched_shift", [xs, ys]), ("tangent", [x, t]),
                       ("curvature", [x])):
        assert_agree(getattr(compiled, name)(*args), getattr(reference, name)(*args), name)
    assert "LIFTED_WINDOW(i1" in transpile_c(TRANSFORMED, "transformed.py").kernels


OTHER_SPACE = HEADER + '''
@kernel
def f(m: "f64[3,5]") -> "f64[]":
    c = np.concatenate((m[2:3], m, m[0:2]), axis=0)
    return np.sum(np.concatenate((c[:, 2:5], c, c), axis=1))


g = grad(f)
'''


def test_a_repeated_update_counts_its_window_from_the_end_of_the_space_it_is_repeated_over(tmp_path):
    """The adjoint of `c` (6 rows) is repeated at rows 4:6 over the 3 rows of `m`'s: the update `dc[:, 2:5] += ...`
    covers every row of `dc`, i.e. rows i0 < 3 - 1 of the repeat (its window counted from the end of `dc`, 6 - 0,
    is 2 from the end of the 3 rows), not i0 < 3 - 4 (found by np.pad's wrap mode: the gradient was short by 1)."""
    m = np.arange(15.0).reshape(3, 5)
    compiled, _ = c_module(OTHER_SPACE, tmp_path, "other_space")
    expected = np.array([[4.0, 4.0, 6.0, 6.0, 6.0]] * 3)
    np.testing.assert_array_equal(load_source(OTHER_SPACE, "other_space.py").g(m), expected)
    np.testing.assert_array_equal(compiled.g(m), expected)


ROLLED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(div: "f64[DIMS]", occlusion: "f64[DIMS]"):
    p = np.zeros(div.shape)
    for k in range(2):
        p = div + np.roll(p, -1, axis=1) + np.roll(p, -1, axis=0)
        p = p * occlusion + np.roll(p, 1, axis=0)
    return p


@kernel
def h(div: "f64[DIMS]", occlusion: "f64[DIMS]") -> "f64[]":
    p = (div + np.roll(div, 1, axis=1) + np.roll(div, -1, axis=1) + np.roll(div, 1, axis=0)) / 4.0
    q = p * occlusion + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=1)
    return np.sum(q * q)


g = grad(h)
'''


@pytest.mark.parametrize("literal", [True, False])
@pytest.mark.parametrize("shape", [(12, 12), (3, 5), (2, 2), (1, 4), (4, 1)])
def test_a_broadcast_slice_repeated_at_an_offset_reads_its_one_element(shape, literal, tmp_path):
    """`np.roll(p, -1, axis=1)` puts the view `p[:, :1]` at the last column, read there broadcast along the row;
    repeated one row up (the second statement's `np.roll(p, 1, axis=0)` of the first's result), it read
    `p[i - 1, j]` instead of `p[i - 1, 0]` (autograd's fluidsim/wing.py on the C target: a wrong value)."""
    rng = np.random.default_rng(sum(shape))
    args = [rng.normal(size=shape), rng.uniform(size=shape)]
    text = ROLLED.replace("DIMS", ",".join(map(str, shape)) if literal else "m,n")
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    compiled, _ = c_module(text, tmp_path, "rolled")
    np.testing.assert_array_equal(compiled.f(*[a.copy() for a in args]), python["f"](*[a.copy() for a in args]))
    assert_close(compiled.h(*args), python["h"](*args), rtol=1e-13, atol=0, what="h (a sum: its order differs)")
    compare_all(text, tmp_path, args, "rolled")
    assert_close(compiled.g(*[a.copy() for a in args]), central_difference(python["h"], [a.copy() for a in args], 0),
                 rtol=1e-6, atol=1e-6, what="C gradient vs finite differences")


UNSIZED_SHIFT = HEADER + '''
@kernel
def f(x: "f64[n]", M: "f64[n,d]") -> "f64[]":
    return np.sum(np.trapezoid(M, M[0]) * x)


g = grad(f, wrt=("x", "M"))
'''


@pytest.mark.parametrize("loop_kernels", [True, False])
@pytest.mark.parametrize("rows, columns", [(3, 1), (3, 2), (5, 3), (4, 7), (1, 5)])
def test_a_stencil_kernel_whose_space_no_input_gives_takes_it_from_its_shifted_source(rows, columns, loop_kernels,
                                                                                      tmp_path):
    """`grad` of np.trapezoid(M, v): the adjoint spreads a (1, d - 1) cotangent over `dM[:, 1:]` and `dM[:, :-1]`,
    whose (1, d) shifted copies are kernels reading only that cotangent, at offsets. No input had the space's
    length d, so every launch raised "dimension 1 of a kernel's index space is -1" (property generator
    `more_functions`); the launch spec now takes it from the shifted source's length plus 1 (launch_spec.py)."""
    rng = np.random.default_rng(rows * 10 + columns)
    args = [rng.normal(size=rows), rng.normal(size=(rows, columns))]
    reference = load_source(UNSIZED_SHIFT, "unsized.py")
    compiled, _ = c_module(UNSIZED_SHIFT, tmp_path, "unsized", loop_kernels=loop_kernels)
    gradient = compiled.g(*[a.copy() for a in args])
    assert_agree(gradient, reference.g(*[a.copy() for a in args]), "g")
    assert_agree(compiled.f(*args), reference.f(*args), "f")
    python: dict = {}
    exec(compile(UNSIZED_SHIFT, "python_reference", "exec", dont_inherit=True), python)
    for wrt in (0, 1):
        assert_close(gradient[wrt], central_difference(python["f"], [a.copy() for a in args], wrt), rtol=1e-6,
                     atol=1e-6, what=f"C gradient {wrt} vs finite differences")
    from autograd import grad as autograd_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = autograd_grad(autograd_kernels(UNSIZED_SHIFT)["f"], (0, 1))(*[a.copy() for a in args])
    for got, want in zip(gradient, expected):
        assert_close(got, want, rtol=1e-9, atol=1e-10, what="C gradient vs autograd")


EMPTY_SHIFTS = HEADER + '''
@kernel
def rhs(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


@kernel
def both(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    c = np.concatenate((y[1:], np.zeros(1)))
    return np.exp(x) * c + c * y


@kernel
def steps(x: "f64[n]", s: "i64[]") -> "f64[n]":
    y = np.zeros_like(x)
    for step in range(s):
        y = y + 0.5 * rhs(x, y + 0.5 * rhs(x, y))
    return y


@kernel
def alone(y: "f64[n]") -> "f64[n]":
    return np.concatenate((np.ones(1), y[:-1]))


@kernel
def summed(x: "f64[n]", y: "f64[n]") -> "f64[]":
    return np.sum(x * np.concatenate((np.ones(1), y[:-1]))) + np.sum(np.concatenate((np.ones(1), y[:-1])))
'''


@pytest.mark.parametrize("loop_kernels", [True, False])
def test_a_concatenation_of_one_over_empty_arrays_broadcasts_as_numpy_does(loop_kernels, tmp_path):
    """At n = 0, `np.concatenate((np.ones(1), y[:-1]))` has NumPy's length 1 (not n), and `x * ...` broadcasts it
    over x's 0: Python returns an empty array (GradBench ode's `rhs` and its RK4 loop), where the C launch refused
    the sizes. At n = 0 the C module runs the function's exact version (backends/c/clamped.py), so every form
    gives Python's value, the concatenation returned or summed itself too."""
    reference = load_source(EMPTY_SHIFTS, "empty_shifts.py")
    compiled, _ = c_module(EMPTY_SHIFTS, tmp_path, "empty_shifts", loop_kernels=loop_kernels)
    for n in (0, 1, 2, 5):
        x, y = np.linspace(-1.0, 1.0, n), np.linspace(0.5, 2.0, n)
        for name, args in (("rhs", (x, y)), ("both", (x, y)), ("steps", (x, 3)), ("steps", (x, 0))):
            expected = getattr(reference, name)(*args)
            got = getattr(compiled, name)(*args)
            assert got.shape == expected.shape == (n,), (name, n)
            np.testing.assert_array_equal(got, expected, err_msg=f"{name} at n = {n}")
        for name, args in (("alone", (y,)), ("summed", (x, y))):
            assert_agree(getattr(compiled, name)(*args), getattr(reference, name)(*args), f"{name} at n = {n}")
