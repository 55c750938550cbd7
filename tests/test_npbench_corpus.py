"""NPBench's NumPy kernels (benchmarks/npbench, docs/corpora.md "NPBench"): the driver's smoke test, which skips
without an NPBench checkout ($LIFTED_NPBENCH or /tmp/npbench), and the reduced programs of what the corpus found,
which never skip. Each reduced program runs through every form the corpus driver runs (benchmarks/corpus/checks.py:
`f` bit for bit against Python, `vjp`/`fj` against differences and autograd, `fv` against a loop)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel

CHECKOUT = Path(os.environ.get("LIFTED_NPBENCH", "/tmp/npbench"))
HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"


@pytest.mark.skipif(not (CHECKOUT / "bench_info").is_dir(), reason="no NPBench checkout")
def test_driver_runs_npbench_cases(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.npbench.__main__ import main

    results = main(["--npbench", str(CHECKOUT), "--only", "jacobi_1d,atax,crc16", "--json", str(tmp_path / "o.json")])
    assert results["crc16"] == {"not converted": "ValueError: an argument of dtype uint8 (annotations: f32 f64 i32 "
                                                 "i64 bool)"}
    for label in ("jacobi_1d", "jacobi_1d@0,1,2", "atax", "atax@0,1,2"):
        assert results[label]["f"][0] == "pass", (label, results[label])
        assert all(outcome in ("pass", "skip") for outcome, _ in results[label].values()), (label, results[label])
    assert results["jacobi_1d"]["vjp"][0] == "pass" and results["jacobi_1d"]["fj"][0] == "pass"
    assert (tmp_path / "o.json").is_file()


def _outcomes(text: str, params: list[str], inputs: list[list]) -> dict:
    with np.errstate(all="ignore"):
        return {form: tuple(value) for form, value in check_kernel(HEAD + text, params, inputs, lambda a: a).items()}


def _all_pass(outcomes: dict, forms=("f", "vjp", "fj", "fv")) -> None:
    for form in forms:
        assert outcomes.get(form, ("missing",))[0] == "pass", (form, outcomes)
    assert all(outcome in ("pass", "skip") for outcome, _ in outcomes.values()), outcomes


# -- a function updating its caller's arrays in a loop decided at run time -----------------------------------------
# NPBench's stencils (jacobi_1d/2d, heat_3d, fdtd_2d, seidel_2d, adi, cavity_flow...) and factorizations (lu,
# cholesky, gramschmidt...) update their arguments in place inside `for t in range(1, TSTEPS)` or `for i in
# range(A.shape[0])`; a kernel calling them was refused ("`A` is the caller's array, passed to this function;
# assigning into it here would change the caller's array inside a branch or loop decided at run time"). Such a
# loop, written directly in the function's body, now carries the caller's array, and the caller's names and views
# hold the loop's result after it (transpiler/normalize/loop_sharing.py, `lend_slots`).
JACOBI = '''
def step(T, A, B):
    for t in range(1, T):
        B[1:-1] = 0.5 * (A[:-2] + A[2:])
        A[1:-1] = 0.5 * (B[:-2] + B[2:])


@kernel
def f(A: "f64[n]", B: "f64[n]", T: "i64[]"):
    row = A[1:3]
    whole = B
    step(T, A, B)
    return row * 1.0, whole * 1.0, A
'''


def test_caller_arrays_updated_in_a_run_time_loop_with_views_read_after():
    rng = np.random.default_rng(0)
    _all_pass(_outcomes(JACOBI, ["A", "B", "T"], [[rng.random(5), rng.random(5), 3], [rng.random(3), rng.random(3), 0],
                                                  [rng.random(1), rng.random(1), 2]]))


CHOLESKY = '''
def factor(A):
    A[0, 0] = np.sqrt(A[0, 0])
    for i in range(1, A.shape[0]):
        for j in range(i):
            A[i, j] -= np.dot(A[i, :j], A[j, :j])
            A[i, j] /= A[j, j]
        A[i, i] -= np.dot(A[i, :i], A[i, :i])
        A[i, i] = np.sqrt(A[i, i])


@kernel
def f(A: "f64[n, n]"):
    factor(A)
    return A
'''


def test_nested_run_time_loops_factor_the_callers_matrix():
    rng = np.random.default_rng(1)
    m = rng.random((4, 4))
    _all_pass(_outcomes(CHOLESKY, ["A"], [[m @ m.T + 4 * np.eye(4)], [np.full((1, 1), 2.0)]]))


BRANCH_AND_RETURN = '''
def step(T, A):
    C = A
    for t in range(T):
        if A[0] > 0.5:
            A[1:] = A[1:] * A[0]
        else:
            A[0] += 1.0
    A[1] = 7.0
    r = C * 2.0
    A = A * 3.0
    A[0] = 1.0
    return r + A


@kernel
def f(A: "f64[n]", T: "i64[]"):
    r = step(T, A)
    step(1, A)
    return r, A
'''


def test_branch_in_the_loop_alias_in_the_callee_and_a_later_rebinding():
    rng = np.random.default_rng(2)
    _all_pass(_outcomes(BRANCH_AND_RETURN, ["A", "T"], [[rng.random(5), 3], [rng.random(3) + 0.6, 2],
                                                         [rng.random(2), 0]]))


WHILE = '''
def grow(A):
    k = 0
    while A[0] < 10.0:
        A[0] = A[0] * 2.0 + 1.0
        A[1:] = A[1:] + A[0]
        k += 1
    return k


@kernel
def f(A: "f64[n]"):
    k = grow(A)
    return A * 1.0, k
'''


def test_data_dependent_while_updates_the_callers_array():
    rng = np.random.default_rng(3)
    outcomes = _outcomes(WHILE, ["A"], [[rng.random(4)], [rng.random(1) + 20.0]])
    _all_pass(outcomes, ("f", "fj", "fv"))


NESTED_CALL = '''
def relax(n, p, b):
    for q in range(n):
        pn = p.copy()
        p[1:-1] = 0.5 * (pn[2:] + pn[:-2]) - b[1:-1]
        p[-1] = p[-2]


def bump(p):
    p[0] += 1.0


def flow(T, A, p):
    b = np.zeros_like(A)
    for t in range(T):
        b[1:-1] = A[1:-1] * 0.1
        relax(2, p, b)
        bump(p)
        A[1:-1] = A[1:-1] - p[2:] + p[:-2]


@kernel
def f(A: "f64[n]", p: "f64[n]", T: "i64[]"):
    flow(T, A, p)
    return A, p
'''


def test_a_loop_passing_the_callers_array_to_functions_that_update_it():
    """cavity_flow and channel_flow: the time loop passes `p` (its caller's) to pressure_poisson, which updates it
    in a loop of its own; the time loop never assigns `p` itself. Refused before (`p` was not carried by the
    time loop, so pressure_poisson's update reached a caller two frames up from inside a loop)."""
    rng = np.random.default_rng(4)
    _all_pass(_outcomes(NESTED_CALL, ["A", "p", "T"], [[rng.random(5), rng.random(5), 3],
                                                       [rng.random(2), rng.random(2), 1], [rng.random(3), rng.random(3), 0]]))


AUGMENTED = '''
def leapfrog(T, pos, vel, dt):
    start = pos
    for t in range(T):
        vel += np.sin(pos) * dt
        pos += vel * dt
        dt = dt * 0.5
    return start * 2.0


@kernel
def f(pos: "f64[n]", vel: "f64[n]", dt: "f64[]", T: "i64[]"):
    r = leapfrog(T, pos, vel, dt)
    return r, pos, vel
'''


def test_augmented_assignments_in_the_loop_update_the_callers_arrays():
    """nbody's `vel += acc * dt / 2.0` in its time loop: `+=` updates the caller's array in place (it was
    taken for a rebinding, and the array not lent to the loop); `start` (an alias made before the loop) sees the
    updates, and `dt` (a number) is rebound."""
    rng = np.random.default_rng(6)
    _all_pass(_outcomes(AUGMENTED, ["pos", "vel", "dt", "T"], [[rng.random(4), rng.random(4), 0.1, 3],
                                                                [rng.random(1), rng.random(1), 0.5, 0]]))


CAVITY = '''

def source(b, u, dt, dx):
    b[1:-1, 1:-1] = 1 / dt * ((u[1:-1, 2:] - u[1:-1, 0:-2]) / (2 * dx)) - ((u[2:, 1:-1] - u[0:-2, 1:-1]) / (2 * dx))**2


def relax(nit, p, b, dx):
    for q in range(nit):
        pn = p.copy()
        p[1:-1, 1:-1] = (pn[1:-1, 2:] + pn[1:-1, 0:-2]) * dx**2 - dx**2 * b[1:-1, 1:-1]
        p[:, -1] = p[:, -2]


def step(T, u, p, dx):
    b = np.zeros_like(u)
    for n in range(T):
        un = u.copy()
        source(b, u, 0.1, dx)
        relax(2, p, b, dx)
        u[1:-1, 1:-1] = un[1:-1, 1:-1] - un[1:-1, 1:-1] * (un[1:-1, 1:-1] - un[1:-1, 0:-2]) / dx - (p[1:-1, 2:] - p[1:-1, 0:-2]) / (2 * dx)


@kernel
def f(u: "f64[n, m]", p: "f64[n, m]", dx: "f64[]", T: "i64[]"):
    step(T, u, p, dx)
    return u, p


fvjp = vjp(f, wrt=0)
'''


def test_c_target_host_module_of_a_stencil_split_with_entry_checks_imports():
    """cavity_flow's vjp on the C target: the stencil split put the caller's-argument checks in both branches of
    its size choice, and the transform's `dt = np.float64(dt)` casts after the last check, between the two
    branches: the host module did not import (IndentationError). The split is kept alone there now."""
    from lifted.transpiler.pipeline import transpile_c

    module = transpile_c(HEAD + CAVITY, "cavity.py")
    compile(module.host, "cavity_host.py", "exec")


# -- NumPy spellings NPBench uses (transpiler/frontend/npbench_forms.py) -----------------------------------------
FLOYD = '''
def floyd(path):
    for k in range(path.shape[0]):
        path[:] = np.minimum(path[:], np.add.outer(path[:, k], path[k, :]))


@kernel
def f(path: "f64[n, n]", x: "f64[m]", lo: "f64[]", steps: "i64[]"):
    floyd(path)
    energy = np.ndarray(steps + 1, dtype=np.float64)
    grid = np.ndarray(shape=(2, 3))
    grid[...] = lo
    for i in range(steps + 1):
        energy[i] = lo * i
    return (path, np.maximum.outer(x, path), np.subtract.outer(path[0], 2.0), np.multiply.outer(lo, x), energy, grid,
            np.linspace(lo, 1.0, 4, dtype=np.float64), np.linspace(lo, 1.0, 5, dtype=np.float32))
'''


def test_ufunc_outer_ndarray_constructor_and_linspace_dtype():
    """floyd_warshall's `np.add.outer`, nbody's and vadv's `np.ndarray(shape, dtype=...)` and mandelbrot1's
    `np.linspace(..., dtype=np.float64)` were refused ("not supported in kernels")."""
    rng = np.random.default_rng(5)
    _all_pass(_outcomes(FLOYD, ["path", "x", "lo", "steps"], [[rng.random((3, 3)) * 4, rng.random(2), 0.25, 2],
                                                               [np.zeros((0, 0)), rng.random(1), -1.0, 0]]))


@pytest.mark.parametrize("call, message", [
    ("np.ndarray((2, 3), np.float64, None, 0)", "np.ndarray"),
    ("np.linspace(0.0, x, 3, axis=2)", "axis=2"),
])
def test_npbench_forms_refused_with_a_place(call, message):
    outcomes = _outcomes(f"@kernel\ndef f(x: \"f64[n]\"):\n    return x[0] + {call}\n", ["x"], [[np.ones(2)]])
    assert outcomes["f"][0] == "refused" and message in outcomes["f"][1], outcomes


@pytest.mark.parametrize("body, message", [
    # the array is swapped with another on each iteration: which argument a name holds depends on the trip count
    ("    for t in range(T):\n        B[1:] = A[:-1]\n        A, B = B, A\n", "`B` is the caller's array"),
    # the loop sits in a branch decided at run time
    ("    if A[0] > 0.5:\n        for t in range(T):\n            A[1:] = A[1:] * 0.5\n", "`A` is the caller's array"),
])
def test_what_is_still_refused_with_a_place(body, message):
    text = f"def step(T, A, B):\n{body}\n\n@kernel\ndef f(A: \"f64[n]\", B: \"f64[n]\", T: \"i64[]\"):\n" \
           "    step(T, A, B)\n    return A, B\n"
    outcomes = _outcomes(text, ["A", "B", "T"], [[np.ones(3), np.ones(3), 2]])
    assert outcomes["f"][0] == "refused" and message in outcomes["f"][1], outcomes
