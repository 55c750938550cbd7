"""The world table and the semirings on their own (no compiler)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lifted.dice import Worlds
from lifted.dice.grouping import group_rows


def test_draws_multiply_worlds_and_drop_merges():
    w = Worlds("fraction")
    w.draw_d("a", 6)
    w.draw_d("b", 6)
    assert w.n == 36
    w["s"] = w["a"] + w["b"]
    w.drop("a", "b")
    assert w.n == 11
    assert w.result(w["s"])[7] == Fraction(1, 6)


def test_split_join_keeps_every_world():
    w = Worlds("fraction")
    w.draw_d("a", 4)
    yes, no = w.split(w["a"] > 2)
    yes["a"] = yes["a"] * 10
    w = yes.join(no)
    assert w.result(w["a"]) == {1: Fraction(1, 4), 2: Fraction(1, 4), 30: Fraction(1, 4), 40: Fraction(1, 4)}


@pytest.mark.parametrize("semiring", ["fraction", "float64", "log"])
def test_a_side_no_world_takes_computes_nothing(semiring):
    """Generated code skips a side with no world (emit.py): the join is the other side, whose columns it defined;
    a sub-table of a table with no world has none, so a draw or a value in it computes nothing."""
    w = Worlds(semiring)
    w.draw_d("a", 4)
    yes, no = w.split(w["a"] > 9)
    assert yes.n == 0 and yes.fresh().n == 0 and w.fresh().n == 1
    no["b"] = no["a"] * 2  # `yes` skipped: it has no column `b`
    joined = yes.join(no)
    assert sorted(joined.columns) == ["a", "b"] and joined.n == 4
    empty = Worlds(semiring)
    empty.keep(np.zeros(1, dtype=bool))
    first, second = empty.split(np.zeros(0, dtype=bool))
    first["c"] = second["c"] = np.zeros(0, dtype=np.int64)  # no world at all: both sides run on none
    assert "c" in first.join(second).columns


def test_keep_conditions_without_renormalizing():
    w = Worlds("fraction")
    w.draw_d("a", 4)
    w.keep(w["a"] % 2 == 0)
    assert w.result(w["a"]) == {2: Fraction(1, 4), 4: Fraction(1, 4)}
    w = Worlds("fraction")
    w.draw_d("a", 4)
    w.keep(w["a"] % 2 == 0)
    assert w.result(w["a"], normalize=True) == {2: Fraction(1, 2), 4: Fraction(1, 2)}


def test_merge_is_exact_when_rows_do_not_pack():
    # values too wide to pack into one int64 go through the row hash, checked row by row
    big = np.array([1 << 61, -(1 << 61), 1 << 61, 5], dtype=np.int64)
    other = np.array([1 << 40, 3, 1 << 40, 5], dtype=np.int64)
    order, starts = group_rows([big, other], 4)
    groups = np.split(order, starts[1:])
    assert sorted(sorted(g.tolist()) for g in groups) == [[0, 2], [1], [3]]


def test_merge_float_columns_treats_zero_signs_equal():
    order, starts = group_rows([np.array([0.0, -0.0, 1.5])], 3)
    assert len(starts) == 2


def test_hash_collisions_are_detected(monkeypatch):
    from lifted.dice import grouping

    def constant_hash_mix(*_):
        return None

    monkeypatch.setattr(grouping, "_pack", constant_hash_mix)
    monkeypatch.setattr(grouping, "_MIX", np.zeros(4, dtype=np.uint64))  # every row hashes alike
    keys = [np.array([3, 1, 3, 2, 1])]
    order, starts = grouping.group_rows(keys, 5)
    groups = sorted(sorted(g.tolist()) for g in np.split(order, starts[1:]))
    assert groups == [[0, 2], [1, 4], [3]]


def test_weighted_ranges_and_dd():
    w = Worlds("fraction")
    w.draw_ranges("a", [(0, 0, 1), (1, 1, 3)])
    assert w.result(w["a"]) == {0: Fraction(1, 4), 1: Fraction(3, 4)}
    w = Worlds("fraction")
    w.draw_d("n", 2)
    w.draw_dd("k", w["n"])
    w.drop("n")
    assert w.result(w["k"]) == {0: Fraction(3, 4), 1: Fraction(1, 4)}


def test_semiring_names():
    with pytest.raises(ValueError, match="unknown semiring"):
        Worlds("quaternion")
    w = Worlds("int")
    w.draw_d("a", 3)
    with pytest.raises(ValueError, match="normalize"):
        w.result(w["a"], normalize=True)


def test_update_writes_in_place_only_when_nothing_shares_the_column():
    w = Worlds("fraction")
    w["c"] = w.lift(np.zeros(3, dtype=np.int64))
    w.draw_d("i", 3)
    w.update("c", 5, w["i"] - 1, per_world=True)  # c came from the draw: its own memory
    owned = w["c"]
    w.update("c", 7, w["i"] - 1, per_world=True)  # `owned` still refers to it: copied first
    assert owned.tolist() == [[5, 0, 0], [0, 5, 0], [0, 0, 5]]
    assert w["c"].tolist() == [[7, 0, 0], [0, 7, 0], [0, 0, 7]]
    w["view"] = w["c"][:, 1:]
    w.update("c", 9, 1, per_world=False)  # a view of c is another column: it keeps its values
    assert w["view"].tolist() == [[0, 0], [7, 0], [0, 7]]
    assert w["c"][:, 1].tolist() == [9, 9, 9]


@pytest.mark.parametrize("seed", range(6))
def test_group_rows_agrees_with_numpy_unique(seed):
    # narrow and wide integer columns, 2-d columns, booleans and floats: packed, sorted or hashed alike
    rng = np.random.default_rng(seed)
    n = 500
    columns = [rng.integers(-3, 4, size=n), rng.integers(0, 2, size=(n, 3)).astype(bool),
               rng.integers(0, 1 << (8 * seed), size=(n, 2)), rng.choice([0.5, -0.0, 0.0, 2.0], size=n)]
    order, starts = group_rows(columns, n)
    assert sorted(order.tolist()) == list(range(n))
    keys = np.concatenate([np.asarray(c, dtype=np.float64).reshape(n, -1) + 0.0 for c in columns], axis=1)
    groups = [sorted(g.tolist()) for g in np.split(order, starts[1:])]
    for group in groups:
        assert np.all(keys[group] == keys[group[0]])
    assert len(groups) == len(np.unique(keys, axis=0))


def test_narrow_columns_read_as_int64():
    from lifted.dice.narrow import Narrow

    w = Worlds("fraction")
    w.draw_d("a", 6)
    w.draw_d("b", 6)
    assert w.columns["a"].dtype == np.int8  # stored narrow...
    a = w["a"]
    assert isinstance(a, Narrow)
    assert (a * 100).dtype == np.int64 and int((a * 100).max()) == 600  # ...computed wide
    assert np.sum(a * a * a * a).dtype == np.int64
    w.update("a", w["a"] + 1000, per_world=False)  # a value the narrow type cannot hold widens the column
    assert w.columns["a"].dtype == np.int64 and int(w["a"].max()) == 1006


@pytest.mark.parametrize("seed", range(4))
def test_dense_groups_agree_with_sorted_groups(seed):
    from lifted.dice.grouping import dense_groups

    rng = np.random.default_rng(seed)
    n = 300
    columns = [rng.integers(-2, 3, size=n), rng.integers(0, 2, size=(n, 2)).astype(bool), rng.integers(0, 5, size=n)]
    groups, firsts = dense_groups(columns, n)
    order, starts = group_rows(columns, n)
    assert len(firsts) == len(starts)
    rows = np.concatenate([np.asarray(c).reshape(n, -1) for c in columns], axis=1).astype(np.int64)
    for g, first in enumerate(firsts):  # every row of a group equals its representative, and groups differ
        assert np.all(rows[groups == g] == rows[first])
    assert len(np.unique(rows[firsts], axis=0)) == len(firsts)
    assert dense_groups([rng.integers(0, 1 << 40, size=n)], n) is None  # too wide a range: sort instead


def test_float64_merging_agrees_with_exact_fractions():
    # float64 merges by numbering groups, fraction by sorting: the same distribution
    def program(semiring):
        w = Worlds(semiring)
        w.draw_d("a", 6)
        w.draw_d("b", 6)
        w.draw_d("c", 4)
        w["s"] = w["a"] + w["b"] - w["c"]
        w["m"] = np.maximum(w["a"], w["c"])
        w.drop("a", "b", "c")
        return w.result((w["s"], w["m"]), is_tuple=True)

    exact = program("fraction")
    approx = program("float64")
    assert exact.keys() == approx.keys()
    assert all(abs(float(exact[k]) - approx[k]) < 1e-12 for k in exact)
