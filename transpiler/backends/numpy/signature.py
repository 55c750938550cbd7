"""A rendered function's signature (annotations, the defaults Python allows) and its tree arguments and results:
parameters that are lists, tuples or dicts of arrays are unpacked into one name per leaf at entry, and a tree
result is built around the leaf expressions at the return."""
from __future__ import annotations

import libcst as cst

from ... import codegen as cg
from ...ir import Function, Var
from ...trees import leaf_paths
from .nodes import statement_line


def with_defaults(texts: list[tuple[str, str]], defaults: dict) -> list[str]:
    """Parameters with their defaults, where Python allows one: only when every later parameter has one too
    (a vjp's cotangent or a jvp's tangents come after them: there the defaults are dropped)."""
    out, allowed = [], True
    for name, text in reversed(texts):
        allowed = allowed and name in defaults
        out.append(f"{text} = {defaults[name]!r}" if allowed else text)
    return out[::-1]


def param_text(p: Var) -> str:
    return f'{p.name}: "{p.type.annotation()}"' if p.type.shape is not None else p.name


def unpack_trees(fn: Function) -> list[str]:
    """One name per leaf of each tree parameter: `(W_0, b_0), (W_1, b_1) = params`, or `w = params["w"]` per
    leaf where the tree holds a dict."""
    lines = []
    for name, tree in fn.in_tree:
        if tree[0] == "leaf":
            continue
        if _has_dict(tree):
            for path, index in leaf_paths(tree):
                value = cg.subscript(cg.name(name), [cg.literal(path[0])])
                for key in path[1:]:
                    value = cg.subscript(value, [cg.literal(key)])
                target = cg.name(fn.params[index].name)
                lines.append(statement_line(cst.Assign([cst.AssignTarget(target)], value)))
        else:
            target = _unpack_target(tree, fn.params)
            lines.append(statement_line(cst.Assign([cst.AssignTarget(target)], cg.name(name))))
        lines.append(statement_line(cst.Del(cg.name(name))))
    return lines


def leaf_names(fn: Function) -> dict[int, str]:
    """How the caller writes each parameter leaf (`params["w"]`, `layers[0][1]`), by leaf index: what an error
    about one leaf names."""
    names = {}
    for name, tree in fn.in_tree or [(p.name, ("leaf", i)) for i, p in enumerate(fn.params)]:
        for path, index in leaf_paths(tree):
            names[index] = name + "".join(f"[{key!r}]" for key in path)
    return names


def _has_dict(tree) -> bool:
    return tree[0] == "dict" or (tree[0] != "leaf" and any(_has_dict(t) for t in tree[1]))


def _unpack_target(tree, params):
    if tree[0] == "leaf":
        return cg.name(params[tree[1]].name)
    items = [cst.Element(_unpack_target(t, params)) for t in tree[1]]
    if len(items) == 1:
        items = [cst.Element(items[0].value, comma=cst.Comma())]
    return cst.Tuple(items)


def tree_expr(tree, leaves: list) -> cst.BaseExpression:
    """A tree of lists, tuples and dicts around the leaf expressions."""
    if tree[0] == "leaf":
        return leaves[tree[1]]
    if tree[0] == "dict":
        return cst.Dict([cst.DictElement(cg.literal(k), tree_expr(v, leaves)) for k, v in tree[1]])
    items = [cst.Element(tree_expr(v, leaves)) for v in tree[1]]
    if tree[0] == "list":
        return cst.List(items)
    if len(items) == 1:
        return cst.Tuple([cst.Element(items[0].value, comma=cst.Comma())])
    return cg.tuple_(*[i.value for i in items])
