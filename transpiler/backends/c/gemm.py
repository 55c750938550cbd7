"""On the CUDA target, the host code's matrix products (`@`, `np.dot`, `.dot`, `np.matmul`) call cuBLAS through
`lifted.cuda.matmul` instead of NumPy; on the CPU target they stay NumPy's `@` (BLAS)."""
from __future__ import annotations

import dataclasses

from ...errors import TranspileError
from ...ir import Eqn, Function, If, Loop
from ...ir.types import TensorType
from ...primitives.registry import Primitive


def _render_gemm(args, params):
    from ... import codegen as cg

    return cg.call(cg.attr(cg.name("_runtime"), "matmul"), *args)


GEMM = Primitive(name="gemm", infer=lambda types, params: TensorType("f64", None), render=_render_gemm,
                 family="launch", temp_name="m")


def route_gemms(fn: Function) -> Function:
    """The host function with each matrix product a cuBLAS call."""
    return dataclasses.replace(fn, body=_block(fn.body))


def _block(stmts: list) -> list:
    out = []
    for stmt in stmts:
        if isinstance(stmt, If):
            stmt = dataclasses.replace(stmt, then_body=_block(stmt.then_body), else_body=_block(stmt.else_body))
        elif isinstance(stmt, Loop):
            stmt = dataclasses.replace(stmt, cond_body=_block(stmt.cond_body), body=_block(stmt.body))
        elif stmt.prim.name == "matmul":
            if stmt.out.type.dtype not in ("f32", "f64"):
                raise TranspileError(f"a matrix product of {stmt.out.type.dtype} arrays has no cuBLAS routine",
                                     stmt.loc, "cast the operands to float (`.astype(np.float64)`), or build "
                                     "this function with the `c` or `numpy` backend")
            stmt = dataclasses.replace(stmt, prim=GEMM)
        out.append(stmt)
    return out
