"""Dist mode, issue #10: a number read from a list (or an array) is a new value in Python, sharing nothing with the
list, so a later write into the list is followed; a row or a list held in a list still shares with it and a write
through either stays a located refusal. Checked against the brute-force oracle (tests/dist_oracle.py)."""
from __future__ import annotations

import pytest

from tests.test_dist_language import check, refused

LIFTED = {
    # `b = a[0]` was refused ("may share its array"): the rank of an item of a fixed list was not known
    "number_read_from_a_fixed_list": """
        @dist
        def f():
            a = [1, 2]
            b = a[0]
            a[0] = d(3)
            return a[0] + b + a[1]
    """,
    "number_read_at_a_fixed_index_name": """
        @dist
        def f():
            a = [1, 2]
            i = 1
            b = a[i]
            a[i] = d(3)
            return a[1] + b
    """,
    "number_read_from_zeros": """
        @dist
        def f():
            a = zeros(3)
            r = a[1]
            a[1] = d(2)
            return r + a[1]
    """,
    "number_read_from_a_random_list": """
        @dist
        def f():
            a = [d(2), 2]
            b = a[0]
            a[0] = d(3)
            return a[0] + b
    """,
}


@pytest.mark.parametrize("name", sorted(LIFTED))
def test_a_number_read_from_a_list_shares_nothing_with_it(name):
    check(LIFTED[name])


@pytest.mark.parametrize("source, message, line", [
    ("@dist\ndef f():\n    a = [1, [2, 3]]\n    b = a[1]\n    b[0] = d(3)\n    return a[1][0]\n",
     "`b` may share its array with another name here", 7),
    ("@dist\ndef f():\n    a = [[1, 2], [3, 4]]\n    b = a[0]\n    b[1] = d(3)\n    return a[0][1] + b[0]\n",
     "`b` may share its array with another name here", 7),
    ("@dist\ndef f():\n    a = zeros((2, 2))\n    r = a[1]\n    a[0, 1] = d(2)\n    return r[0] + a[0, 1]\n",
     "`r` may share its array with `a`", 7),
    ("@dist\ndef f():\n    a = [1, 2]\n    if d(2) == 1:\n        a = [[1, 2], [3, 4]]\n    b = a[0]\n"
     "    a[0] = d(3)\n    return 1\n", "`b` may share its array with `a`", 9),
])
def test_a_row_or_a_list_read_from_a_list_still_shares_with_it(source, message, line):
    error = refused(source)
    assert message in error.format() and error.loc.line == line and error.hint
