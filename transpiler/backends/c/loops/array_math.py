"""Array arithmetic of a run (see emit.py): `+ - * /` and unary `-` of float arrays with NumPy's broadcast (one
IEEE operation per element, as NumPy computes it), and the host module's `_unbroadcast` (a cotangent summed to
its value's shape), which gives its operand itself when there is nothing to sum."""
from __future__ import annotations

from ....ir import Eqn
from ..c_syntax import C_TYPES, indent

_OPERATORS = {"add": "x + y", "subtract": "x - y", "multiply": "x * y", "divide": "x / y"}


class ArrayMath:
    """Mixed into the loop emitter, which provides `var`, `scalar`, `view_type`, `fail` and `fresh`."""

    def _operand(self, atom, dtype: str, name: str) -> tuple[list[str], str, int]:
        """An operand as a view (a scalar: one element of its own, stride 0): its lines, C name and rank."""
        if atom.type.shape != ():
            return [], self.var(atom), len(atom.type.shape)
        ctype = C_TYPES[dtype]
        return [f"const {ctype} {name}_value = ({ctype})({self.scalar(atom, dtype)});",
                f"{self.view_type(dtype, 1)} {name}; {name}.p = ({ctype}*)&{name}_value; {name}.d[0] = 1; "
                f"{name}.s[0] = 0;"], name, 1

    def array_op(self, eqn: Eqn) -> list[str]:
        out = eqn.out
        dtype, rank = out.type.dtype, len(out.type.shape)
        ctype = C_TYPES[dtype]
        walk = f"lifted_walk<{ctype}, {ctype}, {rank}>"
        if eqn.prim.name == "negative":
            lines, a, _ = self._operand(eqn.args[0], dtype, "a")
            lines += [self.fresh(eqn, out, f"{a}.d"),
                      f"{walk}({self.var(out)}.p, {self.var(out)}.d, {self.var(out)}.s, {a}.p, {a}.s, "
                      f"[]({ctype}& x, const {ctype}& y) {{ x = -y; }});"]
            return ["{"] + indent(lines) + ["}"]
        first, a, ra = self._operand(eqn.args[0], dtype, "a")
        second, b, rb = self._operand(eqn.args[1], dtype, "b")
        lines = first + second + [
            f"int64_t dims[{rank}], sa[{rank}], sb[{rank}], bad[3];",
            f"if (!lifted_broadcast_pair<{ctype}, {ra}, {ctype}, {rb}, {rank}>({a}, {b}, dims, sa, sb, bad)) "
            f"{self.fail('operands', 'bad[0]', 'bad[1]', 'bad[2]')}",
            self.fresh(eqn, out, "dims"),
            f"{walk}({self.var(out)}.p, dims, {self.var(out)}.s, {a}.p, sa, "
            f"[]({ctype}& x, const {ctype}& y) {{ x = y; }});",
            f"{walk}({self.var(out)}.p, dims, {self.var(out)}.s, {b}.p, sb, "
            f"[]({ctype}& x, const {ctype}& y) {{ x = {_OPERATORS[eqn.prim.name]}; }});"]
        return ["{"] + indent(lines) + ["}"]

    def unbroadcast(self, eqn: Eqn) -> list[str]:
        """`_unbroadcast(g, np.shape(like))`: `g` itself (a view) when nothing is summed or broadcast, else a new
        array; NumPy's ValueError when `g` does not go into the shape."""
        g, like = eqn.args
        out = eqn.out
        ctype = C_TYPES[out.type.dtype]
        rg, rl = len(g.type.shape), len(like.type.shape)
        lines = ["int64_t bad[3];",
                 f"const int kind = lifted_unbroadcast_kind<{ctype}, {rg}, {rl}>({self.var(g)}, {self.var(like)}.d, "
                 "bad);",
                 f"if (kind < 0) {self.fail('broadcast_to', 'bad[0]', 'bad[1]', 'bad[2]')}",
                 f"if (kind == 0) {self.var(out)} = lifted_padded<{ctype}, {rg}, {rl}>({self.var(g)});",
                 "else {",
                 f"    {self.fresh(eqn, out, f'{self.var(like)}.d')}",
                 f"    lifted_sum_to<{ctype}, {rg}, {rl}>({self.var(out)}, {self.var(g)});",
                 "}"]
        return ["{"] + indent(lines) + ["}"]
