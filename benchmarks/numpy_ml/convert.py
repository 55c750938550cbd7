"""numpy-ml's methods as kernel modules: a method (with the object it belongs to) becomes a module function, by
renames only (the rules are in benchmarks/numpy_ml/__init__.py; the math is never touched).

numpy-ml is imported at run time from a checkout; the sources are read with `inspect`.
"""
from __future__ import annotations

import builtins
import importlib
import inspect
import math
import sys
import textwrap
import types
from pathlib import Path

import libcst as cst

from ..pymoo.rewrites import NameRenamer, _is_numpy, _locals_of, _unannotated
from ..scipy_go.convert import HEAD, _is_self, constant_statement


def import_numpy_ml(path: Path) -> types.ModuleType:
    """numpy_ml from a checkout (the folder holding the `numpy_ml` package). Its utils/data_structures.py imports
    `collections.Hashable`, gone since Python 3.10: the alias of `collections.abc.Hashable` is put back first."""
    import collections
    import collections.abc

    if not hasattr(collections, "Hashable"):
        collections.Hashable = collections.abc.Hashable
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
    return importlib.import_module("numpy_ml")


def _ours(value, package: str = "numpy_ml.") -> bool:
    """A class, function or object of the library (`package`: numpy-ml, ML-From-Scratch) whose code comes along,
    not NumPy's or Python's."""
    module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "")
    return isinstance(module, str) and module.startswith(package)


class Builder:
    """The functions, constants and imports one kernel module needs, gathered from the methods it calls outwards;
    `reasons` says why a module cannot be written (a read of what is not numbers or the library's code).

    `package`: the library's module prefix (its objects' code comes along). `state_as_locals` (ML-From-Scratch's
    layers, which save their inputs on `self` for the backward pass): a method's writes `self.<a> = ...` become
    the local `state_<a>` and its reads of `self.<a>` that local (first set from the object's value where the method
    reads it), and an `if`/`else` decided by `self` and fixed arguments keeps its taken branch; numpy-ml's driver
    keeps both off (a write there is a reason not to convert)."""

    def __init__(self, package: str = "numpy_ml.", state_as_locals: bool = False) -> None:
        self.functions: dict[str, str] = {}
        self.constants: dict[str, str] = {}
        self.imports: dict[str, str] = {}
        self.reasons: list[str] = []
        self.package, self.state_as_locals = package, state_as_locals

    def method(self, instance, name: str, prefix: str = "self_", parameters: dict | None = None,
               fixed: dict | None = None) -> str:
        """`instance.<name>` as the module function `<prefix><name>` (its `self` dropped: the object's attributes
        become constants `<prefix><attribute>`, or, for `self.parameters[key]` with key in `parameters`, the
        parameter of that name appended to the function's); `fixed`: the values the kernel passes for some
        parameters (`retain_derived=False`), which decide the `if` statements on them and `self`."""
        owner = type(instance)
        static = next((vars(k)[name] for k in owner.__mro__ if name in vars(k)), None)
        if isinstance(static, staticmethod):
            return self.function(static.__func__, f"{prefix}{name}", None, prefix, parameters, fixed)
        if not inspect.isfunction(static):
            self.reasons.append(f"{owner.__name__}.{name} is not a method")
            return f"{prefix}{name}"
        return self.function(static, f"{prefix}{name}", instance, prefix, parameters, fixed)

    def function(self, function, new_name: str, instance, prefix: str, parameters: dict | None = None,
                 fixed: dict | None = None) -> str:
        if new_name in self.functions:
            return new_name
        self.functions[new_name] = ""  # reserved: a recursive call stops here
        node = next(s for s in cst.parse_module(textwrap.dedent(inspect.getsource(function))).body
                    if isinstance(s, cst.FunctionDef))
        params = list(node.params.params)[1 if instance is not None else 0:]
        first_default = next((k for k, p in enumerate(params) if p.default is not None), len(params))
        params[first_default:first_default] = [cst.Param(cst.Name(p)) for p in (parameters or {}).values()]
        local = _locals_of(node) | set((parameters or {}).values())
        body = node.body.visit(_Decided(instance, fixed or {}, with_else=self.state_as_locals))
        if self.state_as_locals:
            body, state = _state_as_locals(body, instance)
            local |= state
        else:
            self.reasons += [f"writes self.{attr} (the object's state)" for attr in _self_writes(body)]
        closure = {name: cell.cell_contents for name, cell in zip(function.__code__.co_freevars, function.__closure__ or ())
                   if name != "__class__"}  # (`__class__`: the cell of a `super()` call, a reason of its own)
        for name, value in closure.items():  # a closure's numbers (`coef` of utils/kernels.py's polynomial_kernel)
            self.constant(f"{new_name}_{name}", value, f"the closure's {name}")
        body = body.visit(_Rename(self, instance, prefix, function.__globals__, local, parameters or {},
                                  {name: f"{new_name}_{name}" for name in closure}))
        node = node.with_changes(name=cst.Name(new_name), decorators=[],
                                 params=node.params.with_changes(params=params), body=body)
        self.functions[new_name] = cst.Module(body=[_unannotated(node)]).code
        return new_name

    def constant(self, name: str, value, what: str) -> None:
        if name in self.constants:
            return
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            # a dict of numbers (a kernel's `self.parameters`): its literal, the keys read as subscripts
            items = [(k, v) for k, v in value.items() if v is None or isinstance(v, (int, float, str, bool))]
            if len(items) == len(value):
                self.constants[name] = f"{name} = {{{', '.join(f'{k!r}: {v!r}' for k, v in items)}}}\n"
                return
        if value is None or isinstance(value, str):  # a layer's `self.pool = "sum"`: a build-time choice
            self.constants[name] = f"{name} = {value!r}\n"
            return
        statement = constant_statement("x", value) if _numbers(value) else None
        if statement is None:
            self.reasons.append(f"{what} is a {type(value).__name__}, not numbers")
            return
        self.constants[name] = name + statement[len("self_x"):]

    def global_name(self, name: str, value) -> str:
        if _is_numpy(value):
            return "np"
        if value is math:
            self.imports["math"] = "import math\n"
            return name
        if inspect.isbuiltin(value) and getattr(value, "__module__", "") == "math":  # `from math import erf`
            self.imports[name] = f"from math import {name}\n"
            return name
        if inspect.isfunction(value) and _ours(value, self.package):
            return self.function(value, name, None, "")
        self.reasons.append(f"reads the global {name}, a {type(value).__name__} outside NumPy")
        return name

    def module(self, kernels: str) -> str:
        """The whole module: imports, constants, helpers, then `kernels` (the annotated entry points)."""
        return ("import numpy as np\n" + "".join(self.imports.values()) + HEAD + "\n" +
                "".join(self.constants.values()) + "\n\n" + "\n\n".join(self.functions.values()) + "\n\n" + kernels)


