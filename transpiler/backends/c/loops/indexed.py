"""Gathers and scatter-adds of a run (see emit.py): `table[index]` with an index array on the first axis, as a new
array, and `np.add.at(target, index, value)` in place, each with NumPy's index check first (its `IndexError` for
the first index out of range, in order; negative indices wrap) and NumPy's order of elements."""
from __future__ import annotations

from ....ir import Eqn
from ..c_syntax import C_TYPES, indent
from .arrays import PROMOTE


class IndexedStatements:
    """Mixed into the loop emitter, which provides `var`, `scalar`, `view_type`, `fail` and `fresh`."""

    def _checked(self, indices, table) -> list[str]:
        size = f"{self.var(table)}.d[0]"
        return ["int64_t bad = 0;",
                f"if (lifted_first_outside({self.var(indices)}, {size}, &bad)) {self.fail('index', 'bad', '0', size)}"]

    def gather(self, eqn: Eqn) -> list[str]:
        """`out = table[index]`: dims index.d + table.d[1:], contiguous, rows copied in the index's order."""
        table, indices = eqn.args
        out = eqn.out
        q, r = len(indices.type.shape), len(table.type.shape)
        dims = [f"{self.var(indices)}.d[{k}]" for k in range(q)] + [f"{self.var(table)}.d[{k}]" for k in range(1, r)]
        lines = self._checked(indices, table)
        lines += [f"const int64_t dims[{len(dims)}] = {{{', '.join(dims)}}};", self.fresh(eqn, out, "dims"),
                  f"lifted_gather({self.var(out)}, {self.var(table)}, {self.var(indices)});"]
        return ["{"] + indent(lines) + ["}"]

    def scatter_add(self, eqn: Eqn) -> list[str]:
        """`np.add.at(target, index, value)`: the indices checked before any element is added (as NumPy does)."""
        target, value, indices = eqn.args
        dtype = target.type.dtype
        compute = C_TYPES[PROMOTE.get((dtype, value.type.dtype), dtype)]
        lines = self._checked(indices, target)
        if value.type.shape == ():  # (one element, broadcast; a constant too: np.add.at(a, i, 2.5) has no variable)
            ctype = C_TYPES[value.type.dtype]
            lines += [f"const {ctype} element = ({ctype})({self.scalar(value, value.type.dtype)});",
                      f"{self.view_type(value.type.dtype, 1)} one; one.p = ({ctype}*)&element; one.d[0] = 1; "
                      "one.s[0] = 0;"]
            source = "one"
        else:
            source = self.var(value)
        lines += [f"const int rc = lifted_add_at<{compute}>({self.var(target)}, {self.var(indices)}, {source}, st);",
                  "if (rc) return rc;"]
        return ["{"] + indent(lines) + ["}"]
