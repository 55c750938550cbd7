"""Transforms of functions whose parameters or results are trees (lists, tuples, dicts of arrays).

The transform itself runs on the flat IR function (one parameter per leaf); this layer says how the generated
function's user-facing parameters and result are made of leaves, like autograd and JAX: `grad` with respect to
a tree parameter returns a tree of the same structure, `vjp` takes a cotangent tree shaped like the result,
`jvp` one tangent tree per differentiated parameter.
"""
from __future__ import annotations

from ..errors import SourceLoc, TranspileError
from ..ir import Function, result_atoms
from ..trees import graft, leaf_indices, leaf_name, leaf_paths, remap
from .batch import BatchSpec, vmap
from .compose import apply_transform
from ..ir.verify import verified


def user_params(fn: Function) -> list[tuple[str, tuple]]:
    """(name, tree over fn.params) for each parameter a caller passes."""
    return fn.in_tree if fn.in_tree is not None else [(p.name, ("leaf", i)) for i, p in enumerate(fn.params)]


def result_structure(fn: Function) -> tuple:
    """The result's tree over result_atoms(fn.result)."""
    if fn.out_tree is not None:
        return fn.out_tree
    if isinstance(fn.result, tuple):
        return ("tuple", tuple(("leaf", i) for i in range(len(fn.result))))
    return ("leaf", 0)


def uses_trees(fn: Function) -> bool:
    return fn.in_tree is not None or fn.out_tree is not None


@verified("apply_tree_transform")
def apply_tree_transform(kind: str, fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool,
                         loc: SourceLoc | None, generated: bool = False) -> Function:
    """`kind` of `fn` with respect to the user-facing parameters at positions `wrt`."""
    params = user_params(fn)
    leaves = [i for position in wrt for i in leaf_indices(params[position][1])]
    where = {leaf: k for k, leaf in enumerate(leaves)}
    grads = tuple(remap(params[position][1], where.__getitem__) for position in wrt)
    grads_tree = ("tuple", grads) if wrt_is_tuple else grads[0]
    out = result_structure(fn)
    count = len(result_atoms(fn.result))
    if kind in ("jacfwd", "jacrev", "hessian"):
        # blocks per output leaf k (for hessian: per gradient leaf), each a tree over the inputs: atom k*L + j
        result = apply_transform(kind, fn, name, tuple(leaves), True, loc, generated=generated)
        outer = grads_tree if kind == "hessian" else out
        result.in_tree = list(params)
        result.out_tree = graft(outer, lambda k: remap(grads_tree, lambda j: k * len(leaves) + j))
        _check_flat_result(result, loc)
        return result
    names = tuple(leaf_name("ct", path) for path, _ in sorted(leaf_paths(out), key=lambda p: p[1]))
    result = apply_transform(kind, fn, name, tuple(leaves), True, loc, generated=generated,
                             leaf_cotangents=names if kind == "vjp" else ())
    shifted = remap(grads_tree, lambda i: i + count)
    if kind == "grad":
        result.in_tree, result.out_tree = list(params), grads_tree
    elif kind in ("value_and_grad", "vjp"):
        result.in_tree, result.out_tree = list(params), ("tuple", (out, shifted))
        if kind == "vjp":
            result.in_tree.append(("ct", remap(out, lambda i: len(fn.params) + i)))
    else:
        tangents = [(f"t{params[position][0]}", remap(params[position][1], lambda i: len(fn.params) + where[i]))
                    for position in wrt]
        result.in_tree = list(params) + tangents
        result.out_tree = ("tuple", (out, remap(out, lambda i: i + count)))
    _check_flat_result(result, loc)
    return result


def _check_flat_result(fn: Function, loc) -> None:
    """The flat result must have exactly the leaves the tree names."""
    atoms = result_atoms(fn.result)
    wanted = leaf_indices(fn.out_tree)
    if sorted(wanted) != list(range(len(atoms))):
        raise TranspileError(f"internal: the result of `{fn.name}` has {len(atoms)} values, its tree {len(wanted)}",
                             loc)


@verified("tree_vmap")
def tree_vmap(fn: Function, name: str, in_axes, out_axes, loc: SourceLoc | None,
              out_loc: SourceLoc | None = None) -> Function:
    """`vmap` of a function with tree parameters or results: `in_axes` gives each user-facing parameter an axis
    (or None) for all its leaves, or a tree prefix of its structure (a tuple or list for a list or tuple, a dict
    for a dict), as JAX takes it; `out_axes` likewise for the result. The batched function keeps the trees."""
    params = user_params(fn)
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(params)
    if len(axes) != len(params):
        raise TranspileError(f"in_axes has {len(axes)} entries but `{fn.name}` has {len(params)} parameters "
                             f"({', '.join(p for p, _ in params)})", loc,
                             "give one entry per parameter: an axis, None, or a tree prefix of a tree parameter")
    leaf_axes: list = [None] * len(fn.params)
    for (param, tree), axis in zip(params, axes):
        _spread(tree, axis, leaf_axes, f"`{param}`", "in_axes", loc)
    atoms = result_atoms(fn.result)
    leaf_out: list = [0] * len(atoms)
    _spread(result_structure(fn), out_axes, leaf_out, "the result", "out_axes", out_loc or loc)
    flat = iter(leaf_out)

    def shaped(result):  # out_axes nested like the flat function's result
        return tuple(shaped(r) for r in result) if isinstance(result, tuple) else next(flat)

    result = vmap(fn, BatchSpec(name, tuple(leaf_axes), shaped(fn.result), loc, out_loc or loc))
    result.in_tree, result.out_tree = fn.in_tree, fn.out_tree
    return result


def _spread(tree, axis, leaf_axes: list, what: str, option: str, loc) -> None:
    """Give every leaf of `tree` its axis from `axis`, an axis for all of them or a prefix of the tree."""
    if axis is None or isinstance(axis, int):
        for leaf in leaf_indices(tree):
            leaf_axes[leaf] = axis
        return
    kind = tree[0]
    if kind in ("list", "tuple") and isinstance(axis, (tuple, list)):
        if len(axis) != len(tree[1]):
            raise TranspileError(f"{option} for {what} has {len(axis)} entries but {what} has {len(tree[1])} items",
                                 loc, f"give one entry per item, or one axis for all of {what}")
        for k, (item, sub) in enumerate(zip(tree[1], axis)):
            _spread(item, sub, leaf_axes, f"{what}[{k}]", option, loc)
        return
    if kind == "dict" and isinstance(axis, dict):
        keys = [key for key, _ in tree[1]]
        if sorted(map(repr, axis)) != sorted(map(repr, keys)):
            raise TranspileError(f"{option} for {what} has the keys {sorted(axis, key=repr)} but {what} has "
                                 f"{sorted(keys, key=repr)}", loc, "give one entry per key, or one axis for all")
        for key, item in tree[1]:
            _spread(item, axis[key], leaf_axes, f"{what}[{key!r}]", option, loc)
        return
    shape = {"leaf": "one array", "list": "a list", "tuple": "a tuple", "dict": "a dict"}[kind]
    raise TranspileError(f"{option} for {what} is {type(axis).__name__} {axis!r}, but {what} is {shape}", loc,
                         "give an axis or None, or a prefix of its structure: a tuple or list for a list or tuple, "
                         "a dict for a dict")
