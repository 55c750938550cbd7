"""Module-level numeric constants, with the value Python gives them once the module has run.

A kernel reads a module-level name when it is called, after the whole module ran: `A = 3.0` then `A += 1.0`
gives 4.0, and a constant rebound under a module-level `if` on a build-time test takes the branch's value.
A name whose final value cannot be known at build time (rebound in a loop, under a run-time test, by an
import, a `def`, a `global` statement) is *unstable*: a kernel reading it is a located error.
"""
from __future__ import annotations

import operator

import libcst as cst

_OPERATORS = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul, cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv, cst.Modulo: operator.mod, cst.Power: operator.pow,
}
_AUGMENTED = {
    cst.AddAssign: operator.add, cst.SubtractAssign: operator.sub, cst.MultiplyAssign: operator.mul,
    cst.DivideAssign: operator.truediv, cst.FloorDivideAssign: operator.floordiv, cst.ModuloAssign: operator.mod,
    cst.PowerAssign: operator.pow,
}
_COMPARISONS = {
    cst.LessThan: operator.lt, cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge, cst.Equal: operator.eq, cst.NotEqual: operator.ne,
}


_REBOUND = "<rebound in an if>"  # a key no name can take
_NOT_LITERAL = object()


class _Unknown(Exception):
    pass


def module_constants(body, locate) -> tuple[dict[str, object], dict[str, object]]:
    """(constants: name -> final number, unstable: name -> the SourceLoc of a binding the compiler cannot
    evaluate) for a module's top-level statements, run in order as Python would."""
    values: dict[str, object] = {}
    unstable: dict[str, object] = {}
    _run(list(body), values, unstable, locate, nested=False)
    constants = {k: v for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                 and k not in unstable}
    return constants, unstable


def _run(statements: list, values: dict, unstable: dict, locate, nested: bool = True) -> None:
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _small(small, values, unstable, locate, nested)
        elif isinstance(statement, cst.If) and _known_test(statement.test, values) is not None:
            if _known_test(statement.test, values):
                _run(list(statement.body.body), values, unstable, locate, True)
            elif isinstance(statement.orelse, cst.If):
                _run([statement.orelse], values, unstable, locate, True)
            elif statement.orelse is not None:
                _run(list(statement.orelse.body.body), values, unstable, locate, True)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            _forget(statement.name.value, statement, values, unstable, locate)
            for name in _global_names(statement):  # `global A` inside: rebound whenever it runs
                _forget(name, statement, values, unstable, locate)
        else:  # a loop, `try`, `with`, an `if` on a run-time test: what it binds is not known at build time
            for name in _bound_names(statement):
                _forget(name, statement, values, unstable, locate)


def _small(small, values: dict, unstable: dict, locate, nested: bool = True) -> None:
    """One simple statement. A top-level assignment of something other than a number (`sizes = [2, 10]`,
    `loss = make_loss(sizes)`) is not a constant but not unstable either: module_scope.py evaluates those in
    order, unless an earlier `if` or loop rebound the name (`nested` statements, or names already unstable)."""
    if isinstance(small, cst.Assign):
        try:
            value = _evaluate(small.value, values)
        except _Unknown:
            value = _Unknown
        for target in small.targets:
            _bind(target.target, value, small, values, unstable, locate, nested)
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        try:
            value = _evaluate(small.value, values)
        except _Unknown:
            value = _Unknown
        _bind(small.target, value, small, values, unstable, locate, nested)
    elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
        name = small.target.value
        try:
            function = _AUGMENTED[type(small.operator)]
            value = function(_number(values, name), _evaluate(small.value, values))
        except (_Unknown, KeyError, ArithmeticError, TypeError, ValueError):
            value = _Unknown
        _bind(small.target, value, small, values, unstable, locate, nested)
    elif isinstance(small, (cst.Import, cst.ImportFrom)):
        names = small.names if not isinstance(small.names, cst.ImportStar) else []
        for alias in names:
            local = alias.asname.name.value if alias.asname else \
                cst.Module([]).code_for_node(alias.name).split(".")[0]
            _forget(local, small, values, unstable, locate)
    elif isinstance(small, cst.Del):
        for name in _target_names(small.target):
            values.pop(name, None)
            unstable.pop(name, None)


