"""The C backend's launch plan: how many kernels a gradient takes and how many bytes per element they move.

Bytes per element (`bytes_per_element`: array loads plus stored outputs) are the quantity the fusion minimises;
the numbers themselves are checked against the NumPy backend by test_c_backend.py's corpus runs and here.
"""
from __future__ import annotations

import numpy as np

from lifted.transpiler.analysis.liveness import eliminate_dead_code
from lifted.transpiler.backends.c.clamped import unclamped
from lifted.transpiler.backends.c.fusion import bytes_per_element, fuse
from lifted.transpiler.ir.arena import one_compilation
from lifted.transpiler.pipeline import lower_source
from gradcheck import load_source
from test_c_backend import LSE, compare_all


def plan(text: str, function: str) -> list[int]:
    """Bytes per element of each kernel of `function`, in launch order (of the version the C target launches
    kernels from: slices of named lengths typed as polynomials, backends/c/clamped.py)."""
    with one_compilation(), unclamped(set()):
        lowered = lower_source(text, "plan.py", (), None)
        fn = next(f for f in lowered.functions if f.name == function)
        _host, kernels = fuse(eliminate_dead_code(fn))
        return [bytes_per_element(k) for k in kernels]


def test_logsumexp_gradient_recomputes_exp_and_mask_instead_of_storing_them(tmp_path):
    # max, then sum(exp) with the max's tie count (siblings), then the sum of the scaled exp, then dx: four passes
    # that load x (8 bytes) and one store of dx; before: 6 kernels, storing exp(x - a), a bool mask and more.
    # (The GPU's plan: on the CPU a repeated exp costs more than its loads, see test_c_stored_calls.py)
    assert plan(LSE, "f_grad") == [8, 8, 8, 16]
    x = np.random.default_rng(0).normal(size=1001)
    x[[3, 500]] = x.max() + 1.0  # ties at the max: the mask's count is 2
    compare_all(LSE, tmp_path, [x], "lse")


def test_sibling_reductions_share_one_pass():
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", w: "f64[n]") -> "f64[]":
    m = np.mean(x * w)
    c = x - m
    return np.sum(c * c) + np.max(np.abs(w)) + np.sum(w)
'''
    # mean(x * w), max(|w|) and sum(w) need nothing computed after the first pass: one kernel reads x and w
    assert plan(text, "f") == [16, 8]


ROSENBROCK = '''
import numpy as np
from lifted import grad, kernel, value_and_grad


@kernel
def f(x: "f64[n]") -> "f64[]":
    head = x[:-1]
    return np.sum(100.0 * (x[1:] - head * head) ** 2 + (1.0 - head) ** 2)


f_grad = grad(f)
f_value_and_grad = value_and_grad(f)
'''


def test_rosenbrock_gradient_reads_x_and_writes_dx_once(tmp_path):
    # the slices' adjoints (`dx = zeros(n); dx[1:] = a; dx[:-1] += b`) are windowed updates of one kernel over dx,
    # a and b recomputed there from x read at offsets i - 1, i, i + 1 (stencils/): 8 + 8 bytes per element, where
    # it was a kernel storing a and b (32 bytes), np.zeros, and two host updates (40 more)
    assert plan(ROSENBROCK, "f_grad") == [16]
    assert plan(ROSENBROCK, "f_value_and_grad") == [16, 16]  # the value's pass reads x[1:] and x[:-1]
    for n in (1, 2, 3, 1001):
        compare_all(ROSENBROCK, tmp_path, [np.random.default_rng(n).normal(size=n)], f"rosenbrock_{n}")


def test_a_value_is_recomputed_only_when_that_moves_fewer_bytes():
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", y: "f64[n]", z: "f64[n]") -> "f64[]":
    u = x * y * z
    s = np.sum(u)
    return np.sum(u * s)
'''
    # recomputing u would load x, y and z (24 bytes) where loading u costs 8: u is stored once, loaded once
    assert plan(text, "f") == [24 + 8, 8]


def test_no_recomputation_across_an_in_place_update(tmp_path):
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", m: "f64[n,n]") -> "f64[]":
    z = m @ x
    e = np.exp(z)
    s = np.sum(e)
    z[0] = 0.0
    return np.sum(e * s) + np.sum(z)
