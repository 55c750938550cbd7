"""A read nobody uses, through integers, of a value the kernel computed (`t[5]` of `t = x * 2`, `row[1]` of a
loop's row, `acc[2, 0]`, `np.sin(x)[i]`), and a write nobody reads (`a[5] = 2.0`): Python raises IndexError where
the index is out of range, and so must every generated form (f, its grad, its vmap) on the NumPy backend, the C CPU
target and the CUDA host path (tests/fake_pycuda.py). The read itself is dropped; its check reads the size from a
parameter of the same annotated dimension (transpiler/analysis/dead_reads.py `at_hand`), or from the computed value
where no parameter has it (a derived size, `2*n` of a concatenation), which then stays.
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pytest

import fake_pycuda
from exact_values import same_values
from gradcheck import load_source
from test_c_backend import c_module

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]  # (np.matrix)

HEADER = '''
import numpy as np
from lifted import grad, kernel, vmap


@kernel
def f(x: "f64[n]", M: "f64[n,d]", i: "i64[]") -> "f64[]":
'''
FOOTER = '''

f_grad = grad(f, wrt="x")
fv = vmap(f, in_axes=(0, None, None))
'''
BODIES = {
    "computed": "    t = x * 2.0\n    unused = t[5]\n    return np.sum(t)\n",
    "row": "    s = 0.0\n    for row in M:\n        second = row[1]\n        s = s + x[0]\n    return s\n",
    "acc": "    acc = M * x[:, None]\n    corner = acc[2, 0]\n    return np.sum(x * x)\n",
    "runtime": "    u = np.sin(x)[i]\n    return np.sum(np.cos(x))\n",
    "write": "    a = x * 1.0\n    a[5] = 2.0\n    return np.sum(x)\n",
    "derived": "    both = np.concatenate([x, x])\n    past = both[5]\n    return np.sum(x * 3.0)\n",
}
# (x, M, i) per case: Python raises IndexError on all but the last ones; GOOD: more where it returns a number
GOOD = {"row": [(np.ones(0), np.ones((0, 1)), 0)]}
ARGUMENTS = {
    "computed": [(np.ones(3), np.ones((3, 2)), 0), (np.ones(0), np.ones((0, 2)), 0), (np.ones(6), np.ones((6, 2)), 0)],
    "row": [(np.ones(2), np.ones((2, 1)), 0), (np.ones(1), np.ones((1, 3)), 0)],
    "acc": [(np.ones(2), np.ones((2, 1)), 0), (np.ones(3), np.ones((3, 0)), 0), (np.ones(3), np.ones((3, 1)), 0)],
    "runtime": [(np.ones(3), np.ones((3, 1)), 3), (np.ones(3), np.ones((3, 1)), -4), (np.ones(3), np.ones((3, 1)), -3)],
    "write": [(np.ones(3), np.ones((3, 1)), 0), (np.ones(6), np.ones((6, 1)), 0)],
    "derived": [(np.ones(2), np.ones((2, 1)), 0), (np.ones(3), np.ones((3, 1)), 0)],
}


def source(case: str) -> str:
    return HEADER + BODIES[case] + FOOTER


def _python(text: str) -> Callable:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace["f"]


def _module(case: str, target: str, folder, monkeypatch):
    text = source(case)
    if target == "numpy":
        return load_source(text, f"dead_{case}.py")
    if target == "c":
        return c_module(text, folder, f"dead_{case}")[0]
    fake_pycuda.install(monkeypatch)
    from test_cuda_runtime import cuda_module
    return cuda_module(text, folder, f"dead_{case}_cuda")


@pytest.mark.parametrize("target", ["numpy", "c", "cuda"])
@pytest.mark.parametrize("case", sorted(BODIES))
def test_a_dead_read_of_a_computed_value_raises_as_python(case, target, tmp_path, monkeypatch):
    module = _module(case, target, tmp_path, monkeypatch)
    python = _python(source(case))
    *bad, good = ARGUMENTS[case]
    for x, M, i in bad:
        with pytest.raises(IndexError) as raised:
            python(x, M, i)
        with pytest.raises(IndexError, match=re.escape(str(raised.value))):
            module.f(x, M, i)
        with pytest.raises(IndexError):
            module.f_grad(x, M, i)
        if len(x):
            with pytest.raises(IndexError):
                module.fv(np.stack([x, x]), M, i)
    for x, M, i in [good] + GOOD.get(case, []):
        _same_as_python(module, python, x, M, i, f"{target} {case} {x.shape} {M.shape} {i}")


def _same_as_python(module, python, x, M, i, what: str) -> None:
    same_values(module.f(x, M, i), python(x, M, i), f"{what} f")
    lanes = np.stack([x, x * 0.5])
    same_values(module.fv(lanes, M, i), np.array([python(lane, M, i) for lane in lanes]), f"{what} fv")
    step = 1e-6
    numeric = np.array([(python(x + step * e, M, i) - python(x - step * e, M, i)) / (2 * step)
                        for e in np.eye(len(x))]).reshape(x.shape)
    np.testing.assert_allclose(module.f_grad(x, M, i), numeric, rtol=1e-6, atol=1e-8)


def test_a_dead_read_of_a_computed_value_is_not_computed():
    """The checks of `acc[2, 0]` and of a loop's `row[1]` read x's and M's sizes (the same dimensions n and d):
    nothing computes `acc` or the row for a read nobody uses, and the row's own read `M[row_index]` needs no check."""
    from lifted.transpiler import transpile_source
    for case, name in (("row", "row = "), ("acc", "acc = ")):
        text = transpile_source(source(case), f"dead_{case}.py")
        body = text.split("def f(")[1].split("\ndef ")[0]
        assert "_check_index" in body and name not in body, body
        assert "_check_index(row_index" not in body, body  # (a loop's own row read stays in range: loop_range)


