"""Dist mode against brute-force enumeration: every construct, exactly (semiring="fraction")."""
from __future__ import annotations

import textwrap

import pytest

from tests.dist_oracle import enumerate_distribution
from lifted.transpiler import transpile_source


def compile_dist(source: str) -> dict:
    code = transpile_source(textwrap.dedent(source), "prog.py")
    namespace: dict = {"__name__": "dist_prog"}
    exec(compile(code, "prog_generated.py", "exec"), namespace)
    return namespace


def check(source: str, name: str = "f", args=(), normalize: bool = False):
    source = "from lifted import dist\n\n" + textwrap.dedent(source)
    generated = compile_dist(source)[name](*args, normalize=normalize, semiring="fraction")
    expected = enumerate_distribution(source, name, args, normalize)
    assert generated == expected
    return generated


PROGRAMS = {
    "draw": """
        @dist
        def f():
            return d(4)
    """,
    "arithmetic": """
        @dist
        def f():
            x = d(3)
            y = d(4)
            return 2 * x - y // 2 + x % 2
    """,
    "constants_stay_fixed": """
        @dist
        def f(n):
            k = n + 1
            m = k * 2
            return d(m) + k
    """,
    "weighted_ranges": """
        @dist
        def f():
            return d[1:2:3, 5, 7:8:2]
    """,
    "dd_random_sides": """
        @dist
        def f():
            n = d(3)
            return n, dd(n)
    """,
    "stream_sum": """
        @dist
        def f():
            return lazy_sum(3 @ d(4))
    """,
    "stream_folds": """
        @dist
        def f():
            return lazy_max(3 @ d(3)), lazy_min(2 @ d(4)), lazy_any(x == 3 for x in 2 @ d(3))
    """,
    "lazy_all": """
        @dist
        def f():
            return lazy_all(x > 1 for x in 3 @ d(3))
    """,
    "generator_over_range": """
        @dist
        def f():
            return lazy_sum(d(i + 1) for i in range(3))
    """,
    "set_stream": """
        @dist
        def f():
            return lazy_sum({d(2), d(3), *2 @ d(2)})
    """,
    "sum_max_min_builtins": """
        @dist
        def f():
            a = d(3)
            b = d(3)
            return max(a, b, 2), min(a, b), sum(x for x in 2 @ d(2)), abs(a - b)
    """,
    "if_else_random": """
        @dist
        def f():
            x = d(4)
            if x > 2:
                y = x + d(2)
            else:
                y = 0
            return y
    """,
    "elif_chain": """
        @dist
        def f():
            x = d(6)
            if x == 1:
                r = 10
            elif x < 4:
                r = d(2)
            else:
                r = x
            return r
    """,
    "nested_if_and_or": """
        @dist
        def f():
            a = d(3)
            b = d(3)
            c = 0
            if a > 1 and not b == 2:
                if a == b or b == 1:
                    c = 1
                else:
                    c = 2
            return c, a
    """,
    "fixed_if": """
        @dist
        def f(n):
            if n > 2:
                x = d(n)
            else:
                x = 1
            return x
    """,
    "for_range_accumulate": """
        @dist
        def f():
            total = 0
            for i in range(3):
                if d(2) == 2:
                    total += i
            return total
    """,
    "for_over_stream": """
        @dist
        def f():
            best = 0
            for x in 3 @ d(3):
                best = max(best, x)
            return best
    """,
    "assert_conditioning": """
        @dist
        def f():
            a = d(4)
            b = d(4)
            assert a + b > 4
            return a
    """,
    "importance": """
        @dist
        def f():
            a = d(3)
            importance(a)
            return a > 1
    """,
    "conditional_expression": """
        @dist
        def f():
            a = d(4)
            return a if a > 2 else -a
    """,
    "comparison_chain_in": """
        @dist
        def f():
            a = d(6)
            return 2 <= a < 5, a in (1, 6)
    """,
    "lists_and_subscripts": """
        @dist
        def f():
            xs = [d(3), d(3), 2]
            i = d(3) - 1
            xs[0] = 5
            xs[i] += 1
            return xs, xs[i], xs[1:]
    """,
    "bincount_and_reductions": """
        @dist
        def f():
            counts = lazy_bincount(3 @ d(3), 4)
            return reduce_max(counts), reduce_all(counts < 2), last(counts > 0), first(counts > 0)
    """,
    "topk_and_sort": """
        @dist
        def f():
            return reduce_sum(lazy_topk(3 @ d(3), 2)), lazy_sort(3 @ d(2))
    """,
    "call_other_dist_and_helper": """
        def bonus(x):
            return x + 1

        @dist
        def roll():
            return d(3) + d(2)

        @dist
        def f():
            a = roll()
            b = roll()
            return bonus(max(a, b))
    """,
    "tuple_assignment": """
        @dist
        def f():
            a, b = d(2), d(3)
            a, b = b, a
            return a - b
    """,
    "zip_streams": """
        @dist
        def f():
            total = 0
            for a, b in zip(2 @ d(2), 2 @ d(3)):
                total += a * b
            return total
    """,
    "choose_and_list_comprehension": """
        @dist
        def f():
            xs = [d(2) for i in range(2)]
            return choose(xs)
    """,
    "binomial_one_hot": """
        @dist
        def f():
            return binomial(3, 1, 3), one_hot(d(3) - 1, 3)
    """,
    "weighted_fixed_weights": """
        @dist
        def f():
            return weighted([10, 20, 30], [1, 2, 3]), weighted([d(2), 5, 7], [1, 1, 2])
    """,
    "random_scalar_meets_fixed_array": """
        @dist
        def f():
            xs = arange(1, 4)
            a = d(3)
            return a > xs, xs - a, (a == 2) & (xs > 1)
    """,
    "lazy_perm_folds": """
        @dist
        def f():
            return lazy_max(lazy_perm(5, 2)), lazy_sum(lazy_perm(4, 3))
    """,
    "lazy_perm_in_for_and_list": """
        @dist
        def f():
            seen = 0
            for card in lazy_perm(4, 2):
                if card > seen:
                    seen = card + d(2)
            return seen, list(lazy_perm(3, 3))
    """,
    "reshape_argsort_top_k": """
        @dist
        def f():
            xs = [d(2), d(2), 0]
            return reshape(one_hot(d(4) - 1, 4), (2, 2)), argsort(xs), top_k([d(3), d(3), 2], 2)
    """,
    "augmented_assignment_draws_its_index_once": """
        @dist
        def f():
            xs = [0, 0, 0]
            xs[d(3) - 1] += 1
            xs[d(3) - 1] -= d(2)
            return xs
    """,
    "narrow_columns_compute_in_int64": """
        @dist
        def f():
            x = d(3) + 120
            counts = lazy_bincount(2 @ d(3), 4)
            counts[d(2)] += 200
            big = x * x * x
            return x * x, x + 100, -x - 100, counts, big * 1000, reduce_sum(counts * 1000)
    """,
    "recursion_with_a_fixed_depth": """
        def explode(depth):
            if depth == 0:
                roll = d(3)
            else:
                roll = d(3)
                if roll == 3:
                    roll = roll + explode(depth - 1)
            return roll

        def total(n):  # a plain helper: a @dist function is also compiled on its own, where n is not known
            return d(2) + total(n - 1) if n > 0 else 0

        @dist
        def f():
            return explode(2), total(3)
    """,
    "reassigned_in_one_random_branch": """
        @dist
        def f():
            c = d(2)
            y = c
            z = c + 1
            if d(2) == 1:
                y = c + 1
            else:
                z = d(3)
            return y + c, z
    """,
    "print_fixed": """
        @dist
        def f():
            print("rolling", 2)
            return d(2)
    """,
}


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_matches_enumeration(case):
    args = (3,) if case in ("constants_stay_fixed", "fixed_if") else ()
    check(PROGRAMS[case], args=args)


