"""Random scalar kernels in Python's own idioms (tests/python_scalar_programs.py), judged against Python itself
(tests/python_scalar_judge.py) on the NumPy backend and the C CPU target, with grad and jvp where `f` returns a
float: the same value bit for bit and type, the same exception class where Python raises; a located refusal is
counted, never a failure.

Default: a few seeds. Long run: `LIFTED_SCALAR_PROGRAMS=2000 pytest -m slow tests/test_python_scalars.py -s`
(seeds from $LIFTED_PROPERTY_FIRST_SEED on), or `python tests/scan_python_scalars.py FIRST COUNT` for the counts
and each failing program.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from python_scalar_judge import judge_program
from python_scalar_programs import scalar_program

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _failures(seed: int, c: bool) -> list[str]:
    source, argument_lists = scalar_program(seed)
    results = judge_program(source, argument_lists, c=c)
    return [f"seed {seed}: {o}\n{source}" for outcomes in results.values() for o in outcomes if o.startswith("FAIL")]


@pytest.mark.parametrize("seed", range(12))
def test_scalar_program_agrees_with_python(seed):
    assert _failures(seed, c=seed % 3 == 0) == []


@pytest.mark.slow
def test_many_scalar_programs_agree_with_python():
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    count = int(os.environ.get("LIFTED_SCALAR_PROGRAMS", "300"))
    failures = [f for seed in range(first, first + count)
                for f in _failures(seed, c=True)]
    assert failures == [], "\n".join(failures[:5])


# -- regressions the generator found (each failed on main before its fix) ----------------------------------------
HEAD = "import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n"


def _agrees(body: str, *argument_lists) -> dict:
    results = judge_program(HEAD + body, [list(a) for a in argument_lists], c=True)
    failures = [o for outcomes in results.values() for o in outcomes if o.startswith("FAIL")]
    assert failures == [], failures
    return results


def test_builtin_abs_of_a_python_number_is_a_python_number():
    """`abs(k)` of a Python int is a Python int (it was np.abs: an int64 that wraps past 2**63 where Python's int
    grows), `abs(True)` the int 1 (it was np.True_, so `abs(True) + True` was True), `abs(a)` of a Python float a
    float; of NumPy scalars NumPy's (seeds 68 and 122)."""
    results = _agrees('def f(a: "f64[]", k: "i64[]"):\n'
                      '    return abs(-k), abs(k) * 2 ** 62 * 4, abs(True) + True, abs(-a), np.abs(a)\n',
                      [-1.5, 3], [np.float64(-0.0), np.int64(-7)])
    assert results["numpy"] == ["checked", "checked"] and results["c"] == ["checked", "checked"]


def test_a_division_nobody_reads_still_raises_as_python_does():
    """`c = a / b` then `return a`: Python raises ZeroDivisionError at b = 0.0 (a Python float); the dead division
    was dropped, so Lifted returned `a`. On NumPy scalars Python computes inf and returns `a`."""
    results = _agrees('def f(a: "f64[]", b: "f64[]", k: "i64[]"):\n'
                      '    c = a / b\n    d = k % k\n    return a\n',
                      [1.5, 0.0, 1], [1.5, 2.0, 0], [np.float64(1.5), np.float64(0.0), np.int64(3)], [1.5, 2.0, 3])
    assert results["numpy"] == ["checked"] * 4 and results["c"] == ["checked"] * 4


def test_an_operation_nobody_reads_in_a_loop_body_still_raises_as_python_does():
    """`c = a / b`, `k // k`, `a ** b`, `k >> k` in a loop body, none read: dropped with the dead code of the body,
    so Lifted returned where Python raises ZeroDivisionError, OverflowError or ValueError (seeds 58, 70, 216; a
    shift by a negative count was dropped outside loops too). A loop slot or a branch's merge of Python numbers
    counts as one (`s` below)."""
    results = _agrees('def f(a: "f64[]", b: "f64[]", k: "i64[]"):\n'
                      '    s = a\n    for i in range(2):\n        c = s / b\n        d = k // k\n        e = a ** b\n'
                      '        s = s + 1.0\n    for i in range(2):\n        c = k >> k\n    c = k << k\n    return s\n',
                      [1.0, 0.0, 1], [1.0, 1.0, 0], [1e300, 2.0, 1], [1.5, 2.0, -1], [1.5, 2.0, 2],
                      [np.float64(1.0), np.float64(0.0), np.int64(0)], [np.float64(1.5), np.float64(2.0), np.int64(-1)])
    assert results["numpy"] == ["checked"] * 7 and results["c"] == ["checked"] * 7


