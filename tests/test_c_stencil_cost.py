"""The stencil pass's cost rule (transpiler/backends/c/stencils/cost.py): a value read at offsets is computed
again at each offset while that is cheap (a few additions and multiplications) and stored once by one kernel and
read back at the offsets by the next where it holds a division, a square root or a math-library call.

Either plan gives NumPy's numbers bit for bit: a stored value is the value computed, and arithmetic, division and
`sqrt` are correctly rounded, so a value computed again from the same operands is the same value. The programs
chain one to four shifts written as concatenations (GradBench ode's right-hand side `x * [1, y[:-1]]`, as RK4
chains them), with divisions and math calls between, forward and reverse; each runs on the C target and on the
NumPy backend at sizes around the shifts' reach and the CPU kernels' 64-lane chunks.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler.pipeline import transpile_c
from lifted.transpiler.backends.c.stencils.cost import DIVIDE_BYTES, SPLIT_BYTES, work_bytes
from test_c_backend import assert_agree, c_module

HEADER = '''
import numpy as np
from lifted import grad, kernel

'''


def _chain(stages: int, between: str) -> str:
    """`stages` stages of an RK-like chain, each shifting the last one's state by one element (`between` makes
    a stage's state from `y` and the last stage: its text uses `y` and `k`)."""
    lines = ['@kernel', 'def f(x: "f64[n]", y: "f64[n]") -> "f64[n]":', "    k = y / 6.0"]
    for j in range(stages):
        state = between.replace("k", f"k{j}" if j else "k")
        lines.append(f"    k{j + 1} = x * np.concatenate((np.ones(1), ({state})[:-1]))")
    total = " + ".join(f"k{j + 1}" for j in range(stages))
    lines.append(f"    return y + ({total}) / 6.0")
    lines += ["", "", "@kernel", 'def loss(x: "f64[n]", y: "f64[n]") -> "f64[]":',
              "    r = f(x, y)", "    return np.sum(r * r)", "", "",
              'gx = grad(loss, wrt="x")', 'gy = grad(loss, wrt="y")']
    return HEADER + "\n".join(lines) + "\n"


EXACT = {f"divisions_{s}": _chain(s, "y + k / 3.0") for s in (1, 2, 3, 4)}
EXACT["sqrt_2"] = _chain(2, "y + np.sqrt(k * k + 1.0)")
CALLS = {f"exp_{s}": _chain(s, "y + np.exp(k / 4.0)") for s in (1, 4)}
CALLS["tanh_3"] = _chain(3, "np.tanh(y - k) / 7.0")


def _run_both(text: str, name: str, size: int, tmp_path):
    rng = np.random.default_rng(size)
    x, y = rng.uniform(0.5, 1.5, size), rng.uniform(-1.0, 1.0, size)
    reference = load_source(text, f"{name}_numpy.py")
    compiled, kernels = c_module(text, tmp_path, name)
    for function in ("f", "gx", "gy"):
        yield function, getattr(compiled, function)(x.copy(), y.copy()), getattr(reference, function)(x.copy(),
                                                                                                      y.copy())


@pytest.mark.parametrize("size", [1, 2, 5, 63, 64, 69, 300])
@pytest.mark.parametrize("name", sorted(EXACT))
def test_shifted_arithmetic_and_divisions_are_numpys_bits(name, size, tmp_path):
    for function, actual, expected in _run_both(EXACT[name], name, size, tmp_path):
        np.testing.assert_array_equal(actual, expected, err_msg=f"{name}.{function} at n={size}")


@pytest.mark.parametrize("size", [1, 5, 64, 300])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_shifted_math_calls_agree_with_numpy(name, size, tmp_path):
    # (a math-library call may differ from NumPy's own in its last bit, whichever plan: not a bitwise test)
    for function, actual, expected in _run_both(CALLS[name], name, size, tmp_path):
        assert_agree(actual, expected, f"{name}.{function} at n={size}", rtol=1e-13)


