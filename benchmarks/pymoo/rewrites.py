"""The LibCST rewrites of benchmarks/pymoo/convert.py: names in a copied function (`self.<name>`, `<Class>.<name>`,
module globals, `anp`, `math.pi`, `out["F"]`), a parent's `_evaluate` through `super()`, and type hints dropped."""
from __future__ import annotations

import builtins
import inspect
import math

import libcst as cst
import numpy as np

from ..scipy_go.convert import _is_self

OUTPUTS = ("F", "G", "H")  # pymoo's objectives, inequality and equality constraints, in the order returned


def _is_numpy(value) -> bool:
    """numpy itself, or `pymoo.gradient.toolbox` (the lazy module that is NumPy under pymoo's default backend)."""
    return value is np or type(value).__name__ == "LazyBackend" or getattr(value, "__name__", "") == "autograd.numpy"


def _locals_of(node: cst.FunctionDef) -> set[str]:
    """Parameters and every name the function assigns (targets, loop and comprehension variables)."""
    found = {p.name.value for p in node.params.params + node.params.kwonly_params}
    for star in (node.params.star_arg, node.params.star_kwarg):
        if isinstance(star, cst.Param):
            found.add(star.name.value)

    def names(target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            found.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                names(element.value)
        elif isinstance(target, cst.StarredElement):
            names(target.value)

    class Stores(cst.CSTVisitor):
        def visit_AssignTarget(self, n: cst.AssignTarget) -> None:
            names(n.target)

        def visit_AugAssign(self, n: cst.AugAssign) -> None:
            names(n.target)

        def visit_AnnAssign(self, n: cst.AnnAssign) -> None:
            names(n.target)

        def visit_For(self, n: cst.For) -> None:
            names(n.target)

        def visit_CompFor(self, n: cst.CompFor) -> None:
            names(n.target)

        def visit_NamedExpr(self, n: cst.NamedExpr) -> None:
            names(n.target)

    node.body.visit(Stores())
    return found


def _output_key(node: cst.BaseExpression, out: str) -> str | None:
    """"F" for `out["F"]`."""
    if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == out and \
            len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) and \
            isinstance(node.slice[0].slice.value, cst.SimpleString):
        return node.slice[0].slice.value.evaluated_value
    return None


class NameRenamer(cst.CSTTransformer):
    """A renaming transformer's `not_reads`: the Name nodes that name rather than read (attributes, keywords,
    parameters), which a rename of reads leaves alone (here and in benchmarks/numpy_ml)."""

    def __init__(self) -> None:
        super().__init__()
        self.not_reads: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_reads.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_reads.add(id(node.keyword))

    def visit_Param(self, node: cst.Param) -> None:
        self.not_reads.add(id(node.name))


class _Rewrite(NameRenamer):
    """The renames one function needs: `self.<name>`/`<Class>.<name>` to a module function or constant,
    `anp`/`np` to `np`, a module global to its function or constant, `out["F"]` to `out_F`."""

    def __init__(self, builder, owner: type | None, globals_: dict, local: set[str], out: str | None,
                 outputs: list[str]):
        super().__init__()
        self.builder, self.owner, self.globals, self.local, self.out = builder, owner, globals_, local, out
        self.outputs = outputs

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.not_reads.add(id(node.name))

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        key = _output_key(original, self.out) if self.out else None
        if key is None:
            return updated
        if key not in OUTPUTS:
            self.builder.reasons.append(f'writes out["{key}"]')
        elif key not in self.outputs:
            self.outputs.append(key)
        return cst.Name(f"out_{key}")

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        inner, attr = original.value, original.attr.value
        if _is_self(inner) and self.owner is not None:
            return cst.Name(self.builder.member(self.owner, attr, "self_"))
        if isinstance(inner, cst.Name) and inner.value not in self.local:
            value = self.globals.get(inner.value)
            if inspect.isclass(value) and not _is_numpy(value):  # `WFG1.t1(...)`: the class's static method
                return cst.Name(self.builder.member(value, attr, f"{value.__name__}_"))
            if _is_numpy(value):
                return updated.with_changes(value=cst.Name("np"), attr=original.attr)
            if value is math:  # `math.pi` (a number): the constant `global_math_pi`
                number = getattr(math, attr, None)
                if not isinstance(number, float):
                    self.builder.reasons.append(f"reads math.{attr}, not a number")
                    return updated
                self.builder._constant(f"global_math_{attr}", number, f"math.{attr}")
                return cst.Name(f"global_math_{attr}")
        return updated.with_changes(attr=original.attr)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        name = original.value
        if id(original) in self.not_reads or name in self.local or name in ("self", self.out):
            return updated
        if name not in self.globals:
            if not hasattr(builtins, name) and name not in self.builder.functions:  # (a parent's _evaluate)
                self.builder.reasons.append(f"reads the name `{name}`")
            return updated
        return cst.Name(self.builder.global_name(name, self.globals[name]))

    # names that are not reads: an attribute's name, a keyword, a parameter, the function's own name
    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        return updated.with_changes(name=original.name)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        return updated.with_changes(name=original.name)