def test_a_division_nobody_reads_goes_where_the_next_statement_divides_by_the_same_divisor():
    """`c = loss / b` nobody reads, then `1.0 / b`: the next statement raises ZeroDivisionError wherever the first
    would, so the first goes (with the loop computing `loss`): a gradient's primal `loss / n` before its seed
    `dloss = 1.0 / n` (golden cf_for_rows, whose forward sweep would otherwise sum the loss again)."""
    results = _agrees('def f(a: "f64[]", b: "f64[]"):\n    loss = 0.0\n    for i in range(3):\n'
                      '        loss = loss + np.log(a + i)\n    c = loss / b\n    return 1.0 / b\n',
                      [1.5, 0.0], [1.5, 2.0], [np.float64(1.5), np.float64(0.0)], [1.5, np.float64(0.0)])
    assert results["numpy"] == ["checked"] * 4 and results["c"] == ["checked"] * 4
    from lifted.transpiler import transpile_source
    module = transpile_source(HEAD + 'def f(a: "f64[]", b: "f64[]"):\n    loss = 0.0\n    for i in range(3):\n'
                              '        loss = loss + np.log(a + i)\n    c = loss / b\n    return 1.0 / b\n', "case.py")
    assert "np.log" not in module.split("def f(")[1]


def test_a_loop_over_an_empty_literal_range_keeps_nothing_for_its_divisions():
    """`for v1 in range(0): v3 = a + b / v1`: nothing in the body runs, so its division raises nowhere and the loop
    goes with the rest of the dead code (it was kept for the division, seed 52 of the generator with shifts)."""
    from lifted.transpiler import transpile_source

    module = transpile_source(HEAD + 'def f(a: "f64[]", b: "f64[]"):\n    for v1 in range(0):\n'
                              '        v3 = a + b / v1\n    for v1 in range(5, 0, -2):\n        v3 = a + b / v1\n'
                              '    return a\n', "case.py")
    loops = [line.strip() for line in module.split("def f(")[1].splitlines() if line.strip().startswith("for ")]
    assert len(loops) == 1 and "range(5, 0, -2)" in loops[0]


def test_an_ordering_of_a_complex_power_nobody_reads_still_raises_as_python_does():
    """`if a > b ** (1 / 3): v2 = ...` with v2 dead: Python's `b ** (1 / 3)` of a negative Python float is complex and
    `>` raises TypeError; the comparison was dropped with the branch, so Lifted returned (seed 771). In a loop body
    and through Python's arithmetic on the power too; np.float64 gives nan, and the comparison is False."""
    results = _agrees('def f(a: "f64[]", b: "f64[]"):\n    if a > b ** (1 / 3):\n        c = 1\n'
                      '    s = a\n    for i in range(2):\n        t = (b - 1.0) ** 0.5 + 1.0 <= a\n        s = s + 1.0\n'
                      '    return s\n', [0.7, -0.4], [0.7, np.float64(-0.4)], [0.7, 1.4], [0.7, 0.4])
    assert results["numpy"] == ["checked"] * 4 and results["c"] == ["checked"] * 4


def test_operands_python_never_evaluates_do_not_raise():
    """A loop that runs no iteration (`divmod(a, False)` in it): its `a % False` was hoisted out of the loop and
    raised ZeroDivisionError where Python never evaluates it (seed 1744); a chained comparison decided at build
    time by its first link (`-1 // a` never runs in Python: seed 2008; the chain's operands were all evaluated
    first, so keeping dead divisions raised here until each operand was evaluated only after the links before it)."""
    results = _agrees('def f(a: "f64[]", b: "f64[]", k: "i64[]"):\n'
                      '    if (True + 1e308) == 0.5 >= (-1 // a):\n        b = a\n'
                      '    for v3 in range(0):\n        if (v3 - True) != divmod(a, False)[1]:\n            return a\n'
                      '    return b - 0.0\n', [0, 0.0, 1], [0.0, 1.5, np.int64(2)])
    assert results["numpy"] == ["checked", "checked"] and results["c"] == ["checked", "checked"]


