"""Small builders of LibCST expression nodes, and the pass that adds the parentheses precedence needs.

Primitives describe their NumPy form with these builders; the backend composes the nodes (folding
single-use temporaries into their consumers) and only then parenthesizes, so no rule worries about precedence.
"""
from __future__ import annotations

import math
from typing import Any

import libcst as cst

_BINARY = {
    "+": cst.Add, "-": cst.Subtract, "*": cst.Multiply, "/": cst.Divide, "//": cst.FloorDivide,
    "%": cst.Modulo, "**": cst.Power, "@": cst.MatrixMultiply, "&": cst.BitAnd, "|": cst.BitOr, "^": cst.BitXor,
    "<<": cst.LeftShift, ">>": cst.RightShift,
}
_COMPARE = {
    "<": cst.LessThan, "<=": cst.LessThanEqual, ">": cst.GreaterThan, ">=": cst.GreaterThanEqual,
    "==": cst.Equal, "!=": cst.NotEqual,
}
_UNARY = {"-": cst.Minus, "+": cst.Plus, "~": cst.BitInvert, "not": cst.Not}

_PREC_BINARY = {
    cst.BitOr: 6, cst.BitXor: 7, cst.BitAnd: 8, cst.LeftShift: 9, cst.RightShift: 9, cst.Add: 10, cst.Subtract: 10, cst.Multiply: 11, cst.Divide: 11,
    cst.FloorDivide: 11, cst.Modulo: 11, cst.MatrixMultiply: 11, cst.Power: 13,
}
ATOM = 15


def name(identifier: str) -> cst.Name:
    return cst.Name(identifier)


def dotted(path: str) -> cst.BaseExpression:
    parts = path.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def literal(value: Any) -> cst.BaseExpression:
    """A Python value as source: numbers, booleans, None, strings, tuples, slices of those."""
    if isinstance(value, cst.BaseExpression):
        return value
    if value is None or isinstance(value, bool):
        return cst.Name(repr(value))
    if isinstance(value, int):
        node = cst.Integer(str(abs(value)))
        return cst.UnaryOperation(cst.Minus(), node) if value < 0 else node
    if isinstance(value, float):
        if math.isnan(value):  # (`-np.nan` is a NaN with its sign bit set, as Python's negation makes it)
            node = dotted("np.nan")
        elif math.isinf(value):
            node = dotted("np.inf")
        else:
            node = cst.Float(repr(abs(value)))
        return cst.UnaryOperation(cst.Minus(), node) if math.copysign(1.0, value) < 0 else node
    if isinstance(value, str):
        return cst.SimpleString(repr(value))
    if isinstance(value, tuple):
        return tuple_(*[literal(v) for v in value])
    raise TypeError(f"no literal form for {value!r}")


def tuple_(*items: cst.BaseExpression) -> cst.Tuple:
    elements = [cst.Element(item) for item in items]
    if len(elements) == 1:
        elements = [cst.Element(items[0], comma=cst.Comma())]
    return cst.Tuple(elements)


