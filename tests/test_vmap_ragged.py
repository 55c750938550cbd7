"""vmap of an `if` whose two sides give a value different lengths (a ragged batch: `u = y[2:]` on one side,
`u = x[:-1]` on the other; a `while` whose trips shorten a value and differ between examples), reduced from `python tests/scan_vmap_edges.py branches 1024 1`.

The reference is a Python loop over the examples calling the un-transpiled function. Where every example takes
one side, the batch has that side's length and returns what the loop returns; where examples take both sides and
the lengths differ, the batch raises ValueError naming the `if` (file:line:col), since no array holds both; where
the lengths differ for every size of the arguments (`3` and `4`), vmap is refused at build time at the `if`. A
value nothing reads is no error. Before ragged.py the merge raised NumPy's bare broadcast ValueError.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, central_difference, load_source
from lifted.transpiler import TranspileError

HEAD = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n\n"

SLICED = HEAD + '''@kernel
def f(x: "f64[n]", y: "f64[n]"):
    if np.sum(x) > 0.0:
        u = y[2:] * 3.0
    else:
        u = x[:-1] * 1.5
    return np.sum(np.sin(u) * u)


fv = vmap(f, in_axes=(0, None))
f_x = grad(f, wrt="x")
f_vx = vmap(f_x, in_axes=(0, None))
'''

NAMED = HEAD + '''@kernel
def f(x: "f64[n]", y: "f64[m]"):
    u = y * 2.0
    if np.sum(x) > 0.0:
        u = x * 3.0
    return np.sum(u)


fv = vmap(f, in_axes=(0, None))
'''

UNREAD = HEAD + '''@kernel
def f(x: "f64[5]", y: "f64[5]"):
    t = 0.0
    if np.sum(x) > 0.0:
        u = y[2:] * 3.0
        t = np.sum(u)
    else:
        u = x[:-1] * 1.5
        t = np.sum(u * u)
    return t


fv = vmap(f, in_axes=(0, None))
'''

SHRINKING = HEAD + '''@kernel
def f(x: "f64[n]"):
    u = x * 1.0
    while np.sum(u) > 1.0:
        u = u[1:]
    return np.sum(u)


fv = vmap(f)
'''


def _rows(signs, n: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([s * (np.abs(rng.normal(size=n)) + 0.1) for s in signs]) if signs else np.zeros((0, n))


@pytest.fixture(scope="module")
def sliced():
    python: dict = {}
    exec(compile(SLICED, "python_reference", "exec", dont_inherit=True), python)
    return load_source(SLICED, "ragged_case.py"), python["f"]


@pytest.mark.parametrize("signs", [(1, 1, 1), (-1, -1), (1,), (-1,)])
def test_one_side_taken_gives_the_loop(sliced, signs):
    module, f = sliced
    xs, y = _rows(signs), np.random.default_rng(1).normal(size=5)
    assert_close(module.fv(xs, y), np.array([f(x, y) for x in xs]), rtol=1e-12, atol=1e-12, what="values")


def test_gradient_of_one_side_against_differences(sliced):
    module, f = sliced
    xs, y = _rows((-1, -1)), np.random.default_rng(1).normal(size=5)
    got = module.f_vx(xs, y)
    for k, x in enumerate(xs):
        expected = central_difference(lambda v: f(v, y), [x.copy()], 0)
        assert_close(got[k], expected, rtol=1e-6, atol=1e-8, what=f"example {k}")
        assert_close(got[k], module.f_x(x, y), rtol=1e-12, atol=1e-12, what=f"example {k} vs f_x")


@pytest.mark.parametrize("name", ["fv", "f_vx"])
def test_both_sides_taken_raise_located(sliced, name):
    module, _ = sliced
    xs, y = _rows((1, -1, 1)), np.random.default_rng(1).normal(size=5)
    with pytest.raises(ValueError, match=r"ragged_case\.py:7:5: vmap: .*`u`.*\(a ragged batch\)"):
        getattr(module, name)(xs, y)


def test_no_examples(sliced):
    module, _ = sliced
    got = module.fv(_rows(()), np.ones(5))
    assert got.shape == (0,) and got.dtype == np.float64


def test_lengths_that_always_differ_are_refused_at_build_time():
    with pytest.raises(TranspileError) as caught:
        load_source(SLICED.replace('"f64[n]"', '"f64[5]"'), "ragged_case.py")
    error = caught.value
    assert error.loc is not None and (error.loc.line, error.loc.col) == (7, 5), error
    assert "length 3" in error.message and "and 4" in error.message and "ragged batch" in error.message


def test_lengths_named_apart_are_checked_at_run_time():
    module = load_source(NAMED, "ragged_case.py")
    python: dict = {}
    exec(compile(NAMED, "python_reference", "exec", dont_inherit=True), python)
    for signs in ((1, -1), (1, 1), (-1, -1)):
        xs, y = _rows(signs), np.linspace(-1.0, 1.0, 5)  # (n = m: one length)
        assert_close(module.fv(xs, y), np.array([python["f"](x, y) for x in xs]), rtol=1e-12, atol=1e-12)
    for signs in ((1, 1), (-1, -1)):  # n != m, one side each time: the loop's values
        xs, y = _rows(signs), np.linspace(-1.0, 1.0, 3)
        assert_close(module.fv(xs, y), np.array([python["f"](x, y) for x in xs]), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"ragged_case\.py:8:5: .*\(a ragged batch\)"):
        module.fv(_rows((1, -1)), np.linspace(-1.0, 1.0, 3))


def test_a_ragged_value_nothing_reads_is_no_error():
    module = load_source(UNREAD, "ragged_case.py")
    python: dict = {}
    exec(compile(UNREAD, "python_reference", "exec", dont_inherit=True), python)
    xs, y = _rows((1, -1, 1)), np.random.default_rng(1).normal(size=5)
    assert_close(module.fv(xs, y), np.array([python["f"](x, y) for x in xs]), rtol=1e-12, atol=1e-12)


def test_c_target_checks_the_same(tmp_path):
    from test_c_backend import c_module

    module, _ = c_module(NAMED, tmp_path, "ragged_c")
    python: dict = {}
    exec(compile(NAMED, "python_reference", "exec", dont_inherit=True), python)
    y = np.linspace(-1.0, 1.0, 3)
    for signs in ((1, 1), (-1, -1)):
        xs = _rows(signs)
        assert_close(module.fv(xs, y), np.array([python["f"](x, y) for x in xs]), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"ragged_c\.py:8:5: .*\(a ragged batch\)"):
        module.fv(_rows((1, -1)), y)


def test_a_loop_whose_trips_shorten_a_value():
    module = load_source(SHRINKING, "ragged_case.py")
    python: dict = {}
    exec(compile(SHRINKING, "python_reference", "exec", dont_inherit=True), python)
    same_trips = np.array([[3.0, 0.5, 0.2, 0.1, 0.0], [2.0, 0.1, 0.1, 0.1, 0.1], [-4.0, 9.0, 0.0, 0.0, 0.5]])
    for xs in (same_trips[:2], same_trips[2:], np.zeros((2, 5))):  # the same trips, one example, none
        assert_close(module.fv(xs), np.array([python["f"](x) for x in xs]), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"ragged_case\.py:8:5: .*one more trip of this loop.*\(a ragged batch\)"):
        module.fv(same_trips)