# -- the random generators' dead reads (tests/test_property.py, `dead_reads=True`) ------------------------------
def dead_read_programs(count: int, first: int = 0) -> list[tuple[str, str]]:
    from test_property import program_for_seed
    return [(f"dead_reads_{seed}", program_for_seed(seed, dead_reads=True)[0]) for seed in range(first, first + count)]


def test_dead_reads_generator_covers_its_constructs():
    corpus = "\n".join(text for _, text in dead_read_programs(40))
    for construct in (r"dead\d+ = v\d+\[\d\]", r"dead\d+ = \w+\[-\d\]", r"dead\d+ = \w+\[[^]]*, [^]]*\]",
                      r"dead\d+ = row\d+\[", r"dead\d+ = \w+\[i\d+"):
        assert re.search(construct, corpus), construct


@pytest.mark.parametrize("seed", [0, 2, 5, 7])
def test_random_kernels_with_dead_reads(seed):
    """Values and gradients against autograd and finite differences, at the sizes where every read is in range."""
    from test_property import Unusable, check_program, inputs_for, program_for_seed
    text, wrt, as_tuple = program_for_seed(seed, dead_reads=True)
    try:
        check_program(text, wrt, as_tuple, inputs_for(seed))
    except Unusable:
        pytest.skip("the oracles cannot judge this program")


def _hostile(programs, folder, targets):
    from test_hostile_arguments import check_programs, with_transforms
    return check_programs([(name, with_transforms(text)) for name, text in programs], folder, targets)


@pytest.mark.parametrize("seed", [0, 2])
def test_hostile_arguments_on_dead_reads_numpy_backend(seed, tmp_path):
    """Every argument kind (sizes that put the dead reads out of range among them) against Python: a value where
    Python raises IndexError fails (30 programs on NumPy gave 8 such values before dead reads kept their checks)."""
    _hostile(dead_read_programs(1, seed), tmp_path, ("numpy",))


def test_hostile_arguments_on_dead_reads_cpu_target(tmp_path):
    _hostile(dead_read_programs(1, 2), tmp_path, ("c",))


@pytest.mark.slow
def test_hostile_arguments_on_dead_reads_long_run(tmp_path):
    """`-m slow`: LIFTED_HOSTILE_PROGRAMS programs (default 30) on NumPy and the C target; prints the tally."""
    import os
    count = int(os.environ.get("LIFTED_HOSTILE_PROGRAMS", "30"))
    tally = _hostile(dead_read_programs(count), tmp_path, ("numpy", "c"))
    for (kind, outcome), number in sorted(tally.items()):
        print(f"{number:6d}  {outcome:24s} {kind}")


