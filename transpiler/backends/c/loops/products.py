"""Matrix products and transposes inside a run (see emit.py): `a @ b` of float matrices and vectors calls the
BLAS gemm NumPy's own OpenBLAS exports (`lifted_matmul` in the prelude; the runtime finds it when the library
loads), `np.outer` of two vectors is their products, and `.T`, `np.transpose` and `np.swapaxes` are views
with their axes permuted, as NumPy's are."""
from __future__ import annotations

from ....ir import Eqn
from ..c_syntax import C_TYPES, indent


class Products:
    """Mixed into the run emitter, which provides `var`, `view_type`, `fail`, `fresh` and `plan`."""

    def matmul(self, eqn: Eqn) -> list[str]:
        """`a @ b` for ranks (2, 2), (2, 1) and (1, 2), vectors as one-row or one-column matrices (views), and
        stacks of matrices (rank 3, or a matrix against a stack): one product per matrix of the stack, as NumPy
        computes them, a stack of one broadcast; the sizes checked as NumPy checks them, the result a new
        C-contiguous array."""
        a, b = eqn.args
        out = eqn.out
        ranks = len(a.type.shape), len(b.type.shape)
        if max(ranks) == 3:
            return self._stacked_matmul(eqn)
        matrix = self.view_type(out.type.dtype, 2)
        lines = [f"{matrix} left, right, product;"]
        lines += _as_matrix("left", self.var(a), ranks[0], row=True)
        lines += _as_matrix("right", self.var(b), ranks[1], row=False)
        may_flip = len(out.type.shape) == 2 and self.plan.placement.get((id(eqn), out.name)) == "scratch"
        lines += self._flipped_product(eqn) if may_flip else self._one_product(eqn)
        if len(out.type.shape) == 2:
            lines.append(f"{self.var(out)} = product;")
        else:  # (the vector's axis dropped again)
            axis = 0 if ranks[0] == 2 else 1
            result = self.var(out)
            lines.append(f"{result}.p = product.p; {result}.d[0] = product.d[{axis}]; {result}.s[0] = "
                         f"product.s[{axis}];")
        return ["{"] + indent(lines) + ["}"]

    def stacked_product(self, eqn: Eqn) -> list[str]:
        """An einsum that is one stacked product (../cpu_products.py): `np.matmul` of transposed views, the result
        a transposed view of the new stack. Where the output ends with a's free axis, the product is taken the
        other way round (`b.T @ a.T` per batch) when that axis has at least half a tile panel (LIFTED_TURNS in the
        prelude): the result's last axis is then its unit-stride one, so the element work and reductions over it
        read contiguous rows (gmm's `qdiff`, (n, k, d), was the view of a (k, d, n) stack: its rows 1000 elements
        apart), and the triangular factor is the right operand, whose rows of zeros the tiles skip. Rows of a
        few elements keep the other way (gmm at d = 2: its (n, k) element work walks n contiguously)."""
        plan = eqn.params["plan"]
        a, b = eqn.args
        out = eqn.out
        rank = len(plan.a_axes)
        view = self.view_type(out.type.dtype, rank)
        names = ("left", "right", "product") if rank == 2 else ("left_stack", "right_stack", "result_stack")
        lines = [f"{view} {', '.join(names[:3 if rank == 2 else 2])};"]
        straight = _permuted(names[0], self.var(a), plan.a_axes) + _permuted(names[1], self.var(b), plan.b_axes)
        if plan.swapped is None:
            lines += straight
        else:
            first, second, _ = plan.swapped
            lines += [f"const bool turned = LIFTED_TURNS({C_TYPES[out.type.dtype]}, "
                      f"{self.var(a)}.d[{plan.free_axis}]);",
                      "if (turned) {"] + indent(_permuted(names[0], self.var(b), first) +
                                               _permuted(names[1], self.var(a), second)) + \
                ["} else {"] + indent(straight) + ["}"]
        if rank == 2:
            lines += self._one_product(eqn)
        else:
            lines += self._stacked_matmul(eqn, "left_stack", "right_stack", "result_stack")
        result = _permuted(self.var(out), names[2], plan.out_axes)
        if plan.swapped is not None:
            result = ["if (turned) {"] + indent(_permuted(self.var(out), names[2], plan.swapped[2])) + \
                ["} else {"] + indent(result) + ["}"]
        return ["{"] + indent(lines + result) + ["}"]

    def _one_product(self, eqn: Eqn) -> list[str]:
        """`product` = `left` @ `right` (matrix views declared by the caller): NumPy's size check, a new
        C-contiguous result, the gemm."""
        return [f"if (left.d[1] != right.d[0]) {self.fail('matmul', 'right.d[0]', 'left.d[1]')}",
                "const int64_t dims[2] = {left.d[0], right.d[1]};",
                self.fresh(eqn, eqn.out, "dims", "product"),
                "{ const int rc = lifted_matmul(left, right, product, st); if (rc) return rc; }"]

    def _flipped_product(self, eqn: Eqn) -> list[str]:
        """`product` = `left` @ `right` for a result that dies in the call: where it has few rows and many
        columns (LIFTED_GEMM_FLIPS in the prelude), computed as `right.T @ left.T` into memory of the transposed
        shape and viewed transposed (its strides, not C-contiguous), otherwise as `_one_product`."""
        return [f"if (left.d[1] != right.d[0]) {self.fail('matmul', 'right.d[0]', 'left.d[1]')}",
                "const bool flip = LIFTED_GEMM_FLIPS(left.d[0], right.d[1]);",
                "const int64_t dims[2] = {flip ? right.d[1] : left.d[0], flip ? left.d[0] : right.d[1]};",
                self.fresh(eqn, eqn.out, "dims", "product"),
                "if (flip) { const int rc = lifted_matmul(lifted_transposed(right), lifted_transposed(left), "
                "product, st); if (rc) return rc; product = lifted_transposed(product); }",
                "else { const int rc = lifted_matmul(left, right, product, st); if (rc) return rc; }"]

    def _stacked_matmul(self, eqn: Eqn, left_view: str | None = None, right_view: str | None = None,
                        result: str | None = None) -> list[str]:
        a, b = eqn.args
        out = eqn.out
        stack = self.view_type(out.type.dtype, 3)
        matrix = self.view_type(out.type.dtype, 2)
        lines = [f"{stack} left, right, whole;"]
        for target, atom, given in (("left", a, left_view), ("right", b, right_view)):
            view = given or self.var(atom)
            if given is not None or len(atom.type.shape) == 3:
                lines.append(f"{target} = {view};")
            else:  # a matrix against a stack: a stack of one
                lines.append(f"{target}.p = {view}.p; {target}.d[0] = 1; {target}.s[0] = 0; "
                             f"for (int k = 0; k < 2; ++k) {{ {target}.d[k + 1] = {view}.d[k]; "
                             f"{target}.s[k + 1] = {view}.s[k]; }}")
        lines += ["if (left.d[0] != right.d[0] && left.d[0] != 1 && right.d[0] != 1) "
                  f"{self.fail('stacks', 'left.d[0]', 'right.d[0]')}",
                  f"if (left.d[2] != right.d[1]) {self.fail('matmul', 'right.d[1]', 'left.d[2]')}",
                  "const int64_t dims[3] = {left.d[0] == 1 ? right.d[0] : left.d[0], left.d[1], right.d[2]};",
                  self.fresh(eqn, out, "dims", "whole"),
                  "for (int64_t i = 0; i < dims[0]; ++i) {",
                  f"    {matrix} one_left, one_right, one_product;",
                  "    one_left.p = left.p + (left.d[0] == 1 ? 0 : i * left.s[0]);",
                  "    one_right.p = right.p + (right.d[0] == 1 ? 0 : i * right.s[0]);",
                  "    one_product.p = whole.p + i * whole.s[0];",
                  "    for (int k = 0; k < 2; ++k) { one_left.d[k] = left.d[k + 1]; one_left.s[k] = left.s[k + 1]; "
                  "one_right.d[k] = right.d[k + 1]; one_right.s[k] = right.s[k + 1]; "
                  "one_product.d[k] = whole.d[k + 1]; one_product.s[k] = whole.s[k + 1]; }",
                  "    const int rc = lifted_matmul(one_left, one_right, one_product, st); if (rc) return rc;",
                  "}"]
        if result is not None:  # (inside stacked_product's block, which reads the stack on)
            return [f"{stack} {result};", "{"] + indent(lines + [f"{result} = whole;"]) + ["}"]
        return ["{"] + indent(lines + [f"{self.var(out)} = whole;"]) + ["}"]

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
        if eqn.prim.name == "swapaxes":
            perm = list(range(rank))
            i, j = eqn.params["axis1"] % rank, eqn.params["axis2"] % rank
            perm[i], perm[j] = perm[j], perm[i]
        else:
            axes = eqn.params.get("axes")
            perm = tuple(reversed(range(rank))) if axes is None else tuple(a % rank for a in axes)
        lines = [f"{self.view_type(out.type.dtype, rank)} view;"] + _permuted("view", self.var(source), perm)
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


def _permuted(target: str, view: str, axes: tuple) -> list[str]:
    """`target` = the view `view` with its axes in the order `axes` (a transpose: no element moves)."""
    return [f"{target}.p = {view}.p;"] + [f"{target}.d[{k}] = {view}.d[{p}]; {target}.s[{k}] = {view}.s[{p}];"
                                          for k, p in enumerate(axes)]
