"""opfunu's benchmark classes as kernels: each class's `evaluate(self, x, *args)` becomes `f(x: "f64[D]") -> "f64[]"`
by mechanical rewrites only (the rules are in benchmarks/opfunu/__init__.py; the math is never touched).

opfunu is imported from the path given at run time (nothing of it is copied here): a class is instantiated at a
dimension, which loads its shift vectors, rotation matrices and shuffle permutations from opfunu's text files; the
values its methods read become module constants, and the sources of `evaluate`, of the methods it calls and of the
`opfunu.utils.operator` functions they reach are rewritten into one kernel module.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import textwrap
import types
from pathlib import Path

import libcst as cst
import numpy as np

from ..scipy_go.convert import HEAD, Case, _is_self, _Uses, constant_statement

OPERATOR = "opfunu.utils.operator"
# the checks every evaluate starts with: Python's own bookkeeping and an argument check the annotation makes
DROPPED_CALLS = ("check_solution",)
DROPPED_COUNTERS = ("n_fe",)
# CEC 2010's functions work on groups of m = 50 coordinates (the competition's D is 1000): 100 is the smallest D
# their __init__ accepts
FAMILY_DIMENSIONS = {"cec2010": (100,)}


def import_opfunu(path: Path | None) -> types.ModuleType:
    """opfunu from `path` (a folder holding the package, or the package folder itself; None: the installed one).
    Its plotting module (matplotlib) is replaced by an empty one where matplotlib is missing (no function reads
    it), and `pkg_resources` by its one function opfunu calls where setuptools is missing."""
    if path is not None:
        root = path.parent if (path / "cec_based").is_dir() else path
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
    if not _installed("pkg_resources"):  # (setuptools' module, absent from newer venvs): the
        stub = types.ModuleType("pkg_resources")             # one call opfunu makes, to find its data files
        stub.resource_filename = lambda package, resource: str(
            Path(importlib.util.find_spec(package).origin).parent / resource)
        sys.modules["pkg_resources"] = stub
    if not _installed("matplotlib"):
        stub = types.ModuleType("opfunu.utils.visualize")
        stub.draw_2d = stub.draw_3d = stub.draw_latex = None
        sys.modules["opfunu.utils.visualize"] = stub
    return importlib.import_module("opfunu")


def _installed(name: str) -> bool:
    """Whether `name` imports for real: a module another corpus's loader stood in for (benchmarks/mlfs, in
    sys.modules with no spec) does not."""
    try:
        return importlib.util.find_spec(name) is not None
    except ValueError:
        return False


def _source_def(function) -> cst.FunctionDef:
    tree = cst.parse_module(textwrap.dedent(inspect.getsource(function)))
    return next(s for s in tree.body if isinstance(s, cst.FunctionDef))


def _is_dropped(statement: cst.BaseStatement) -> bool:
    """`self.n_fe += 1` (opfunu's count of evaluations) and `self.check_solution(x, ...)` (the length check the
    annotation `f64[D]` makes)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Attribute):
        return _is_self(small.target.value) and small.target.attr.value in DROPPED_COUNTERS
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func = small.value.func
        return isinstance(func, cst.Attribute) and _is_self(func.value) and func.attr.value in DROPPED_CALLS
    return False


class _Rename(cst.CSTTransformer):
    """`self.<object>.<method>` -> `<prefix><object>_<method>`, `self.<name>` -> `<prefix><name>` or the operator
    function it holds, `operator.<function>` -> `<function>`."""

    def __init__(self, prefix: str, aliases: dict[str, str], objects: set[str]) -> None:
        self.prefix, self.aliases, self.objects = prefix, aliases, objects

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        inner = original.value
        if isinstance(inner, cst.Attribute) and _is_self(inner.value) and inner.attr.value in self.objects:
            return cst.Name(f"{self.prefix}{inner.attr.value}_{original.attr.value}")
        if _is_self(updated.value):
            return cst.Name(self.aliases.get(updated.attr.value, f"{self.prefix}{updated.attr.value}"))
        if isinstance(updated.value, cst.Name) and updated.value.value == "operator":
            return cst.Name(updated.attr.value)
        return updated


def _object_reads(node: cst.CSTNode) -> list[tuple[str, str]]:
    """The `self.<object>.<name>` reads of a function, in order."""
    found: list[tuple[str, str]] = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            inner = attribute.value
            if isinstance(inner, cst.Attribute) and _is_self(inner.value) and \
                    (inner.attr.value, attribute.attr.value) not in found:
                found.append((inner.attr.value, attribute.attr.value))

    node.visit(Reads())
    return found