def _bind(target, value, node, values: dict, unstable: dict, locate, nested: bool = True) -> None:
    if isinstance(target, cst.Name):
        if value is _Unknown and not nested and target.value not in unstable and target.value not in _rebound(values):
            values.pop(target.value, None)  # a list, a call: evaluated by module_scope.py, in order
        elif value is _Unknown:
            _forget(target.value, node, values, unstable, locate)
        else:
            values[target.value] = value
            unstable.pop(target.value, None)
            if nested:
                _rebound(values).add(target.value)
        return
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, tuple) and len(value) == len(target.elements) \
            and not any(isinstance(e, cst.StarredElement) for e in target.elements):
        for element, item in zip(target.elements, value):
            _bind(element.value, item, node, values, unstable, locate, nested)
        return
    if isinstance(target, (cst.Tuple, cst.List)) and value is _Unknown and \
            all(isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in target.elements):
        for element in target.elements:  # `predict, loss = make_funs(sizes)`: each name as in `loss = ...`
            _bind(element.value, value, node, values, unstable, locate, nested)
        return
    for name in _target_names(target):
        _forget(name, node, values, unstable, locate)


def _rebound(values: dict) -> set:
    """Names an `if` body bound (module_scope.py, which runs only top-level statements, never saw it)."""
    return values.setdefault(_REBOUND, set())


def _forget(name: str, node, values: dict, unstable: dict, locate) -> None:
    """`name` is rebound in a way whose value the compiler does not evaluate."""
    values.pop(name, None)
    unstable[name] = locate(node)


def _number(values: dict, name: str):
    value = values.get(name, _Unknown)
    if value is _Unknown:
        raise _Unknown
    return value


def literal(node, missing):
    """The value of a literal number or string, True, False or None; `missing` for any other node."""
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    return missing


def _evaluate(node, values: dict):
    """The value of a build-time expression over literals and known constants, or _Unknown."""
    value = literal(node, _NOT_LITERAL)
    if value is not _NOT_LITERAL:
        return value
    if isinstance(node, cst.Name):
        return _number(values, node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        value = _evaluate(node.expression, values)
        if not isinstance(value, (int, float)):
            raise _Unknown
        return -value if isinstance(node.operator, cst.Minus) else value
    if isinstance(node, cst.BinaryOperation) and type(node.operator) in _OPERATORS:
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
            raise _Unknown
        try:
            return _OPERATORS[type(node.operator)](left, right)
        except (ArithmeticError, ValueError):
            raise _Unknown from None
    if isinstance(node, cst.Tuple):
        return tuple(_evaluate(e.value, values) for e in node.elements if not isinstance(e, cst.StarredElement))
    raise _Unknown


def _known_test(test, values: dict):
    """The truth of a module-level `if` test, when the compiler can evaluate it; else None."""
    try:
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
                and type(test.comparisons[0].operator) in _COMPARISONS:
            left, right = _evaluate(test.left, values), _evaluate(test.comparisons[0].comparator, values)
            return bool(_COMPARISONS[type(test.comparisons[0].operator)](left, right))
        return bool(_evaluate(test, values))
    except (_Unknown, TypeError):
        return None


def _target_names(target) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _target_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def _bound_names(statement) -> list[str]:
    """Every name a compound statement may bind at module level (not inside functions it defines)."""
    found: list[str] = []

    class Finder(cst.CSTVisitor):
        def visit_AssignTarget(self, node):
            found.extend(_target_names(node.target))

        def visit_AugAssign(self, node):
            found.extend(_target_names(node.target))

        def visit_AnnAssign(self, node):
            found.extend(_target_names(node.target))

        def visit_For(self, node):
            found.extend(_target_names(node.target))

        def visit_AsName(self, node):
            found.extend(_target_names(node.name))

        def visit_NamedExpr(self, node):
            found.extend(_target_names(node.target))

        def visit_ImportAlias(self, node):
            if node.asname is None:
                found.append(cst.Module([]).code_for_node(node.name).split(".")[0])

        def visit_FunctionDef(self, node):
            found.append(node.name.value)
            found.extend(_global_names(node))
            return False

        def visit_ClassDef(self, node):
            found.append(node.name.value)
            return False

    statement.visit(Finder())
    return found


def _global_names(node) -> list[str]:
    found: list[str] = []

    class Finder(cst.CSTVisitor):
        def visit_Global(self, global_node):
            found.extend(n.name.value for n in global_node.names)

    node.visit(Finder())
    return found
