"""On the CPU target, a matrix product whose operand is a tie mask times factors (`x == min(x, axis)` times
values) reads the mask instead of the n x k operand, so the operand is never stored.

GradBench kmeans' gradient ends with `points.T @ (mask * (1 / count) * -2.0)`, `mask` the `distances == min`
ties of each row: one or a few `True` per row of k. Fused, the kernel before the product stored the n x k
operand (8 MB at k = n = 1000) and BLAS then multiplied every zero of it (0.69 ms of the call's 2.1). Here such a
product becomes one `masked_matmul` equation over the mask and the factors, in the order the source multiplies
them:

    X = mask * f1 * ... * fm        (a chain of `multiply`, `mask` a bool array of X's shape, each f_i any value
                                     broadcast to it, on either side)
    A @ X  or  X @ B                (a float matrix product of one dtype)

Inside a run (loops/products.py, `lifted_masked_matmul` in the loop prelude) it counts the mask's `True`s, and
where they are at most one in eight, every factor is finite and the other operand is too, adds `A[:, i] * X[i,
j]` (or `X[i, j] * B[j, :]`) for the `True`s only, each X[i, j] computed as the chain computes it with the mask's
1.0. A `False` makes X[i, j] a zero (0.0 times finite factors), whose products with the finite other operand add
nothing to a sum (signs of zeros aside), so the result is the product's up to the order of the additions
(BLAS's order is its own: round-off only, as between BLAS and NumPy's gemv). Otherwise (denser masks, an inf or
NaN that makes 0 * inf a NaN) it computes X densely, exactly as the chain does, and calls BLAS as before. On the
host (a product left outside a run) it renders the chain and the product as the NumPy backend does. Only tie
masks qualify: their density is known to be small for long rows, where a mask from an arbitrary comparison (a
ReLU's `x > 0`) would pay the count and often compute X anyway, outside the kernel that would have fused it.
A product whose mask or factor is, views, or is viewed by an array the function updates in place keeps its form:
the equation reads its factors where the product is, later than the chain did.
"""
from __future__ import annotations

import dataclasses

from ... import codegen as cg
from ...analysis.liveness import eliminate_dead_code
from ...ir import Eqn, Function, equations, rewrite_equations
from ...ir.types import TensorType
from ...primitives.registry import Primitive, lookup
from ...ir.verify import verified

FLOATS = ("f32", "f64")
FACTOR_DTYPES = ("f64", "f32", "i64", "i32", "bool")
TIE_REDUCTIONS = ("min", "max")
BROADCAST_STEPS = ("expand_dims", "reshape", "broadcast_to")  # (the reduction brought back to the row's shape)


@dataclasses.dataclass(frozen=True)
class Step:
    """One `multiply` of the chain: by the factor at `factor` (an index into the equation's factors), on the left
    of the running value when `left`, in the dtype `dtype`."""

    factor: int
    left: bool
    dtype: str


def _chain_node(mask, factors, chain):
    """The chain of products as the source wrote it (NumPy's meaning on the host)."""
    value = mask
    for step in chain:
        factor = factors[step.factor]
        value = cg.binop("*", factor, value) if step.left else cg.binop("*", value, factor)
    return value


def _render_product(args, params):
    other, mask, *factors = args
    value = _chain_node(mask, factors, params["chain"])
    operands = (value, other) if params["mask_left"] else (other, value)
    return cg.call(cg.attr(cg.name("_runtime"), "matmul"), *operands)


def _render_sum(args, params):
    mask, *factors = args
    value = _chain_node(mask, factors, params["chain"])
    return lookup("sum").render([value], {key: params[key] for key in ("axis", "keepdims") if key in params})


MASKED_MATMUL = Primitive(name="masked_matmul", infer=lambda types, params: TensorType("f64", None),
                          render=_render_product, family="linalg", temp_name="m")
MASKED_SUM = Primitive(name="masked_sum", infer=lambda types, params: TensorType("f64", None),
                       render=_render_sum, family="linalg", temp_name="s")


