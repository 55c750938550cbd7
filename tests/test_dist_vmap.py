"""`vmap` of a @dist function: one distribution per example from one run over a table of all their worlds.

Checked against a Python loop over the unbatched generated function and against brute-force enumeration
(tests/dist_oracle.py), exactly (semiring="fraction") where the weights are whole and to float precision where
they are real; what cannot run batched (a batched value that would change a draw's outcomes) is a located error.
"""
from __future__ import annotations

import textwrap
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifted.transpiler import TranspileError, transpile_source
from tests.dist_oracle import enumerate_distribution
from tests.test_dist_compile import programs, python_failures, refused

HEADER = "import numpy as np\nfrom lifted import dist, vmap\n\n\n"


def build(source: str) -> dict:
    namespace: dict = {"__name__": "dist_vmap_prog"}
    exec(compile(transpile_source(HEADER + textwrap.dedent(source), "prog.py"), "prog_generated.py", "exec"),
         namespace)
    return namespace


def examples(args: list, in_axes) -> list[list]:
    """The arguments of each example, as a loop over the batch reads them."""
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    size = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    return [[a if ax is None else np.take(np.asarray(a), b, axis=ax) for a, ax in zip(args, axes)]
            for b in range(size)]


def _plain(value):
    value = np.asarray(value)
    return value.item() if value.ndim == 0 else value.tolist()


# (program, in_axes, arguments): whole weights, so every answer is exact
EXACT = {
    "weight_from_parameter": ("""
        @dist(semiring="fraction")
        def f(k):
            return d[0:0:k, 1:1:10 - k] + d(2)
        """, 0, [np.arange(11)]),
    "binomial_of_parameter": ("""
        @dist(semiring="fraction")
        def f(k, n):
            return binomial(n, k, 6)
        """, (0, None), [np.array([0, 1, 3, 6]), 3]),
    "branch_on_parameter": ("""
        @dist(semiring="fraction")
        def f(t, bonus):
            x = d(6) + bonus
            if x > t:
                x = x + d(4)
            else:
                x = 0
            return x
        """, (0, 0), [np.array([2, 5, 7, 5]), np.array([0, 1, 2, 1])]),
    "loop_and_fold": ("""
        @dist(semiring="fraction")
        def f(p, n):
            hp = 6
            for i in range(n):
                if d[0:0:4 - p, 1:1:p] == 1:
                    hp = max(0, hp - lazy_sum(2 @ d(3)))
            return hp == 0, hp
        """, (0, None), [np.array([0, 1, 2, 4]), 2]),
    "conditioning_normalized": ("""
        @dist(semiring="fraction", normalize=True)
        def f(limit):
            a = d(6)
            b = d(6)
            assert a + b >= limit
            return a
        """, 0, [np.array([2, 7, 10, 12])]),
    "array_parameter_on_axis_1": ("""
        @dist(semiring="fraction")
        def f(weights):
            i = d[0:0:weights[0], 1:1:weights[1], 2:2:weights[2]]
            return i + reduce_sum(weights)
        """, 1, [np.array([[1, 0, 2], [1, 1, 0], [1, 3, 1]])]),
    "dd_of_parameter": ("""
        @dist(semiring="fraction")
        def f(n):
            return dd(n) + 1 > 2
        """, 0, [np.array([1, 2, 3, 6])]),
    "importance_and_helper": ("""
        def hit(p):
            return d[0:0:3 - p, 1:1:p]

        @dist(semiring="fraction")
        def f(p):
            h = hit(p) + hit(p)
            importance(h + 1)
            return h
        """, 0, [np.array([0, 1, 2, 3])]),
}


@pytest.mark.parametrize("case", sorted(EXACT))
def test_batched_matches_a_loop_and_enumeration(case):
    source, in_axes, args = EXACT[case]
    m = build(textwrap.dedent(source) + f"\nbatched = vmap(f, in_axes={in_axes!r})\n")
    got = m["batched"](*args)
    per_example = examples(args, in_axes)
    assert got == [m["f"](*example) for example in per_example]
    normalize = "normalize=True" in source
    full = "from lifted import dist\n\n" + textwrap.dedent(source)
    assert got == [enumerate_distribution(full, "f", [_plain(a) for a in example], normalize)
                   for example in per_example]


P_WIN = """
    @dist
    def p_win_for(p):
        won = False
        for i in range(3):
            if d[0:0:1 - p, 1:1:p] == 1:
                won = True
        return won

    p_win = vmap(p_win_for)
    """


