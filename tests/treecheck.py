"""Oracles for functions of parameter trees (lists, tuples, dicts of arrays): random trees from a tree
annotation, central finite differences leaf by leaf, and comparisons of whole trees."""
from __future__ import annotations

import numpy as np

from gradcheck import assert_close, dim_size
from lifted.transpiler.ir.types import TensorType
from lifted.transpiler.trees import is_tree_annotation, parse_tree


def random_value(annotation: str, rng: np.random.Generator):
    """A random value (array or tree) for a type annotation; sizes by DIM_SIZES."""
    if is_tree_annotation(annotation):
        return _random_tree(parse_tree(annotation), rng)
    from lifted.transpiler.ir.types import parse_annotation

    return _random_leaf(parse_annotation(annotation), rng)


def _random_leaf(t: TensorType, rng):
    shape = tuple(dim_size(d) for d in t.shape)
    value = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return float(value) if shape == () else value


def _random_tree(tree, rng):
    if isinstance(tree, TensorType):
        return _random_leaf(tree, rng)
    kind, items = tree
    if kind == "dict":
        return {k: _random_tree(v, rng) for k, v in items}
    values = [_random_tree(v, rng) for v in items]
    return values if kind == "list" else tuple(values)


def leaves(tree) -> list:
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in leaves(v)]
    if isinstance(tree, (list, tuple)):
        return [x for v in tree for x in leaves(v)]
    return [tree]


def replace_leaves(tree, values: list):
    """The same structure with its leaves taken from `values` in order."""
    it = iter(values)

    def walk(t):
        if isinstance(t, dict):
            return {k: walk(v) for k, v in t.items()}
        if isinstance(t, (list, tuple)):
            out = [walk(v) for v in t]
            return out if isinstance(t, list) else tuple(out)
        return next(it)

    return walk(tree)


def fd_gradient(f, args: list, index: int, eps: float = 1e-6):
    """d f / d args[index] for scalar f, where args[index] may be a tree; a tree of the same structure."""
    flat = [np.asarray(x, dtype=float) for x in leaves(args[index])]
    grads = []
    for k, leaf in enumerate(flat):
        grad = np.zeros_like(leaf)
        for position in np.ndindex(leaf.shape):
            values = []
            for sign in (1.0, -1.0):
                moved = [x.copy() for x in flat]
                moved[k][position] += sign * eps
                shifted = replace_leaves(args[index], [m if m.shape else float(m) for m in moved])
                values.append(f(*[shifted if i == index else a for i, a in enumerate(args)]))
            grad[position] = (values[0] - values[1]) / (2 * eps)
        grads.append(grad)
    return replace_leaves(args[index], grads)


def assert_trees_close(actual, expected, rtol=1e-6, atol=1e-7, what=""):
    """Same structure (list vs tuple vs dict, keys, lengths) and close leaves."""
    assert type(actual) is type(expected) or not isinstance(expected, (list, tuple, dict)), \
        f"{what}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{what}: keys {list(actual)} != {list(expected)}"  # as dict == does
        for key in expected:
            assert_trees_close(actual[key], expected[key], rtol, atol, f"{what}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), f"{what}: length {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_trees_close(a, e, rtol, atol, f"{what}[{i}]")
    else:
        assert_close(actual, expected, rtol, atol, what)