def test_and_or_evaluate_a_division_only_where_python_does():
    """`k != 0 and 1 / k > t`, the usual guard: the division was evaluated eagerly (only indexes and calls went
    under an `if`), so Lifted raised ZeroDivisionError where Python returns; `or` likewise."""
    results = _agrees('def f(a: "f64[]", k: "i64[]"):\n'
                      '    if k != 0 and 1 / k > 0.25:\n        return a * 2.0\n'
                      '    t = k == 0 or a % k > 0.5 or 2.0 ** k > a\n'
                      '    return a * t\n', [1.5, 0], [1.5, 2], [np.float64(0.75), np.int64(8)], [0.0, -3])
    assert results["numpy"] == ["checked"] * 4 and results["c"] == ["checked"] * 4


def test_and_or_give_the_deciding_operand_of_its_own_kind():
    """`(x[0] > 5) or (a > 0)`: Python's result is the deciding operand, the builtin bool of `a > 0` (a Python
    float's comparison) where `x[0] > 5` is false, so `c + c` is the int 2; Lifted joined them with `|`, a NumPy
    bool on every path (`c + c` was np.True_). Likewise `x[0] < a < 3`, whose second link decides where the first
    holds; in a loop `s + c` was np.int64 where Python has an int. A test (`if`, `while`) reads only the truth."""
    X = np.array([1.0, 2.0])
    results = _agrees('def f(a: "f64[]", x: "f64[n]"):\n'
                      '    c = (x[0] > 5) or (a > 0)\n    d = x[0] < a < 3\n    s = 0\n    for i in range(2):\n'
                      '        s = s + ((x[1] > 5) or (a > i))\n    e = 0\n    if x[0] < a < 3 or a > 2:\n        e = 1\n'
                      '    return c + c, d + d, s, e\n',
                      [1.5, X], [1.5, np.array([7.0, 2.0])], [-1.5, X], [np.float64(1.5), X])
    assert results["numpy"] == ["checked"] * 4 and results["c"][3] == "checked"


def test_a_chained_comparison_evaluates_an_operand_only_where_the_links_before_hold():
    """`0 < k < 1 / k`: the division ran before the first link was known (all operands were evaluated first)."""
    results = _agrees('def f(a: "f64[]", k: "i64[]"):\n'
                      '    if 0 < k <= 4 / k < a % k:\n        return a * 2.0\n'
                      '    return a - 1.0\n', [1.5, 0], [3.5, 2], [np.float64(0.75), np.int64(1)], [9.0, 1])
    assert results["numpy"] == ["checked"] * 4 and results["c"] == ["checked"] * 4


def test_constants_that_raise_are_a_located_refusal():
    """`1.0 / 0.0` in a kernel: the build folded it and crashed with Python's ZeroDivisionError (seed 10)."""
    from lifted.transpiler import TranspileError, transpile_source

    with pytest.raises(TranspileError, match="raises ZeroDivisionError") as info:
        transpile_source(HEAD + 'def f(a: "f64[]"):\n    c = (3 / 0.0)\n    return a\n', "case.py")
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint


@pytest.mark.parametrize("expression, message", [
    ("3 ** 40 ** 3 > a", "more than 4300 digits"), ("(10 ** 5000 // 10 ** 4990) * a", "more than 4300 digits"),
    ("float(10 ** 400) + a", "raises OverflowError")])
def test_constants_past_what_the_module_can_hold_are_a_located_refusal(expression, message):
    """`3 ** 40 ** 3` folded to an int of 30,536 digits crashed the build (ValueError: Python's limit on int-to-string
    conversion, in the reuse of equations and in rendering the literal, which a module could not compile either);
    `float(10 ** 400)` crashed it with Python's OverflowError. Both are located refusals; `3 ** 9000` (4295 digits)
    still folds (test below)."""
    from lifted.transpiler import TranspileError, transpile_source

    with pytest.raises(TranspileError, match=message) as info:
        transpile_source(HEAD + f'def f(a: "f64[]"):\n    return {expression}\n', "case.py")
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint


def test_a_big_constant_the_module_can_hold_folds():
    results = _agrees('def f(a: "f64[]", k: "i64[]"):\n'
                      '    return 3 ** 9000 > a, (3 ** 40 ** 2) % 7 + k, 2 ** 14000 // 2 ** 13990\n', [1.5, 2])
    assert results["numpy"] == ["checked"] and results["c"] == ["checked"]


