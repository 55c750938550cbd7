"""Both stencil plans on the CPU target (transpiler/backends/c/stencils/plans.py): where cost.py stores a value
once for reads at an offset (a division), the function also gets the plan that repeats it, and the host picks by
the split index space's element count against `SPLIT_MOST_ELEMENTS`: the split while the step's arrays stay in
the cache, the repeated divisions beyond.

Both branches are the same program, so each gives NumPy's numbers bit for bit: GradBench ode (the state and its
gradient, s = 1 to 3) and chains of divided shifts run on the C target at sizes on both sides of the threshold
and at it, against the NumPy backend.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler.pipeline import transpile_c
from lifted.transpiler.backends.c.stencils import plans
from test_c_backend import c_module
from test_c_stencil_cost import EXACT

MOST = plans.SPLIT_MOST_ELEMENTS
SIZES = [1, 70, MOST, MOST + 1, MOST + 131]  # (both sides of the threshold, the threshold itself)


def test_ode_has_both_plans_and_picks_by_size():
    """GradBench ode's gradient: one C call holding `if (elements <= MOST)` around the split reverse step (two
    kernels: the quotient `dy / 6.0`, then the step reading it at offsets 0-4) and, in the else branch, the step
    as one kernel that repeats the division at each offset. The primal has no split, so one plan."""
    from benchmarks.gradbench.ode import SOURCE

    out = transpile_c(SOURCE, "ode.py")
    cu = out.kernels
    body = cu[cu.index('extern "C" int gradient_block0'):]
    assert f"<= ((int64_t){MOST})" in body and "} else {" in body
    assert "split_less_equal" not in cu[cu.index('extern "C" int primal_block0'):cu.index('extern "C" int last_block0')]
    divisions = {name: cu[cu.index(f"void {name}_body"):].split("\n}\n", 1)[0].count(" / 6.0)")
                 for name in ("gradient_k1", "gradient_k2", "gradient_k4")}  # (in C text: two lane blocks each)
    assert divisions["gradient_k1"] == 1 and divisions["gradient_k2"] == 0 and divisions["gradient_k4"] >= 10, \
        divisions


@pytest.mark.parametrize("steps", [1, 3])
def test_ode_is_numpys_bits_on_both_sides(steps, tmp_path):
    from benchmarks.gradbench.ode import SOURCE

    reference = load_source(SOURCE, "ode_numpy.py")
    compiled, _ = c_module(SOURCE, tmp_path, "ode_plans")
    for n in SIZES:
        x = np.random.default_rng(n).uniform(0.5, 1.5, n)
        for function in ("primal", "gradient"):
            np.testing.assert_array_equal(getattr(compiled, function)(x, steps), getattr(reference, function)(x, steps),
                                          err_msg=f"{function} at n={n}, s={steps}")


@pytest.mark.parametrize("name", ["divisions_2", "divisions_4", "sqrt_2"])
def test_divided_chains_are_numpys_bits_on_both_sides(name, tmp_path):
    reference = load_source(EXACT[name], f"{name}_numpy.py")
    compiled, _ = c_module(EXACT[name], tmp_path, name)
    for n in SIZES:
        rng = np.random.default_rng(n)
        x, y = rng.uniform(0.5, 1.5, n), rng.uniform(-1.0, 1.0, n)
        for function in ("f", "gx", "gy"):
            np.testing.assert_array_equal(getattr(compiled, function)(x.copy(), y.copy()),
                                          getattr(reference, function)(x.copy(), y.copy()),
                                          err_msg=f"{name}.{function} at n={n}")


def test_no_split_no_choice():
    """A program whose stencils repeat only cheap work keeps one plan (no branch on the size)."""
    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


g = grad(f, wrt="x")
'''
    assert "split_less_equal" not in transpile_c(text, "rosen.py").kernels + transpile_c(text, "rosen.py").host


def test_a_size_the_parameters_do_not_give_keeps_the_split():
    """The split space's length is worked out inside the function (a concatenation of two parameters): no count
    at entry, so the split plan alone."""
    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(a: "f64[n]", b: "f64[m]") -> "f64[]":
    x = np.concatenate((a, b))
    y = x / 6.0
    return np.sum(x * np.concatenate((np.ones(1), y[:-1])))


g = grad(f, wrt="a")
'''
    out = transpile_c(text, "sizes.py")
    assert "split_less_equal" not in out.kernels + out.host