def call(func: str | cst.BaseExpression, *args: Any, **kwargs: Any) -> cst.Call:
    """`call("np.sum", x, axis=0)`; keyword arguments equal to None are left out."""
    func_node = dotted(func) if isinstance(func, str) else func
    arguments = [cst.Arg(literal(a)) for a in args]
    for key, value in kwargs.items():
        if value is None:
            continue
        arguments.append(
            cst.Arg(literal(value), keyword=cst.Name(key),
                    equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
        )
    return cst.Call(func=func_node, args=arguments)


def method(obj: cst.BaseExpression, method_name: str, *args: Any, **kwargs: Any) -> cst.Call:
    return call(cst.Attribute(value=obj, attr=cst.Name(method_name)), *args, **kwargs)


def attr(obj: cst.BaseExpression, attribute: str) -> cst.Attribute:
    return cst.Attribute(value=obj, attr=cst.Name(attribute))


def binop(op: str, left: Any, right: Any) -> cst.BinaryOperation:
    return cst.BinaryOperation(left=literal(left), operator=_BINARY[op](), right=literal(right))


def unary(op: str, operand: Any) -> cst.UnaryOperation:
    return cst.UnaryOperation(operator=_UNARY[op](), expression=literal(operand))


def compare(op: str, left: Any, right: Any) -> cst.Comparison:
    return cst.Comparison(left=literal(left), comparisons=[cst.ComparisonTarget(_COMPARE[op](), literal(right))])


def subscript(value: cst.BaseExpression, items: list[cst.BaseExpression | cst.Slice]) -> cst.Subscript:
    elements = [cst.SubscriptElement(cst.Index(i) if not isinstance(i, cst.Slice) else i) for i in items]
    return cst.Subscript(value=value, slice=elements)


def slice_(start: Any, stop: Any, step: Any) -> cst.Slice:
    conv = lambda v: None if v is None else literal(v)  # noqa: E731
    return cst.Slice(lower=conv(start), upper=conv(stop), step=conv(step))


def precedence(node: cst.BaseExpression) -> int:
    if node.lpar:
        return ATOM
    if isinstance(node, cst.BinaryOperation):
        return _PREC_BINARY[type(node.operator)]
    if isinstance(node, cst.UnaryOperation):
        return 4 if isinstance(node.operator, cst.Not) else 12
    if isinstance(node, cst.Comparison):
        return 5
    if isinstance(node, cst.BooleanOperation):
        return 3 if isinstance(node.operator, cst.And) else 2
    if isinstance(node, cst.IfExp):
        return 1
    if isinstance(node, cst.Lambda):
        return 0
    return ATOM


def _wrap(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


class _Parenthesize(cst.CSTTransformer):
    def leave_BinaryOperation(self, original, updated):
        prec = _PREC_BINARY[type(updated.operator)]
        power = isinstance(updated.operator, cst.Power)
        left, right = updated.left, updated.right
        if precedence(left) < prec or (power and precedence(left) <= prec):
            left = _wrap(left)
        if precedence(right) < prec or (not power and precedence(right) == prec):
            right = _wrap(right)
        return updated.with_changes(left=left, right=right)

    def leave_UnaryOperation(self, original, updated):
        own = precedence(updated)
        if precedence(updated.expression) < own:
            return updated.with_changes(expression=_wrap(updated.expression))
        return updated

    def leave_Comparison(self, original, updated):
        left = updated.left if precedence(updated.left) > 5 else _wrap(updated.left)
        targets = [
            t if precedence(t.comparator) > 5 else t.with_changes(comparator=_wrap(t.comparator))
            for t in updated.comparisons
        ]
        return updated.with_changes(left=left, comparisons=targets)

    def _atom_value(self, updated, field_name):
        value = getattr(updated, field_name)
        needs = precedence(value) < ATOM or isinstance(value, (cst.Integer, cst.Float))
        return updated.with_changes(**{field_name: _wrap(value)}) if needs else updated

    def leave_Attribute(self, original, updated):
        return self._atom_value(updated, "value")

    def leave_Subscript(self, original, updated):
        return self._atom_value(updated, "value")

    def leave_Call(self, original, updated):
        return self._atom_value(updated, "func")


def parenthesize(node: cst.CSTNode) -> cst.CSTNode:
    return node.visit(_Parenthesize())


_EMPTY_MODULE = cst.Module(body=[])


def string_literal(text: str) -> str:
    """`text` as a Python string literal: double-quoted when that needs no escape (as the templates write
    them), `repr` otherwise; never a quote or a line break that ends the literal early."""
    quoted = repr(text)
    if quoted.startswith("'") and '"' not in text and "\\'" not in quoted:
        return '"' + quoted[1:-1] + '"'
    return quoted


def docstring_literal(text: str) -> str:
    """A docstring as readable source: triple-quoted when the text is plain, `repr` when it holds a backslash,
    triple quotes, a quote at either end or a character a source file cannot show (a raw docstring's `\\x`)."""
    plain = ("\\" not in text and '"""' not in text and not text.startswith('"') and not text.endswith('"')
             and all(c.isprintable() or c == "\n" for c in text))
    return f'"""{text}"""' if plain else repr(text)


def comment_text(text: str) -> str:
    """Text safe to put after `#`: characters that end a line (or that editors show as line breaks, U+2028,
    form feed) and other unprintable ones are written as escapes."""
    return "".join(c if c.isprintable() or c == "\t" else ascii(c)[1:-1] for c in text)


def c_comment_text(text: str) -> str:
    """Text safe to put after `//` in C: as `comment_text`, and no backslash (one before the line's end, even with
    spaces between, would splice the next line of code into the comment)."""
    return comment_text(text).replace("\\", "(backslash)")


def source(node: cst.CSTNode) -> str:
    return _EMPTY_MODULE.code_for_node(parenthesize(node))
