"""numba's usecases as kernels: each recorded `(usecase, args)` becomes the kernel a user would write.

`def diff2(a, n): return np.diff(a, n)` called with `(np.arange(10.0), 2)` becomes

    @kernel
    def f(a: "f64[n0]"):
        return np.diff(a, 2)

Arrays and floats (and an integer or bool first argument) become annotated parameters: dtype from the value (f32
f64 i32 i64 bool), each axis named by its length (`n0` for every axis of length 10). Every other argument (axes,
counts, None, tuples, strings, NumPy's dtypes) is written in place of the parameter, as a user passing a constant
would. Calls whose kernels read the same are one case with several inputs. A usecase that returns nothing (it
fills its argument: `np.fill_diagonal`) returns its first array. Complex, unsigned, strings, objects, closures over
the test's variables, lambdas and usecases whose source Python cannot show are "not converted".
"""
from __future__ import annotations

import builtins
import inspect
import math
import textwrap
from dataclasses import dataclass

import libcst as cst
import numpy as np

from ..numpy_docs.convert import DTYPES, annotation_of
from ..scipy_go.convert import HEAD
from ..corpus.case import CorpusCase, numbered

INPUTS = 4  # inputs per kernel (spread over those recorded)
KERNELS = 4  # kernels per usecase (the first that read differently)


@dataclass(kw_only=True)
class NumbaCase(CorpusCase):
    """One usecase with one kernel text: its inputs, or why the driver could not write one."""
    name: str  # the usecase's qualified name (`diff2`, `TestNPFunctions.test_round.<locals>.fn`)
    index: int
    module: str = ""

    @property
    def label(self) -> str:
        return f"{self.module.removeprefix('test_')}:{self.name}#{self.index}"

    @property
    def family(self) -> str:
        return self.name


class NotConverted(Exception):
    pass


def _is_parameter(value, first: bool) -> bool:
    """An argument that becomes an annotated parameter (else it is written in place)."""
    if type(value) is np.ndarray or isinstance(value, np.generic) and not isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            raise NotConverted(f"a {value.dtype.name} argument (no such annotation)")
        return True
    if type(value) is float:
        return True
    return type(value) in (int, bool) and first


def _literal(value) -> cst.BaseExpression:
    """The expression a constant argument is written as, or NotConverted."""
    if value is None or type(value) in (int, bool, str) or type(value) is float and math.isfinite(value):
        return cst.parse_expression(repr(value))
    if type(value) in (tuple, list):
        elements = [cst.Element(_literal(v)) for v in value]
        if type(value) is list:
            return cst.List(elements)
        return cst.Tuple(elements) if len(elements) != 1 else cst.parse_expression(f"({repr(value[0])},)")
    if isinstance(value, type) and issubclass(value, np.generic) and value.__name__ in np.sctypeDict:
        return cst.parse_expression(f"np.{value.__name__}")
    if isinstance(value, type) and value in (float, int, bool):
        return cst.Name(value.__name__)
    if isinstance(value, np.dtype) and value.name in DTYPES:
        return cst.parse_expression(f"np.dtype('{value.name}')")
    raise NotConverted(f"a {type(value).__name__} argument written in place")


class _Substitute(cst.CSTTransformer):
    """Each read of a constant parameter replaced by its value."""

    def __init__(self, constants: dict[str, cst.BaseExpression]) -> None:
        self.constants = constants

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.constants.get(original.value, updated)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:  # `num=num`: the keyword stays
        return updated.with_changes(keyword=original.keyword)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:  # `a.shape`
        return updated.with_changes(attr=original.attr)


def _source(usecase) -> cst.FunctionDef:
    if getattr(usecase, "__name__", "") == "<lambda>":
        raise NotConverted("a lambda")
    if usecase.__code__.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        raise NotConverted("*args or **kwargs")
    try:
        source = textwrap.dedent(inspect.getsource(usecase))
    except (OSError, TypeError) as exc:
        raise NotConverted("no source (made by exec)") from exc
    module = cst.parse_module(source)
    definition = module.body[0]
    if not isinstance(definition, cst.FunctionDef):
        raise NotConverted("not a def")
    return definition.with_changes(decorators=[])