def test_real_weights_match_the_loop_and_enumeration():
    m = build(P_WIN)
    ps = np.linspace(0, 1, 101)
    got = m["p_win"](ps)
    assert len(got) == 101
    for p, dist in zip(ps, got):
        expected = m["p_win_for"](p)
        assert dist.keys() == expected.keys()
        assert all(abs(dist[k] - expected[k]) < 1e-12 for k in expected)
    full = "from lifted import dist, vmap\n\n" + textwrap.dedent(P_WIN)
    for p in (Fraction(1, 4), Fraction(2, 3)):
        exact = enumerate_distribution(full, "p_win_for", [p])
        dist = got[round(float(p) * 100)] if p == Fraction(1, 4) else m["p_win"](np.array([2 / 3]))[0]
        assert all(abs(dist.get(k, 0) - float(v)) < 1e-12 for k, v in exact.items())


@pytest.mark.parametrize("semiring", ["log", "complex", "dual"])
def test_other_semirings_match_the_loop(semiring):
    m = build(P_WIN)
    ps = np.array([0.0, 0.3, 0.9])
    got = m["p_win"](ps, semiring=semiring)
    for p, dist in zip(ps, got):
        expected = m["p_win_for"](p, semiring=semiring)
        assert dist.keys() == expected.keys()
        for k in expected:
            a, b = (dist[k].value, expected[k].value) if semiring == "dual" else (dist[k], expected[k])
            assert abs(a - b) < 1e-12 or (semiring == "log" and a == b)


def test_int_semiring_and_semiring_products():
    from lifted.dice import SemiringProduct

    source, in_axes, args = EXACT["weight_from_parameter"]
    m = build(textwrap.dedent(source) + "\nbatched = vmap(f)\n")
    assert m["batched"](*args, semiring="int") == [m["f"](k, semiring="int") for k in args[0]]
    both = m["batched"](*args, semiring=SemiringProduct("fraction", "float64"))
    assert [{k: v[0] for k, v in d.items()} for d in both] == [m["f"](k) for k in args[0]]


def test_examples_with_equal_values_are_not_merged():
    m = build(textwrap.dedent(EXACT["weight_from_parameter"][0]) + "\nbatched = vmap(f)\n")
    twice = m["batched"](np.array([3, 3]))
    assert twice[0] == twice[1] == m["f"](3) and sum(twice[0].values()) == 1


def test_normalize_follows_each_example():
    source = EXACT["conditioning_normalized"][0]
    m = build(textwrap.dedent(source) + "\nbatched = vmap(f)\n")
    with pytest.raises(ZeroDivisionError):
        m["f"](13)
    with pytest.raises(ZeroDivisionError):  # as the loop: an example with no world left
        m["batched"](np.array([2, 13]))
    assert m["batched"](np.array([2, 13]), normalize=False)[1] == {}


