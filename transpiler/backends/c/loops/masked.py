"""A run's products and sums of a tie mask times factors (../masked_products.py): `lifted_masked_matmul` and
`lifted_masked_sum` in the loop prelude, given the mask and X[i, j] as the chain of products computes it from
the mask's 0.0 or 1.0 (a C lambda reading each factor through its broadcast strides)."""
from __future__ import annotations

from ....ir import Eqn
from ..c_syntax import C_TYPES, indent


class MaskedStatements:
    """Mixed into the run emitter, which provides `var`, `scalar`, `view_type`, `fail` and `fresh`."""

    def masked_product(self, eqn: Eqn) -> list[str]:
        """`other @ X` or `X @ other`: NumPy's size checks (the product's, then each factor's broadcast into the
        mask's shape), then the product."""
        other, mask, *factors = eqn.args
        vo, vm = self.var(other), self.var(mask)
        if eqn.params["mask_left"]:
            lines = [f"if ({vm}.d[1] != {vo}.d[0]) {self.fail('matmul', f'{vo}.d[0]', f'{vm}.d[1]')}",
                     f"const int64_t dims[2] = {{{vm}.d[0], {vo}.d[1]}};"]
        else:
            lines = [f"if ({vo}.d[1] != {vm}.d[0]) {self.fail('matmul', f'{vm}.d[0]', f'{vo}.d[1]')}",
                     f"const int64_t dims[2] = {{{vo}.d[0], {vm}.d[1]}};"]
        lines += self._chain_value(eqn, mask, factors)
        side = "true" if eqn.params["mask_left"] else "false"
        lines += [self.fresh(eqn, eqn.out, "dims", "result"),
                  f"{{ const int rc = lifted_masked_matmul({vo}, {vm}, {side}, finite, result, st, value); "
                  "if (rc) return rc; }",
                  f"{self.var(eqn.out)} = result;"]
        return ["{", f"    {self.view_type(eqn.out.type.dtype, 2)} result;"] + indent(lines) + ["}"]

    def masked_sum(self, eqn: Eqn) -> list[str]:
        """`np.sum(X, axis)` of one axis, with `keepdims`: the sums of the true flags' elements, in order."""
        mask, *factors = eqn.args
        vm = self.var(mask)
        axis = eqn.params["axis"] % 2
        rank = len(eqn.out.type.shape)
        kept = 1 - axis
        dims = f"{vm}.d[{kept}]" if rank == 1 else ("1, " if axis == 0 else "") + f"{vm}.d[{kept}]" + \
            (", 1" if axis == 1 else "")
        lines = [f"const int64_t dims[{rank}] = {{{dims}}};"] + self._chain_value(eqn, mask, factors)
        lines += [self.fresh(eqn, eqn.out, "dims", "result"),
                  f"lifted_masked_sum({vm}, {axis}, finite, result.p, result.s[{rank - 1 if rank == 1 else kept}], "
                  "value);",
                  f"{self.var(eqn.out)} = result;"]
        return ["{", f"    {self.view_type(eqn.out.type.dtype, rank)} result;"] + indent(lines) + ["}"]

    def _chain_value(self, eqn: Eqn, mask, factors) -> list[str]:
        """Each factor's broadcast checked against the mask (NumPy's error), `finite` (every float factor
        finite), and the lambda `value(i, j, m)`: X[i, j] for a mask flag of value m, each product in the
        chain's dtype as NumPy computes it."""
        ctype = C_TYPES[eqn.out.type.dtype]
        vm = self.var(mask)
        lines, reads = ["bool finite = true;"], []
        for k, factor in enumerate(factors):
            rank = len(factor.type.shape)
            floating = factor.type.dtype in ("f64", "f32")
            if rank == 0:
                lines.append(f"const {ctype} factor_{k} = ({ctype})({self.scalar(factor, eqn.out.type.dtype)});")
                if floating:
                    lines.append(f"finite = finite && std::isfinite(factor_{k});")
                reads.append(f"factor_{k}")
                continue
            view, steps = self.var(factor), []
            for axis in range(rank):
                full = axis + 2 - rank  # (the mask's axis it lies along: broadcasting aligns the last axes)
                lines += [f"if ({view}.d[{axis}] != 1 && {view}.d[{axis}] != {vm}.d[{full}]) "
                          f"{self.fail('operands', str(full), f'{view}.d[{axis}]', f'{vm}.d[{full}]')}",
                          f"const int64_t factor_{k}_s{axis} = {view}.d[{axis}] == 1 ? 0 : {view}.s[{axis}];"]
                steps.append(f"{'ij'[full]} * factor_{k}_s{axis}")
            lines.append(f"const {C_TYPES[factor.type.dtype]}* factor_{k}_p = {view}.p;")
            if floating:
                lines.append(f"finite = finite && lifted_all_finite({view});")
            reads.append(f"({ctype})factor_{k}_p[{' + '.join(steps)}]")
        value = "m"
        for step in eqn.params["chain"]:
            read = reads[step.factor]
            value = f"({ctype})({read} * {value})" if step.left else f"({ctype})({value} * {read})"
        lines.append(f"auto value = [&](int64_t i, int64_t j, {ctype} m) -> {ctype} {{ (void)i; (void)j; "
                     f"return {value}; }};")
        return lines
