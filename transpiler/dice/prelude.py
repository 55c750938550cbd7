"""The dist library functions written in the dist language itself, inlined like user helpers.

They read like dice-nine's definitions: a fold is an accumulator and a `for` over a stream, and the
compiler's usual rules (fixed values stay Python, random ones become columns, liveness merges) make them fast.
`__first__(s)` / `__rest__(s)` split a counted stream's first element from the others; a generator's
cannot be split off (its first `yield` may sit in a loop), so `__lazy_extremum__` folds it with a flag.
"""
from __future__ import annotations

from functools import lru_cache

import libcst as cst

SOURCE = '''
def lazy_sum(seq):
    total = 0
    for x in seq:
        total = total + x
    return total


def lazy_all(seq):
    flag = True
    for x in seq:
        flag = flag and x != 0  # all() is a bool, whatever the elements are
    return flag


def lazy_any(seq):
    flag = False
    for x in seq:
        flag = flag or x != 0
    return flag


def lazy_max(seq):
    best = __first__(seq)
    for x in __rest__(seq):
        best = max(best, x)
    return best


def lazy_min(seq):
    best = __first__(seq)
    for x in __rest__(seq):
        best = min(best, x)
    return best


def __lazy_extremum__(seq, take_max):
    best = 0
    empty = True
    for x in seq:
        if empty:
            best = x
        elif take_max:
            best = max(best, x)
        else:
            best = min(best, x)
        empty = False
    __nonempty__(empty)
    return best


def lazy_bincount(seq, n):
    counts = zeros(n)
    for x in seq:
        counts[x] += 1
    return counts


def lazy_sort(seq):
    result = []
    for x in seq:
        result = sort([x, *result])
    return result


def lazy_topk(seq, k):
    result = []
    for x in seq:
        result = sort([x, *result])
        if len(result) > k:
            result = result[1:]
    return result


def lazy_botk(seq, k):
    result = []
    for x in seq:
        result = sort([x, *result])
        if len(result) > k:
            result = result[:-1]
    return result


def lazy_kth(seq, k):
    return lazy_topk(seq, k)[0]


def choose(xs):
    return xs[d(len(xs)) - 1]


def weighted(xs, weights):
    n = reduce_sum(weights)
    return xs[argmin(d(n) > cumsum(weights))]


def first(xs):
    return argmax(xs)


def last(xs):
    return len(xs) - 1 - argmax(flip(xs))


def binomial(n, k, m):
    count = 0
    for i in range(n):
        count += d[0:0:k, 1:1:m - k] == 0
    return count
'''


@lru_cache(maxsize=1)
def functions() -> dict[str, cst.FunctionDef]:
    module = cst.parse_module(SOURCE)
    return {stmt.name.value: stmt for stmt in module.body if isinstance(stmt, cst.FunctionDef)}