def _is_benchmark(value) -> bool:
    """An instance of an opfunu class (CEC 2013's and 2014's composition functions hold their parts as objects)."""
    return any(klass.__module__.startswith(("opfunu.cec_based.", "opfunu.name_based.", "opfunu.benchmark"))
               for klass in type(value).__mro__) and hasattr(value, "evaluate")


class _Builder:
    """The functions and constants one kernel module needs, gathered from `evaluate` outwards."""

    def __init__(self, operator_module: types.ModuleType) -> None:
        self.operator = operator_module
        self.functions: dict[str, str] = {}
        self.constants: dict[str, str] = {}
        self.values: dict = {}
        self.reasons: list[str] = []

    def operator_function(self, name: str) -> None:
        """An `opfunu.utils.operator` function and the ones it calls, as module functions of the same name."""
        if name in self.functions:
            return
        function = getattr(self.operator, name, None)
        if not inspect.isfunction(function):
            self.reasons.append(f"reads operator.{name}, not a function")
            return
        if function.__name__ != name:  # `expanded_scaffer_f6_func = rotated_expanded_scaffer_func` in opfunu
            self.functions[name] = ""
            self.operator_function(function.__name__)
            del self.functions[name]  # (written after the function it names)
            self.functions[name] = f"{name} = {function.__name__}\n"
            return
        self.functions[name] = ""  # reserved: a recursive call stops here
        node = _source_def(function)
        uses = _Uses()
        node.visit(uses)
        self._random(uses, name)
        for called in sorted(uses.names):
            if called != name and inspect.isfunction(getattr(self.operator, called, None)):
                self.operator_function(called)
        self.functions[name] = cst.Module(body=[node]).code

    def method(self, instance, function, prefix: str, new_name: str, dimension: int | None = None) -> None:
        """A method of `instance` as the module function `new_name` (`self` dropped, its attributes the constants
        `<prefix><name>`); with `dimension`, `evaluate` as the kernel `f`."""
        self.functions[new_name] = ""
        node = _source_def(function)
        body = [s for s in node.body.body if not _is_dropped(s)]
        node = node.with_changes(body=node.body.with_changes(body=body))
        uses = _Uses()
        node.body.visit(uses)
        self._random(uses, new_name)
        params = list(node.params.params)
        star = node.params.star_arg.name.value if isinstance(node.params.star_arg, cst.Param) else None
        if star and star in uses.names:
            self.reasons.append(f"{function.__name__} reads *{star}")
        if not params or params[0].name.value != "self":
            self.reasons.append(f"{function.__name__} is not a method of one `self`")
            return
        aliases: dict[str, str] = {}
        for called in dict.fromkeys(uses.methods):
            if called in DROPPED_CALLS:
                continue
            value = getattr(type(instance), called, None)
            if inspect.isfunction(value):  # a method: its own module function
                aliases[called] = f"{prefix}{called}"
                if aliases[called] not in self.functions:
                    self.method(instance, value, prefix, aliases[called])
        objects = set()
        for owner, name in _object_reads(node.body):
            value = getattr(instance, owner, None)
            method = getattr(type(value), name, None)
            if _is_benchmark(value) and inspect.isfunction(method):  # `self.g0.evaluate(z)`: g0's own function
                objects.add(owner)
                if f"{prefix}{owner}_{name}" not in self.functions:
                    self.method(value, method, f"{prefix}{owner}_", f"{prefix}{owner}_{name}")
        for attribute in uses.attributes:
            if attribute in aliases or attribute in objects or attribute in DROPPED_CALLS + DROPPED_COUNTERS:
                continue
            value = getattr(instance, attribute, None)
            if inspect.isfunction(value) and value.__module__ == OPERATOR:  # `self.g0 = operator.rosenbrock_func`
                aliases[attribute] = value.__name__
                self.operator_function(value.__name__)
                continue
            statement = constant_statement(f"{prefix[len('self_'):]}{attribute}", value)
            if statement is None:
                self.reasons.append(f"self.{attribute} is a {type(value).__name__}, not numbers")
            else:
                self.constants[f"{prefix}{attribute}"] = statement
                self.values[f"{prefix}{attribute}"] = value
        for called in _operator_reads(node):
            self.operator_function(called)
        renamed = node.visit(_Rename(prefix, aliases, objects))
        if dimension is not None:
            renamed = renamed.with_changes(
                name=cst.Name("f"), decorators=[cst.Decorator(decorator=cst.Name("kernel"))],
                params=cst.Parameters(params=[cst.Param(
                    name=cst.Name(params[1].name.value),
                    annotation=cst.Annotation(cst.SimpleString(f'"f64[{dimension}]"')))]),
                returns=cst.Annotation(cst.SimpleString('"f64[]"')))
        else:
            renamed = renamed.with_changes(name=cst.Name(new_name), decorators=[],
                                           params=renamed.params.with_changes(params=renamed.params.params[1:]))
        self.functions[new_name] = cst.Module(body=[renamed]).code

    def _random(self, uses: _Uses, where: str) -> None:
        self.reasons += [f"{where} draws random numbers `{r}`" for r in uses.random]


