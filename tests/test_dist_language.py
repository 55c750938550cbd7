"""The dice-nine language in dist mode (issue #14) and Python's meaning of lists and `and`/`or` (issue #10).

Each construct three ways: against the brute-force oracle (exact, semiring="fraction", and float64), as
dice-nine's own tests check it (known probabilities), and where it is refused, the located error.
"""
from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

from lifted.transpiler import TranspileError, transpile_source
from tests.dist_oracle import enumerate_distribution


def compiled(source: str) -> dict:
    code = transpile_source("from lifted import dist\n\n" + textwrap.dedent(source), "prog.py")
    namespace: dict = {"__name__": "dist_language_prog"}
    exec(compile(code, "prog_generated.py", "exec"), namespace)
    return namespace


def check(source: str, name: str = "f", args=()) -> dict:
    """The compiled program against enumeration: exactly in `fraction`, to 1e-12 in float64."""
    functions = compiled(source)
    expected = enumerate_distribution("from lifted import dist\n\n" + textwrap.dedent(source), name, args)
    exact = functions[name](*args, semiring="fraction")
    assert exact == expected
    floating = functions[name](*args)
    assert floating.keys() == expected.keys()
    assert all(math.isclose(floating[k], float(expected[k]), rel_tol=1e-12) for k in expected)
    return exact


def refused(source: str) -> TranspileError:
    with pytest.raises(TranspileError) as info:
        compiled(source)
    assert info.value.loc is not None and info.value.format().startswith("prog.py:")
    return info.value


GENERATORS = {
    "for_over_generator": """
        def g(n):
            for i in range(n):
                yield d(4)

        @dist
        def f():
            x = 0
            for y in g(3):
                x += y
            return x
    """,
    "generator_of_generator_and_yield_from": """
        def h():
            yield d(2)
            yield d(3)

        def g():
            for i in h():
                yield i * 2
            yield from (2 @ d(2))
            yield from h()

        @dist
        def f():
            return sum(*g())
    """,
    "sum_star_genexp_and_list": """
        def g(n):
            for i in range(n):
                yield d(3)

        @dist
        def f():
            return sum(*(x - 1 for x in g(2))), list(g(2)), [x * 10 for x in g(1)]
    """,
    "lazy_folds_over_generators": """
        def g(n):
            for i in range(n):
                yield d(3) + i

        @dist
        def f():
            return lazy_sum(g(2)), lazy_max(g(2)), lazy_min(g(2)), max(*g(2)), lazy_any(x > 3 for x in g(2))
    """,
    "generator_state_between_yields": """
        def g():
            bonus = 0
            for i in range(3):
                if d(2) == 1:
                    bonus += 1
                yield i + d(3) + bonus

        @dist
        def f():
            total = 0
            for x in g():
                if x >= 4:
                    total += x
            return total
    """,
    "cards_drawn_when_consumed": """
        def deal(n, m):
            left = ones(n)
            for i in range(m):
                picked = argmin(d(n - i) > cumsum(left))
                left[picked] = 0
                yield picked

        @dist
        def f():
            return lazy_sum(deal(5, 3)), sum(*deal(4, 2), 10), lazy_max(deal(4, 4))
    """,
    "yield_tuples_and_one_value_twice": """
        def pairs():
            for i in range(2):
                yield d(3), d(2)

        def twice():
            a = d(4)
            yield a
            yield a

        @dist
        def f():
            total = 0
            for x, y in pairs():
                total += x - y
            return total, sum(*twice())
    """,
    "generator_arguments_lists_and_defaults": """
        def g(xs, step=1):
            for x in xs:
                yield d(x) + step

        @dist
        def f():
            return sum(*g([1, 2, 3])), sum(*g([2, 2], step=0))
    """,
    "several_starred_streams": """
        def g():
            yield d(2)

        @dist
        def f():
            return sum(*(2 @ d(3)), *g(), d(2)), max(*g(), *(2 @ d(2)))
    """,
    "lists_yielded_are_added_elementwise": """
        def step(n):
            for i in range(n):
                yield [2 * d(2) - 3, 2 * d(2) - 3]

        @dist
        def f():
            return sum(*step(3))
    """,
    "generator_writes_its_argument": """
        def fill(xs):
            for i in range(2):
                xs[i] = d(2)
                yield xs[i]

        @dist
        def f():
            a = [0, 0]
            total = sum(*fill(a))
            return total, a
    """,
    "generator_sees_the_consumers_writes": """
        def g(xs):
            for i in range(2):
                yield xs[i]

        @dist
        def f():
            a = [1, d(2)]
            t = 0
            for x in g(a):
                a[1] = 10 + d(2)
                t = t * 100 + x
            return t, a
    """,
    "generator_in_a_random_branch": """
        def g():
            yield d(2)
            yield d(2)

        @dist
        def f():
            x = d(2)
            if x == 1:
                y = sum(*g())
            else:
                y = lazy_max(g())
            return y
    """,
}

