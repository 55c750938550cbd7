"""Python's operators in kernels (`Lowering.expr` of a binary, unary, comparison or boolean operation): each as
the NumPy function it is on arrays, with Python's own rules where the operands are Python numbers (shifts, `~`
of a bool, `and`/`or` deciding by their operands' truth and short-circuiting what may raise)."""
from __future__ import annotations

import libcst as cst

from ..frontend import dtype_objects
from ..frontend.bitwise_api import check_python_ints
from ..ir import Atom, Const
from ..values import Value, is_container
from .sequence_comparison import compare_sequences, is_sequence
from .sequence_operands import numpy_operands
from .short_circuits import lower_chained_comparison, same_kind, short_circuit
from .static_operations import static_truth

_BINARY_PRIMS = {
    cst.Add: "add", cst.Subtract: "subtract", cst.Multiply: "multiply", cst.Divide: "divide",
    cst.FloorDivide: "floor_divide", cst.Modulo: "mod", cst.Power: "power", cst.MatrixMultiply: "matmul",
    cst.BitAnd: "logical_and", cst.BitOr: "logical_or",
    cst.BitXor: "bitwise_xor", cst.LeftShift: "left_shift", cst.RightShift: "right_shift",
}
# `&` and `|` of two booleans stay the logical entries (bools in, a bool out); of integers they are bitwise
_ON_INTEGERS = {"logical_and": "bitwise_and", "logical_or": "bitwise_or"}
_BITWISE = frozenset({"bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"})
_COMPARE_PRIMS = {
    cst.LessThan: "less", cst.LessThanEqual: "less_equal", cst.GreaterThan: "greater",
    cst.GreaterThanEqual: "greater_equal", cst.Equal: "equal", cst.NotEqual: "not_equal",
}


_RAISING_OPERATORS = (cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power, cst.LeftShift, cst.RightShift)