def test_a_python_int_for_a_float_parameter_read_by_a_c_loop_keeps_its_int_ness_or_is_refused():
    """`-a` after a `while` whose loop kernel reads `a`, a Python int given for `"f64[]"`: Python's `-a` is an int;
    the C target computed it in the kernel, which holds `a` as a double and flags only "a Python number", so it came
    back the float 1.0 (seed 526). Now the C module refuses a Python int there at entry (documented), and takes a
    Python float or a NumPy scalar as before; the NumPy backend computes as Python does."""
    results = _agrees('def f(a: "f64[]", b: "f64[]"):\n    v4 = -2\n    while v4 < 3:\n        v4 += 1\n'
                      '        v5 = 2 * a\n        b = b + v5\n    return -a, b\n',
                      [-1, 1.5], [2, np.float64(1.5)], [1.5, 1.5], [np.float64(-1.0), 1.5])
    assert results["numpy"] == ["checked"] * 4
    assert results["c"][:2] == ["refused: a Python number at entry"] * 2 and results["c"][2:] == ["checked"] * 2


def test_a_numpy_function_of_a_python_bool_is_refused_as_of_a_mask():
    """`np.sqrt(True)` is np.float16 in NumPy, as `np.sqrt(mask)` is (refused: Lifted has no float16); a Python
    bool slipped past the refusal, so the C target's loop kernel computed `k - 2 * np.sqrt(True)` in float64 where
    Python has float16 (seed 588). Python's operators on Python bools stay Python's (`True ** 2` is 1)."""
    from lifted.transpiler import TranspileError, transpile_source

    with pytest.raises(TranspileError, match="float16") as info:
        transpile_source(HEAD + 'def f(a: "f64[]", k: "i64[]"):\n    s = a\n    for v1 in range(3):\n'
                         '        s = s + v1\n    return s, k - (2 * np.sqrt(True))\n', "case.py")
    assert info.value.loc is not None and info.value.loc.line == 10 and info.value.hint
    results = _agrees('def f(a: "f64[]", k: "i64[]"):\n    return True ** 2 + k, True / True * a\n', [1.5, 2])
    assert results["numpy"] == ["checked"] and results["c"] == ["checked"]


def test_a_python_int_to_a_negative_power_is_a_python_float():
    """`len(x) ** -1` is Python's float 0.25; it was typed int64, so the C target's loop kernel read it as 0 (and
    returned 0.0)."""
    X = np.array([0.5, -1.25, 2.0, 1.0])
    results = _agrees('def f(a: "f64[]", x: "f64[n]"):\n    m = len(x) ** -1\n    s = 0.0\n'
                      '    for i in range(3):\n        s = s + m * x[i]\n    return s + len(x) ** -2 * a\n',
                      [1.0, X], [np.float64(-0.0), X])
    assert results["c"] == ["checked", "checked"]


def test_an_integer_parameter_to_a_negative_power_is_refused():
    """`k ** -1` of an `"i64[]"` `k`: a Python int gives a float, np.int64 raises ValueError; it was typed int64, so
    the C target truncated `np.abs(2 + k ** -1)` (2.5) to 2 in a loop kernel (seed 129). Now a located refusal."""
    from lifted.transpiler import TranspileError, transpile_source

    with pytest.raises(TranspileError, match="negative integer power") as info:
        transpile_source(HEAD + 'def f(a: "f64[]", k: "i64[]"):\n    return np.abs(2 + k ** -1) + a\n', "case.py")
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint


def test_a_check_reading_a_folded_value_builds_for_the_cpu_target():
    """The C target's host module crashed the build (IndexError in the NumPy renderer's folding, which took the
    first result of the equation reading a folded value; a run-time check has none) where a loop of dead work
    followed a branch (seed 574)."""
    results = _agrees('def f(a: "f64[]", k: "i64[]", x: "f64[n]"):\n'
                      '    if abs(-0.0) <= a + k:\n        v2 = float(x[0])\n    for v3 in range(4):\n'
                      '        v4 = float(x[1]) * ((-k) * (x[k % 3] - a))\n    return k - (k > a)\n',
                      [2.25, 2, np.array([0.5, -1.25, 2.0])], [-1.0, np.int64(7), np.array([0.5, -1.25, 2.0])])
    assert results["c"] == ["checked", "checked"]
