"""Random values of different per-world shapes meeting in one operation, against brute-force enumeration.

Per world, `d(3) > xs` compares one number with every element of a random array xs. Both columns have the
world axis first, so NumPy alone would line the scalar column's world axis up against the array's element
axis: an error, or a silently wrong distribution when the world count equals the array's length or the array
has length 1. These cases are chosen to hit exactly that.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tests.test_dist_oracle import check, compile_dist
from lifted.transpiler.errors import TranspileError

PROGRAMS = {
    "compare_world_count_equals_length": """
        @dist
        def f():
            b = d(2)
            xs = zeros(2) + [b, 3]
            a = b + 1
            return a > xs, xs >= a, a == xs
    """,
    "arithmetic_world_count_equals_length": """
        @dist
        def f():
            b = d(2)
            xs = zeros(2) + [b, 3]
            a = 2 * b
            return a - xs, xs * a, a + xs
    """,
    "length_one_array": """
        @dist
        def f():
            xs = zeros(1) + [d(2)]
            a = d(3)
            return a + xs, a > xs, xs - a
    """,
    "length_one_array_one_world_per_value": """
        @dist
        def f():
            b = d(3)
            xs = zeros(1) + [b]
            return b * 10 + xs
    """,
    "scalar_meets_random_array": """
        @dist
        def f():
            a = d(3)
            xs = zeros(2) + [d(2), d(2)]
            return a > xs, a - xs, (a == 2) & (xs > 1)
    """,
    "list_literal_of_dice": """
        @dist
        def f():
            a = d(3)
            return reduce_sum(a > [d(2), d(2)] + zeros(2))
    """,
    "matrix_meets_row": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, 3], (2, 2))
            v = zeros(2) + [b, 5]
            return reduce_sum(m + v, 0), reduce_sum(v * m, 1)
    """,
    "matrix_meets_scalar": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, d(2)], (2, 2))
            return reduce_sum(m * b, 0), reduce_sum(b - m, 1)
    """,
    "conditional_scalar_test_array_branches": """
        @dist
        def f():
            c = d(2)
            xs = zeros(2) + [c, 2]
            ys = zeros(2) + [3, c]
            return xs if c == 1 else ys
    """,
    "conditional_array_and_scalar": """
        @dist
        def f():
            c = d(3)
            xs = zeros(3) + [c, 2, d(2)]
            return (xs if c > 1 else zeros(3) + c), (xs + 0 if c == 2 else c + zeros(3))
    """,
    "conditional_length_one": """
        @dist
        def f():
            c = d(2)
            xs = zeros(1) + [d(3)]
            return xs if c == 1 else xs - c
    """,
    "max_min_scalar_and_array": """
        @dist
        def f():
            b = d(2)
            xs = zeros(2) + [b, 2]
            a = b + 1
            return max(a, xs), min(xs, a), max(xs, d(3), 2)
    """,
    "max_length_one": """
        @dist
        def f():
            xs = zeros(1) + [d(3)]
            return max(d(2), xs), min(xs, d(2) + 1)
    """,
    "in_random_list": """
        @dist
        def f():
            a = d(3)
            return a in [d(2), d(2)], a not in [d(2), 3]
    """,
    "in_random_list_world_count_equals_length": """
        @dist
        def f():
            b = d(2)
            return b in [b + 1, 3], (b + 1) in [b, 2]
    """,
    "loop_carried_value_gains_an_axis": """
        @dist
        def f():
            b = d(2)
            xs = zeros(2) + [b, 1]
            acc = b
            for i in range(2):
                acc = acc + xs
            return acc, max(acc, b)
    """,
    "loop_carried_fixed_value_becomes_an_array": """
        @dist
        def f():
            b = d(2)
            xs = zeros(2) + [b, 1]
            acc = 0
            for i in range(2):
                acc = xs + acc
            return acc
    """,
    "stream_of_rows": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, d(2)], (2, 2))
            return lazy_sum(row * b for row in m)
    """,
    "fixed_and_random_indices": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, d(2)], (2, 2))
            return m[arange(2), b - 1], m[b - 1, arange(2)]
    """,
    "assign_fixed_row_into_random_matrix": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, 3], (2, 2))
            m[0] = [5, 6] + zeros(2)
            return reduce_sum(m, 0), reduce_sum(m, 1)
    """,
    "assign_random_row": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, 3], (2, 2))
            m[1] = zeros(2) + [b, 7]
            return reduce_sum(m, 0), reduce_sum(m, 1)
    """,
    "assign_random_scalar_into_row": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, 3], (2, 2))
            m[1] = b
            return reduce_sum(m, 0), reduce_sum(m, 1)
    """,
    "assign_at_random_index_scalar_into_row": """
        @dist
        def f():
            b = d(2)
            m = reshape(zeros(4) + [b, 1, 2, 3], (2, 2))
            m[b - 1] = b * 10
            return reduce_sum(m, 0), reduce_sum(m, 1)
    """,
    "assign_in_helper": """
        def set_rows(m, v, i):
            m[1] = v
            m[0] = [5, 6] + zeros(2)
            m[i] = v * 10
            return m

        @dist
        def f():
            b = d(3)
            m = reshape(zeros(4) + [b, 1, 2, 3], (2, 2))
            k = set_rows(m + 0, b, b % 2)
            return reduce_sum(m, 0), reduce_sum(k, 1)
    """,
    "assign_row_in_helper": """
        def set_rows(m, v, i):
            m[i] = v
            return m

        @dist
        def f():
            b = d(3)
            m = reshape(zeros(4) + [b, 1, 2, 3], (2, 2))
            k = set_rows(m + 0, zeros(2) + [b, 4], b % 2)
            j = set_rows(m + 0, [8, 9] + zeros(2), b % 2)
            return reduce_sum(k, 1), reduce_sum(j, 0)
    """,
    "index_array_of_random_indices": """
        @dist
        def f():
            b = d(3)
            xs = zeros(3) + [b, 5, 7]
            idx = zeros(2) + [b - 1, 2]
            return reduce_sum(xs[idx] * 1), xs[b - 1]
    """,
}


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_matches_enumeration(case):
    check(PROGRAMS[case])