@pytest.mark.parametrize("n", [0, 2])
def test_reassigned_in_a_loop_that_may_not_run(n):
    """`y` is read after a loop that may run no times: its first value must survive the loop's assignment."""
    check("""
        @dist
        def f(n):
            c = d(2)
            y = c
            for i in range(n):
                y = d(3)
            return y
    """, args=(n,))


@pytest.mark.parametrize("n", [3, 7])
def test_fixed_conditional_expression_with_one_random_branch(n):
    """A fixed test picks a fixed or a random value: either way the result is a column of every world."""
    check("""
        @dist
        def f(n):
            x = d(3)
            y = [1, 2] if n > 5 else [x, x + 1]
            return (d(2) if n > 5 else 3) + y[0] * y[1]
    """, args=(n,))


def test_fixed_if_other_branch():
    check(PROGRAMS["fixed_if"], args=(1,))


def test_normalize_after_conditioning():
    result = check(PROGRAMS["assert_conditioning"], normalize=True)
    assert sum(result.values()) == 1


def test_pool_example_small():
    check("""
        @dist
        def f(a, n):
            actions = lazy_bincount(a @ d(6), 7)
            for i in n @ d(6):
                actions[i] = max(actions[i] - 1, 0)
            if reduce_all(actions == 0):
                result = 0
            else:
                result = last(actions > 0)
            boons = max(actions[6] - 1, 0)
            return (result, boons)
    """, args=(2, 2))


def test_pairs_example_small():
    check("""
        @dist
        def f(dice):
            return bincount(lazy_bincount(dice @ d(4), 5), 4)[2:]
    """, args=(4,))


def test_fight_shape_small():
    check("""
        @dist
        def f():
            hp1 = lazy_sum(2 @ d(3))
            hp2 = lazy_sum(2 @ d(2))
            for i in range(2):
                if hp1 > 0 and d(3) > 1:
                    hp2 = max(0, hp2 - lazy_sum((x for x in 2 @ d(2))))
                if hp2 > 0:
                    if d(2) > 1:
                        hp1 -= d(2)
                    hp1 = max(hp1, 0)
            return hp2 == 0, hp1 == 0
    """)


def test_a_write_through_an_alias_changes_every_name():
    """`b = xs` makes b the same list: `xs[i] += 1` changes what b reads too, as in Python (issue #10); a copy
    (`list(xs)`) stays as it was."""
    check("""
        @dist
        def f():
            xs = [d(2), d(2), 0]
            b = xs
            c = list(xs)
            i = d(3) - 1
            xs[i] += 1
            b[0] = 4
            return b, xs, c
    """)


def test_lazy_perm_stream_read_twice_is_an_error():
    source = """
        from lifted import dist

        @dist
        def f():
            cards = lazy_perm(4, 3)
            return lazy_sum(cards), lazy_max(cards)
    """
    with pytest.raises(ValueError, match="read each stream once"):
        compile_dist(textwrap.dedent(source))["f"]()
