"""Chained comparisons, `a < b <= c`: Python's `(a < b) and (b <= c)` with `b` evaluated once and `c` only where
`a < b` holds (WFG's shape functions in pymoo: `elif 1 < m <= M`)."""
from __future__ import annotations

import libcst as cst

from ..ir import Atom, Const


def lower_chained_comparison(lowering, node: cst.Comparison, builder, env, prims: dict, may_fail) -> Atom:
    """The chain's boolean: each link compared as a single comparison would be, the links joined by
    `logical_and` (a link decided at build time to be False decides the chain, as Python's short circuit does).

    Refused where Python's short circuit would matter (an operand after the first link indexes or calls: it may
    raise where Python never evaluates it), for `is`/`in` links, and where a link is not a boolean scalar (an array
    link raises in Python: the truth value of an array is ambiguous)."""
    operands = [node.left] + [target.comparator for target in node.comparisons]
    hint = "combine the comparisons with &: (a < x) & (x < b), or nest two `if`s"
    for target in node.comparisons:
        if type(target.operator) not in prims:
            raise lowering.error(target.operator, "`is` and `in` in a chained comparison are not part of the kernel "
                                 "language", hint)
    for operand in operands[2:]:
        if may_fail(operand):
            raise lowering.error(operand, "this operand of a chained comparison indexes or calls: Python evaluates "
                                 "it only where the comparisons before it hold", hint)
    values = [lowering._atom(lowering.expr(operand, builder, env), operand) for operand in operands]
    result = None
    for k, target in enumerate(node.comparisons):
        link = lowering._bind(builder, node, prims[type(target.operator)], [values[k], values[k + 1]])
        if link.type.dtype != "bool" or link.type.shape != ():
            raise lowering.error(node, "a link of this chained comparison is an array: Python raises ValueError "
                                 "(the truth value of an array is ambiguous)", hint)
        if isinstance(link, Const):
            if not bool(link.value):
                return link  # Python's short circuit: False, the rest never evaluated
            if result is None and k == len(node.comparisons) - 1:
                return link
            continue
        result = link if result is None else lowering._bind(builder, node, "logical_and", [result, link])
    return result
