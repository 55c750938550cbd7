"""SciPy's benchmark classes as kernels: each class's `fun(self, x, *args)` becomes `f(x: "f64[n]") -> "f64[]"` by
mechanical rewrites only (the rules are in benchmarks/scipy_go/__init__.py; the math is never touched).

The files are read from a SciPy checkout at run time; they are also imported (under a private package name, with
SciPy's `benchmarks/common.py` replaced by its one helper, `safe_import`), since the constants a `fun` reads
(`self.N`, `self.a`, arrays built in `__init__`) and its bounds are what the class's `__init__` computes at a
dimension.
"""
from __future__ import annotations

import contextlib
import importlib
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
import numpy as np

from ..corpus.case import CorpusCase

PACKAGE = "_scipy_go_corpus"
FOLDER = Path("benchmarks") / "benchmarks" / "go_benchmark_functions"
HEAD = "from lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
SECOND_DIMENSION = 3  # a class that allows change_dimensionality is also run at its default dimension + 3
RANDOM_MODULES = ("numpy.random", "random")


@dataclass(kw_only=True)
class Case(CorpusCase):
    """One class at one dimension: the kernel text, or why the driver could not write one."""
    name: str
    dimension: int
    family: str = ""  # (opfunu's drivers: the CEC year, or "name_based")
    bounds: np.ndarray | None = None
    optimum: np.ndarray | None = None
    constants: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.dimension}"


def folder_of(scipy: Path) -> Path:
    """The benchmark functions' folder of a SciPy checkout (or that folder itself)."""
    return scipy if (scipy / "go_benchmark.py").exists() else scipy / FOLDER


def load_modules(folder: Path) -> dict[str, types.ModuleType]:
    """Every go_funcs_*.py of `folder`, imported as SciPy's benchmarks import them."""
    root = types.ModuleType(PACKAGE)
    root.__path__ = []
    common = types.ModuleType(f"{PACKAGE}.common")
    common.safe_import = lambda: contextlib.suppress(ImportError)  # SciPy's: skip what is not installed
    package = types.ModuleType(f"{PACKAGE}.go")
    package.__path__ = [str(folder)]
    for name in [n for n in sys.modules if n.startswith(f"{PACKAGE}.go.")]:  # another folder's, loaded before
        del sys.modules[name]
    sys.modules.update({PACKAGE: root, f"{PACKAGE}.common": common, f"{PACKAGE}.go": package})
    return {path.stem: importlib.import_module(f"{PACKAGE}.go.{path.stem}")
            for path in sorted(folder.glob("go_funcs_*.py"))}