class _Rename(NameRenamer):
    """`self.<attribute>` to a constant, `self.<method>(...)` / `self.<object>(...)` / `self.<object>.<method>(...)`
    to the module function of that method (the object's `__call__`), `self.parameters["W"]` to a parameter, a
    module global to its function or constant."""

    def __init__(self, builder: Builder, instance, prefix: str, globals_: dict, local: set[str],
                 parameters: dict, closure: dict[str, str] | None = None) -> None:
        super().__init__()
        self.builder, self.instance, self.prefix, self.globals = builder, instance, prefix, globals_
        self.local, self.parameters, self.closure = local, parameters, closure or {}
        self.as_parameters: set[int] = set()  # the `self.parameters` nodes of `self.parameters["W"]` renamed

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self._parameter(node) is not None:
            self.as_parameters.add(id(node.value))

    def _parameter(self, node: cst.Subscript) -> str | None:
        """The name `self.<dict>["key"]` becomes: the parameter of `self.parameters["W"]` (where the case makes W
        one), else the constant `<prefix><dict>_<key>` of a number (`self.hyperparameters["epsilon"]`), or None."""
        found = self._attribute(node.value)
        if found is None or not isinstance(found[0], dict) or len(node.slice) != 1 or \
                not isinstance(node.slice[0].slice, cst.Index) or \
                not isinstance(node.slice[0].slice.value, cst.SimpleString):
            return None
        key = node.slice[0].slice.value.evaluated_value
        if found[1] == "parameters" and key in self.parameters:
            return self.parameters[key]
        if key in found[0] and key.isidentifier() and _numbers(found[0][key]):
            name = f"{self.prefix}{found[1]}_{key}"
            self.builder.constant(name, found[0][key], f"self.{found[1]}[{key!r}]")
            return name
        return None

    def _attribute(self, node: cst.BaseExpression):
        """(value, attribute name) of `self.<name>`, or None."""
        if isinstance(node, cst.Attribute) and _is_self(node.value) and self.instance is not None:
            name = node.attr.value
            return getattr(self.instance, name, None), name
        return None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        found = self._attribute(func)
        if found is not None:  # self.method(...) or self.object(...)
            value, name = found
            if inspect.ismethod(value) and value.__self__ is self.instance:
                return updated.with_changes(func=cst.Name(self.builder.method(self.instance, name, self.prefix)))
            if _ours(value, self.builder.package) and callable(value):
                helper = self.builder.method(value, "__call__", f"{self.prefix}{name}_")
                return updated.with_changes(func=cst.Name(helper))
        if isinstance(func, cst.Attribute):
            inner = self._attribute(func.value)
            if inner is not None and _ours(inner[0], self.builder.package) and not isinstance(inner[0], (dict, list)):
                helper = self.builder.method(inner[0], func.attr.value, f"{self.prefix}{inner[1]}_")
                return updated.with_changes(func=cst.Name(helper))
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        parameter = self._parameter(original)
        return updated if parameter is None else cst.Name(parameter)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        found = self._attribute(original)
        if found is not None and f"self.{found[1]}" in self.parameters:  # `self.beta`: a parameter (a case's choice)
            return cst.Name(self.parameters[f"self.{found[1]}"])
        if found is not None and id(original) not in self.as_parameters:
            value, name = found
            if callable(value) or (_ours(value, self.builder.package) and not isinstance(value, (dict, list))):
                return updated  # a method or an object: its call is renamed by leave_Call, or left (a reason)
            self.builder.constant(f"{self.prefix}{name}", value, f"self.{name}")
            return cst.Name(f"{self.prefix}{name}")
        inner = original.value
        if isinstance(inner, cst.Name) and inner.value not in self.local and _is_numpy(self.globals.get(inner.value)):
            return updated.with_changes(value=cst.Name("np"), attr=original.attr)
        return updated.with_changes(attr=original.attr)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        name = original.value
        if id(original) in self.not_reads or name in self.local or name == "self":
            return updated
        if name in self.closure:
            return cst.Name(self.closure[name])
        if name not in self.globals:
            if not hasattr(builtins, name):
                self.builder.reasons.append(f"reads the name `{name}`")
            return updated
        return cst.Name(self.builder.global_name(name, self.globals[name]))

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        return updated.with_changes(name=original.name)


