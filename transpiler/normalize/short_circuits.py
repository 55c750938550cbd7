"""Python's short circuit: `a and b` evaluates `b` only where `a` holds (`k != 0 and 1 / k > t`), and chained
comparisons, `a < b <= c`, are `(a < b) and (b <= c)` with `b` evaluated once and `c` only where `a < b` holds
(WFG's shape functions in pymoo: `elif 1 < m <= M`)."""
from __future__ import annotations

import libcst as cst

from ..ir import Atom, Const, If, Var, const
from ..ir.types import TensorType
from ..frontend import dtype_objects
from ..values import Module


def lower_chained_comparison(lowering, node: cst.Comparison, builder, env, prims: dict, may_fail) -> Atom:
    """The chain's boolean: each link compared as a single comparison would be, the links joined as `and` joins
    them: `logical_and`, or, where an operand may raise (it indexes, calls or divides), the rest of the chain
    under an `if` on the links before it (a link decided at build time to be False decides the chain). Python
    evaluates each operand once, and an operand only where the links before it hold.

    Refused for `is`/`in` links, and where a link is not a boolean scalar (an array link raises in Python: the
    truth value of an array is ambiguous)."""
    hint = "combine the comparisons with &: (a < x) & (x < b), or nest two `if`s"
    for target in node.comparisons:
        if type(target.operator) not in prims:
            raise lowering.error(target.operator, "`is` and `in` in a chained comparison are not part of the kernel "
                                 "language", hint)
    operands = [node.left] + [target.comparator for target in node.comparisons]

    def value(k: int):
        found = lowering.expr(operands[k], builder, env)
        return found if isinstance(found, (Module, str)) else lowering._atom(found, operands[k])

    def compared(k: int, left, right) -> Atom:
        """A link: Python's `==` of type objects and dtype names at build time (`np.float64 == t == np.bool_`,
        frontend/dtype_objects.py), else the comparison's primitive."""
        operator = node.comparisons[k].operator
        if isinstance(left, (Module, str)) or isinstance(right, (Module, str)):
            found = dtype_objects.compare_with(operator, left, right)
            if found is None:
                raise lowering.error(node, "a link of this chained comparison compares a type or a string with "
                                     "something that is neither", hint)
            return found
        return lowering._bind(builder, node, prims[type(operator)], [left, right])

    def links(first: int, left: Atom) -> Atom | None:
        """Links `first`... of the chain, `left` the value of operand `first`: their conjunction (None where every
        one was True at build time)."""
        result = None
        for k in range(first, len(node.comparisons)):
            if result is not None and not isinstance(result, Const) and may_fail(operands[k + 1]):
                rest = lambda k=k, left=left: links(k, left) or const(True)  # noqa: E731
                return short_circuit(result, rest, True, builder)
            right = value(k + 1)
            link = compared(k, left, right)
            if link.type.dtype != "bool" or link.type.shape != ():
                raise lowering.error(node, "a link of this chained comparison is an array: Python raises "
                                     "ValueError (the truth value of an array is ambiguous)", hint)
            left = right
            if isinstance(link, Const):
                if not bool(link.value):
                    return link  # Python's short circuit: False, the rest never evaluated
                if result is None and k == len(node.comparisons) - 1:
                    return link
                continue
            if result is None:
                result = link
            elif id(node) in lowering.truth_only or same_kind(result, link, builder):
                result = lowering._bind(builder, node, "logical_and", [result, link])
            else:  # (Python's result is the deciding link, a Python bool or a NumPy one: see same_kind)
                result = short_circuit(result, lambda link=link: link, True, builder)
        return result

    return links(0, value(0))


def short_circuit(left: Atom, evaluate, conjunction: bool, builder) -> Var:
    """`left and <right>` (`or`): `evaluate()` lowers the right operand under an `if` on `left`, so that it runs
    only where Python evaluates it; the result is the deciding operand itself, as in Python."""
    loc = builder.loc
    with builder.block() as evaluated:
        right = evaluate()
    builder.loc = loc
    out = Var(builder.scope.fresh("both" if conjunction else "either"), TensorType("bool", ()), temporary=True)
    then_body, else_body = (evaluated, []) if conjunction else ([], evaluated)
    then_result, else_result = (right, left) if conjunction else (left, right)
    builder.emit(If(left, then_body, else_body, (out,), (then_result,), (else_result,), loc))
    return out


def mark_truth_only(lowering, test: cst.BaseExpression) -> None:
    """Marks `test` and the `and`/`or`/`not` operands and chained comparisons inside it as read for their truth
    alone (`lowering.truth_only`: there a Python bool and a NumPy bool are the same)."""
    if isinstance(test, cst.BooleanOperation):
        lowering.truth_only.add(id(test))
        mark_truth_only(lowering, test.left)
        mark_truth_only(lowering, test.right)
    elif isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        mark_truth_only(lowering, test.expression)
    elif isinstance(test, cst.Comparison):  # (a chained comparison's links are joined as `and` joins them)
        lowering.truth_only.add(id(test))


def _kind(atom: Atom, builder, depth: int = 0) -> str | None:
    """"python" where `atom` is surely a Python number at run time, "numpy" where surely a NumPy scalar, None where
    it may be either (a scalar parameter, a merge of branches or loop iterations): the flag the C target's loop
    kernels keep (primitives' `python_numbers`: made, kept from the operands, or a NumPy value)."""
    if isinstance(atom, Const) or atom.type.weak:
        return "python"
    eqn = builder.definition(atom)
    if eqn is None or depth > 20:
        return None
    made = eqn.prim.python_result(eqn.params)
    if made == "made":
        return "python"
    if made != "kept":
        return "numpy"
    kinds = {_kind(a, builder, depth + 1) for a in eqn.args}
    return "numpy" if "numpy" in kinds else "python" if kinds == {"python"} else None


def same_kind(left: Atom, right: Atom, builder) -> bool:
    """Whether both operands are surely Python bools, or surely NumPy bools: then `a & b` (`a | b`) is the value
    and type of `a and b` (`a or b`) on every path."""
    kind = _kind(left, builder)
    return kind is not None and kind == _kind(right, builder)
