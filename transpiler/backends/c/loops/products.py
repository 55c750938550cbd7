"""Matrix products and transposes inside a run (see emit.py): `a @ b` of float matrices and vectors calls the
BLAS gemm NumPy's own OpenBLAS exports (`lifted_matmul` in the prelude; the runtime finds it when the library
loads), `np.outer` of two vectors is their products, and `.T` / `np.transpose` are views with their axes
permuted, as NumPy's are."""
from __future__ import annotations

from ....ir import Eqn
from ..c_syntax import C_TYPES, indent


class Products:
    """Mixed into the run emitter, which provides `var`, `view_type`, `fail`, `fresh` and `plan`."""

    def matmul(self, eqn: Eqn) -> list[str]:
        """`a @ b` for ranks (2, 2), (2, 1) and (1, 2): vectors as one-row or one-column matrices (views), the
        sizes checked as NumPy checks them, the result a new C-contiguous array."""
        a, b = eqn.args
        out = eqn.out
        dtype = out.type.dtype
        matrix = self.view_type(dtype, 2)
        lines = [f"{matrix} left, right, product;"]
        lines += _as_matrix("left", self.var(a), len(a.type.shape), row=True)
        lines += _as_matrix("right", self.var(b), len(b.type.shape), row=False)
        lines += [f"if (left.d[1] != right.d[0]) {self.fail('matmul', 'right.d[0]', 'left.d[1]')}",
                  "const int64_t dims[2] = {left.d[0], right.d[1]};",
                  self.fresh(eqn, out, "dims", "product"),
                  "{ const int rc = lifted_matmul(left, right, product, st); if (rc) return rc; }"]
        rank = len(out.type.shape)
        if rank == 2:
            lines.append(f"{self.var(out)} = product;")
        else:  # (the vector's axis dropped again)
            axis = 0 if len(a.type.shape) == 2 else 1
            result = self.var(out)
            lines.append(f"{result}.p = product.p; {result}.d[0] = product.d[{axis}]; {result}.s[0] = "
                         f"product.s[{axis}];")
        return ["{"] + indent(lines) + ["}"]

    def outer(self, eqn: Eqn) -> list[str]:
        """`np.outer(a, b)` of two vectors: `a[i] * b[j]` in a new (len(a), len(b)) array, NumPy's products."""
        a, b = eqn.args
        ctype = C_TYPES[eqn.out.type.dtype]
        va, vb, out = self.var(a), self.var(b), self.var(eqn.out)
        lines = [f"const int64_t dims[2] = {{{va}.d[0], {vb}.d[0]}};", self.fresh(eqn, eqn.out, "dims"),
                 f"for (int64_t i = 0; i < dims[0]; ++i) for (int64_t j = 0; j < dims[1]; ++j) "
                 f"{out}.p[i * dims[1] + j] = ({ctype})({va}.p[i * {va}.s[0]] * {vb}.p[j * {vb}.s[0]]);"]
        return ["{"] + indent(lines) + ["}"]

    def transpose(self, eqn: Eqn) -> list[str]:
        source, out = eqn.args[0], eqn.out
        rank = len(source.type.shape)
        axes = eqn.params.get("axes")
        perm = tuple(reversed(range(rank))) if axes is None else tuple(a % rank for a in axes)
        src = self.var(source)
        lines = [f"{self.view_type(out.type.dtype, rank)} view;", f"view.p = {src}.p;"]
        lines += [f"view.d[{k}] = {src}.d[{p}]; view.s[{k}] = {src}.s[{p}];" for k, p in enumerate(perm)]
        return ["{"] + indent(lines + [f"{self.var(out)} = view;"]) + ["}"]


def _as_matrix(target: str, view: str, rank: int, row: bool) -> list[str]:
    """A rank-2 view of a matrix, or of a vector as one row (the left operand) or one column (the right)."""
    if rank == 2:
        return [f"{target} = {view};"]
    if row:
        return [f"{target}.p = {view}.p; {target}.d[0] = 1; {target}.s[0] = {view}.d[0]; "
                f"{target}.d[1] = {view}.d[0]; {target}.s[1] = {view}.s[0];"]
    return [f"{target}.p = {view}.p; {target}.d[0] = {view}.d[0]; {target}.s[0] = {view}.s[0]; "
            f"{target}.d[1] = 1; {target}.s[1] = 1;"]