@verified("mask_products")
def mask_products(fn: Function) -> Function:
    """`fn` with every float matrix product of a tie-mask chain (see the module's docstring) a `masked_matmul`,
    and what only that operand needed removed."""
    made = {id(out): eqn for eqn in equations(fn.body) for out in eqn.outs}
    written = {id(_root(e.args[0], made)) for e in made.values()
               if e.prim.extra.get("in_place") and e.prim.family != "tape" and e.args}
    changed = False

    def rewrite(eqn: Eqn) -> list[Eqn]:
        nonlocal changed
        if eqn.prim.name == "sum":
            found = _summed_chain(eqn, made)
            if found is None or any(id(_root(v, made)) in written for v in (found[0], *found[1])):
                return [eqn]
            mask, factors, chain = found
            changed = True
            params = {"axis": eqn.params["axis"], "keepdims": bool(eqn.params.get("keepdims")), "chain": chain}
            return [dataclasses.replace(eqn, prim=MASKED_SUM, args=(mask, *factors), params=params)]
        if eqn.prim.name != "matmul" or len(eqn.args) != 2 or eqn.out.type.dtype not in FLOATS:
            return [eqn]
        a, b = eqn.args
        if len(a.type.shape or ()) != 2 or len(b.type.shape or ()) != 2:
            return [eqn]
        for position, operand, other in ((1, b, a), (0, a, b)):
            found = _chain(operand, made, eqn.out.type.dtype)
            if found is not None and other.type.dtype == eqn.out.type.dtype and \
                    not any(id(_root(v, made)) in written for v in (found[0], *found[1])):
                mask, factors, chain = found
                changed = True
                params = {"mask_left": position == 0, "chain": chain}
                return [dataclasses.replace(eqn, prim=MASKED_MATMUL, args=(other, mask, *factors), params=params)]
        return [eqn]

    result = rewrite_equations(fn, rewrite)
    return eliminate_dead_code(result) if changed else fn


def _root(value, made: dict):
    """The array whose memory `value` may view (through views and in-place updates, which return their target)."""
    eqn, seen = made.get(id(value)), set()
    while eqn is not None and eqn.args and eqn.prim.shares_first(eqn.args, eqn.params) and id(eqn) not in seen:
        seen.add(id(eqn))
        value = eqn.args[0]
        eqn = made.get(id(value))
    return value


def _summed_chain(eqn: Eqn, made: dict):
    """(mask, factors, steps) for `np.sum(X, axis)` of one axis of a float chain X of rank 2; else None."""
    axis = eqn.params.get("axis")
    if set(eqn.params) - {"axis", "keepdims"} or not isinstance(axis, int) or isinstance(axis, bool) or \
            not -2 <= axis < 2 or eqn.out.type.dtype not in FLOATS or len(eqn.args) != 1:
        return None
    (operand,) = eqn.args
    if operand.type.dtype != eqn.out.type.dtype or len(operand.type.shape or ()) != 2:
        return None
    return _chain(operand, made, eqn.out.type.dtype)


def _chain(operand, made: dict, dtype: str):
    """(mask, factors, steps) when `operand` is a tie mask of its own shape times factors, every product in
    `dtype`; else None."""
    shape = operand.type.shape
    if shape is None or any(d is None for d in shape):
        return None
    found = _walk(operand, made, dtype, shape)
    if found is None:
        return None
    mask, steps = found
    factors = tuple(factor for factor, _left in steps)
    return mask, factors, tuple(Step(k, left, dtype) for k, (_factor, left) in enumerate(steps))


def _walk(value, made: dict, dtype: str, shape: tuple, depth: int = 0):
    """(mask, [(factor, on the left), ...] from the mask outwards) for a chain of products reaching a tie mask."""
    eqn = made.get(id(value))
    if eqn is None or depth > 32:
        return None
    if eqn.prim.name == "equal":
        ok = value.type.dtype == "bool" and value.type.shape == shape and _is_tie_mask(eqn, made)
        return (value, []) if ok else None
    if eqn.prim.name != "multiply" or len(eqn.args) != 2 or value.type.dtype != dtype or value.type.shape != shape:
        return None
    for inner, factor, factor_left in ((eqn.args[0], eqn.args[1], False), (eqn.args[1], eqn.args[0], True)):
        if factor.type.dtype not in FACTOR_DTYPES or not _broadcasts_into(factor.type.shape, shape):
            continue
        found = _walk(inner, made, dtype, shape, depth + 1)
        if found is not None:
            mask, steps = found
            return mask, steps + [(factor, factor_left)]
    return None


def _is_tie_mask(eqn: Eqn, made: dict) -> bool:
    """`x == m` (either order) where `m` is `min` or `max` of `x` over some axes, brought back to x's rank."""
    x, y = eqn.args
    for value, peak in ((x, y), (y, x)):
        source = made.get(id(peak))
        while source is not None and source.prim.name in BROADCAST_STEPS:
            source = made.get(id(source.args[0]))
        if source is not None and source.prim.name in TIE_REDUCTIONS and source.args[0] is value:
            return True
    return False


def _broadcasts_into(factor_shape, shape) -> bool:
    """Does a factor of `factor_shape` broadcast into `shape` without growing it (each axis 1 or the same)?"""
    if factor_shape is None or len(factor_shape) > len(shape):
        return False
    for size, full in zip(reversed(factor_shape), reversed(shape)):
        if size != 1 and size != full:
            return False
    return True