'''
    # recomputing e = exp(z) after `z[0] = 0.0` would read the new z[0]: e is stored instead, and sum(z) does
    # not move above the update either
    assert plan(text, "f") == [16, 16]
    rng = np.random.default_rng(0)
    compare_all(text, tmp_path, [rng.normal(size=5) * 0.1, rng.normal(size=(5, 5)) * 0.1], "inplace")


def test_zeros_that_nothing_joins_are_numpys_zeros_on_the_cpu_target():
    from lifted.transpiler.pipeline import transpile_c

    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", i: "i64[k]") -> "f64[]":
    return np.sum(np.sin(x[i]))


f_grad = grad(f)
'''
    # the gradient's `dx = zeros(n)` before `np.add.at(dx, i, ...)`: calloc'd pages, not a kernel writing every
    # zero (on the GPU it stays a kernel: the array lives on the device)
    host = transpile_c(text, "gather.py").host
    grad_code = host[host.index("\ndef f_grad("):]
    assert "dx = np.zeros((n,))" in grad_code and grad_code.count("_kernels.") == 1
    assert "np.zeros" not in transpile_c(text, "gather.py", target="cuda").host.split("\ndef f(")[1]


def test_a_value_recomputed_through_a_math_function_decides_nothing_exactly(tmp_path):
    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[a,b,c]", w: "f64[c]") -> "f64[]":
    z = np.tanh(x * w) + 1.5
    r = np.min(z * z, axis=None, keepdims=True)
    return np.sum(np.log(r + 2.0) * np.mean(z, axis=None, keepdims=True))


f_grad = grad(f, wrt=("x", "w"))
'''
    # the derivative of `min` compares z * z with r; recomputing tanh in a loop the compiler does not vectorise
    # (libm, not libmvec) can miss r by an ulp and lose the minimum's gradient: z * z is stored instead, while the
    # derivative's other work still recomputes z (no comparison reads it)
    rng = np.random.default_rng(4)
    compare_all(text, tmp_path, [rng.normal(size=(4, 5, 6)), rng.normal(size=6)], "tanh_min")


def test_a_gather_is_an_indexed_load_and_its_adjoint_a_scatter_add_in_the_same_kernel(tmp_path):
    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[m]", idx: "i64[n]", w: "f64[n]") -> "f64[]":
    return np.sum(np.tanh(x[idx]) * w)


@kernel
def rows(x: "f64[m,d]", idx: "i64[n]", w: "f64[n,d]") -> "f64[]":
    return np.sum(np.tanh(x[idx]) * w)


f_grad = grad(f, wrt="x")
rows_grad = grad(rows, wrt="x")
'''
    # one kernel each: x loaded through idx (8 + 8 bytes) beside w (8); the gradient adds into dx in place (+ 8 + 8).
    # Before: a host gather writing x[idx], a kernel reading it (8 + 8, storing dv: + 8), np.add.at on the host.
    # Whole rows (`x[idx]` of a matrix) NumPy copies faster than a kernel walks them: its primal reads the copy
    # (8 + 8), its gradient loads through idx (idx counts nothing: one index per row) and adds (8 + 8 + 8 + 8)
    assert plan(text, "f") == [24] and plan(text, "f_grad") == [40]
    assert plan(text, "rows") == [16] and plan(text, "rows_grad") == [32]
    rng = np.random.default_rng(2)
    idx = np.array([3, -1, 0, 3, 3, 5, -6])
    assert compare_all(text, tmp_path, [rng.normal(size=6), idx, rng.normal(size=7)], "gather") == 4
    rows_args = [rng.normal(size=(6, 4)), idx, rng.normal(size=(7, 4))]
    assert compare_all(text, tmp_path, rows_args, "gather_rows") == 4


BESIDE = '''
import numpy as np
from lifted import kernel, vjp, vmap


@kernel
def f(x: "f64[p]", y: "f64[p]") -> "f64[p]":
    return np.sqrt(x) * np.sin(y) + y * y


f_vjp = vjp(f, wrt=("x", "y"))
f_rows = vmap(f_vjp, in_axes=(None, None, 0))
'''


