"""`vmap` of a dist function: every example's worlds in one table, told apart by an example column.

The batched arguments become columns of a table that starts with one world per example (each weighing one),
so the program runs once for the whole batch: a weight that depends on an argument (`d[0:0:1-p, 1:1:p]`) is a
weight per world. The example column stays live to the end, so worlds of different examples never merge; the
answer is split by it into one distribution per example.
"""
from __future__ import annotations

import numpy as np

from . import lib


def start(table, index: str, arguments: dict) -> int:
    """Fill the (one-world, column-less) `table` with one world per example; returns the number of examples."""
    moved, sizes = {}, {}
    for name, (value, axis) in arguments.items():
        array = np.asarray(lib.argument(value))
        if not -array.ndim <= axis < array.ndim:
            raise ValueError(f"vmap: in_axes={axis} for `{name}`, but its value has "
                             f"{array.ndim} ax{'i' if array.ndim == 1 else 'e'}s (shape {array.shape})")
        moved[name] = np.moveaxis(array, axis, 0)
        sizes[name] = moved[name].shape[0]
    if len(set(sizes.values())) > 1:
        raise ValueError("vmap: the batched arguments have different batch sizes ("
                         + ", ".join(f"{name}: {size}" for name, size in sizes.items()) + ")")
    size = next(iter(sizes.values()))
    table.weights = table.semiring.one(size)
    table.columns = {index: np.arange(size), **moved}
    return size


def answers(table, size: int, answer) -> list:
    """One answer per example: `answer(part)` of the sub-table holding that example's worlds (columns `_r*`)."""
    example = np.asarray(table.columns.pop("_example"))
    order = np.argsort(example, kind="stable")
    bounds = np.searchsorted(example[order], np.arange(size + 1))
    results = []
    for b in range(size):
        rows = order[bounds[b]:bounds[b + 1]]
        part = type(table)(table.semiring, table.weights[rows], {k: c[rows] for k, c in table.columns.items()})
        results.append(answer(part))
    return results
