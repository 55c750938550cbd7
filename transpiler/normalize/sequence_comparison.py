"""`==` and `!=` between tuples (and lists) as Python compares them: `x.shape == (3, 2)`, `x.shape != y.shape`.

A tuple and a list are never equal, nor are sequences of different lengths; otherwise the elements are compared
in order. Shapes are tuples of dimensions: a dimension known at build time is a number, a symbolic one (`n`) is
a scalar read from the argument, so the comparison is decided at build time where the annotations decide it
(`(3, 2) == (3, 2)`, or the same symbol on both sides, which the argument checks make equal) and computed at run
time, as the program would, elsewhere. Elements are compared only where Python's answer is the elementwise `==`:
numbers, integer and boolean scalars; a float scalar is refused (Python's tuple comparison first asks whether the
two are the same object, so a NaN compared with itself would be equal), and so is an array (its `==` is an array,
whose truth Python refuses).
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..ir import Const, Var
from ..values import ListValue


def is_sequence(value) -> bool:
    return isinstance(value, (tuple, ListValue))


def compare_sequences(lowering, node: cst.Comparison, left, right, builder: Builder):
    """The boolean (a Const where decided at build time) of `left == right` or `left != right`."""
    operator = node.comparisons[0].operator
    if not isinstance(operator, (cst.Equal, cst.NotEqual)):
        raise lowering.error(node, "tuples and lists are compared with == and != in kernels (an ordering of "
                                   "sequences is not supported)", "compare their elements: x.shape[0] < n")
    equal = _equal(lowering, node, left, right, builder)
    if isinstance(operator, cst.Equal):
        return equal
    return const(not equal.value) if isinstance(equal, Const) else lowering._bind(builder, node, "not", [equal])


def _equal(lowering, node, left, right, builder: Builder):
    if not (is_sequence(left) and is_sequence(right)):
        if isinstance(left, (Var, Const)) or isinstance(right, (Var, Const)):
            raise lowering.error(node, "a tuple or list compared with a number or an array: NumPy would compare "
                                       "the array it makes of the sequence elementwise, Python the objects",
                                 "compare elements (x.shape[0] == 3), or two tuples (x.shape == (3, 2))")
        return const(False)  # a sequence and a string or None
    if type(left) is not type(right):
        return const(False)  # Python: (3, 2) != [3, 2]
    items = (left, right) if isinstance(left, tuple) else (left.items, right.items)
    if len(items[0]) != len(items[1]):
        return const(False)
    result = const(True)
    for a, b in zip(*items):
        element = _equal(lowering, node, a, b, builder) if is_sequence(a) or is_sequence(b) else \
            _element_equal(lowering, node, a, b, builder)
        if isinstance(element, Const) and not element.value:
            return const(False)  # decided at build time, whatever the other elements are
        if isinstance(result, Const):
            result = element
        elif not isinstance(element, Const):
            result = lowering._bind(builder, node, "logical_and", [result, element])
    return result


def _element_equal(lowering, node, a, b, builder: Builder):
    for value in (a, b):
        if not isinstance(value, (Var, Const)) or (isinstance(value, Const) and not isinstance(
                value.value, (bool, int, float))):
            raise lowering.error(node, "these tuples hold values that are not numbers or scalars; kernels compare "
                                       "tuples of numbers (shapes)", "compare the elements one by one")
        if value.type.shape != ():
            raise lowering.error(node, "these tuples hold arrays: Python would ask the truth of their elementwise "
                                       "`==`, which it refuses for arrays of more than one element",
                                 "compare with np.array_equal-like code: np.all(a == b)")
        if isinstance(value, Var) and value.type.dtype in ("f32", "f64"):
            raise lowering.error(node, "these tuples hold float scalars: Python's tuple comparison first asks "
                                       "whether two elements are the same object (a NaN is then equal to itself)",
                                 "compare the elements one by one: a == c and b == d")
    if isinstance(a, Const) and isinstance(b, Const):
        return const(a.value == b.value)
    if a is b or (isinstance(a, Var) and isinstance(b, Var) and a.type.value is not None
                  and a.type.value == b.type.value):  # one symbolic dimension (or one scalar) on both sides
        return const(True)
    return lowering._bind(builder, node, "equal", [a, b])
