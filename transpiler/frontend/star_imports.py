"""`from numpy import *` (and from math, numpy.linalg, scipy.special ...): the names Python binds, in statement order.

A star import binds every name of the module's `__all__` (or, without one, every public name, as Python does), so
it rebinds builtins: after `from numpy import *`, `sum(range(5), -1)` is np.sum along axis -1. Ignoring the star
gave the builtin's value; refusing it refused exact programs. Reading the names from the module itself, at build
time, binds exactly what Python binds; a name Lifted does not compile stays refused where a kernel uses it. A module
that cannot be imported at build time (or an AD library's mirror, whose namespace is not NumPy's) is refused.
"""
from __future__ import annotations

import importlib

import libcst as cst

# the modules whose star the compiler reads: their names all stand for functions and constants it knows by path
STAR_ROOTS = ("numpy", "scipy", "math")


def star_names(module_name: str) -> list[str] | None:
    """The names `from module_name import *` binds, in Python's order, or None where the module is not one the
    compiler reads or cannot be imported here."""
    if module_name.split(".")[0] not in STAR_ROOTS:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    return [str(name) for name in names]


class _Bound(cst.CSTVisitor):
    """The names a module-level statement binds in the module's namespace (not those of the functions, classes,
    lambdas and comprehensions it holds, which bind their own)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def _targets(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            self.names.append(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._targets(element.value)
        elif isinstance(node, cst.StarredElement):
            self._targets(node.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.append(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.append(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        return False


def bound_names(statement: cst.CSTNode) -> list[str]:
    """What `statement` (a module-level statement other than an import) binds at module level."""
    found = _Bound()
    statement.visit(found)
    return found.names