LANGUAGE = {
    "shifts": """
        @dist
        def f():
            total = 0
            for i in range(3):
                total |= (d(2) - 1) << i
            return total, 128 >> d(6), (1 << d(4)) ^ (16 >> d(4)), -d(3) >> 1
    """,
    "several_random_indices_into_a_fixed_array": """
        @dist
        def f():
            a = zeros((3, 3))
            i = d(3) - 1
            a[i, i] += 1
            a[d(2), i] += d(2)
            table = reshape(arange(6), (2, 3))
            return a, a[d(3) - 1, i], table[d(2) - 1, i], table[d(2) - 1][i]
    """,
    "defaults_and_keywords_of_helpers": """
        def g(x, /, y, *, z=3):
            return d(2) + x + y * z

        def h(n=2):
            return d(n)

        @dist
        def f():
            return g(1, y=2), g(1, 2, z=0), h(), h(n=3)
    """,
    "dist_parameter_defaults": """
        @dist
        def f(a, b=10, c=2):
            return a * d(2) + b * d(c)
    """,
    "len_of_a_random_list": """
        @dist
        def f():
            xs = [d(2), d(2), d(3)]
            return len(xs) + xs[0], len([*xs, d(2)])
    """,
    "over_worlds_bound": """
        @dist
        def f():
            n = d(3)
            count = 0
            for i in range(__max__(n)):
                if i < n:
                    count += d(2) == 1
            return count, n
    """,
    "one_line_suites": """
        def g(): return d(3)

        @dist
        def f():
            t = 0
            for i in range(2): t += g()
            if t > 3: t = 0
            return t
    """,
    "del_then_assign_again": """
        @dist
        def f():
            x = d(3)
            t = 0
            for i in range(2):
                t += x
                del x
                x = d(2)
            return t, x
    """,
    "and_or_are_values": """
        @dist
        def f(n):
            x = d(3)
            return (x > 1 and x), (x == 2 or 7), (x - 1 or d(2) + 10), (n and x), (n or x), (x > 2 and d(2) > 1)
    """,
    "list_aliasing": """
        @dist
        def f():
            a = [d(2), d(2)]
            b = a
            b[0] = 5
            c = list(a)
            a[d(2) - 1] += 1
            b += [d(2)]
            return a, b, c
    """,
    "alias_through_a_helper_and_a_swap": """
        def bump(xs):
            xs[0] += d(2)
            return 0

        @dist
        def f():
            a = [d(2), 0]
            b = [0, 1]
            c = b
            a, b = b, a
            a[0] = 7
            z = bump(b)
            return c, b, z
    """,
    "fixed_arrays_alias_too": """
        @dist
        def f():
            a = [1, 2, 3]
            b = a
            b[d(3) - 1] = 0
            return a
    """,
    "list_repetition_and_join": """
        @dist
        def f():
            xs = [d(2), 3]
            return [d(2)] * 3, xs * 2, 2 * [0, d(2)], xs + [5], [d(2), d(2)] + zeros(2), [1] * 0
    """,
    "lazy_all_and_any_are_bools": """
        @dist
        def f():
            return lazy_all(2 @ (d(3) - 1)), lazy_any(2 @ (d(3) - 1)), lazy_all(x > 1 for x in 2 @ d(3))
    """,
    "independent_list_repetition_and_tuples": """
        @dist
        def f():
            v = d(2)
            r = [d(2) + d(2)] * 2 + [v]
            t = (v, 1) * 2
            return r, r == [2, 2, v], t, (v, 2) == (1, 2), (v,) + (3,)
    """,
    "list_equality_is_whole": """
        @dist
        def f():
            a = [d(2), d(2)]
            return a == [1, d(2)], a != [1, 1], a == [1, 2, 3]
    """,
    "helper_parameter_rebound_in_a_loop": """
        def h(n, xs):
            for i in range(2):
                n = n + d(2)
                xs[i] = n
            return n + 10 * xs[0] + 100 * xs[1]

        @dist
        def f():
            return h(0, [0, 0]), h(d(2), [5, 5])
    """,
}


