"""Dist-mode compilation: located errors, liveness in emitted code, on-the-fly `@dist`, random programs."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dist_oracle import enumerate_distribution
from lifted.transpiler import TranspileError, transpile_source


def emit(source: str) -> str:
    return transpile_source("from lifted import dist\n\n" + textwrap.dedent(source), "prog.py")


@pytest.mark.parametrize("source, message, line", [
    ("@dist\ndef f():\n    n = d(6)\n    return d(n)\n", "use dd", 6),
    ("@dist\ndef f():\n    x = d(6)\n    while x > 2:\n        x = x - 1\n    return x\n", "`while`", 6),
    ("@dist\ndef f():\n    if d(2) == 1:\n        y = 1\n    return y\n", "only one branch", 7),
    ("@dist\ndef f():\n    return d(6) + q\n", "`q` is not defined", 5),
    ("@dist\ndef f():\n    x = d(6)\n", "must end with a `return`", 4),
    ("@dist\ndef f():\n    print(d(6))\n    return 1\n", "print() shows fixed values", 5),
    ("@dist\ndef f():\n    return lazy_sum(d(2) @ d(6))\n", "fixed count", 5),
    ("@dist\ndef f(n):\n    return d(2) + f(n - 1) if n > 0 else 0\n", "recursion needs a depth", 5),
    ("@dist(semiring=\"tropical\")\ndef f():\n    return d(6)\n", "unknown semiring", 3),
    ("@dist\ndef f():\n    return d[1:d(3)]\n", "dd(n) + 1", 5),
    ("@dist\ndef f():\n    xs = [d(2), d(3)]\n    return xs[d(2):]\n", "slice bounds must be fixed", 6),
])
def test_errors_are_located(source, message, line):
    with pytest.raises(TranspileError) as info:
        emit(source)
    assert message in info.value.format()
    assert info.value.loc is not None and info.value.loc.line == line
    assert info.value.format().startswith(f"prog.py:{line}:")


def _load_generated(tmp_path, source: str):
    import importlib.util

    path = tmp_path / "errors_generated.py"
    path.write_text(transpile_source("from lifted import dist\n\n" + textwrap.dedent(source), "pkg/errors.py"))
    spec = importlib.util.spec_from_file_location("errors_generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_time_errors_name_the_source_line(tmp_path):
    module = _load_generated(tmp_path, """
        @dist
        def f(n):
            assert n > 0
            xs = [d(2), d(3)]
            return xs[n]

        @dist
        def g():
            counts = lazy_bincount(2 @ d(6), 4)
            return counts
    """)
    assert module.f(0) == {}  # a fixed `assert` conditions too: no world is left
    with pytest.raises(ZeroDivisionError, match=r"^pkg/errors\.py:8: normalize=True, but no world is left"):
        module.f(0, normalize=True)
    with pytest.raises(IndexError, match=r"^pkg/errors\.py:8: .*out of bounds"):
        module.f(5)
    with pytest.raises(IndexError, match=r"^pkg/errors\.py:12: "):
        module.g()
    assert module.f(1) == {1: 1 / 3, 2: 1 / 3, 3: 1 / 3}


def test_fixed_values_never_touch_the_table():
    code = emit("""
        @dist
        def f(n):
            k = n * 2
            for i in range(k):
                k = k + i
            return d(6) + k
    """)
    assert "k = n * 2" in code
    assert "w['k']" not in code and "lift(k" not in code


def test_dead_columns_are_dropped_right_after_last_use():
    code = emit("""
        @dist
        def f():
            a = d(6)
            b = d(6)
            c = a + b
            return c > 6
    """)
    lines = [line.strip() for line in code.splitlines()]
    assert lines[lines.index("w['c'] = w['a'] + w['b']") + 1] == "w.drop('a', 'b')"


def test_on_the_fly_compilation(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    module = tmp_path / "mydice.py"
    module.write_text("from lifted import dist\n\n\n@dist(semiring='fraction')\ndef two():\n"
                      "    return d(2) + d(2)\n")
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("mydice", module)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["mydice"] = mod
    spec.loader.exec_module(mod)
    from fractions import Fraction

    assert mod.two() == {2: Fraction(1, 4), 3: Fraction(1, 2), 4: Fraction(1, 4)}
    assert mod.two(semiring="int") == {2: 1, 3: 2, 4: 1}
    assert list((tmp_path / "cache").glob("mydice_*.py"))  # one cached module for the file


# -- random small programs against enumeration --------------------------------------------------------------

def _expressions(names: list[str]):
    leaves = st.one_of(st.sampled_from(["d(2)", "d(3)", "1", "2", "dd(2)"]),
                       st.sampled_from(names) if names else st.just("0"))
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
        st.just("lazy_sum(2 @ d(2))"),
    ), max_leaves=3)


@st.composite
def programs(draw):
    names: list[str] = []
    lines = []
    draws = 0
    for index in range(draw(st.integers(1, 4))):
        target = f"v{index}"
        kind = draw(st.sampled_from(["assign", "assign", "if", "for", "assert"]))
        expr = draw(_expressions(names))
        if kind == "assign" or not names:
            lines.append(f"    {target} = {expr}")
            names.append(target)
        elif kind == "if":
            cond = draw(st.sampled_from(names))
            other = draw(_expressions(names))
            lines += [f"    if {cond} > 1:", f"        {cond} = {expr}", "    else:", f"        {cond} = {other}"]
        elif kind == "for":
            acc = draw(st.sampled_from(names))
            lines += ["    for i in range(2):", f"        {acc} = {acc} + {expr} - i"]
        else:
            lines.append(f"    assert {draw(st.sampled_from(names))} < 4")
        draws += expr.count("d(") + 2 * expr.count("@")
    result = ", ".join(names[-2:])
    body = "\n".join(lines)
    return f"@dist\ndef f():\n{body}\n    return {result}\n"


def _check_random_program(source):
    full = "from lifted import dist\n\n" + source
    namespace: dict = {"__name__": "random_prog"}
    exec(compile(transpile_source(full, "random.py"), "random_generated.py", "exec"), namespace)
    assert namespace["f"](semiring="fraction") == enumerate_distribution(full, "f")


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_match_enumeration(source):
    _check_random_program(source)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_match_enumeration_long(source):
    _check_random_program(source)
