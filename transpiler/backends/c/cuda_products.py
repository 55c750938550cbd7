"""On the CUDA target, the host code's matrix products (`@`, `np.dot`, `.dot`, `np.matmul`, and an `np.einsum` of
two matrices that is one product, such as "ij,kj->ik") call cuBLAS through `lifted.cuda.matmul` instead of
NumPy (the CPU target's products are in cpu_products.py)."""
from __future__ import annotations

import dataclasses

from ...errors import TranspileError
from ...ir import Eqn, Function, rewrite_equations
from ...ir.types import ShapeError, TensorType
from ...primitives.linalg import parse_einsum
from ...primitives.registry import Primitive
from ...ir.verify import verified


def _render_gemm(args, params):
    from ... import codegen as cg

    swap_a, swap_b, swap_out = params.get("swap", (False, False, False))
    a, b = (cg.attr(cg.literal(x), "T") if swap else x for x, swap in zip(args, (swap_a, swap_b)))
    product = cg.call(cg.attr(cg.name("_runtime"), "matmul"), a, b)
    return cg.attr(product, "T") if swap_out else product


def einsum_as_matmul(spec: str) -> tuple[bool, bool, bool] | None:
    """(transpose a, transpose b, transpose the product) when `np.einsum(spec, a, b)` of two matrices is one
    matrix product `a @ b` up to transposes; None otherwise (it stays `np.einsum` on the host)."""
    try:
        (a, b), out = parse_einsum(spec, 2)
    except (ShapeError, ValueError):
        return None
    if not (len(a) == len(b) == len(out) == 2 and len(set(a)) == len(set(b)) == len(set(out)) == 2):
        return None
    shared = set(a) & set(b)
    if len(shared) != 1:
        return None
    (k,) = shared
    i, j = a.replace(k, ""), b.replace(k, "")
    if k in out or set(out) != {i, j}:
        return None
    return a != i + k, b != k + j, out != i + j


GEMM = Primitive(name="gemm", infer=lambda types, params: TensorType("f64", None), render=_render_gemm,
                 family="launch", temp_name="m")


@verified("route_cuda_products")
def route_cuda_products(fn: Function) -> Function:
    """The host function with each matrix product a cuBLAS call."""
    return rewrite_equations(fn, _as_gemm)


def _as_gemm(stmt: Eqn) -> Eqn:
    if stmt.prim.name == "matmul":
        if stmt.out.type.dtype not in ("f32", "f64"):
            raise TranspileError(f"a matrix product of {stmt.out.type.dtype} arrays has no cuBLAS routine",
                                 stmt.loc, "cast the operands to float (`.astype(np.float64)`), or build "
                                 "this function with the `c` or `numpy` backend")
        stmt = dataclasses.replace(stmt, prim=GEMM)
    elif stmt.prim.name == "einsum" and len(stmt.args) == 2 and stmt.out.type.dtype in ("f32", "f64"):
        swaps = einsum_as_matmul(stmt.params["spec"])
        if swaps is not None:
            stmt = dataclasses.replace(stmt, prim=GEMM, params={"swap": swaps})
    return stmt
