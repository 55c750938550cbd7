"""Hostile arguments for tree parameters and for the dtype generator's programs (tests/test_hostile_trees.py).

A kind turns a program's plain arguments (`[first, tree]` of `dtype_programs.tree_program`, the flat arguments of
`dtype_programs.program_for_seed`, or a hand-written tree kernel's) into what a caller might pass instead: every
array leaf, nested at any depth, in another layout (negative strides, strided, unaligned, a memmap, read-only,
zero strides, big-endian, an ndarray subclass) or holding special values; or the tree itself changed (a list where
a tuple is annotated and back, a key the kernel does not read, a missing key, a list of another length, an array
where the tree is, a leaf of another dtype). Each kind builds fresh arrays at every call.

What each must give (`expect`): "same" (Python's values), "refused" (a TypeError or ValueError naming an argument in
backticks, `p['k']`, `p[0][1]`, before any work) or "either"; Python raising is matched by the same exception type or
by such a refusal. Arguments come back bit for bit as they went in.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from exact_values import same_values
from hostile_arguments import Tagged, _memmap, _read_only, _reversed, _strided, _unaligned, judge_call


def map_leaves(value, change: Callable, scalars: bool = False):
    """`value` with `change` applied to every ndarray leaf of its lists, tuples and dicts (and, with `scalars`, to
    every NumPy and Python scalar too)."""
    if isinstance(value, dict):
        return {k: map_leaves(v, change, scalars) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        out = [map_leaves(v, change, scalars) for v in value]
        return out if isinstance(value, list) else tuple(out)
    return change(value) if isinstance(value, np.ndarray) or scalars and value is not None else value


def _scalars(change: Callable) -> Callable:
    """A change of every NumPy scalar (Python numbers stay); the kind does not apply where there is none."""
    def apply(args: list) -> list:
        seen = []
        out = [map_leaves(a, lambda v: seen.append(v) or change(v) if isinstance(v, np.generic) else v, True)
               for a in args]
        if not seen:
            raise LookupError("no NumPy scalar")
        return out
    return apply


def _length(size: int) -> Callable:
    """Every 1-D array leaf cut to its first `size` elements (every n of the dtype programs at once)."""
    return lambda args: [map_leaves(a, lambda v: v[:size].copy() if v.ndim == 1 else v.copy()) for a in args]


def _containers(value, change: Callable):
    """`value` with `change` applied to every list, tuple and dict, innermost first."""
    if isinstance(value, dict):
        return change({k: _containers(v, change) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        out = [_containers(v, change) for v in value]
        return change(out if isinstance(value, list) else tuple(out))
    return value


def _specials(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    if a.dtype.kind == "f" and a.size:
        a.flat[0] = np.nan
        a.flat[-1] = -0.0
    return a


def _zero_strides(a: np.ndarray) -> np.ndarray:
    return np.broadcast_to(a.reshape(-1)[:1], a.shape) if a.size else a


def _big_endian(a: np.ndarray) -> np.ndarray:
    return a.astype(a.dtype.newbyteorder(">")) if a.dtype.itemsize > 1 else a.copy()


def _first_tree(args: list) -> int | None:
    return next((k for k, a in enumerate(args) if isinstance(a, (list, tuple, dict))), None)


def _in_tree(change: Callable) -> Callable:
    """A change of the (first) tree argument; the kind does not apply where there is none."""
    def apply(args: list) -> list:
        k = _first_tree(args)
        if k is None:
            raise LookupError("no tree argument")
        return args[:k] + [change(args[k])] + args[k + 1:]
    return apply


def _drop_key(tree):
    if not isinstance(tree, dict):
        raise LookupError("not a dict")
    return {k: v for k, v in list(tree.items())[1:]}


def _extra_item(tree):
    if not isinstance(tree, list):
        raise LookupError("not a list")
    return tree + [tree[-1]]


def _short(tree):
    if not isinstance(tree, list):
        raise LookupError("not a list")
    return tree[:-1]


def _other_dtype_leaf(tree):
    """The first float64 leaf as float32 (an int64 one as int32; NumPy scalars too): Python computes in the leaf's
    dtype."""
    done = []

    def change(a):
        if not done and isinstance(a, (np.ndarray, np.generic)) and a.dtype in (np.float64, np.int64):
            done.append(a)
            return a.astype(np.float32 if a.dtype == np.float64 else np.int32)
        return a
    out = map_leaves(tree, change, scalars=True)
    if not done:
        raise LookupError("no float64 or int64 leaf")
    return out


def _leaves(change: Callable) -> Callable:
    return lambda args: [map_leaves(a, change) for a in args]


# kind -> (how the plain arguments become hostile ones, what must happen)
KINDS: dict[str, tuple[Callable[[list], list], str]] = {
    "negative strides": (_leaves(_reversed), "same"),
    "strided": (_leaves(_strided), "same"),
    "strided by 3": (_leaves(lambda a: _strided(a, 3)), "same"),
    "unaligned": (_leaves(_unaligned), "same"),
    "memmap": (_leaves(_memmap), "same"),
    "read-only": (_leaves(_read_only), "either"),
    "zero strides": (_leaves(_zero_strides), "either"),
    "a subclass": (_leaves(lambda a: a.view(Tagged)), "same"),
    "special values": (_leaves(_specials), "same"),
    "big-endian": (_leaves(_big_endian), "either"),
    "leaves as lists": (_leaves(lambda a: a.tolist()), "either"),
    "np.matrix leaves": (_leaves(lambda a: np.asmatrix(a) if a.ndim == 2 else a.copy()), "either"),
    "n = 0": (_length(0), "either"),
    "n = 1": (_length(1), "either"),
    "NumPy scalars as 0-d arrays": (_scalars(np.asarray), "either"),
    "NumPy scalars as Python numbers": (_scalars(lambda v: v.item()), "either"),
    "tuples for lists": (_in_tree(lambda t: _containers(t, lambda c: tuple(c) if isinstance(c, list) else c)),
                         "either"),
    "lists for tuples": (_in_tree(lambda t: _containers(t, lambda c: list(c) if isinstance(c, tuple) else c)),
                         "either"),
    "an extra key": (_in_tree(lambda t: {**t, "unread": np.ones(2)} if isinstance(t, dict) else
                              (_ for _ in ()).throw(LookupError("not a dict"))), "same"),
    "a missing key": (_in_tree(_drop_key), "refused"),
    "a longer list": (_in_tree(_extra_item), "either"),
    "a shorter list": (_in_tree(_short), "either"),
    "an array for the tree": (_in_tree(lambda t: np.zeros(3)), "refused"),
    "None for the tree": (_in_tree(lambda t: None), "refused"),
    "a leaf of another dtype": (_in_tree(_other_dtype_leaf), "refused"),
}


def clear_refusal(exc: BaseException) -> bool:
    """A TypeError or ValueError naming an argument (or a leaf of one) in backticks."""
    return isinstance(exc, (TypeError, ValueError)) and "argument `" in str(exc)


def fresh(args: list) -> list:
    return [map_leaves(a, np.copy) for a in args]


def judge(function: Callable, python: Callable, kind: str, plain: list, what: str) -> str:
    """'checked', 'refused', 'raised as Python' (also a clear refusal where Python raised), 'not applicable' (the
    kind does not fit these arguments), else AssertionError (hostile_arguments.judge_call)."""
    make, expect = KINDS[kind]
    try:
        make(fresh(plain))
    except LookupError:
        return "not applicable"
    return judge_call(function, lambda: make(fresh(plain)), expect, lambda args: python(*args), f"{what} [{kind}]",
                      refusal=clear_refusal, compare=same_tree, excused=lambda exc, python_error: "raised as Python"
                      if type(exc) is type(python_error) or clear_refusal(exc) else None)


def same_tree(got, expected, what: str) -> None:
    """The same structure (dict keys, list and tuple lengths) and `same_values` leaf by leaf."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and list(got) == list(expected), f"{what}: {got!r} for {expected!r}"
        for key in expected:
            same_tree(got[key], expected[key], f"{what}[{key!r}]")
    elif isinstance(expected, (list, tuple)) and any(isinstance(e, (list, tuple, dict)) for e in expected):
        assert type(got) is type(expected) and len(got) == len(expected), f"{what}: {got!r} for {expected!r}"
        for k, (g, e) in enumerate(zip(got, expected)):
            same_tree(g, e, f"{what}[{k}]")
    else:
        same_values(got, expected, what)
