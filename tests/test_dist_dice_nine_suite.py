"""What running dice-nine's own test suite through dist mode found (benchmarks/dice_nine/corpus.py, docs/corpora.md),
each against the brute-force oracle and dice-nine's expected probabilities; and the driver itself, on test files of
our own writing shaped like dice-nine's (no checkout needed)."""
from __future__ import annotations

import math
import textwrap
from fractions import Fraction

import pytest

from benchmarks.dice_nine.corpus import collect_tests, counts, run
from benchmarks.dice_nine.readme import README_ARGUMENTS, readme_programs
from lifted.transpiler import TranspileError, transpile_source
from tests.dist_oracle import enumerate_distribution


def build(source: str, tmp_path, name: str = "prog") -> dict:
    """Transpiled into a file (run-time errors then name the source line, as on the on-the-fly path)."""
    full = "from lifted import dist\n\n" + textwrap.dedent(source)
    generated = tmp_path / f"{name}_generated.py"
    generated.write_text(transpile_source(full, f"{name}.py"))
    namespace: dict = {"__name__": name}
    exec(compile(generated.read_text(), str(generated), "exec"), namespace)
    return namespace


def oracle(source: str, name: str = "f", args=()) -> dict:
    return enumerate_distribution("from lifted import dist\n\n" + textwrap.dedent(source), name, args)


# -- complex importance weights: the complex semiring, or refused (never cast to a real weight) ---------------

SQRT_NOT = """
    def sqrtnot(i):
        r = d(2) == 2
        if i == r:
            importance(1 + 1j)
        else:
            importance(1 - 1j)
        return r

    @dist
    def f():
        return sqrtnot(sqrtnot(sqrtnot(sqrtnot(True))))
"""


@pytest.mark.parametrize("semiring", ["float64", "fraction", "log", "int"])
def test_complex_importance_in_a_real_semiring_is_refused(tmp_path, semiring):
    """dice-nine's test_quantum1 in float64 gave {False: 0.5, True: 0.5}: the imaginary parts were dropped."""
    f = build(SQRT_NOT, tmp_path)["f"]
    with pytest.raises(TypeError, match=r"prog\.py:14: the \w+ semiring takes real weights, not complex ones"):
        f(semiring=semiring)


def test_complex_importance_in_the_complex_semiring(tmp_path):
    result = build(SQRT_NOT, tmp_path)["f"](semiring="complex")
    expected = oracle(SQRT_NOT)  # dice-nine: pmf[True] == approx(1) after four square roots of not
    assert abs(result[True] - 1) < 1e-12 and abs(expected[True] - 1) < 1e-12
    assert all(abs(result.get(k, 0) - complex(v)) < 1e-12 for k, v in expected.items())


# -- `m = n; m -= 1` with `n` a parameter: a number (Python makes a new value), or an array (changed in place) --

def test_update_of_a_parameters_other_name_leaves_the_parameter_alone(tmp_path):
    """It changed `n` too: {(2, 2): 1/2, (3, 3): 1/2}, where Python gives (2, 3) and (3, 3)."""
    source = """
        @dist
        def f(n):
            m = n
            for i in range(2):
                if d(2) == 1:
                    m -= 1
            t = n
            t += d(2)
            return m, t
    """
    with pytest.raises(TranspileError) as info:  # `n` is read after the update: an array would be changed too
        build(source, tmp_path)
    assert info.value.loc.line == 10 and "is read after `m -= ...` (line 9)" in info.value.format()
    assert "write `m = m - ...`" in info.value.hint
    unread = source.replace("m, t", "m").replace("            t = n\n            t += d(2)\n", "")
    result = build(unread, tmp_path, "unread")["f"]
    assert result(3, semiring="fraction") == oracle(unread, args=(3,)) == {
        1: Fraction(1, 4), 2: Fraction(1, 2), 3: Fraction(1, 4)}


def test_update_of_a_parameters_other_name_in_a_helper_and_a_loop(tmp_path):
    """dice-nine's test16 (test_various.py): `num_sixes = num_dice`, `num_sixes -= 1` in a loop that reads
    `num_dice` again: refused where the read is, with what to write instead."""
    source = """
        def g(n):
            m = n
            m += d(2)
            return m

        @dist
        def f(n):
            t = 0
            for i in range(2):
                t += n
                k = n
                k -= d(2)
            return g(n), t
    """
    with pytest.raises(TranspileError) as info:
        build(source, tmp_path)
    assert info.value.loc.line == 13 and info.value.hint


