"""On the CPU target, the host's matrix products: `@` and `np.matmul` (and `np.dot`) call `_runtime.matmul`
(`lifted.cpu.products`: NumPy's `np.matmul`, a large result written into memory the buffer cache reuses instead
of fresh pages every call), and a two-operand `np.einsum` that is a (batched) matrix product becomes one too.

`np.einsum` without `optimize` runs its own C loops, not BLAS: for gmm's `"kij,nkj->nki"` (a product per
component k) that is 5 to 9 times slower than `np.matmul` over the stack of k products, which calls the BLAS
GEMM per matrix on the strided views as they are (no copy). An einsum qualifies when its letters split into
batch letters (in both operands and the output), exactly one contracted letter (in both operands, not the
output, the same size on both), and exactly one free letter per operand (in that operand and the output), with
no letter repeated in an operand, and both operands of the same float dtype. Then

    np.einsum("kij,nkj->nki", a, b) == np.matmul(a, b.transpose(1, 2, 0)).transpose(2, 0, 1)

up to the order of the additions (BLAS sums in another order: round-off only). Inside a run the product may also
be taken the other way round (`StackedProduct.swapped`: `b.T @ a.T` per batch where the output ends with a's free
letter), which makes that last axis the result's unit-stride one (see loops/products.py). Other einsums stay
`np.einsum`.

A product of a stack of matrices and one matrix (`a @ b`, `a` of rank 3 or more, `b` a matrix: GradBench ht's
26 tangents of the skinning `(26, 3, 4 bones) @ (4 bones, vertices)`) is `_runtime.flat_matmul(a, b)`: one GEMM
over the stack's rows where `b` is large, instead of NumPy's GEMM per matrix, which reads all of `b` again for
each (three times slower there; round-off only again).
"""
from __future__ import annotations

import dataclasses

from ...ir import Eqn, Function, rewrite_equations
from ...ir.types import ShapeError, TensorType
from ...primitives.linalg import parse_einsum
from ...primitives.registry import Primitive
from ...ir.verify import verified

FLOATS = ("f32", "f64")


@dataclasses.dataclass(frozen=True)
class StackedProduct:
    """How to compute an einsum as `np.matmul(a.transpose(a_axes), b.transpose(b_axes)).transpose(out_axes)`.

    `swapped` (where the output ends with a's free letter, at a's axis `free_axis`): the same product the other
    way round, `np.matmul(b.transpose(swapped[0]), a.transpose(swapped[1])).transpose(swapped[2])`, whose result
    has that last axis as its unit-stride one; a run takes it when that axis is long enough (see loops/products.py).
    """

    a_axes: tuple[int, ...]
    b_axes: tuple[int, ...]
    out_axes: tuple[int, ...]
    swapped: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None = None
    free_axis: int = -1


def einsum_as_stacked_matmul(spec: str, a: TensorType, b: TensorType) -> StackedProduct | None:
    """The transposes that make `np.einsum(spec, a, b)` one stacked matrix product; None where it is not one."""
    try:
        (sa, sb), out = parse_einsum(spec, 2)
    except (ShapeError, ValueError):
        return None
    if a.shape is None or b.shape is None or len(sa) != len(a.shape) or len(sb) != len(b.shape):
        return None
    if len(set(sa)) != len(sa) or len(set(sb)) != len(sb) or len(set(out)) != len(out) or \
            not set(out) <= set(sa) | set(sb):
        return None
    batch = [c for c in out if c in sa and c in sb]
    contracted = [c for c in sa if c in sb and c not in out]
    left = [c for c in sa if c not in sb]
    right = [c for c in sb if c not in sa]
    if len(contracted) != 1 or len(left) != 1 or len(right) != 1 or not set(left + right) <= set(out):
        return None
    (k,) = contracted
    size = a.shape[sa.index(k)]
    if size is None or size != b.shape[sb.index(k)]:  # einsum would broadcast a size-1 axis; matmul refuses
        return None
    a_order, b_order, product = batch + left + contracted, batch + contracted + right, batch + left + right
    swapped = None
    if out[-1] == left[0]:  # (the result's last axis is a's free one: b.T @ a.T makes it the unit-stride one)
        turned = batch + right + left
        swapped = (tuple(sb.index(c) for c in batch + right + contracted),
                   tuple(sa.index(c) for c in batch + contracted + left), tuple(turned.index(c) for c in out))
    return StackedProduct(tuple(sa.index(c) for c in a_order), tuple(sb.index(c) for c in b_order),
                          tuple(product.index(c) for c in out), swapped, sa.index(left[0]))


def _transposed(node, axes: tuple[int, ...]):
    from ... import codegen as cg

    if axes == tuple(range(len(axes))):
        return node
    return cg.attr(node, "T") if axes == (1, 0) else cg.method(node, "transpose", *axes)


def _render(args, params):
    from ... import codegen as cg

    plan: StackedProduct = params["plan"]
    a, b = args
    product = cg.call(cg.attr(cg.name("_runtime"), "matmul"), _transposed(a, plan.a_axes), _transposed(b, plan.b_axes))
    return _transposed(product, plan.out_axes)


STACKED_MATMUL = Primitive(name="stacked_matmul", infer=lambda types, params: TensorType("f64", None),
                           render=_render, family="launch", temp_name="m")


def _runtime_call(function: str):
    def render(args, params):
        from ... import codegen as cg

        return cg.call(cg.attr(cg.name("_runtime"), function), *args)

    return render


HOST_MATMUL = Primitive(name="host_matmul", infer=lambda types, params: TensorType("f64", None),
                        render=_runtime_call("matmul"), family="launch", temp_name="m")
FLAT_MATMUL = Primitive(name="flat_matmul", infer=lambda types, params: TensorType("f64", None),
                        render=_runtime_call("flat_matmul"), family="launch", temp_name="m")


@verified("route_cpu_products")
def route_cpu_products(fn: Function) -> Function:
    """The host function with each matrix product a `_runtime` call: `matmul`, `flat_matmul` for a stack times
    one matrix, and `matmul` of transposed views for an einsum that is a stacked matrix product."""
    return rewrite_equations(fn, _as_stacked_matmul)


def is_flat_product(stmt: Eqn) -> bool:
    """Is `stmt` `a @ b` of a float stack of matrices `a` (rank 3 or more) and a matrix `b` of its dtype?"""
    a, b = stmt.args if len(stmt.args) == 2 else (None, None)
    return stmt.prim.name == "matmul" and a is not None and a.type.shape is not None and \
        b.type.shape is not None and len(a.type.shape) >= 3 and len(b.type.shape) == 2 and \
        stmt.out.type.dtype in FLOATS and a.type.dtype == b.type.dtype == stmt.out.type.dtype


def _as_stacked_matmul(stmt: Eqn) -> Eqn:
    if is_flat_product(stmt):
        return dataclasses.replace(stmt, prim=FLAT_MATMUL, params={})
    if stmt.prim.name == "matmul" and stmt.out.type.shape != ():  # (a dot of vectors, a number, stays `@`)
        return dataclasses.replace(stmt, prim=HOST_MATMUL)
    if stmt.prim.name == "einsum" and len(stmt.args) == 2 and stmt.out.type.dtype in FLOATS and \
            stmt.args[0].type.dtype == stmt.args[1].type.dtype == stmt.out.type.dtype:
        plan = einsum_as_stacked_matmul(stmt.params["spec"], stmt.args[0].type, stmt.args[1].type)
        if plan is not None:
            return dataclasses.replace(stmt, prim=STACKED_MATMUL, params={"plan": plan})
    return stmt
