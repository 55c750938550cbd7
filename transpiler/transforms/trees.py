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
from .compose import apply_transform


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
