"""Lane loops stay loops (templates: `LIFTED_LANE_LOOPS`): a kernel's copies of lane arrays into its outputs and
its lane-array fills are vector moves in the kernel, not a memcpy or memset call per chunk and array (GCC's loop
distribution made them calls: 50 in GradBench ode's .so, 8.8 % of its gradient's profile at n = 1e5, s = 1).

The change is the compiler's choice of instructions for moves only, so every value keeps its bits: GradBench ode's
step (a four-stage RK4 whose stages read their neighbour, a stencil) is checked bit for bit against the NumPy
backend at sizes on both sides of a 64-lane chunk and of the stencil's reach, and its gradient against finite
differences and autograd."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from lifted.cpu import build
from lifted.loader import import_path
from lifted.transpiler import transpile_source
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module
from test_c_loop_kernels import SHIFT_RK4_FOUR_STAGES, check_c_against_python

# GradBench ode's program: RK4 steps on y' = x * shift(y), the state itself and its last element's gradient (no
# reduction, whose order of additions is not NumPy's pairwise one)
ODE = SHIFT_RK4_FOUR_STAGES.replace("    return np.sum(y * y)\n", "    return y\n").replace(
    '-> "f64[]":\n    h =', '-> "f64[n]":\n    h =').replace(
    'g = grad(f, wrt="x")', '''@kernel
def last(x: "f64[n]", s: "i64[]") -> "f64[]":
    y = f(x, s)
    return y[-1]


g = grad(last, wrt="x")''')

ELEMENT_LOOP_FUNCTION = re.compile(r"^(?:template <[^>]*> )?(LIFTED_LANE_LOOPS )?LIFTED_DEVICE void "
                                   r"(\w+_(?:body|rows|walk|columns))\(", re.M)


def test_every_element_loop_function_keeps_its_lane_loops():
    text = transpile_c(SHIFT_RK4_FOUR_STAGES, "rk4.py").kernels
    cuda, cpu = text.split("#else", 1)[0], text
    assert "#define LIFTED_LANE_LOOPS\n" in cuda  # nvcc: nothing to say
    assert '#define LIFTED_LANE_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))' in cpu
    functions = ELEMENT_LOOP_FUNCTION.findall(text)
    looping = [name for _, name in functions if re.search(rf"void {name}\([^{{]*\{{\s*LIFTED_THREAD_SETUP", text)]
    assert looping, "no element-loop function found"
    assert all(marked for marked, name in functions if name in looping)


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils' objdump")
def test_kernel_bodies_call_no_memcpy_or_memset():
    # the loop kernel's own helpers (array copies and fills of whole arrays) may call them; a region kernel's body
    # (one chunk of lanes at a time) must not
    text = transpile_c(SHIFT_RK4_FOUR_STAGES, "rk4_calls.py").kernels
    library = build(text, "rk4_calls")
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", str(library)], capture_output=True,
                             text=True, check=True).stdout
    bodies = re.findall(r"^[0-9a-f]+ <((?:void )?\w+_(?:body|rows|walk|columns)(?:<[^>]*>)?\(.*?)>:\n(.*?)\n\n", listing,
                        re.M | re.S)
    assert bodies, "no kernel body in the library"
    for name, code in bodies:
        assert not re.search(r"call.*<(memcpy|memset|memmove)", code), name


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_rk4_steps_keep_numpys_bits_across_chunk_and_stencil_edges(steps, tmp_path):
    assert "return y\n" in ODE and "grad(last" in ODE
    module, _ = c_module(ODE, tmp_path, "rk4_bits")
    (tmp_path / "rk4_numpy.py").write_text(transpile_source(ODE, "rk4_numpy.py"))
    reference = import_path(tmp_path / "rk4_numpy.py")
    rng = np.random.default_rng(11 + steps)
    # 1-5: less than the stencil's reach of 4; 63-69: a chunk of 64 lanes and its reach; 127-129, 1000: later
    # chunks, the last one partial
    for n in (1, 2, 4, 5, 63, 64, 65, 68, 69, 127, 128, 129, 1000):
        x = rng.uniform(0.5, 1.5, n)
        for function in ("f", "g"):
            actual, expected = getattr(module, function)(x, steps), getattr(reference, function)(x, steps)
            assert np.array_equal(np.asarray(actual), np.asarray(expected)), (function, n, steps)


def test_rk4_gradient_against_finite_differences_and_autograd_at_chunk_edges(tmp_path):
    rng = np.random.default_rng(12)
    for n, s in ((64, 1), (65, 2), (129, 1)):
        check_c_against_python(SHIFT_RK4_FOUR_STAGES, [rng.uniform(0.5, 1.5, n), s], tmp_path, f"rk4_{n}", (0,))