def test_per_example_work_amid_a_batched_sweep_runs_beside_it(tmp_path):
    """The batched reverse sweep (index space [B, p]) needs `2.0 * sqrt(x)` ([p]) in its middle: that work runs
    as a kernel of its own launched before the sweep, which stays one kernel instead of two around it."""
    sizes = plan(BESIDE, "f_rows")
    assert len(sizes) == 3, sizes  # the forward values, `2.0 * sqrt(x)`, the whole batched sweep
    rng = np.random.default_rng(2)
    compare_all(BESIDE, tmp_path, [rng.uniform(0.5, 2.0, size=9), rng.normal(size=9), rng.normal(size=(4, 9))],
                "beside")


def test_a_shifted_rk4_steps_reverse_is_one_kernel():
    from benchmarks.gradbench.ode import SOURCE  # GradBench ode: y' = x * (1, y[:-1]), four RK4 stages

    # y and x in, the four stage tapes and y out (56 bytes); the reverse step reads dy, dx, the four tapes and x
    # and writes dy and dx (72 bytes) in one kernel: its last adjoint, added back one element on, is repeated at
    # that offset (29 equations, stencils/align.py's REPEAT_BUDGET) where it had been stored (80 bytes) and read
    # back by a second kernel (24 bytes)
    assert plan(SOURCE, "gradient") == [16, 56, 8, 8, 72]


FILL_OF_A_FILL = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]") -> "f64[n]":
    z = np.zeros(x.shape[0])
    w = np.zeros_like(z)
    w[1] = x[0] * 2.0
    return w + x
'''


def test_a_fill_read_only_by_another_fill_is_kept(tmp_path):
    """Fills alone stay NumPy's (no launch); of them the host keeps those later statements read, and the fills
    those read: `z` here, read only by `np.zeros_like(z)` (dropped before: an UnboundLocalError on the C target,
    found by the semantics fuzz, seed 71015, in a Hessian's reverse sweep)."""
    assert compare_all(FILL_OF_A_FILL, tmp_path, [np.arange(4.0)], "fills") == 1


SIDE_WORK_AROUND_HOST_WORK = '''
import numpy as np
from lifted import kernel, vmap


@kernel
def f(b: "f64[n]", j: "i32[n]", s: "f32[]", v: "i32[n]"):
    big = b * 2.0 > 1.0
    w = v.astype(np.int64)
    small = j <= s
    t = w + small
    return np.where(big, t, 0.5)


fv = vmap(f, in_axes=(0, None, None, None))
'''


def test_host_work_waiting_beside_a_side_region_is_kept(tmp_path):
    """In the batched `fv`, `w` (host work, waiting to be hoisted) and `small` (per-example element work, launched
    beside the batched region) come between the region and `t`, which reads `w` and closes the region: the cut
    goes on from `w` without `small`. It went on from a count of statements back, which skipped `w` and cut
    `small` twice (an UnboundLocalError on the C target; mixed-dtype fuzz, seed 7109)."""
    b = np.array([[0.1, 0.9, 0.4], [0.6, 0.2, 0.8]])
    args = [b, np.array([1, 2, 3], np.int32), np.float32(2.0), np.array([4, 5, 6], np.int32)]
    compare_all(SIDE_WORK_AROUND_HOST_WORK, tmp_path, args, "side_work")
    module = load_source(SIDE_WORK_AROUND_HOST_WORK, "side_work_python.py")
    np.testing.assert_array_equal(module.fv(*args), np.stack([module.f(x, *args[1:]) for x in b]))


def test_scalar_work_left_alone_in_a_region_runs_on_the_host(tmp_path):
    # `b == t` starts a region that the first choice of `min` joins; `b == t` is recomputed where it is read, so the
    # region kept only the choice: a launch no input could give its index space (dtype fuzzer seed 28: "the
    # kernel's index space has a dimension no input gives"); the choices now run on the host
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "f32[n]", b: "f64[n]", s: "f32[]", t: "f64[]", v0: "f64[]"):
    return (b == t) == np.mean(min(float(v0), float(s), -1.0) + a)
'''
    a = np.array([-0.38, 0.23, 0.48, 0.0, -0.0], dtype=np.float32)
    b = np.array([0.3, 0.12, -1.04, -1.73, 1.39])
    for t in (0.45, 0.12):
        compare_all(text, tmp_path, [a, b, np.float32(1.8), np.float64(t), np.float64(3.0)], "scalar_alone")
    assert plan(text, "f") == [4, 9]