def test_total_from_a_parameter_as_dice_programs_start_one(tmp_path):
    source = """
        @dist
        def f(bonus):
            total = bonus
            for i in range(2):
                total += d(4)
            return total
    """
    assert build(source, tmp_path)["f"](3, semiring="fraction") == oracle(source, args=(3,))
    arrays = source.replace("total += d(4)", "total += [d(2), 1]")  # an array: changed in place, as NumPy does
    # (not the oracle: its runs share the argument, which `+=` changes in place)
    assert build(arrays, tmp_path, "arrays")["f"]([1, 2], semiring="fraction") == {
        (3, 4): Fraction(1, 4), (4, 4): Fraction(1, 2), (5, 4): Fraction(1, 4)}


# -- the refusals dice-nine's error tests meet: located, each with a hint -----------------------------------

@pytest.mark.parametrize("source, message, line", [
    ("def f(x, y):\n    return x + y\n\n@dist\ndef g():\n    return f(0)\n", "missing the argument `y`", 8),
    ("@dist\ndef g():\n    return x\n", "`x` is not defined here", 5),
    ("@dist\ndef g():\n    return\n", "`return` needs a value", 5),
    ("@dist\ndef f():\n    x = [d(4), d(6)]\n    x[0:1] = 0\n    return d(2)\n", "slices cannot be assigned", 6),
    ("@dist\ndef f(n):\n    k = d(n)\n    t = 0\n    for i in range(k):\n        t += 1\n    return t\n",
     "a bound of range() must be fixed", 7),
    ("@dist\ndef f():\n    return reshape(d(2), [d(2)])\n", "must be fixed", 5),
])
def test_dice_nine_error_tests_are_refused_with_a_hint(tmp_path, source, message, line):
    with pytest.raises(TranspileError) as info:
        build(source, tmp_path)
    assert message in info.value.message and info.value.loc.line == line and info.value.hint


# -- the driver, on test files shaped like dice-nine's ------------------------------------------------------

SUITE = '''
import pytest
from pytest import approx
import dice9 as d9


def test_two_dice():
    def g():
        return d(6)

    @d9.dist
    def f():
        return g() + d(6)

    pmf = f()
    assert pmf[7] == approx(1 / 6)


def test_exact_and_product():
    @d9.dist(semiring=d9.BigFraction(64))
    def f(n):
        return lazy_sum(n @ d(2))

    assert f(3)[4] == 3 / 8
    s = d9.SemiringProduct(d9.BigFraction(64), d9.Real64())

    @d9.dist(semiring=s)
    def h():
        return d(4) > 2

    assert h()[True] == (1 / 2, approx(0.5))


class TestErrors:
    def test_cond(self):
        @d9.dist
        def f():
            if d(6) == 1:
                return 1
            return 2

        with pytest.raises(d9.InterpreterError, match="conditional"):
            f()

    def test_lists_are_arrays(self):
        @d9.dist
        def f():
            return reduce_any([d(6), d(6)] == 1)

        assert f()[True] == approx(11 / 36)
'''