class _SuperEvaluate(cst.CSTTransformer):
    """`super()._evaluate(x, out, *args, **kwargs)` (a statement) -> `out_F, out_G, = <Parent>__evaluate(x)`: the
    parent class's `_evaluate` as a helper returning the outputs it writes."""

    def __init__(self, builder, owner: type, defined_in: type | None, x: str, outputs: list) -> None:
        self.builder, self.owner, self.defined_in, self.x, self.outputs = builder, owner, defined_in, x, outputs

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Expr):
            return updated
        call = updated.body[0].value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and
                call.func.attr.value == "_evaluate" and isinstance(call.func.value, cst.Call) and
                isinstance(call.func.value.func, cst.Name) and call.func.value.func.value == "super"):
            return updated
        mro = self.owner.__mro__
        after = mro[mro.index(self.defined_in) + 1:] if self.defined_in in mro else ()
        parent = next((k for k in after if "_evaluate" in vars(k)), None)
        if parent is None or parent.__module__.startswith("pymoo.core.") or not call.args or \
                not isinstance(call.args[0].value, cst.Name) or call.args[0].value.value != self.x:
            self.builder.reasons.append("calls super()._evaluate on another argument or pymoo's own")
            return updated
        name = f"{parent.__name__}__evaluate"
        written = self.builder.function(vars(parent)["_evaluate"], name, self.owner, drop_self=True, kernel=name,
                                        defined_in=parent)
        for key in written:
            if key not in self.outputs:
                self.outputs.append(key)
        targets = cst.Tuple([cst.Element(cst.Name(f"out_{k}")) for k in OUTPUTS if k in written])
        return updated.with_changes(body=[cst.Assign([cst.AssignTarget(targets)],
                                                     cst.Call(cst.Name(name), [cst.Arg(cst.Name(self.x))]))])


def _unannotated(node: cst.FunctionDef) -> cst.FunctionDef:
    """pymoo's type hints (`X: np.ndarray`, `-> Any`) dropped: the kernel's own annotation says the shapes."""
    params = node.params
    keep = lambda p: p if p.annotation is None or isinstance(p.annotation.annotation, cst.SimpleString) and \
        p.annotation.annotation.value.startswith('"f64') else p.with_changes(annotation=None)  # noqa: E731
    params = params.with_changes(params=[keep(p) for p in params.params],
                                 kwonly_params=[keep(p) for p in params.kwonly_params])
    if isinstance(params.star_arg, cst.Param):
        params = params.with_changes(star_arg=params.star_arg.with_changes(annotation=None))
    if isinstance(params.star_kwarg, cst.Param):
        params = params.with_changes(star_kwarg=params.star_kwarg.with_changes(annotation=None))
    return node.with_changes(params=params, returns=None)


def _names_read(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

        def visit_Param(self, n: cst.Param) -> bool:
            return False

    node.visit(Names())
    return found
