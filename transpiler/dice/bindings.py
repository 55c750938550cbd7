"""What a name is bound to while a @dist function is lowered, and small facts about LibCST nodes.

Every name is bound to what it is at this program point: a fixed value (a Python local, possibly renamed),
a random value (a column of the current world table), a stream, a value without a name of its own,
nothing yet on some path (PARTIAL), or nothing any more (DELETED, by `del`). Value expressions name the current table `TABLE`, bound when a statement
is emitted (so a value stays valid while draws reshape the table).
"""
from __future__ import annotations

import dataclasses

import libcst as cst

from ..errors import SourceLoc
from .values import Stream

FIXED, RANDOM, STREAM, VALUE, PARTIAL, DELETED = "fixed", "random", "stream", "value", "partial", "deleted"
TABLE = "__table__"  # stands for "the current table" in value expressions; bound when a statement is emitted


class _BindTable(cst.CSTTransformer):
    def __init__(self, table: str):
        self.table = table

    def leave_Name(self, original, updated):
        return updated.with_changes(value=self.table) if updated.value == TABLE else updated


def bind_table(node, table: str):
    return node.visit(_BindTable(table))


@dataclasses.dataclass
class Binding:
    kind: str
    py: str | None = None          # FIXED: the Python local
    col: str | None = None         # RANDOM: the column name
    stream: Stream | None = None   # STREAM
    val: object = None             # VALUE: a Val or TupleVal bound without a name of its own
    loc: SourceLoc | None = None   # PARTIAL: where it was assigned in one branch only; DELETED: the `del`
    obj: object = dataclasses.field(default=None, compare=False)  # FIXED, RANDOM: the object (aliases.py)
    pylist: bool | None = dataclasses.field(default=False, compare=False)  # FIXED, RANDOM: a Python list
    pybool: bool = dataclasses.field(default=False, compare=False)  # FIXED, RANDOM: maybe a Python bool (values.py)
    numpy: bool = dataclasses.field(default=False, compare=False)  # FIXED, RANDOM: maybe a NumPy value (values.py)
    npbool: bool = dataclasses.field(default=False, compare=False)  # FIXED, RANDOM: the other kinds (values.py)
    number: bool = dataclasses.field(default=True, compare=False)
    python: bool = dataclasses.field(default=True, compare=False)
    items: tuple | None = dataclasses.field(default=None, compare=False)
    note: str | None = dataclasses.field(default=None, compare=False)  # DELETED: why, `message|hint` (aliases.py)


class Scope:
    def __init__(self, prefix: str, env: dict | None = None):
        self.prefix = prefix
        self.env: dict[str, Binding] = env or {}
        self.assigned: frozenset[str] = frozenset()  # every name the function binds (local throughout, in Python)


def assigned_names(fn: cst.FunctionDef) -> frozenset[str]:
    """The names `fn` binds anywhere (its parameters, assignment and loop targets): Python's locals of `fn`."""
    names = {param.name.value for param in fn.params.params}

    class Collect(cst.CSTVisitor):
        def visit_AssignTarget(self, node):
            names.update(target_names(node.target))

        def visit_AugAssign(self, node):
            names.update(target_names(node.target))

        def visit_AnnAssign(self, node):
            names.update(target_names(node.target))

        def visit_For(self, node):
            names.update(target_names(node.target))
    fn.body.visit(Collect())
    return frozenset(names)


RESERVED = {"np", "dice", "normalize", "semiring", "range", "len", "min", "max", "print", "int", "float",
            "abs", "bool", "tuple", "list", "sum"}

RESERVED_PARAMS = {"np", "dice", "normalize", "semiring"}

ELEMENTWISE = {"abs": "np.abs", "sign": "np.sign"}
AXIS_FUNCTIONS = {
    "reduce_sum": "np.sum", "reduce_min": "np.min", "reduce_max": "np.max", "reduce_all": "np.all",
    "reduce_any": "np.any", "argmin": "np.argmin", "argmax": "np.argmax", "argsort": "dice.lib.argsort",
    "flip": "np.flip", "cumsum": "np.cumsum", "sort": "np.sort",
}
FIXED_ONLY = {"zeros": "dice.lib.zeros", "ones": "dice.lib.ones", "arange": "np.arange"}


def target_names(target) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*[target_names(e.value) for e in target.elements])
    return set()


def scalar_literal(node) -> bool:
    """A fixed expression that is a number whatever the arguments: literals, `len(...)`, arithmetic of those."""
    if isinstance(node, cst.UnaryOperation):
        return scalar_literal(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return scalar_literal(node.left) and scalar_literal(node.right)
    if isinstance(node, cst.Call):
        return cst.Module([]).code_for_node(node.func) == "dice.lib.length"
    return isinstance(node, (cst.Integer, cst.Float)) or (isinstance(node, cst.Name)
                                                           and node.value in ("True", "False", "None"))


_CONSTANT_NODES = (cst.Integer, cst.Float, cst.SimpleString, cst.UnaryOperation, cst.BinaryOperation, cst.Comparison,
                   cst.BooleanOperation, cst.Tuple, cst.Element, cst.ComparisonTarget, cst.LeftParen, cst.RightParen,
                   cst.BaseUnaryOp, cst.BaseBinaryOp, cst.BaseCompOp, cst.BaseBooleanOp, cst.Comma,
                   cst.BaseParenthesizableWhitespace, cst.Newline, cst.EmptyLine, cst.TrailingWhitespace)


class _OnlyLiterals(cst.CSTVisitor):
    def __init__(self):
        self.ok = True

    def on_visit(self, node) -> bool:
        if isinstance(node, cst.Name):
            self.ok &= node.value in ("True", "False", "None")
        elif not isinstance(node, _CONSTANT_NODES):
            self.ok = False
        return self.ok


def constant(node) -> tuple[bool, object]:
    """(True, value) when a fixed expression is made of literals only (so the compiler knows its value).

    Function arguments are bound to the caller's expressions, so `n == 0` inside `roll(2)` is `2 - 1 == 0`
    after a step of recursion: knowing it lets a fixed `if` lower one branch, which ends recursion.
    """
    checker = _OnlyLiterals()
    node.visit(checker)
    if not checker.ok:
        return False, None
    try:
        return True, eval(cst.Module([]).code_for_node(node), {"__builtins__": {}}, {})  # literals only
    except Exception:  # e.g. 1 // 0: leave it to run time, where it fails at its source line
        return False, None


def is_zero(node) -> bool:
    return isinstance(node, cst.Integer) and node.evaluated_value == 0


def is_ref(node) -> bool:
    return isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == TABLE


def temp_ref(node) -> bool:
    column = node.slice[0].slice.value
    return isinstance(column, cst.SimpleString) and column.evaluated_value.startswith("_")


def is_return(pair) -> bool:
    return isinstance(pair[1], cst.Return)


class _YieldFinder(cst.CSTVisitor):
    def __init__(self):
        self.found = None

    def visit_Yield(self, node) -> bool:
        self.found = self.found or node
        return False

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_Lambda(self, node) -> bool:
        return False


def find_yield(node) -> cst.Yield | None:
    """The first `yield` in `node`'s own body (not in a nested function), or None."""
    finder = _YieldFinder()
    for child in node.children if isinstance(node, cst.FunctionDef) else [node]:
        child.visit(finder)
    return finder.found