def _operator_reads(node: cst.CSTNode) -> list[str]:
    """The `operator.<name>` attributes a function reads, in order."""
    found: list[str] = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            if isinstance(attribute.value, cst.Name) and attribute.value.value == "operator" and \
                    attribute.attr.value not in found:
                found.append(attribute.attr.value)

    node.visit(Reads())
    return found


def convert(cls: type, dimension: int | None, family: str, operator_module: types.ModuleType) -> Case:
    """The class at `dimension` (None: its default) as a kernel module, or a Case saying why not."""
    name = cls.__name__
    try:
        instance = cls() if dimension is None else cls(ndim=dimension)
    except BaseException as exc:  # noqa: BLE001  opfunu's __init__ (exit(1) where a data file is missing)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Case(name=name, dimension=dimension or 0, family=family,
                    not_converted=f"__init__ raises {type(exc).__name__}: {exc}"[:200])
    case = Case(name=name, dimension=int(instance.ndim), family=family)
    case.bounds = np.asarray(instance.bounds, dtype=float)
    optimum = np.asarray(instance.x_global if instance.x_global is not None else [], dtype=float)
    if optimum.ndim == 2:
        optimum = optimum[0]
    if optimum.shape == (case.dimension,):
        case.optimum = optimum
    builder = _Builder(operator_module)
    builder.method(instance, cls.evaluate, "self_", "f", case.dimension)
    if builder.reasons:
        case.not_converted = "; ".join(dict.fromkeys(builder.reasons))
        return case
    case.constants = builder.values
    helpers = [text for key, text in builder.functions.items() if key != "f"]
    case.text = ("import numpy as np\n" + HEAD + "\n" + "".join(builder.constants.values()) + "\n\n"
                 + "\n\n".join(helpers + [builder.functions["f"]]))
    return case


def cec_classes(opfunu: types.ModuleType, only: set[str] | None = None) -> list[tuple[str, type]]:
    """(family, class) for every CEC class with its own or an inherited `evaluate`, in file order."""
    found = []
    for stem in sorted(n for n in dir(opfunu.cec_based) if n.startswith("cec20")):
        module = importlib.import_module(f"opfunu.cec_based.{stem}")
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and cls.__module__ == module.__name__ and "evaluate" in _methods(cls) and \
                    (not only or name in only):
                found.append((stem, cls))
    return found


def name_based_classes(opfunu: types.ModuleType, excluded: set[str], only: set[str] | None = None
                       ) -> list[tuple[str, type]]:
    """("name_based", class) for the name-based classes not in `excluded` (SciPy's set, run by benchmarks/scipy_go)."""
    found = []
    for name, cls in sorted(vars(opfunu.name_based).items()):
        if inspect.isclass(cls) and cls.__module__.startswith("opfunu.name_based.") and name not in excluded and \
                "evaluate" in _methods(cls) and (not only or name in only):
            found.append(("name_based", cls))
    return found


def _within_limit(cls: type, dimensions: tuple[int, ...]) -> list[int]:
    """`dimensions`, each above the class's `dim_max` replaced by that maximum (CEC 2021 and 2022 go to 20)."""
    try:
        largest = getattr(cls(), "dim_max", None) or max(dimensions)
    except BaseException as exc:  # noqa: BLE001  convert() reports it
        if isinstance(exc, KeyboardInterrupt):
            raise
        largest = max(dimensions)
    return list(dict.fromkeys(min(d, largest) for d in dimensions))


def _methods(cls: type) -> set[str]:
    return {n for klass in cls.__mro__ if klass.__module__.startswith(("opfunu.cec_based.cec20", "opfunu.name_based."))
            for n in vars(klass)}


def cases(opfunu: types.ModuleType, dimensions: tuple[int, ...], excluded: set[str],
          only: set[str] | None = None, name_based: bool = True) -> list[Case]:
    """Every CEC class at each of `dimensions` (those its data exist for), then the name-based classes outside
    `excluded` at their default dimension."""
    operator_module = importlib.import_module(OPERATOR)
    result = []
    for family, cls in cec_classes(opfunu, only):
        for dimension in _within_limit(cls, FAMILY_DIMENSIONS.get(family, dimensions)):
            result.append(convert(cls, dimension, family, operator_module))
    for family, cls in name_based_classes(opfunu, excluded, only) if name_based else []:
        result.append(convert(cls, None, family, operator_module))
    return result
