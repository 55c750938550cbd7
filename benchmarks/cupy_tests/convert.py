"""CuPy's test methods as kernels: each run of a method (benchmarks/cupy_tests/record.py) becomes the kernel a user
would write.

    @testing.for_all_dtypes()
    @testing.numpy_cupy_allclose()
    def test_cumsum(self, xp, dtype):
        a = testing.shaped_arange((2, 3), xp, dtype)
        return xp.cumsum(a, axis=1)

run with `dtype = numpy.float32` becomes

    @kernel
    def f(x0: "f32[n0,n1]"):
        a = x0
        return np.cumsum(a, axis=1)

Each `testing.shaped_*` call becomes a parameter `x0, x1, ...` (in the order built) annotated from the array it
built (a method that builds none is a kernel of no parameters); `xp` and `numpy` become `np`; the loop
arguments (`dtype`, `order`, pytest's parametrize names) and the class parameters read as `self.name` are written
in place as constants. CuPy's own calls (`cupy.*`, an `xp.*` NumPy
lacks), other reads of the test module or `self`, builds in a loop or a helper, dtypes Lifted does not annotate
and methods that return nothing are "not converted". Runs whose kernels read the same are one case with several
inputs.
"""
from __future__ import annotations

import builtins
import dis
from dataclasses import dataclass

import libcst as cst
import numpy as np
from libcst.metadata import MetadataWrapper, PositionProvider

from ..numba_tests.convert import NotConverted, _literal
from ..numpy_docs.convert import annotation_of
from ..scipy_go.convert import HEAD
from .record import Method, Run
from ..corpus.case import CorpusCase, numbered

INPUTS = 4  # inputs per kernel (spread over the runs)
KERNELS = 4  # kernels per method (the first that read differently)
MODULES = {"xp", "numpy", "np"}
PRELUDE = "import numpy as np\nimport math\n"


@dataclass(kw_only=True)
class CupyCase(CorpusCase):
    """One test method with one kernel text: its inputs, or why the driver could not write one."""
    module: str
    name: str  # Class.method
    index: int = 0

    @property
    def label(self) -> str:
        return f"{self.module.rpartition('/')[2].removeprefix('test_')}:{self.name}#{self.index}"


class _Rewrite(cst.CSTTransformer):
    """The method body as a kernel body (see the module docstring)."""

    def __init__(self, positions, builds: dict, constants: dict, attributes: dict, xp: str) -> None:
        self.positions, self.builds, self.constants, self.attributes, self.xp = \
            positions, builds, constants, attributes, xp

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        start = self.positions[original].start
        return cst.Name(self.builds.pop((start.line, start.column))) if (start.line, start.column) in self.builds \
            else updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value in (self.xp, "numpy"):
            return cst.Name("np")
        if original.value in self.constants:
            return self.constants[original.value]
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        updated = updated.with_changes(attr=original.attr)  # `a.dtype`: the attribute's name stays
        if isinstance(original.value, cst.Name):
            owner, attr = original.value.value, original.attr.value
            if owner == "self":
                if attr not in self.attributes:
                    raise NotConverted("reads `self` beyond the class parameters")
                return _literal(self.attributes[attr])
            if owner in (self.xp, "numpy") and not hasattr(np, attr):
                raise NotConverted(f"a CuPy-only call (xp.{attr})")
        return updated

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:  # `dtype=dtype`: the keyword stays
        return updated.with_changes(keyword=original.keyword)


def _definition(method: Method) -> tuple:
    """(positions of the whole file's nodes, the method's FunctionDef in its class of the test file)."""
    wrapper = MetadataWrapper(cst.parse_module(method.path.read_text()), unsafe_skip_copy=True)
    owner = method.function.__qualname__.split(".")[0]
    for statement in wrapper.module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == owner:
            for item in statement.body.body:
                if isinstance(item, cst.FunctionDef) and item.name.value == method.name:
                    return wrapper.resolve(PositionProvider), item
    raise NotConverted("no source of the method")


def kernel(method: Method, run: Run, tree) -> tuple[str, list[str], list]:
    """(text, parameter names, input) of the kernel for one run."""
    if run.stray:
        raise NotConverted(run.stray)
    if run.result is None and run.raised is None:
        raise NotConverted("returns nothing")
    positions, definition = tree
    lengths: dict = {}
    names, values, params, builds = [], [], [], {}
    for k, (place, array) in enumerate(run.builds):
        if array.dtype.name not in ("float64", "float32", "int64", "int32", "bool"):
            raise NotConverted(f"a {array.dtype.name} input (no such annotation)")
        names.append(f"x{k}")
        values.append(array)
        builds[place] = f"x{k}"
        params.append(cst.Param(cst.Name(f"x{k}"), annotation=cst.Annotation(
            cst.SimpleString(f'"{annotation_of(array, lengths)}"'))))
    constants = {name: _literal(value) for name, value in run.loops.items()}
    rewrite = _Rewrite(positions, dict(builds), constants, run.attributes, method.check["xp"])
    body = definition.body.visit(rewrite)
    if rewrite.builds:
        raise NotConverted("a build the source does not show at its place")
    function = definition.with_changes(name=cst.Name("f"), params=cst.Parameters(params=params), body=body,
                                       decorators=[cst.Decorator(cst.Name("kernel"))], returns=None)
    text = PRELUDE + HEAD + "\n\n" + cst.Module(body=[function]).code
    _free_names(text)
    return text, names, values


def _free_names(text: str) -> None:
    """NotConverted where the kernel reads a name it does not define (the test module's, pytest's)."""
    namespace: dict = {}
    exec(compile(PRELUDE + HEAD, "prelude", "exec"), namespace)
    code = compile(text, "kernel", "exec")
    functions = [c for c in code.co_consts if hasattr(c, "co_code")]
    while functions:
        current = functions.pop()
        functions += [c for c in current.co_consts if hasattr(c, "co_code")]
        for instruction in dis.get_instructions(current):
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and instruction.argval not in namespace \
                    and not hasattr(builtins, instruction.argval):
                if instruction.argval in ("cupy", "cupyx", "testing"):
                    raise NotConverted(f"calls CuPy itself ({instruction.argval}.*)")
                raise NotConverted(f"reads the test module's `{instruction.argval}`")


def cases(methods: list[Method], only: set[str] | None = None) -> list[CupyCase]:
    """Each method's runs grouped by kernel text; a method none of whose runs converts is one case "not converted"
    with the first reason."""
    found: list[CupyCase] = []
    for method in methods:
        name = f"{method.cls}.{method.name}"
        if only and not ({name, method.name, method.module, method.module.rpartition("/")[2]} & only):
            continue
        reasons = [method.not_run] if method.not_run else []
        if not method.runs and not reasons:
            reasons.append("no dtype Lifted annotates")
        kernels: dict[str, CupyCase] = {}
        tree = None
        for run in method.runs:
            try:
                tree = tree or _definition(method)
                text, names, values = kernel(method, run, tree)
            except NotConverted as why:
                reasons.append(str(why))
                continue
            except Exception as exc:  # noqa: BLE001  LibCST or a literal the driver cannot write
                reasons.append(f"{type(exc).__name__} converting")
                continue
            if text not in kernels and len(kernels) == KERNELS:
                continue
            case = kernels.setdefault(text, CupyCase(module=method.module, name=name, text=text, params=names))
            case.inputs.append(values)
        found += numbered(kernels.values(), INPUTS)
        if not kernels:
            found.append(CupyCase(module=method.module, name=name, not_converted=reasons[0] if reasons else "no run"))
    return found
