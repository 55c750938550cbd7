"""Arrays computed at module level from constants (`A = np.eye(3) * 2`, `grid = np.linspace(0, 1, 11)`, `C = A @
B`): emitted once at the top of the generated module, in source order, and read by kernels as constants. Checked
against Python (values), autograd and finite differences (every transform); random draws and in-place changes are
located errors."""
from __future__ import annotations

import numpy as np
import pytest
from autograd import grad as autograd_grad
from autograd import hessian as autograd_hessian

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError, transpile_source

HEADER = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp, vmap\n"

MODULE = HEADER + '''
A = np.eye(3) * 2
grid = np.linspace(0, 1, 3)
B = np.array([[1.0, 2.0, 0.5], [0.0, 1.0, 3.0], [1.5, 0.2, 0.1]])
C = A @ B + grid
t = np.exp(grid)
Ws = [np.ones((3, 3)) * 0.5, A.T]
table = {"w": np.arange(3.0), "b": 0.5}
n_rows = C.shape[0]


@kernel
def f(x: "f64[3]") -> "f64[]":
    t_ = x * 1.0
    for W in Ws:
        t_ = np.tanh(W @ t_ + grid)
    return np.sum(np.tanh(C @ x) * t) + np.sum(t_ * table["w"]) + table["b"] * n_rows


g = grad(f)
fj = jvp(f)
fv = vjp(f)
fh = hessian(f)
fb = vmap(f)
'''


def test_module_arrays_through_every_transform():
    module, python = load_source(MODULE, "arrays.py"), autograd_kernels(MODULE)["f"]
    plain: dict = {}
    exec(compile(MODULE.replace("from lifted import", "from lifted import stop_gradient,"), "py", "exec"), plain)
    x = np.array([0.3, -0.2, 0.5])
    assert module.f(x) == plain["f"](x)  # the same NumPy calls in the same order: the same bits
    gradient = module.g(x)
    assert_close(gradient, autograd_grad(python)(x), rtol=1e-12, atol=1e-12, what="grad vs autograd")
    assert_close(gradient, central_difference(module.f, [x], 0), rtol=1e-6, atol=1e-8, what="grad vs FD")
    tangent = np.array([1.0, -2.0, 0.5])
    value, directional = module.fj(x, tangent)
    assert_close(directional, gradient @ tangent, rtol=1e-12, atol=1e-12, what="jvp")
    assert_close(module.fv(x, 3.0)[1], 3.0 * gradient, rtol=1e-12, atol=1e-12, what="vjp")
    assert_close(module.fh(x), autograd_hessian(python)(x), rtol=1e-9, atol=1e-10, what="hessian")
    xs = np.stack([x, 2 * x, -x])
    assert_close(module.fb(xs), [plain["f"](row) for row in xs], rtol=1e-12, atol=1e-12, what="vmap vs loop")


def test_generated_module_computes_them_once_at_its_top_with_the_source_names():
    code = transpile_source(MODULE, "arrays.py")
    top = code[code.index("# module-level arrays"):code.index("\ndef f(")]
    for line in ("A = np.eye(3) * 2", "grid = np.linspace(0, 1, 3)", "C = A @ B + grid", "Ws_0 = np.ones((3, 3)) * 0.5",
                 "Ws_1 = A.T", "table_w = np.arange(3.0)", "# arrays.py:5  grid = np.linspace(0, 1, 3)"):
        assert line in top, line
    # `t` is also a local of the generated gradient: the module-level array takes another name
    assert "\nmodule_t = np.exp(grid)" in top and "np.tanh(C @ x) * module_t" in code


def test_random_draws_at_module_level_are_refused_where_a_kernel_reads_them():
    text = HEADER + '''
W0 = np.random.RandomState(0).randn(3, 4)


@kernel
def f(x: "f64[3]") -> "f64[]":
    return np.sum(W0.T @ x)


g = grad(f)
'''
    with pytest.raises(TranspileError) as info:
        load_source(text)
    error = info.value
    assert (error.loc.line, error.loc.col) == (9, 19), error.format()
    assert "it draws random numbers (line 4)" in error.message
    assert "pass anything else in as a parameter" in error.hint


@pytest.mark.parametrize("body, message", [
    ("y = A\n    y[0, 0] = x[0]\n    return np.sum(y)", "a module-level array cannot be changed in place"),
    ("y = A\n    y += x[0]\n    return np.sum(y)", r"`\+=` on an array is an in-place update"),
])
def test_kernels_cannot_change_module_arrays(body, message):
    text = HEADER + f'''
A = np.eye(3) * 2


@kernel
def f(x: "f64[3]") -> "f64[]":
    {body}
'''
    with pytest.raises(TranspileError, match=message) as info:
        load_source(text)
    assert "copy()" in info.value.hint


def test_a_copy_of_a_module_array_may_be_changed():
    text = HEADER + '''
A = np.eye(3) * 2


@kernel
def f(x: "f64[3]") -> "f64[]":
    y = A.copy()
    y[0] = x
    y += x[1]
    return np.sum(np.sin(y) * A)


g = grad(f)
'''
    module, python = load_source(text), autograd_kernels(text)["f"]
    plain: dict = {}
    exec(compile(text, "py", "exec"), plain)
    x = np.array([0.3, -0.2, 0.5])
    assert module.f(x) == plain["f"](x) and module.f(x) == plain["f"](x)  # A unchanged between calls
    assert_close(module.g(x), central_difference(lambda v: plain["f"](v), [x], 0), rtol=1e-6, atol=1e-8)


def test_module_level_updates_run_as_python_runs_them():
    """In-place updates at module level (`w[0] = ...`, `A += 1`, through another name) run in the generated
    module in source order, as in Python; kernels see the values once the module has run."""
    text = HEADER + '''
grid = np.linspace(0.0, 1.0, 5)
w = np.full(5, 0.25)
w[0] = w[-1] = 0.125
A = np.eye(2)
B = A
B[0, 1] = 3.0
A += 1.0
row = A[0]


@kernel
def f(x: "f64[2]") -> "f64[]":
    return np.sum(w * np.sin(grid * x[0])) + np.sum(A @ x) + np.sum(row * x) + np.sum(B * x)


g = grad(f)
'''
    module, python = load_source(text, "updates.py"), autograd_kernels(text)["f"]
    plain: dict = {}
    exec(compile(text, "py", "exec"), plain)
    x = np.array([0.7, -1.3])
    assert module.f(x) == plain["f"](x)
    assert_close(module.g(x), autograd_grad(python)(x), rtol=1e-12, atol=1e-12, what="grad vs autograd")
    assert_close(module.g(x), central_difference(module.f, [x], 0), rtol=1e-6, atol=1e-8, what="grad vs FD")


def test_failed_statements_leave_no_code_behind():
    """A statement refused halfway (`np.ones(3) * np.random.rand()`) emits nothing; other arrays still work."""
    text = HEADER + '''
noise = np.ones(3) * np.random.rand()
A = np.eye(3)


@kernel
def f(x: "f64[3]") -> "f64[]":
    return np.sum(A @ x)
'''
    code = transpile_source(text, "partial.py")
    assert "np.ones((3,))" not in code and "A = np.eye(3)" in code
    assert load_source(text).f(np.ones(3)) == 3.0