@pytest.mark.parametrize("case", sorted(GENERATORS))
def test_generators_match_enumeration(case):
    check(GENERATORS[case])


@pytest.mark.parametrize("case", sorted(LANGUAGE))
def test_constructs_match_enumeration(case):
    args = {"dist_parameter_defaults": (1,), "and_or_are_values": (0,)}.get(case, ())
    check(LANGUAGE[case], args=args)


def test_and_or_with_a_true_fixed_operand():
    check(LANGUAGE["and_or_are_values"], args=(2,))


def test_dist_parameter_defaults_given():
    check(LANGUAGE["dist_parameter_defaults"], args=(1, 100, 3))


def test_list_argument_is_an_array():
    """`f([1, 0, 2])`: a Python list argument is read as an array (`cards > 0` compares each card)."""
    source = """
        @dist
        def f(cards, weights):
            return reduce_sum(cards > 0) + d(2), cards[d(3) - 1] * weights[0]
    """
    result = compiled(source)["f"]([1, 0, 2], (2, 1), semiring="fraction")
    expected = enumerate_distribution("from lifted import dist\n" + textwrap.dedent(source), "f",
                                      (np.array([1, 0, 2]), np.array([2, 1])))
    assert result == expected


# -- as dice-nine's own tests check them ---------------------------------------------------------------------

def pmf(source: str, *args, **options) -> dict:
    return compiled(source)["f"](*args, **options)


def test_dice_nine_small_generator():
    result = pmf("""
        def g():
            for i in range(3):
                yield d(6)

        @dist
        def f():
            x = 0
            for y in g():
                x += y
            return x
    """)
    assert result[3] == pytest.approx(1 / 6**3) and result[18] == pytest.approx(1 / 6**3)


def test_dice_nine_genexp_binomial():
    result = pmf("""
        @dist
        def f():
            return sum(*(int(d(20) == 1) for i in range(20)))
    """)
    for i in range(21):
        assert result.get(i, 0) == pytest.approx(math.comb(20, i) * (1 / 20) ** i * (19 / 20) ** (20 - i))


def test_dice_nine_sum_of_two_streams():
    result = pmf("""
        @dist
        def f():
            return sum(*(2 @ d(3)), *(2 @ d(6)))
    """)
    assert result[4] == pytest.approx(1 / (3 * 3 * 6 * 6)) and result[18] == pytest.approx(1 / (3 * 3 * 6 * 6))


def test_dice_nine_top_two_of_exploding_dice():
    result = pmf("""
        def my_top_2(s):
            xs = [0, 0]
            for y in s:
                c = [*xs, y]
                xs = top_k(c, 2)
            return xs

        def es():
            for i in range(6):
                x = d(6)
                x = x + d(6) if x == 6 else x
                yield x

        @dist
        def f():
            top2 = my_top_2(es())
            return reduce_sum(top2, -1)
    """)
    assert result[2] == pytest.approx(2.1433470507544594e-05)
    assert result[24] == pytest.approx(0.010743132472754508)


def test_dice_nine_shifts():
    result = pmf("""
        @dist
        def f():
            return (1 << d(6)) | (128 >> d(6))
    """)
    assert sum(result.values()) == pytest.approx(1)
    assert result[2 | 64] == pytest.approx(2 / 36)  # 1 << 1 | 128 >> 1, and 1 << 6 | 128 >> 6
    assert pmf("@dist\ndef f():\n    return 1 << d(6)\n")[64] == pytest.approx(1 / 6)


def test_dice_nine_max_over_worlds():
    assert pmf("@dist\ndef f():\n    return __max__(d(100))\n") == {100: pytest.approx(1)}
    assert pmf("@dist\ndef f():\n    return __min__(d(4) + 2), __any__(d(2) > 5)\n", semiring="fraction") == {
        (3, False): 1}


def test_dice_nine_quantum_sqrt_not_with_complex_weights():
    source = """
        def sqrtnot(i):
            r = d(2) == 2
            if i == r:
                importance(1 + 1j)
            else:
                importance(1 - 1j)
            return r

        @dist(semiring="complex")
        def f():
            return sqrtnot(sqrtnot(True))
    """
    result = pmf(source)
    assert abs(result.get(False, 0) - 1) < 1e-12 and abs(result.get(True, 0)) < 1e-12
    expected = enumerate_distribution("from lifted import dist\n" + textwrap.dedent(source), "f")
    assert all(abs(result.get(k, 0) - complex(v)) < 1e-12 for k, v in expected.items())