def _may_fail(node: cst.CSTNode) -> bool:
    """Whether evaluating an expression may raise or do real work (an index, a call, and `/ // % ** << >>`, which
    raise on Python numbers: `k != 0 and 1 / k > t`): Python's short circuit then matters. Names, literals, the
    other arithmetic and comparisons on scalars are evaluated eagerly."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_BinaryOperation(self, node):
            if isinstance(node.operator, _RAISING_OPERATORS):
                found.append(node)

        def visit_Subscript(self, node):
            found.append(node)

        def visit_Call(self, node):
            found.append(node)

        def visit_Attribute(self, node):
            found.append(node)

    node.visit(Finder())
    return bool(found)


class Operators:
    """Mixed into `Lowering` (through `Expressions`). Relies on its `expr`, `error`, `_atom`, `_bind`,
    `container_operation`, `static_comparison`, `truth_only`."""

    def _expr_BinaryOperation(self, node: cst.BinaryOperation, builder, env) -> Value:
        prim = _BINARY_PRIMS.get(type(node.operator))
        if prim is None:
            raise self.error(node, "this operator is not part of the kernel language",
                             "use + - * / // % ** @ and & | ^ << >> ~")
        left, right = self.expr(node.left, builder, env), self.expr(node.right, builder, env)
        if is_container(left) or is_container(right):
            converted = numpy_operands(self, node, left, right, builder)  # `arr - [1.0, 2.0]`: NumPy's array
            if converted is None:
                return self.container_operation(node, prim, left, right)
            left, right = converted
        left, right = self._atom(left, node.left), self._atom(right, node.right)
        if prim in _ON_INTEGERS and not (left.type.dtype == right.type.dtype == "bool"):
            prim = _ON_INTEGERS[prim]
        if prim in ("left_shift", "right_shift"):
            self._check_python_shift(node, left, right)
        result = self._bind(builder, node, prim, [left, right])
        if prim in _BITWISE and not isinstance(result, Const):
            check_python_ints(self, node, [left, right], result)
        return result

    def _check_python_shift(self, node, left: Atom, right: Atom) -> None:
        """Python's shift of two Python ints raises for a negative count and grows past int64, which NumPy's and
        C's do not: refused where the numbers are known (NumPy's arrays shift by any count, see primitives/bitwise)."""
        if not (isinstance(left, Const) and isinstance(right, Const)):
            return
        a, b = left.value, right.value
        if isinstance(b, int) and b < 0:
            raise self.error(node, "a shift of Python ints by a negative count raises ValueError in Python",
                             "shift by a count of 0 or more")
        if isinstance(a, int) and isinstance(b, int) and isinstance(node.operator, cst.LeftShift) and \
                not -2**63 <= a << min(b, 64) < 2**63:
            raise self.error(node, "this shift of Python ints does not fit an int64 (Python's int grows, NumPy's "
                             "and C's wrap)", "shift a NumPy integer, `np.int64(a) << b`, for NumPy's wrapping")

    def _expr_UnaryOperation(self, node: cst.UnaryOperation, builder, env) -> Value:
        operand = self.expr(node.expression, builder, env)
        if isinstance(node.operator, cst.Plus):
            atom = self._atom(operand, node.expression)
            if atom.type.rank > 0:  # NumPy's `+a` is np.positive(a), a new array: a write to either leaves the other
                return self._bind(builder, node, "positive", [atom])
            return atom
        if isinstance(node.operator, cst.Minus):
            return self._bind(builder, node, "negative", [self._atom(operand, node.expression)])
        if isinstance(node.operator, cst.Not):
            atom = self._atom(operand, node.expression)
            if atom.type.dtype != "bool" or atom.type.shape not in ((),):
                raise self.error(node, "`not` works on a boolean scalar", "use np.logical_not for arrays")
            return self._bind(builder, node, "not", [atom])
        atom = self._atom(operand, node.expression)
        if atom.type.dtype != "bool":  # integers: the bitwise inverse (floats: refused by the entry's dtype rule)
            return self._bind(builder, node, "invert", [atom])
        if atom.type.weak:  # (`~True` is -2 in Python: the bitwise inverse of the int 1)
            raise self.error(node, "`~` of a Python bool is the integer bitwise inverse in Python (`~True` is -2)",
                             "write `not b` for the negation")
        return self._bind(builder, node, "logical_not", [atom])

    def _expr_Comparison(self, node: cst.Comparison, builder, env) -> Value:
        if len(node.comparisons) != 1:
            return lower_chained_comparison(self, node, builder, env, _COMPARE_PRIMS, _may_fail)
        target = node.comparisons[0]
        prim = _COMPARE_PRIMS.get(type(target.operator))
        static = self.static_comparison(node, builder, env)
        if static is not None:
            return static
        if prim is None:
            raise self.error(target.operator, "`is`, `in` and their negations are not part of the kernel language",
                             "compare values with == or !=")
        left, right = self.expr(node.left, builder, env), self.expr(target.comparator, builder, env)
        types = dtype_objects.compare(self, node, left, right)  # `a.dtype == np.float32`
        if types is not None:
            return types
        if is_sequence(left) or is_sequence(right):  # `x.shape == (3, 2)`: Python's comparison of sequences
            return compare_sequences(self, node, left, right, builder)
        left, right = self._atom(left, node.left), self._atom(right, target.comparator)
        return self._bind(builder, node, prim, [left, right])

    def _expr_BooleanOperation(self, node: cst.BooleanOperation, builder, env) -> Value:
        """`a and b`, `a or b` on boolean scalars. Python evaluates `b` only when `a` does not decide: where `b`
        could fail or cost something (it indexes or calls), it is evaluated under an `if`, as in Python."""
        conjunction = isinstance(node.operator, cst.And)
        left_value = self.expr(node.left, builder, env)
        truth = static_truth(left_value)
        if truth is not None:  # decided at build time (a number, a tuple, a string, None): `b`, or `a` itself
            if truth != conjunction:
                return left_value
            return self.expr(node.right, builder, env)  # Python's result is `b` itself, whatever it is
        left = self._boolean_operand(node.left, left_value)
        evaluate = lambda: self._boolean_operand(node.right, self.expr(node.right, builder, env))  # noqa: E731
        if not _may_fail(node.right):
            right = evaluate()
            # (Python's result is the deciding operand, a Python bool or a NumPy one: `&`/`|` makes a NumPy bool of
            # a Python one where the other is NumPy's; only where both are the same kind, or only the truth is read)
            if id(node) in self.truth_only or same_kind(left, right, builder):
                return self._bind(builder, node, "logical_and" if conjunction else "logical_or", [left, right])
            return short_circuit(left, lambda: right, conjunction, builder)
        return short_circuit(left, evaluate, conjunction, builder)

    def _boolean_operand(self, node, value: Value) -> Atom:
        atom = self._atom(value, node)
        if atom.type.dtype != "bool" or atom.type.shape != ():
            raise self.error(node, "`and`/`or` combine boolean scalars here (Python would return this operand "
                             "itself, not a boolean)", "compare first (x > 0 and y > 0); use & or | on boolean "
                             "arrays, and a conditional expression `a if c else b` to choose a value")
        return atom
