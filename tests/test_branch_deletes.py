"""Generated code deletes only names bound on the path taken: a branch of a gradient that rebinds an array
bound before the `if` (on the C target, a fused kernel writing its result into its argument `dx`) leaves it
bound, so the `del` after the `if` finds it whichever branch ran (it used to raise UnboundLocalError).

The program runs with each branch taken, on the NumPy backend against Python (finite differences and autograd)
and on the C target against the NumPy backend and the same oracles.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, check_against_python
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module, compare_all

# the `while` after the `if` makes `dx` a value bound before the reverse sweep's `if`; the loop in the second
# branch reads `dx` and gives the next value another name, so `dx` dies inside that branch
BRANCH_REBINDS_OUTER_GRADIENT = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", s: "f64[]"):
    if s > 0.0:
        v = x * x
    else:
        acc = np.zeros(x.shape[0])
        k = 0
        while k < 3:
            acc = acc * np.cos(s) + np.tanh(x * acc) + s
            k += 1
        v = (0.1 / (2.0 + np.cos(acc[0]))) * x
    j = 0
    while j < 2:
        v = v * 0.5 + x
        j += 1
    return np.sum(v * x)


g = grad(f, wrt=('x', 's'))
'''

BRANCHES = [pytest.param(1.0, id="first_branch"), pytest.param(-0.7, id="second_branch")]


def _args(size: int, s: float) -> list:
    return [np.random.default_rng(size).uniform(0.1, 1.0, size=size), np.float64(s)]


@pytest.mark.parametrize("s", BRANCHES)
@pytest.mark.parametrize("size", [1, 4])
def test_numpy_backend_gradient_with_either_branch_taken(size, s):
    check_against_python(BRANCH_REBINDS_OUTER_GRADIENT, _args(size, s))


@pytest.mark.parametrize("s", BRANCHES)
@pytest.mark.parametrize("size", [1, 4])
def test_c_target_gradient_with_either_branch_taken(size, s, tmp_path):
    args = _args(size, s)
    compare_all(BRANCH_REBINDS_OUTER_GRADIENT, tmp_path, args, "branch_rebinds")
    compiled, _ = c_module(BRANCH_REBINDS_OUTER_GRADIENT, tmp_path, "branch_rebinds")
    python: dict = {}
    exec(compile(BRANCH_REBINDS_OUTER_GRADIENT, "python_reference", "exec", dont_inherit=True), python)
    gradient = compiled.g(*args)
    from autograd import grad as autograd_grad

    for position in (0, 1):
        assert_close(gradient[position], central_difference(python["f"], list(args), position), rtol=1e-6,
                     atol=1e-6, what=f"C d/d argument {position} vs finite differences")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = autograd_grad(autograd_kernels(BRANCH_REBINDS_OUTER_GRADIENT)["f"], position)(*args)
        assert_close(gradient[position], expected, rtol=1e-9, atol=1e-10,
                     what=f"C d/d argument {position} vs autograd")


def test_the_c_host_keeps_the_outer_gradient_bound_in_the_branch_that_rebinds_it(tmp_path):
    """The shape of the case on the host (runs off: with them the reverse sweep's `if` runs in C, as the tests
    above check): `dx` is bound before the reverse sweep's `if`, rebound by a kernel in the second branch, and
    deleted once, after the `if`; and its numbers, either branch taken."""
    host = transpile_c(BRANCH_REBINDS_OUTER_GRADIENT, "branch_rebinds.py", loop_kernels=False).host
    compiled, _ = c_module(BRANCH_REBINDS_OUTER_GRADIENT, tmp_path, "branch_rebinds_host", loop_kernels=False)
    python: dict = {}
    exec(compile(BRANCH_REBINDS_OUTER_GRADIENT, "python_reference", "exec", dont_inherit=True), python)
    for branch in BRANCHES:
        args = _args(4, branch.values[0])
        gradient = compiled.g(*args)
        for position in (0, 1):
            assert_close(gradient[position], central_difference(python["f"], list(args), position), rtol=1e-6,
                         atol=1e-6, what=f"host d/d argument {position} vs finite differences")
    gradient = host[host.index("\ndef g("):]
    assert re.search(r"\n    [\w, ]*\bdx = _kernels\.", gradient)  # bound before the `if`
    assert re.search(r"\n        [\w, ]*\bdx = _kernels\.", gradient)  # rebound in a branch
    deletes = re.findall(r"\n( *)del ([\w, ]+)", gradient)
    assert [indent for indent, names in deletes if "dx" in names.split(", ")] == ["    "]