def _divisions(text: str, monkeypatch) -> list[tuple[str, int, int]]:
    """Per function of a program on the C target: its divisions (and square roots and math calls) before fusion,
    and those of its kernels."""
    from lifted.transpiler.backends.c import module
    from lifted.transpiler.ir import Eqn, If, Loop, equations

    def count(block) -> int:
        return sum(1 for e in equations(block) if work_bytes(e) == DIVIDE_BYTES)

    found = []
    fuse = module.fuse

    def split_plan(block) -> list:
        """The host statements that run where the split plan runs (stencils/plans.py: its branch on the size
        keeps the repeating plan for large sizes, which tests/test_c_stencil_plans.py checks)."""
        out = []
        for stmt in block:
            if isinstance(stmt, If) and getattr(stmt.cond, "name", "").startswith("split_less_equal"):
                out += split_plan(stmt.then_body)
            elif isinstance(stmt, If):
                out += [stmt] + split_plan(stmt.then_body) + split_plan(stmt.else_body)
            elif isinstance(stmt, Loop):
                out += [stmt] + split_plan(stmt.body)
            else:
                out.append(stmt)
        return out

    def counting(fn, cpu=False):
        host, kernels = fuse(fn, cpu)
        ran = split_plan(host.body)
        launched = {e.params["kernel"] for e in ran if isinstance(e, Eqn) and e.prim.name == "launch"}
        host_eqns = [e for e in ran if isinstance(e, Eqn)]
        found.append((fn.name, count(fn.body), sum(count(k.body) for k in kernels if k.name in launched) +
                      count(host_eqns)))
        return host, kernels

    monkeypatch.setattr(module, "fuse", counting)
    transpile_c(text, "case.py")
    return found


def test_no_division_is_repeated_at_an_offset(monkeypatch):
    """GradBench ode's reverse step reads the stages' adjoints, each made from `dy / 6.0`, one to four elements
    on: the kernels divide no more often per element than the program does (each quotient is computed once,
    stored, and read back at the offsets), where repeating them held five divisions per element for one."""
    from benchmarks.gradbench.ode import SOURCE

    for text in (SOURCE, EXACT["divisions_4"], CALLS["exp_4"]):
        for name, program, kernels in _divisions(text, monkeypatch):
            assert kernels <= program, name


def test_cheap_shifted_chains_stay_one_kernel():
    """Additions and multiplications repeated at an offset cost less than a store and a load: the Rosenbrock-like
    reverse sweep and a chain of shifts through products keep one kernel each."""
    text = HEADER + '''
@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    k1 = x * np.concatenate((np.ones(1), y[:-1]))
    k2 = x * np.concatenate((np.ones(1), (y + 0.5 * k1)[:-1]))
    k3 = x * np.concatenate((np.ones(1), (y + 0.5 * k2)[:-1]))
    return np.sum(k1 + 2.0 * k2 + k3)


g = grad(f, wrt="y")
'''
    out = transpile_c(text, "cheap.py")
    host = out.host[out.host.index("\ndef _g_fast("):out.host.index("\ndef _g_exact(")]  # (backends/c/clamped.py)
    assert host.count("_kernels.") == 1


def test_the_cost_of_an_equation():
    from lifted.transpiler.ir import Const, Eqn, Var
    from lifted.transpiler.ir.types import TensorType
    from lifted.transpiler.primitives.registry import lookup

    f64 = TensorType("f64", (8,))
    a, out = Var("a", f64), Var("out", f64)

    def cost(name, *args):
        return work_bytes(Eqn(lookup(name), args, {}, (out,)))

    half, sixth = Const(2.0, TensorType("f64", (), weak=True)), Const(6.0, TensorType("f64", (), weak=True))
    assert cost("multiply", a, a) == cost("add", a, a) == cost("divide", a, half) == 1
    assert cost("divide", a, sixth) == cost("divide", a, a) == cost("sqrt", a) == cost("exp", a) == DIVIDE_BYTES
    assert DIVIDE_BYTES > SPLIT_BYTES