class _Uses(cst.CSTVisitor):
    """What a `fun` body reads: `self.<attribute>`, `self.<method>(...)`, bare names, `args`."""

    def __init__(self) -> None:
        self.attributes: list[str] = []
        self.methods: list[str] = []
        self.names: set[str] = set()
        self.stores: list[str] = []
        self.random: list[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and _is_self(func.value):
            self.methods.append(func.attr.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if _is_self(node.value) and node.attr.value not in self.attributes:
            self.attributes.append(node.attr.value)
        dotted = _dotted(node)
        if dotted.startswith(("np.random.", "numpy.random.")) and dotted not in self.random:
            self.random.append(dotted)

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        for sub in _walk(node.target):
            if isinstance(sub, cst.Attribute) and _is_self(sub.value):
                self.stores.append(sub.attr.value)


def _walk(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _walk(child)


def _is_self(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "self"


def _is_counter(statement: cst.BaseStatement) -> bool:
    """`self.nfev += 1`: SciPy's count of evaluations, a write to the object."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Attribute) and \
        _is_self(small.target.value) and small.target.attr.value == "nfev"


class _SelfToConstant(cst.CSTTransformer):
    """`self.<name>` -> the module constant `self_<name>`."""

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if _is_self(updated.value):
            return cst.Name(f"self_{updated.attr.value}")
        return updated


def constant_statement(name: str, value) -> str | None:
    """`self_<name> = <value>` as module source (numbers, arrays, lists and tuples of numbers), or None."""
    if isinstance(value, (bool, np.bool_)):
        return f"self_{name} = {bool(value)!r}\n"
    if isinstance(value, (int, np.integer)):
        return f"self_{name} = {int(value)!r}\n"
    if isinstance(value, (float, np.floating)):
        return f"self_{name} = {_number(float(value))}\n"
    array = np.asarray(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    if array is None or array.dtype.kind not in "biuf":
        return None
    literal = _nested(array.tolist()) if array.ndim else _number(array.item())
    if isinstance(value, np.ndarray):  # float64 and int64 only: those are the dtypes a kernel annotates
        dtype = {"f": "np.float64", "i": "np.int64", "u": "np.int64", "b": "np.bool_"}[array.dtype.kind]
        return f"self_{name} = np.array({literal}, dtype={dtype})\n"
    return f"self_{name} = {_nested(value) if isinstance(value, (list, tuple)) else literal}\n"


def _number(value) -> str:
    if isinstance(value, float) and not np.isfinite(value):
        return "np.nan" if np.isnan(value) else ("np.inf" if value > 0 else "-np.inf")
    return repr(value.item() if hasattr(value, "item") else value)


def _nested(value) -> str:
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_nested(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    return _number(value)


def _numpy_imports(tree: cst.Module) -> tuple[list[str], dict[str, str]]:
    """(the module's `import numpy ...` / `from numpy import ...` lines, verbatim; name -> module of every name
    imported from elsewhere)."""
    kept, foreign = [], {}
    for statement in tree.body:
        for small in _imports_in(statement):
            module = _dotted(small.module) if isinstance(small, cst.ImportFrom) and small.module else ""
            if isinstance(small, cst.Import):
                modules = [_dotted(alias.name) for alias in small.names]
                if all(m == "numpy" for m in modules):
                    kept.append(cst.Module(body=[cst.SimpleStatementLine(body=[small])]).code)
                continue
            if small.relative:
                continue
            if module == "numpy":
                kept.append(cst.Module(body=[cst.SimpleStatementLine(body=[small])]).code)
            elif not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name.value if alias.asname else _dotted(alias.name)
                    foreign[bound] = module
    return kept, foreign


def _imports_in(statement: cst.CSTNode):
    if isinstance(statement, cst.SimpleStatementLine):
        yield from (s for s in statement.body if isinstance(s, (cst.Import, cst.ImportFrom)))
    elif isinstance(statement, cst.With):  # SciPy's `with safe_import(): from scipy.special import factorial`
        for inner in statement.body.body:
            yield from _imports_in(inner)


def _dotted(node: cst.BaseExpression) -> str:
    return cst.Module(body=[]).code_for_node(node)


def class_sources(folder: Path) -> dict[str, tuple[cst.Module, cst.ClassDef, str]]:
    """class name -> (its module's tree, its ClassDef, the module's stem), for every class with a `fun`."""
    found = {}
    for path in sorted(folder.glob("go_funcs_*.py")):
        tree = cst.parse_module(path.read_text())
        for statement in tree.body:
            if isinstance(statement, cst.ClassDef):
                found[statement.name.value] = (tree, statement, path.stem)
    return found


def _fun_of(name: str, sources: dict) -> cst.FunctionDef | None:
    """The class's own `fun`, or the nearest base class's in the same corpus."""
    _, node, _ = sources[name]
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "fun":
            return statement
    for base in node.bases:
        if isinstance(base.value, cst.Name) and base.value.value in sources:
            return _fun_of(base.value.value, sources)
    return None


def convert(name: str, sources: dict, modules: dict, dimension: int | None) -> Case:
    """The class `name` at `dimension` (None: its default) as a kernel module, or a Case saying why not."""
    tree, node, stem = sources[name]
    cls = getattr(modules[stem], name)
    try:
        instance = cls() if dimension is None else cls(dimensions=dimension)
        if dimension is not None and instance.N != dimension:
            instance.change_dimensions(dimension)
    except Exception as exc:  # noqa: BLE001  SciPy's __init__ at that dimension
        return Case(name=name, dimension=dimension or 0, not_converted=f"__init__ raises {type(exc).__name__}: {exc}")
    case = Case(name=name, dimension=instance.N)
    case.bounds = np.asarray(instance.bounds, dtype=float)
    optimum = np.asarray(instance.global_optimum if instance.global_optimum is not None else [], dtype=float)
    if optimum.ndim == 2 and optimum.shape[1] == instance.N:  # SciPy's first listed minimum
        case.optimum = optimum[0]
    fun = _fun_of(name, sources)
    if fun is None:
        case.not_converted = "no `fun` method"
        return case
    uses = _Uses()
    fun.body.visit(uses)
    imported, foreign = _numpy_imports(tree)
    parameters = [p.name.value for p in fun.params.params]
    star = fun.params.star_arg.name.value if isinstance(fun.params.star_arg, cst.Param) else None
    reasons = [f"calls self.{m}(...), code outside `fun`" for m in uses.methods]
    reasons += [f"writes self.{s}" for s in uses.stores]
    reasons += [f"draws random numbers `{r}`" for r in uses.random]
    reasons += [f"draws random numbers `{n}` ({foreign[n]})" if foreign[n].startswith(RANDOM_MODULES)
                else f"calls `{n}` ({foreign[n]}), code outside `fun`" for n in sorted(uses.names & set(foreign))]
    if star and star in uses.names:
        reasons.append(f"reads *{star}")
    if len(parameters) != 2:
        reasons.append(f"`fun` takes {parameters}")
    constants = []
    for attribute in uses.attributes:
        if attribute in uses.methods or attribute == "nfev":
            continue
        value = getattr(instance, attribute, None)
        statement = constant_statement(attribute, value)
        if statement is None:
            reasons.append(f"self.{attribute} is a {type(value).__name__}, not numbers")
        else:
            constants.append(statement)
            case.constants[attribute] = value
    if reasons:
        case.not_converted = "; ".join(reasons)
        return case
    body = [s for s in fun.body.body if not _is_counter(s)]
    kernel = fun.with_changes(
        name=cst.Name("f"),
        decorators=[cst.Decorator(decorator=cst.Name("kernel"))],
        params=cst.Parameters(params=[cst.Param(name=cst.Name(parameters[1]),
                                                annotation=cst.Annotation(cst.SimpleString('"f64[n]"')))]),
        returns=cst.Annotation(cst.SimpleString('"f64[]"')),
        body=fun.body.with_changes(body=body),
    ).visit(_SelfToConstant())
    heads = "".join(dict.fromkeys(imported)) or "import numpy as np\n"
    if "import numpy as np\n" not in heads and any("np." in c for c in constants):
        heads = "import numpy as np\n" + heads
    case.text = (heads + HEAD + "\n" + "".join(constants) + "\n\n"
                 + cst.Module(body=[kernel]).code.lstrip())
    return case


def cases(folder: Path, only: set[str] | None = None) -> list[Case]:
    """Every class at its default dimension and, where it allows change_dimensionality, at that + 3."""
    modules = load_modules(folder)
    sources = class_sources(folder)
    result = []
    for name, (_, _, stem) in sources.items():
        cls = getattr(modules[stem], name, None)
        if cls is None or not hasattr(cls, "fun") or (only and name not in only):
            continue
        first = convert(name, sources, modules, None)
        result.append(first)
        if getattr(cls, "change_dimensionality", False) and first.dimension:
            result.append(convert(name, sources, modules, first.dimension + SECOND_DIMENSION))
    return result