EMPTY_REDUCTION = HEADER.replace('"i64[]") -> "f64[]":', '"i64[]"):') + '''\
    unused = np.max(x * 2.0) + np.min(M, axis=0)
    spread = np.ptp(M, axis=1)
    return np.sum(x)
''' + FOOTER


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_a_reduction_without_identity_nobody_uses_still_raises(target, tmp_path, monkeypatch):
    """`np.max(x * 2.0)` nobody uses was dropped as dead code, so with n = 0 the kernel returned 0.0 where Python
    raises ValueError (zero-size array to reduction operation maximum which has no identity: the dtype programs
    4, 17, 23 and 27 with n = 0, tests/test_hostile_trees.py). Such a reduction stays where its axes may be empty
    (dead_reads.raises_when_empty); `np.ptp(M, axis=1)` of an (n, 0) M raises too, of a (0, d) one it does not."""
    module = load_source(EMPTY_REDUCTION, "dead_empty.py") if target == "numpy" else \
        c_module(EMPTY_REDUCTION, tmp_path, "dead_empty")[0]
    python = _python(EMPTY_REDUCTION)
    for x, M in ((np.ones(0), np.ones((0, 2))), (np.ones(2), np.ones((2, 0)))):
        with pytest.raises(ValueError) as raised:
            python(x, M, 0)
        for name in ("f", "f_grad"):
            with pytest.raises(ValueError, match=re.escape(str(raised.value))):
                getattr(module, name)(x, M, 0)
    same_values(module.f(np.ones(3), np.ones((3, 2)), 0), 3.0, f"{target} f")
    same_values(module.f_grad(np.ones(3), np.ones((3, 2)), 0), np.ones(3), f"{target} f_grad")


EMPTY_SELECTION = HEADER.replace('"i64[]") -> "f64[]":', '"i64[]"):') + '''\
    top = np.max(x[x > 1.0])
    return np.sum(x)
'''


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_a_maximum_of_a_selection_nobody_uses_still_raises(target, tmp_path):
    """`np.max(x[x > 1.0])` nobody uses raises ValueError in Python where nothing exceeds 1, however long x is (a
    masked reduction: it stays whatever the sizes)."""
    module = load_source(EMPTY_SELECTION, "dead_selection.py") if target == "numpy" else \
        c_module(EMPTY_SELECTION, tmp_path, "dead_selection")[0]
    python = _python(EMPTY_SELECTION)
    with pytest.raises(ValueError) as raised:
        python(np.ones(3), np.ones((3, 1)), 0)
    with pytest.raises(ValueError, match=re.escape(str(raised.value))):
        module.f(np.ones(3), np.ones((3, 1)), 0)
    same_values(module.f(np.full(3, 2.0), np.ones((3, 1)), 0), 6.0, f"{target} f")


DEAD_EXTREMES = HEADER.replace('"i64[]") -> "f64[]":', '"i64[]"):') + '''\
    peak = np.argmax(x * 3.0)
    low = np.nanmin(M, axis=1)
    s = 0.0
    for k in range(i):
        where = np.argmin(M[k])
        s = s + x[k]
    return s
''' + FOOTER


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_a_dead_reduction_without_identity_is_a_size_check_not_its_work(target, tmp_path):
    """A dead `np.argmax`, `np.nanmin`, `np.argmin` (in a loop: a C loop kernel) is no longer computed in full only
    to raise on an empty axis: a `check_nonempty` of its axis raises NumPy's own ValueError (analysis/dead_reads.py
    `empty_checks`; the C target's loop kernels fail with the same message), and the reduction is gone."""
    python = _python(DEAD_EXTREMES)
    if target == "numpy":
        from lifted.transpiler import transpile_source

        text = transpile_source(DEAD_EXTREMES, "dead_extremes.py")
        body = "\n".join(line for line in text[text.index("\ndef f("):text.index("\ndef f_grad(")].splitlines()
                         if not line.lstrip().startswith("#"))  # (the source comments name the reductions)
        assert "_check_nonempty(" in body
        assert not any(f"np.{name}(" in body for name in ("argmax", "nanmin", "argmin")), body
        module = load_source(DEAD_EXTREMES, "dead_extremes.py")
    else:
        from lifted.transpiler.pipeline import transpile_c

        out = transpile_c(DEAD_EXTREMES, "dead_extremes.py")
        assert "lifted_fail(st, 7, 6" in out.kernels  # (the argmin check in the loop kernel)
        assert "LIFTED_LOWEST(double)" not in out.kernels and "LIFTED_HIGHEST(double)" not in out.kernels  # (no extreme)
        host = [line for line in out.host.splitlines() if not line.lstrip().startswith("#")]
        assert not any("np.arg" in line or "np.nan" in line for line in host)
        module = c_module(DEAD_EXTREMES, tmp_path, "dead_extremes")[0]
    cases = [(np.ones(0), np.ones((0, 2)), 0), (np.ones(2), np.ones((2, 0)), 0), (np.ones(2), np.ones((2, 0)), 1),
             (np.ones(3), np.ones((3, 0)), 0), (np.ones(3), np.ones((3, 2)), 2), (np.ones(3), np.ones((3, 2)), 4)]
    for x, M, i in cases:
        try:
            expected = python(x, M, i)
        except (ValueError, IndexError) as error:
            with pytest.raises(type(error), match=re.escape(str(error))):
                module.f(x, M, i)
        else:
            same_values(module.f(x, M, i), expected, f"{target} f{x.shape, M.shape, i}")