def test_the_driver_writes_lifted_programs_and_classifies_every_call(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_fns.py").write_text(SUITE)
    found = {t.name: t for t in collect_tests(tmp_path)}
    assert set(found) == {"test_two_dice", "test_exact_and_product", "TestErrors.test_cond",
                          "TestErrors.test_lists_are_arrays"}
    text = found["test_two_dice"].programs["f"]
    assert text.startswith("from lifted import dist") and "def g():" in text and "@dist\ndef f():" in text
    assert "@dist(semiring='fraction')\ndef f(n):" in found["test_exact_and_product"].programs["f"]
    records = run(tmp_path, use_dice_nine=False)  # the oracle is the exact reference
    by_program = {(r["test"], r["program"]): r for r in records}
    assert by_program["test_two_dice", "f"]["class"] == "pass"
    assert by_program["test_two_dice", "f"]["test_lifted"] == "passes"  # the test's own asserts, on Lifted
    assert by_program["test_exact_and_product", "f"]["class"] == "pass"
    assert by_program["test_exact_and_product", "h"]["class"] == "pass"
    assert by_program["TestErrors.test_cond", "f"]["class"] == "refused"  # located, with a hint
    # Python's `[d(6), d(6)] == 1` is False: reduce_any of a number is refused where dice-nine reads an array
    assert by_program["TestErrors.test_lists_are_arrays", "f"]["class"] == "refused"
    assert counts(records) == {"pass": 3, "refused": 2}
    assert math.isclose(11 / 36, 1 - (5 / 6) ** 2)


README = """
INTRO
-----
A very simple example is

```
@d9.dist
def f():
    return d(6)
```

A pool (the README names the defence count `d`, and still draws `d(6)`):

```
@d9.dist
def f(a, d):
  return lazy_sum(a @ d(6)) - lazy_sum(d @ d(6))
```

```
pip install dice-nine
```
"""


def test_the_driver_runs_the_readme_programs(tmp_path):
    """Each README block with a `@d9.dist` function, called with small whole numbers for its parameters."""
    (tmp_path / "README.md").write_text(README)
    found = readme_programs(tmp_path)
    assert [test.name for test, _ in found] == ["line7", "line15"]
    assert found[0][0].programs["f"] == "from lifted import dist\n\n\n@dist\ndef f():\n    return d(6)\n"
    records = run(tmp_path, only={"README.md"}, use_dice_nine=False)
    assert [(r["test"], r["program"], r["class"]) for r in records] == \
        [("line7", "f()", "pass")] + [("line15", f"f{args!r}", "refused") for args in README_ARGUMENTS[2]]
    assert "`d` is a local name here" in records[-1]["note"]


# -- a Python list with a number: Python's meaning, never dice-nine's item-by-item one ---------------------

@pytest.mark.parametrize("expression, python", [
    ("reduce_any([d(6), d(6)] == 1)", "is always False"),  # dice-nine's test_reduce_any1: {True: 11/36}
    ("[d(2), 1] != 1", "is always True"),
    ("d(6) >= [6, 5, 4, 3, 2, 1]", "fails (a TypeError)"),  # dice-nine's test_first
    ("reduce_sum([0.25, 0.5] * [d(2), d(2)])", "of two lists fails"),  # dice-nine's test_float3
    ("[d(2), 1] - 1", "of a Python list and a number fails"),
    ("[d(2), 1] + 1", "of a Python list and a number fails"),
    ("-[d(2), 1]", "of a Python list fails"),
    ("not [d(2), 1]", "tests whether it is empty"),
])
def test_a_list_with_a_number_is_refused_where_python_does_not_compute_items(tmp_path, expression, python):
    """These gave dice-nine's answers (lists as arrays), where Python gives False or raises a TypeError."""
    source = f"@dist\ndef f():\n    return {expression}\n"
    failures: list = []
    enumerate_distribution("from lifted import dist\n\n" + source, "f", failures=failures)
    with pytest.raises(TranspileError) as info:
        build(source, tmp_path)
    assert python in info.value.message and info.value.loc.line == 5 and "xs" in info.value.hint
    assert failures or python.startswith(("is always", "tests"))  # Python raises, or answers a constant


@pytest.mark.parametrize("expression", [
    "[d(2), 1] + zeros(2) == 1", "reduce_sum([d(2), 1] * ones(2))", "[d(2), 2] - one_hot(d(2) - 1, 2)",
    "[d(2), d(2)] == [1, 2]", "[d(2)] * 2 + [3]", "sum([x == 1 for x in [d(2), d(2)]])",
])
def test_a_list_with_an_array_or_a_list_keeps_pythons_meaning(tmp_path, expression):
    source = f"@dist\ndef f():\n    return {expression}\n"
    assert build(source, tmp_path)["f"](semiring="fraction") == oracle(source)


# -- d[a:b:w] with random bounds: each world draws its own outcomes (dice-nine's test_multiroll2) -----------

@pytest.mark.parametrize("source", [
    "@dist\ndef f():\n    x = d(6)\n    return d[1:x:1]\n",  # dice-nine: P(i) = sum(1 / (6 n) for n in i..6)
    "@dist\ndef f():\n    x = d(3)\n    return d[x:x + 2:x, 0:0:1, 7], x\n",
    "@dist\ndef f():\n    x = d(3) - 1\n    return d[0:x:2, x:3]\n",  # ranges that overlap in some worlds
    "@dist\ndef f():\n    x = d(4)\n    return d[x]\n",
])
def test_weighted_draws_with_random_bounds(tmp_path, source):
    f = build(source, tmp_path)["f"]
    expected = oracle(source)
    assert f(semiring="fraction") == expected
    floating = f()
    assert floating.keys() == expected.keys()
    assert all(math.isclose(floating[k], float(v), rel_tol=1e-12) for k, v in expected.items())
    if "1:x:1" in source:
        assert all(math.isclose(floating[i], sum(1 / (6 * n) for n in range(i, 7))) for i in range(1, 7))


def test_weighted_draw_with_a_random_bound_and_no_outcome_in_some_world(tmp_path):
    f = build("@dist\ndef f():\n    x = d(3)\n    return d[x:2]\n", tmp_path)["f"]
    with pytest.raises(ValueError, match=r"prog\.py:6: d\[\.\.\.\] has no positive weight \(in some world\)"):
        f()