def test_complex_values():
    result = pmf("""
        @dist
        def f():
            return d(2) * (1 + 1j), complex(d(2), 1), complex(2, 3) * 1j
    """, semiring="fraction")
    assert set(result) == {(1 + 1j, 1 + 1j, -3 + 2j), (1 + 1j, 2 + 1j, -3 + 2j), (2 + 2j, 1 + 1j, -3 + 2j),
                           (2 + 2j, 2 + 1j, -3 + 2j)}


def test_dice_nine_function_defaults():
    source = """
        @dist
        def f(a, b=10, c=100):
            return a * d(2) + b * d(4) + c * d(6)
    """
    assert pmf(source, 1)[642] == pytest.approx(1 / 48)
    assert pmf(source, 1, 100, 10)[462] == pytest.approx(1 / 48)
    assert pmf(source, 1, c=10, b=100)[462] == pytest.approx(1 / 48)


def test_dice_nine_positional_only_helper():
    assert pmf("""
        def g(x, /, y):
            return d(6) + x + y

        @dist
        def f():
            return g(2, y=3)
    """)[11] == pytest.approx(1 / 6)


# -- refused, with a located error that says what to write instead ------------------------------------------

@pytest.mark.parametrize("source, message, line", [
    ("def g():\n    yield d(2)\n\n@dist\ndef f():\n    s = g()\n    return lazy_sum(s) + lazy_sum(s)\n",
     "already read", 9),
    ("def g():\n    yield d(2)\n\n@dist\ndef f():\n    s = g()\n    t = 0\n    for i in range(2):\n"
     "        t += lazy_sum(s)\n    return t\n", "made outside this loop", 11),
    ("def g():\n    if d(2) == 1:\n        yield 1\n\n@dist\ndef f():\n    return sum(*g())\n",
     "`yield` inside an `if`", 5),
    ("@dist\ndef f():\n    yield d(2)\n    return 1\n", "cannot be a generator", 5),
    ("def g():\n    yield d(2)\n\n@dist\ndef f():\n    return lazy_sum(zip(g(), 2 @ d(2)))\n", "counted", 8),
    ("@dist\ndef f():\n    x = d(2)\n    del x\n    return x\n", "was deleted", 7),
    ("def g(x, /):\n    return x\n\n@dist\ndef f():\n    return g(x=d(2))\n", "positional-only", 8),
    ("@dist\ndef f():\n    a = [d(2), 0]\n    b = [0, 0]\n    if d(2) == 1:\n        b = a\n    b[0] = 5\n"
     "    return a\n", "may share its array", 9),
    ("@dist\ndef f():\n    a = zeros((2, 2))\n    r = a[0]\n    r[1] = d(2)\n    return a\n", "may share", 7),
    ("@dist\ndef f():\n    a = zeros((2, 2))\n    r = a[0]\n    a[0, 1] = d(2)\n    return r\n",
     "`r` may share its array with `a`", 7),
    ("@dist\ndef f():\n    return [d(2)] * d(2)\n", "random number of times", 5),
    ("@dist\ndef f():\n    return [d(2)] < [2]\n", "as wholes", 5),
    ("@dist\ndef f(x=[1]):\n    return d(2)\n", "must be a literal", 4),
    ("@dist\ndef f():\n    t = (1, 2)\n    for i in range(2):\n        t = (t[1], d(2))\n    return t[0]\n",
     "rebound inside a loop", 7),
    ("def g(xs):\n    for i in range(2):\n        yield d(2)\n\n@dist\ndef f():\n    a = [0]\n    s = g(a)\n"
     "    a[0] = 1\n    return sum(*s)\n", "written to after the call", 10),
])
def test_refused_with_a_located_error(source, message, line):
    error = refused(source)
    assert message in error.format()
    assert error.loc.line == line


def test_runtime_errors_of_shifts_and_empty_generators():
    with pytest.raises(ValueError, match="negative shift count"):
        pmf("@dist\ndef f():\n    return 1 << (d(2) - 2)\n")
    with pytest.raises(OverflowError, match="64 bits"):
        pmf("@dist\ndef f():\n    return d(2) << 62\n")
    with pytest.raises(ValueError, match="empty stream"):
        pmf("def g(n):\n    for i in range(n):\n        yield d(2)\n\n@dist\ndef f(n):\n    return lazy_max(g(n))\n",
            0)