def test_fixed_parameter_of_unknown_shape():
    """`xs` is a parameter: its shape is known only at run time, so the line-up happens there."""
    program = """
        @dist
        def f(xs):
            ys = xs + d(2)
            a = d(2)
            return reduce_sum(ys > a), reduce_sum(a * ys)
    """
    check(program, args=(np.array([1, 2]),))
    check(program, args=(np.array([[1], [2]]),))


def test_conditional_branches_of_different_shapes_are_refused():
    """Per world the outcome would be a number or an array; a column holds one shape, so this is refused."""
    source = """
        from lifted import dist

        @dist
        def f():
            c = d(3)
            xs = zeros(2) + [c, d(2)]
            return c if c == 2 else xs
    """
    with pytest.raises(TranspileError, match="different shapes") as caught:
        compile_dist(source)
    assert "prog.py:8:" in str(caught.value)


def test_logical_operators_line_up():
    """`and`/`or` over random values are elementwise (np.logical_*), lined up like any other operation."""
    generated = compile_dist("""
        from lifted import dist

        @dist
        def f():
            b = d(2)
            xs = zeros(2) + [b, 3]
            return reduce_sum((b == 2) and (xs > 2)), reduce_sum((b == 1) or (xs == 1))
    """)["f"](semiring="fraction")
    # b = 1: xs = (1, 3): (False & ..) = 0; (True | ..) = 2.  b = 2: xs = (2, 3): (T&F, T&T) = 1; (F|F, F|F) = 0
    assert generated == {(0, 2): Fraction(1, 2), (1, 0): Fraction(1, 2)}


@pytest.mark.parametrize("call", ["reduce_sum(a)", "max(a)", "sum(a)", "argmax(a)", "reduce_sum(xs, -2)"])
def test_reducing_an_axis_a_world_does_not_have_is_refused(call):
    """Per world `a` is one number (and `xs` has one axis): NumPy would reduce over the worlds instead."""
    source = f"""
        from lifted import dist

        @dist
        def f():
            a = d(3)
            xs = zeros(2) + [a, d(2)]
            return {call}
    """
    with pytest.raises(TranspileError, match="there is no such axis") as caught:
        compile_dist(source)
    assert "prog.py:8:" in str(caught.value)


@pytest.mark.parametrize("body", [
    "m = [zeros(2) + [b, 1], ys]\n            return reduce_sum(m, 0), reduce_sum(m, 1)",
    "return [*ys, b, *(zeros(2) + [b, 3])]",
])
def test_fixed_arrays_among_random_list_items(body):
    """A fixed array in a random list is the same array in every world (not a column of its elements)."""
    check(f"""
        @dist
        def f(ys):
            b = d(2)
            {body}
    """, args=(np.array([5, 6]),))