def _numbers(value) -> bool:
    """Whether `constant_statement` can write `value` (a list of arrays of several sizes it cannot)."""
    try:
        return constant_statement("x", value) is not None
    except (ValueError, TypeError):
        return False


class _Decided(cst.CSTTransformer):
    """An `if` (no `else`) whose test reads only `self` and fixed arguments, false there, is dropped: numpy-ml's
    `if not self.is_initialized:` of an initialised layer, `if retain_derived:` where the kernel passes False
    (the state a forward pass would retain is not the kernel's)."""

    def __init__(self, instance, fixed: dict, with_else: bool = False) -> None:
        self.instance, self.fixed, self.with_else = instance, fixed, with_else

    def leave_If(self, original: cst.If, updated: cst.If):
        read = _bare_names(original.test)
        has_else = original.orelse is not None
        if has_else and not (self.with_else and isinstance(updated.orelse, cst.Else)) or \
                not read <= {"self"} | set(self.fixed) or self.instance is None and "self" in read:
            return updated
        try:
            decided = bool(eval(cst.Module([]).code_for_node(original.test), {},  # noqa: S307  the library's own test
                                {"self": self.instance, **self.fixed}))
        except Exception:  # noqa: BLE001  not decidable from these values: left for the kernel
            return updated
        if not has_else:
            return updated if decided else cst.RemoveFromParent()
        taken = updated.body if decided else updated.orelse.body  # `if training and self.trainable: ... else: ...`
        return cst.FlattenSentinel(taken.body)


def _self_writes(node: cst.CSTNode) -> list[str]:
    """The attributes of `self` a body assigns (`self.x = `, `self.d["k"] += `)."""
    found: list[str] = []

    def targets(target: cst.CSTNode) -> None:
        while isinstance(target, cst.Subscript):
            target = target.value
        if isinstance(target, cst.Attribute) and _is_self(target.value):
            found.append(target.attr.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                targets(element.value)

    class Writes(cst.CSTVisitor):
        def visit_AssignTarget(self, n: cst.AssignTarget) -> None:
            targets(n.target)

        def visit_AugAssign(self, n: cst.AugAssign) -> None:
            targets(n.target)

    node.visit(Writes())
    return list(dict.fromkeys(found))


def _state_as_locals(body: cst.BaseSuite, instance) -> tuple[cst.BaseSuite, set[str]]:
    """A method's state, `self.<a>` written by it, as the local `state_<a>` (Builder's `state_as_locals`): every
    `self.<a>` of the body renamed, and `state_<a> = self.<a>` put first where the body reads it and the object
    has it (BatchNormalization's running mean, updated from the previous one)."""
    written = set(_self_writes(body))
    if not written:
        return body, set()
    read: set[str] = set()

    class Reads(cst.CSTVisitor):
        def visit_AssignTarget(self, n: cst.AssignTarget) -> bool:
            return not (isinstance(n.target, cst.Attribute) and _is_self(n.target.value))

        def visit_Attribute(self, n: cst.Attribute) -> None:
            if _is_self(n.value):
                read.add(n.attr.value)

    class Rename(cst.CSTTransformer):
        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
            if _is_self(original.value) and original.attr.value in written:
                return cst.Name(f"state_{original.attr.value}")
            return updated

    body.visit(Reads())
    first = [cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(f"state_{a}"))],
                                                 cst.Attribute(cst.Name("self"), cst.Name(a)))])
             for a in sorted(written & read) if getattr(instance, a, None) is not None]
    renamed = body.visit(Rename())
    return renamed.with_changes(body=[*first, *renamed.body]), {f"state_{a}" for a in written}


def _bare_names(node: cst.CSTNode) -> set[str]:
    """The names an expression reads (not the attribute names after a dot)."""
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Attribute(self, n: cst.Attribute) -> bool:
            n.value.visit(self)
            return False

        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(Names())
    return found


def leftover_self(text: str) -> list[str]:
    """`self` still read in the module (an object used other than by a call of its method): a reason each."""
    found = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if _is_self(node.value):
                found.append(f"uses self.{node.attr.value} other than as numbers or a call of its method")

    cst.parse_module(text).visit(Reads())
    return list(dict.fromkeys(found))
