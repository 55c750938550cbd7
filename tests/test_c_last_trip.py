"""A loop's last trip leaves unstored what no one reads (loops/last_trip.py): a region launched in a loop kernel's
`for` body whose output only becomes the next trip's carried value, in a slot nothing reads after the loop, gets
a null pointer on the last trip, and its kernel (emitted with that output skippable) then runs a copy of the
chunk's work without it. GradBench ode's gradient at s = 1 wrote the new state and the reverse step's cotangent,
8 bytes an element each, that nothing read.

Checked on a diffusion step that is not ode's (a left-neighbour stencil, a division), against Python, the NumPy
backend (bit for bit), finite differences and autograd, at 1-3 steps and sizes across the 64-lane chunks; and the
slots that are read after the loop (the primal's result, an outer loop's next trip, a view of the state) keep
their stores."""
from __future__ import annotations

import re

import numpy as np
import pytest

from lifted.loader import import_path
from lifted.transpiler import transpile_source
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module
from test_c_loop_kernels import check_c_against_python

DIFFUSION = '''
import numpy as np
from lifted import grad, kernel


@kernel
def state(x: "f64[n]", s: "i64[]") -> "f64[n]":
    u = np.ones_like(x)
    for step in range(s):
        left = np.concatenate((np.full(1, 0.5), u[:-1]))
        u = u + 0.25 * x * (left - u) / (1.0 + u * u)
    return u


@kernel
def f(x: "f64[n]", s: "i64[]") -> "f64[]":
    u = state(x, s)
    return u[-1] * 2.0


g = grad(f, wrt="x")
'''

# the same step inside an outer loop: the inner loop's final state is the outer loop's next trip's start
NESTED = DIFFUSION.replace('''    for step in range(s):
        left''', '''    for outer in range(2):
      for step in range(s):
        left''')

# the state read after the loop through a view: its last store stays
VIEWED = DIFFUSION.replace('''    u = state(x, s)
    return u[-1] * 2.0''', '''    u = state(x, s)
    return np.sum(u[1:] * u[:-1])''')


def loop_functions(text: str, prefix: str) -> str:
    """The C text of the loop kernels (and runs) of the generated function `prefix`."""
    return "\n".join(re.findall(rf'^extern "C" int {prefix}_(?:loop|block)\d+\(.*?^}}', text, re.M | re.S))


def test_a_gradients_last_trips_pass_null_for_dead_carried_outputs():
    # (without a divide: one reading `u`, a constant on the first trip, has the sweeps peel that trip
    # (transforms/peel.py), and the reverse loop then ends before it, with no last trip to skip)
    text = transpile_c(DIFFUSION.replace("/ (1.0 + u * u)", "* np.exp(-u * u)"), "diffusion.py").kernels
    gradient = loop_functions(text, "g")
    assert "(k == trips - 1 ? nullptr : " in gradient  # the forward loop's last state
    assert "(k == 0 ? nullptr : " in gradient  # the reverse loop's last cotangent of the state
    assert "nullptr : " not in loop_functions(text, "state")  # its result: stored on every trip
    skippable = re.findall(r"if \((\w+_out) == nullptr\) \{", text)
    assert skippable and all(f"if ({p} != nullptr) {{" in text for p in skippable)


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_skipped_stores_keep_numpys_bits(steps, tmp_path):
    module, _ = c_module(DIFFUSION, tmp_path, f"diffusion_{steps}")
    (tmp_path / "diffusion_numpy.py").write_text(transpile_source(DIFFUSION, "diffusion_numpy.py"))
    reference = import_path(tmp_path / "diffusion_numpy.py")
    rng = np.random.default_rng(5 + steps)
    for n in (1, 2, 5, 63, 64, 65, 129, 1000):
        x = rng.uniform(0.5, 1.5, n)
        for function in ("state", "f", "g"):
            actual, expected = getattr(module, function)(x, steps), getattr(reference, function)(x, steps)
            assert np.array_equal(np.asarray(actual), np.asarray(expected)), (function, n, steps)


@pytest.mark.parametrize("steps", [0, 1, 3])
def test_skipped_stores_against_python_finite_differences_and_autograd(steps, tmp_path):
    x = np.random.default_rng(1).uniform(0.5, 1.5, 70)
    check_c_against_python(DIFFUSION, [x, steps], tmp_path, f"diffusion_fd_{steps}", (0,))


@pytest.mark.parametrize("case", ["nested", "viewed"])
def test_slots_read_after_the_loop_keep_their_last_store(case, tmp_path):
    text = {"nested": NESTED, "viewed": VIEWED}[case]
    kernels = transpile_c(text, f"{case}.py").kernels
    if case == "nested":  # the inner loop's state feeds the outer loop's next trip: only the reverse may skip
        assert "(k == trips - 1 ? nullptr : " not in loop_functions(kernels, "g")
    else:  # `u[1:] * u[:-1]` after the loop reads the forward's last state
        assert "(k == trips - 1 ? nullptr : " not in loop_functions(kernels, "g")
    x = np.random.default_rng(2).uniform(0.5, 1.5, 67)
    for steps in (1, 2):
        check_c_against_python(text, [x, steps], tmp_path, f"{case}_{steps}", (0,))


def test_the_diffusion_step_is_peeled_for_its_unbounded_numerator():
    """`1.0 + u * u` is never below 1 (analysis/positive.py), but the divide's factor `a / b ** 2` also holds the
    numerator, `0.25 * x * (left - u)`, which no bound keeps below float64's maximum: the first trip of the
    constant start `u = ones` is peeled (as for `/ (u * u)`). With a bounded numerator (`0.25 * np.sin(x) *
    np.tanh(left)`) the zero tangent meets a finite factor and transforms/peel.py leaves the loop whole: the
    gradient's text has the step as often as that of the same step without a singular rule (`* np.exp(-u * u)`,
    never peeled). The values are checked above (Python, NumPy backend, differences, autograd)."""
    def steps(text: str) -> int:
        source = transpile_source(text, "diffusion.py")
        return source[source.index("def g("):].count("np.concatenate(")

    unsingular = DIFFUSION.replace("/ (1.0 + u * u)", "* np.exp(-u * u)")
    assert steps(DIFFUSION) > steps(unsingular)
    bounded = "0.25 * np.sin(x) * np.tanh(left)"
    assert steps(DIFFUSION.replace("0.25 * x * (left - u)", bounded)) == \
        steps(unsingular.replace("0.25 * x * (left - u)", bounded))
    assert steps(DIFFUSION.replace("/ (1.0 + u * u)", "/ (u * u)")) > steps(unsingular)  # (can be 0: peeled)
