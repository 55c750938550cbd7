"""Parameter trees: a kernel parameter or result that is a (nested) list, tuple or dict of arrays, with a
structure fixed at build time (`params: "[(f64[d,h], f64[h]), (f64[h,k], f64[k])]"`).

IR functions stay flat (one parameter per leaf, one name per leaf in generated code); a function's `in_tree`
says how its user-facing parameters are made of those leaves and its `out_tree` how its result is. A tree is
`("leaf", i)` (the i-th flat value), `("list" | "tuple", (trees...))` or `("dict", ((key, tree), ...))`.
"""
from __future__ import annotations

import re

from .ir.types import ShapeError, TensorType, parse_annotation

_LEAF = re.compile(r"\s*(bool|i32|i64|f32|f64)\s*(\[[^\]]*\])?")
_KEY = re.compile(r"\s*(?:'([^']*)'|\"([^\"]*)\"|([A-Za-z_]\w*)|(-?\d+))\s*:")


def is_tree_annotation(text: str) -> bool:
    return text.lstrip()[:1] in ("[", "(", "{")


def parse_tree(text: str):
    """A tree annotation as a tree of `TensorType`s (leaves) in "list"/"tuple"/"dict" nodes."""
    tree, end = _parse(text, 0)
    if text[end:].strip():
        raise ShapeError(f"unexpected {text[end:].strip()!r} at the end of the type annotation {text!r}")
    return tree


def _parse(text: str, pos: int):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        raise ShapeError(f"the type annotation {text!r} ends early")
    opener = text[pos]
    if opener in "[({":
        closer = {"[": "]", "(": ")", "{": "}"}[opener]
        items, pos = [], pos + 1
        trailing_comma = False
        while True:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos < len(text) and text[pos] == closer:
                pos += 1
                break
            key = None
            if opener == "{":
                match = _KEY.match(text, pos)
                if not match:
                    raise ShapeError(f"a dict annotation needs `key: type` entries: {text!r}")
                quoted1, quoted2, bare, number = match.groups()
                key = int(number) if number is not None else next(k for k in (quoted1, quoted2, bare) if k is not None)
                pos = match.end()
            item, pos = _parse(text, pos)
            items.append((key, item) if opener == "{" else item)
            while pos < len(text) and text[pos].isspace():
                pos += 1
            trailing_comma = pos < len(text) and text[pos] == ","
            if trailing_comma:
                pos += 1
            elif pos < len(text) and text[pos] == closer:
                continue
            else:
                raise ShapeError(f"expected `,` or `{closer}` in the type annotation {text!r}")
        if opener == "(" and len(items) == 1 and not trailing_comma:
            return items[0], pos  # parentheses around one type, not a tuple
        kind = {"[": "list", "(": "tuple", "{": "dict"}[opener]
        return (kind, tuple(items)), pos
    match = _LEAF.match(text, pos)
    if not match:
        raise ShapeError(f"cannot read the type annotation {text!r} at {text[pos:pos + 12]!r}")
    return parse_annotation(match.group(0)), match.end()


def number_leaves(tree, start: int = 0):
    """The same tree with its leaves replaced by `("leaf", i)`, counting from `start`, and the leaves in order."""
    leaves: list = []

    def walk(node):
        if isinstance(node, TensorType):
            leaves.append(node)
            return ("leaf", start + len(leaves) - 1)
        kind, items = node
        if kind == "dict":
            return (kind, tuple((k, walk(v)) for k, v in items))
        return (kind, tuple(walk(v) for v in items))

    return walk(tree), leaves


def leaf_indices(tree) -> list[int]:
    if tree[0] == "leaf":
        return [tree[1]]
    items = tree[1]
    return [i for item in items for i in leaf_indices(item[1] if tree[0] == "dict" else item)]


def leaf_paths(tree, prefix: tuple = ()) -> list[tuple[tuple, int]]:
    """(path of keys and positions, leaf index) for every leaf, in order."""
    if tree[0] == "leaf":
        return [(prefix, tree[1])]
    if tree[0] == "dict":
        return [p for k, v in tree[1] for p in leaf_paths(v, prefix + (k,))]
    return [p for i, v in enumerate(tree[1]) for p in leaf_paths(v, prefix + (i,))]


def remap(tree, mapping):
    """The same structure with each leaf index `i` replaced by `mapping(i)`."""
    if tree[0] == "leaf":
        return ("leaf", mapping(tree[1]))
    if tree[0] == "dict":
        return ("dict", tuple((k, remap(v, mapping)) for k, v in tree[1]))
    return (tree[0], tuple(remap(v, mapping) for v in tree[1]))


def annotation(tree, types: list[TensorType]) -> str:
    """The annotation string of a tree whose leaves index `types`."""
    if tree[0] == "leaf":
        return types[tree[1]].annotation()
    if tree[0] == "dict":
        return "{" + ", ".join(f"{k!r}: {annotation(v, types)}" for k, v in tree[1]) + "}"
    inner = ", ".join(annotation(v, types) for v in tree[1])
    if tree[0] == "list":
        return f"[{inner}]"
    return f"({inner},)" if len(tree[1]) == 1 else f"({inner})"


def is_plain(tree) -> bool:
    """A leaf, or a flat tuple of leaves: what IR functions express without a tree."""
    return tree[0] == "leaf" or (tree[0] == "tuple" and all(t[0] == "leaf" for t in tree[1]))


def build(tree, leaves: list, make_list, make_dict):
    """The value a tree describes, from its leaf values (lists and dicts made by the given constructors)."""
    if tree[0] == "leaf":
        return leaves[tree[1]]
    if tree[0] == "dict":
        return make_dict({k: build(v, leaves, make_list, make_dict) for k, v in tree[1]})
    items = [build(v, leaves, make_list, make_dict) for v in tree[1]]
    return make_list(items) if tree[0] == "list" else tuple(items)


def leaf_name(name: str, path: tuple) -> str:
    """`params` at path (0, 1) -> `params_0_1`; a dict key gives its words (`"init cells"` -> `init_cells`).
    Callers make the name unique in its function (two keys may spell the same words)."""
    parts = [str(p) if isinstance(p, int) else (re.sub(r"\W+", "_", str(p)).strip("_") or "k") for p in path]
    return "_".join([name] + parts)


def graft(tree, subtree_for):
    """The same structure with each leaf `i` replaced by the whole tree `subtree_for(i)` (Jacobians: per output
    leaf, a tree over the inputs)."""
    if tree[0] == "leaf":
        return subtree_for(tree[1])
    if tree[0] == "dict":
        return ("dict", tuple((k, graft(v, subtree_for)) for k, v in tree[1]))
    return (tree[0], tuple(graft(v, subtree_for) for v in tree[1]))