LOOP_INVARIANT = HEADER + '''\
    s = 0.0
    for j in range(i):
        t = x[5]
        top = np.max(M)
        s = s + 1.0
    for row in M:
        second = row[1]
    return s
''' + FOOTER


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_a_loop_invariant_check_of_a_dead_read_runs_once_before_the_loop(target, tmp_path):
    """`for j in range(i): t = x[5]` nobody uses checked 5 against len(x) on every trip: the checks that open the
    body and read nothing the loop changes go before it (analysis/invariant_checks.py), under `if 0 < i:` so that a
    loop of no trip raises nothing, as in Python (`for row in M` with no rows too)."""
    python = _python(LOOP_INVARIANT)
    if target == "numpy":
        from lifted.transpiler import transpile_source

        text = transpile_source(LOOP_INVARIANT, "loop_invariant.py")
        lines = [line.strip() for line in text[text.index("\ndef f("):text.index("\ndef f_grad(")].splitlines()]
        at = lines.index("_check_index(5, x.shape[0], 0)")
        assert lines[at - 2] == "if 0 < i:" and lines.index("for j in range(i):") > at, lines
        assert lines[lines.index("_check_index(1, M.shape[1], 0)") - 2] == "if 0 < n:", lines  # (M: f64[n,d])
        module = load_source(LOOP_INVARIANT, "loop_invariant.py")
    else:
        from lifted.transpiler.pipeline import transpile_c

        kernels = transpile_c(LOOP_INVARIANT, "loop_invariant.py").kernels
        body = kernels[kernels.index("// loop_invariant.py:"):]
        assert body.index("const int64_t at = (int64_t)(5);") < body.index("k < trips"), body
        module = c_module(LOOP_INVARIANT, tmp_path, "loop_invariant")[0]
    cases = [(np.ones(3), np.ones((3, 2)), 0), (np.ones(3), np.ones((3, 2)), 2), (np.ones(6), np.ones((6, 2)), 2),
             (np.ones(0), np.ones((0, 1)), 0), (np.ones(0), np.ones((0, 1)), 1), (np.ones(6), np.ones((6, 0)), 1),
             (np.ones(2), np.ones((2, 1)), 0), (np.ones(6), np.ones((6, 1)), 3)]
    for x, M, i in cases:
        try:
            expected = python(x, M, i)
        except (ValueError, IndexError) as error:
            for name in ("f", "f_grad"):  # (the gradient's forward sweep checks as the function does)
                with pytest.raises(type(error), match=re.escape(str(error))):
                    getattr(module, name)(x, M, i)
        else:
            same_values(module.f(x, M, i), expected, f"{target} f{x.shape, M.shape, i}")
            module.f_grad(x, M, i)


NESTED_INVARIANT = HEADER + '''    s = 0.0
    for k in range(i):
        for j in range(k):
            t = x[5]
            s = s + x[j] * M[j, 0]
    return s
''' + FOOTER


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_a_loop_invariant_check_in_a_nested_loop(target, tmp_path):
    """The inner loop's check moves before it under a fresh `if 0 < k:` at each pruning of the outer loop's body,
    which is pruned until what it needs stops growing: the fresh test's name was added to that, so the build never
    stopped (tests/test_hostile_arguments.py's programs hung there)."""
    python = _python(NESTED_INVARIANT)
    module = (load_source(NESTED_INVARIANT, "nested_invariant.py") if target == "numpy"
              else c_module(NESTED_INVARIANT, tmp_path, "nested_invariant")[0])
    for n, i in [(3, 0), (3, 1), (3, 3), (6, 4)]:
        x, M = np.linspace(0.5, 2.0, n), np.ones((n, 2))
        try:
            expected = python(x, M, i)
        except IndexError:
            with pytest.raises(IndexError):
                module.f(x, M, i)
        else:
            same_values(module.f(x, M, i), expected, f"{target} f at n={n}, i={i}")