def test_on_the_fly(tmp_path, monkeypatch):
    (tmp_path / "onthefly_dist_vmap.py").write_text(HEADER + textwrap.dedent(P_WIN) + textwrap.dedent("""
        shared = vmap(p_win_for, in_axes=0)
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    import onthefly_dist_vmap as module

    ps = np.array([0.2, 0.7])
    got = module.p_win(ps)
    assert got == module.shared(ps)
    assert all(abs(got[i][True] - module.p_win_for(p)[True]) < 1e-12 for i, p in enumerate(ps))
    from lifted import grad, vmap

    assert vmap(module.p_win_for)(ps) == got
    with pytest.raises(TypeError, match="needs a @kernel function"):
        grad(module.p_win_for)(0.5)
    with pytest.raises(TypeError, match="takes vmap only"):
        vmap(vmap(module.p_win_for))(ps)


@pytest.mark.parametrize("body, decl, message, line", [
    ("def f(n):\n    return d(n)", "vmap(f)", "under vmap, `n` differs between examples", 6),
    ("def f(n):\n    return lazy_sum(n @ d(6))", "vmap(f)", "fixed count", 6),
    ("def f(n):\n    t = 0\n    for i in range(n):\n        t += d(2)\n    return t", "vmap(f)", "`n`", 7),
    ("def f(n):\n    return __max__(n + d(2)) + d(2)", "vmap(f)", "__max__() reduces over every world", 6),
    ("def f(n, m):\n    return d(6)", "vmap(f, in_axes=(0,))", "in_axes has 1 entries", 9),
    ("def f(n, m):\n    return d(6)", "vmap(f, in_axes=(None, None))", "at least one batched argument", 9),
    ("def f(n, m):\n    return d(6)", "vmap(f, in_axes=((0,), 0))", "an axis or None per parameter", 9),
    ("def f(n):\n    return d(6)", "vmap(f, out_axes=1)", "out_axes does not apply", 9),
    ("def f(n):\n    return d(6)", "grad(f)", "takes vmap only", 9),
    ("def f(n):\n    return d(6)", "vmap(vmap(f))", "takes vmap only", 9),
], ids=["d_of_batched", "count_of_batched", "range_of_batched", "over_worlds", "in_axes_count",
        "all_none", "nested_in_axes", "out_axes", "grad", "vmap_twice"])
def test_what_cannot_run_batched_is_a_located_error(body, decl, message, line):
    source = f"from lifted import dist, grad, vmap\n\n\n@dist\n{body}\n\n\nbatched = {decl}\n"
    with pytest.raises(TranspileError) as info:
        transpile_source(source, "refused.py")
    assert message in str(info.value)
    assert info.value.loc is not None and info.value.loc.line == line, info.value.format()


def test_a_batched_bound_of_a_weighted_draw_draws_each_examples_outcomes():
    """`d[0:n:1]` with `n` batched: each example's worlds draw 0..n (random bounds, as dice-nine's `d[1:x]`)."""
    m = build("@dist(semiring=\"fraction\")\ndef f(n):\n    return d[0:n:1] + d[n:n + 1]\n\n\nbatched = vmap(f)\n")
    assert m["batched"](np.array([0, 2, 1])) == [m["f"](0), m["f"](2), m["f"](1)]


def test_batch_sizes_and_axes_are_checked_when_called():
    m = build("@dist\ndef f(a, b):\n    return d[0:0:a, 1:1:b]\n\n\nbatched = vmap(f, in_axes=(0, 1))\n")
    with pytest.raises(ValueError, match=r"different batch sizes \(a: 2, b: 3\)"):
        m["batched"](np.ones(2), np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"in_axes=1 for `b`, but its value has 1 axis"):
        m["batched"](np.ones(2), np.ones(2))


def test_random_weights_without_vmap_match_enumeration():
    source = """
        @dist(semiring="fraction")
        def f():
            x = d(3)
            return d[0:0:x - 1, 1:1:2, 5:6:x] + x
        """
    full = "from lifted import dist\n\n" + textwrap.dedent(source)
    assert build(source)["f"]() == enumerate_distribution(full, "f")


def _check_batched_program(source: str, values: list[int]) -> None:
    plain = "from lifted import dist, vmap\n\n" + source
    full = plain + "\nbatched = vmap(f)\n"
    try:
        code = transpile_source(full, "random.py")
    except TranspileError as exc:  # a located refusal, never a wrong answer: batched, `p` is random, and the
        assert exc.loc is not None  # compiler follows random values more cautiously (a list holding a value
        return                      # picked per world by an `if` on `p` is not written through)
    namespace: dict = {"__name__": "random_vmap_prog"}
    exec(compile(code, "random_generated.py", "exec"), namespace)
    failing = [python_failures(full, [v]) for v in values]
    raised = tuple({error for errors in failing for error in errors})
    if raised:  # Python raises for some example (a division by zero): so do the batched and the plain program
        with pytest.raises(raised + (TypeError, ZeroDivisionError)) as info:
            namespace["batched"](np.array(values), semiring="fraction")
        assert isinstance(info.value, raised) or refused(info.value)
        for v, errors in zip(values, failing):
            if errors:
                with pytest.raises(errors + (TypeError, ZeroDivisionError)) as info:
                    namespace["f"](v, semiring="fraction")
                assert isinstance(info.value, errors) or refused(info.value)
        return
    try:
        got = namespace["batched"](np.array(values), semiring="fraction")
    except (TypeError, ZeroDivisionError) as error:
        if not refused(error):
            raise
        return
    assert got == [namespace["f"](v, semiring="fraction") for v in values]
    with np.errstate(all="ignore"):
        assert got == [enumerate_distribution(full, "f", [v]) for v in values]


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(programs(parameter=True), st.lists(st.integers(0, 3), min_size=1, max_size=3))
def test_random_programs_batched_over_a_parameter(source, values):
    _check_batched_program(source, values)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(parameter=True), st.lists(st.integers(0, 3), min_size=1, max_size=4))
def test_random_programs_batched_over_a_parameter_long(source, values):
    _check_batched_program(source, values)
