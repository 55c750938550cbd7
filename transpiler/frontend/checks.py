"""What a kernel's syntax may not contain, checked on the LibCST tree before it is lowered.

Each check raises a located `TranspileError` naming the construct and what to write instead; they read only
the tree, so the lowering stays about meaning.
"""
from __future__ import annotations

from typing import Callable

import libcst as cst

from ..errors import SourceLoc, TranspileError

Locate = Callable[[cst.CSTNode], SourceLoc]


def check_signature(node: cst.FunctionDef, locate: Locate) -> None:
    """Kernels take plain positional parameters (numeric defaults allowed): no *args, **kwargs, keyword-only or
    `async`. (Functions a kernel calls take any of them: they are inlined.)"""
    p = node.params
    for extra, what in [(p.star_arg, "*args"), (p.star_kwarg, "**kwargs")]:
        if isinstance(extra, cst.Param):
            raise TranspileError(f"`{what}` is not part of the kernel language", locate(extra),
                                 "list each parameter by name")
    for param in list(p.posonly_params) + list(p.kwonly_params):
        raise TranspileError("keyword-only and positional-only parameters are not part of the kernel language",
                             locate(param), "use plain positional parameters")
    if node.asynchronous is not None:
        raise TranspileError("async kernels are not part of the kernel language", locate(node.asynchronous),
                             "remove `async`")


# names generated modules use for their own purposes: a kernel binding one would shadow it in the generated code
RESERVED_NAMES = frozenset({"np", "scipy", "dice", "reversed", "range", "len", "_unbroadcast", "_last_writes",
                            "_check_index",
                            "_check_args", "_cumprod_exclusive", "_linear_scan",
                            "_prod_others", "_norm_each"})
# ... and module-level names of a generated module: a kernel, `@dist` function or transform cannot take them
MODULE_NAMES = RESERVED_NAMES | {"os", "_along", "_back", "_others_in_groups", "_arg_spec", "_ARG_SPECS",
                                 "_CHECK_ARGS", "_ARGS_PASSED", "_KINDS", "_PYTHON_KINDS",
                                 "_ARG_TREES", "_tree_specs", "_tree_leaves", "ast", "re"}


def check_reserved_names(node: cst.FunctionDef, locate: Locate) -> None:
    """A parameter, dimension or local variable named like something the generated module itself uses (`np`,
    `reversed`, a helper) would break it: refuse it at the name."""
    for param in node.params.params:
        annotation = param.annotation.annotation if param.annotation is not None else None
        if isinstance(annotation, cst.SimpleString):
            text = annotation.evaluated_value
            dims = text[text.find("[") + 1:text.rfind("]")].split(",") if "[" in text else []
            for dim in (d.strip() for d in dims):
                if dim in RESERVED_NAMES or dim.startswith("__lifted"):
                    raise TranspileError(f"the dimension name `{dim}` is reserved in generated code",
                                         locate(annotation), f"rename the dimension, e.g. \"{dim}_\"")
    binder = _Bindings()
    node.visit(binder)
    for name in binder.names:
        if name.value in RESERVED_NAMES or name.value.startswith("__lifted"):
            raise TranspileError(f"`{name.value}` is reserved in generated code; a kernel cannot bind it",
                                 locate(name), f"rename it, e.g. `{name.value}_`")


class _Bindings(cst.CSTVisitor):
    """The names a function binds: parameters, assignment, loop and `as` targets."""

    def __init__(self):
        self.names: list[cst.Name] = []

    def _targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.names.append(target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._targets(target.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.names.append(node.name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)


def check_reachable(node: cst.FunctionDef, locate: Locate) -> None:
    """Code after a `return`, `break` or `continue` in the same block never runs: say so, rather than drop it."""
    unreachable = _unreachable(node.body)
    if unreachable is not None:
        after, exit_node = unreachable
        word = {cst.Return: "return", cst.Break: "break", cst.Continue: "continue"}[type(exit_node)]
        line = locate(exit_node).line
        raise TranspileError(f"this code never runs: it follows the `{word}` on line {line}", locate(after),
                             f"remove it, or move the `{word}` after it")


_COMPOUND = {
    cst.If: ("`if` statements", "use np.where(cond, a, b) for a data-dependent choice"),
    cst.For: ("`for` loops", "write the loop as array operations (np.sum, slicing, @)"),
    cst.While: ("`while` loops", "write the loop as array operations"),
    cst.Try: ("`try` statements", "check inputs before calling the kernel"),
    cst.With: ("`with` statements", "move resource handling outside the kernel"),
    cst.FunctionDef: ("nested functions", "define a separate @kernel at module level and call it"),
    cst.ClassDef: ("class definitions", "define classes outside kernels"),
}


def compound_error(statement: cst.CSTNode, locate: Locate) -> TranspileError:
    """The error for a compound statement the lowering does not handle here."""
    if isinstance(statement, (cst.Try, cst.TryStar)):  # (its hint depends on what the handlers catch)
        from .try_statements import try_error

        return try_error(statement, locate)
    for kind, (what, hint) in _COMPOUND.items():
        if isinstance(statement, kind):
            later = kind in (cst.If, cst.For, cst.While)
            message = f"{what} are not supported in kernels yet" if later else \
                f"{what} are not part of the kernel language"
            target = getattr(statement, "test", None) or getattr(statement, "target", None) or statement
            return TranspileError(message, locate(target if later else statement), hint)
    if isinstance(statement, cst.BaseSmallStatement):  # the body of `if c: return x`, `def f(x): return x`
        return TranspileError("a body on the line of its `if`, `for`, `while` or `def` is not supported in kernels "
                              "yet", locate(statement), "put the body on its own indented line")
    return TranspileError("this statement is not part of the kernel language", locate(statement),
                          "write it with assignments, `if`, `for`, `while` and `return`")


def _unreachable(body: cst.BaseSuite):
    """The first statement after a `return`, `break` or `continue` of the same block, with that exit."""
    found = []

    def check(small_lists: list[list], statements: list) -> None:
        for position, smalls in enumerate(small_lists):
            for j, small in enumerate(smalls):
                if isinstance(small, (cst.Return, cst.Break, cst.Continue)) and not found:
                    if j + 1 < len(smalls):
                        found.append((smalls[j + 1], small))
                    elif position + 1 < len(statements):
                        found.append((statements[position + 1], small))

    class Finder(cst.CSTVisitor):
        def visit_IndentedBlock(self, node):
            statements = list(node.body)
            check([list(s.body) if isinstance(s, cst.SimpleStatementLine) else [] for s in statements], statements)

        def visit_SimpleStatementSuite(self, node):
            check([list(node.body)], [node])

        def visit_FunctionDef(self, node):
            return False  # nested functions are refused on their own

    body.visit(Finder())
    return found[0] if found else None