def _free_names(usecase) -> None:
    """NotConverted where the usecase reads a name of the test (a closure, a module-level helper)."""
    if usecase.__closure__:
        values = [cell.cell_contents for cell in usecase.__closure__]
        if not all(isinstance(v, type(np)) for v in values):
            raise NotConverted("a closure over the test's variables")
    for name in usecase.__code__.co_names:
        if name in usecase.__globals__ and name not in vars(builtins):
            value = usecase.__globals__[name]
            if value is np or value is math:
                continue
            if name in ("np", "math"):
                raise NotConverted(f"`{name}` is not NumPy")
            # co_names also holds attribute names (`np.diff`): a global of that name is read only if loaded
            if _loads_global(usecase, name):
                raise NotConverted(f"reads the test module's `{name}`")


def _loads_global(usecase, name: str) -> bool:
    import dis

    return any(i.opname in ("LOAD_GLOBAL", "LOAD_NAME") and i.argval == name
               for i in dis.get_instructions(usecase))


def kernel(usecase, args: tuple, kwargs: dict) -> tuple[str, list[str], list]:
    """(text, parameter names, input) of the kernel for one recorded call."""
    _free_names(usecase)
    definition = _source(usecase)
    signature = inspect.signature(usecase)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise NotConverted("the call does not bind") from exc
    bound.apply_defaults()
    lengths: dict = {}
    params, names, values, constants = [], [], [], {}
    for k, (name, value) in enumerate(bound.arguments.items()):
        if _is_parameter(value, k == 0):
            names.append(name)
            values.append(value.copy() if isinstance(value, np.ndarray) else value)
            params.append(cst.Param(cst.Name(name), annotation=cst.Annotation(
                cst.SimpleString(f'"{annotation_of(value, lengths)}"'))))
        elif isinstance(value, np.ndarray):
            raise NotConverted("a non-ndarray array")
        else:
            constants[name] = _literal(value)
    if not names:
        raise NotConverted("no array or number argument")
    body = definition.body.visit(_Substitute(constants))
    if not _returns_value(definition):
        first = next((n for n, v in zip(names, values) if isinstance(v, np.ndarray)), None)
        if first is None:
            raise NotConverted("returns nothing and has no array argument")
        body = body.with_changes(body=[*body.body, cst.SimpleStatementLine([cst.Return(cst.Name(first))])])
    function = definition.with_changes(name=cst.Name("f"), params=cst.Parameters(params=params), body=body,
                                       decorators=[cst.Decorator(cst.Name("kernel"))], returns=None)
    text = "import numpy as np\nimport math\n" + HEAD + "\n\n" + cst.Module(body=[function]).code
    return text, names, values


def _returns_value(definition: cst.FunctionDef) -> bool:
    class Finder(cst.CSTVisitor):
        found = False

        def visit_Return(self, node: cst.Return) -> None:
            if node.value is not None:
                Finder.found = True

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is definition

    definition.visit(Finder())
    return Finder.found


def cases(calls: dict, origin: dict, only: set[str] | None = None) -> list[NumbaCase]:
    """Each usecase's recorded calls grouped by kernel text; a usecase none of whose calls converts is one case
    "not converted" with the first reason."""
    found: list[NumbaCase] = []
    for usecase, noted in calls.items():
        name = getattr(usecase, "__qualname__", "usecase")
        if only and name not in only and name.rpartition(".")[2] not in only:
            continue
        kernels: dict[str, NumbaCase] = {}
        reasons = []
        for args, kwargs in noted:
            try:
                text, names, values = kernel(usecase, args, kwargs)
            except NotConverted as why:
                reasons.append(str(why))
                continue
            except Exception as exc:  # noqa: BLE001  LibCST cannot parse the usecase (a nested def's indent)
                reasons.append(f"{type(exc).__name__}")
                continue
            if text not in kernels and len(kernels) == KERNELS:
                continue
            case = kernels.setdefault(text, NumbaCase(name=name, index=0, module=origin.get(usecase, ""), text=text,
                                                      params=names))
            case.inputs.append(values)
        found += numbered(kernels.values(), INPUTS)
        if not kernels:
            found.append(NumbaCase(name=name, index=0, module=origin.get(usecase, ""),
                                   not_converted=reasons[0] if reasons else "never called"))
    return found
