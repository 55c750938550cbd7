"""NumPy's docstring examples as kernels: run each docstring's lines in Python, and make each statement that calls
the function under test the kernel a user would write.

A statement `>>> np.diff(x, n=2)` (after `>>> x = np.array([1, 2, 4, 7, 0])`) becomes

    @kernel
    def f(x: "i64[n0]"):
        return np.diff(x, n=2)

with the input `[x]` as the example left it. The array and number arguments become parameters: dtype from the value
(f32 f64 i32 i64 bool), each axis named by its length (`n0` for every axis of length 5); Python lists of numbers
written in place are the arrays a user would pass (`np.cumsum([1, 2, 3])`); integers after the first argument
(axes, counts) and every keyword stay literal, as do tuples, None, strings and NumPy's own names (`np.float32`,
`np.inf` after the first argument). A call that returns None and changes its first array (`np.fill_diagonal(a, 5)`) becomes
the call and `return a`, since a kernel returns what it computes. Complex, unsigned, string and object arguments are
"not converted": Lifted's annotations have no such dtypes.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import doctest
import io
from keyword import iskeyword
import os
import warnings
from dataclasses import dataclass

import libcst as cst
import numpy as np

from ..scipy_go.convert import HEAD
from ..limits import TimedOut, time_limit
from ..corpus.case import CorpusCase

DTYPES = {"float64": "f64", "float32": "f32", "int64": "i64", "int32": "i32", "bool": "bool"}
UNDEFINED = frozenset({"empty", "empty_like"})  # NumPy's values are whatever the memory held: nothing to compare
STEP_LIMIT = 10  # seconds for one docstring line in Python (np.random draws, big examples)


@dataclass(kw_only=True)
class DocCase(CorpusCase):
    """One example statement: the kernel text and its input, or why the driver could not write one."""
    name: str  # the function under test, as Lifted's table spells it (`diff`, `linalg.norm`)
    index: int  # the statement's number among the function's examples
    statement: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}#{self.index}"

    @property
    def family(self) -> str:
        return self.name


class NotConverted(Exception):
    pass


def public_callables() -> dict[str, object]:
    """Every public callable of `numpy` and `numpy.linalg`, by the name Lifted's table would give it."""
    found = {}
    for prefix, module in (("", np), ("linalg.", np.linalg)):
        for name in dir(module):
            if not name.startswith("_") and callable(getattr(module, name, None)):
                found[prefix + name] = getattr(module, name)
    return found


def supported_names() -> set[str]:
    """The NumPy functions of Lifted's table (`numpy.diff` -> `diff`), ufunc methods (`add.outer`) left out."""
    from lifted.transpiler.frontend.numpy_api import FUNCTIONS

    return {key.removeprefix("numpy.") for key in FUNCTIONS if key.startswith("numpy.") and
            not key.endswith(".outer")}


def examples(function) -> list[doctest.Example]:
    try:
        return doctest.DocTestParser().get_examples(function.__doc__ or "")
    except ValueError:  # a docstring doctest cannot parse
        return []


def calls_of(source: str, short: str) -> bool:
    """Whether one example's source calls `<anything>.short(` (a count made without running anything)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == short
               for node in ast.walk(tree))


# -- running a docstring -----------------------------------------------------------------------------------------
def cases_of(name: str, function) -> list[DocCase]:
    """Each statement of the docstring that calls `function`, converted (the lines run in order in Python)."""
    namespace = {"np": np, "numpy": np}
    short = name.rpartition(".")[2]
    found: list[DocCase] = []
    for example in examples(function):
        source = example.source.strip()
        if calls_of(source, short):
            case = DocCase(name=name, index=len(found) + 1, statement=source.splitlines()[0][:120])
            try:
                convert_statement(case, source, namespace, function, short)
            except NotConverted as why:
                case.not_converted = str(why)
            found.append(case)
        _run(source, namespace)
    return found


def _run(source: str, namespace: dict):
    """One docstring line in Python (its printing swallowed, its errors ignored: the next lines go on)."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            with time_limit(STEP_LIMIT, what="a docstring line"):
                exec(compile(source, "<docstring>", "single"), namespace)
        except (Exception, TimedOut):  # noqa: BLE001  an example that raises on purpose (its `Traceback`)
            pass


def _evaluate(code: str, namespace: dict):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with time_limit(STEP_LIMIT, what="an argument"):
            return eval(code, copy.copy(namespace))


# -- one statement -----------------------------------------------------------------------------------------------
def _the_call(source: str) -> cst.Call:
    """The call of a statement `call`, `name = call` or `print(call)`."""
    try:
        module = cst.parse_module(source + "\n")
    except cst.ParserSyntaxError as exc:
        raise NotConverted("not one Python statement") from exc
    if len(module.body) != 1 or not isinstance(module.body[0], cst.SimpleStatementLine) or \
            len(module.body[0].body) != 1:
        raise NotConverted("not one simple statement")
    statement = module.body[0].body[0]
    value = statement.value if isinstance(statement, (cst.Expr, cst.Assign)) else None
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "print" and \
            len(value.args) == 1:
        value = value.args[0].value
    if not isinstance(value, cst.Call):
        raise NotConverted("the call is part of a larger expression")
    return value


class _Params:
    """The kernel's parameters as the arguments are read: names, annotations, values."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.values: list = []
        self.lengths: dict[int, str] = {}

    def add(self, value, written: cst.BaseExpression) -> cst.Name:
        preferred = written.value if isinstance(written, cst.Name) and not iskeyword(written.value) else ""
        name = preferred if preferred and preferred not in self.names and preferred not in ("np", "f", "numpy") \
            else f"a{len(self.names)}"
        self.names.append(name)
        self.values.append(value)
        return cst.Name(name)

    def annotations(self) -> list[str]:
        return [annotation_of(value, self.lengths) for value in self.values]


def annotation_of(value, lengths: dict) -> str:
    """The annotation of an argument's value: its dtype, and one length name per distinct length (`lengths`, shared
    by a kernel's parameters, maps each length to its name)."""
    if isinstance(value, (bool, np.bool_)) and not isinstance(value, np.ndarray):
        return "bool[]"
    if isinstance(value, int):
        return "i64[]"
    if isinstance(value, float):
        return "f64[]"
    dtype = DTYPES[np.asarray(value).dtype.name]
    dims = [lengths.setdefault(length, f"n{len(lengths)}") for length in np.shape(value)]
    return f"{dtype}[{','.join(dims)}]"


def _as_parameter_value(value, what: str):
    """The value a parameter takes, or NotConverted (complex, unsigned, strings, objects, subclasses)."""
    if isinstance(value, (bool, int, float)) and type(value) in (bool, int, float):
        return value
    if isinstance(value, np.generic) and value.dtype.name in DTYPES:
        return value
    if isinstance(value, list):
        try:
            value = np.asarray(value)
        except ValueError as exc:
            raise NotConverted(f"{what}: a ragged list") from exc
    if type(value) is np.ndarray and value.dtype.name in DTYPES:
        return value
    kind = value.dtype.name if isinstance(value, (np.ndarray, np.generic)) else type(value).__name__
    raise NotConverted(f"{what}: a {kind} value (no such annotation)")


def _literal(code: str):
    """The value of a literal written in place (numbers, tuples, lists, None, strings), else raises ValueError."""
    return ast.literal_eval(code)


def _only_numpy_names(node: cst.BaseExpression) -> bool:
    """An expression of constants and NumPy's names only (`np.float32`, `np.inf`, `-np.inf`, the builtin dtypes
    `float`): literal in the body."""
    code = cst.Module([]).code_for_node(node)
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return False
    nodes = list(ast.walk(tree))
    return not any(isinstance(node, (ast.Call, ast.Subscript)) for node in nodes) and \
        all(node.id in ("np", "numpy", "float", "int", "bool") for node in nodes if isinstance(node, ast.Name))


def _argument(node: cst.BaseExpression, first: bool, keyword: bool, params: _Params, namespace: dict,
              what: str, labels: bool = False) -> cst.BaseExpression:
    """The expression the kernel passes for one argument: a parameter or the literal as written (`labels`: a list
    written in place stays a list, as np.einsum's axis labels)."""
    if labels and isinstance(node, cst.List):
        return node
    code = cst.Module([]).code_for_node(node)
    try:
        literal = _literal(code)
        written_in_place = True
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        literal, written_in_place = None, False
    if written_in_place:
        if isinstance(literal, list) and not keyword:
            return params.add(_as_parameter_value(literal, what), node)
        if type(literal) is float and not keyword or type(literal) in (int, bool) and first:
            return params.add(literal, node)
        return node
    if isinstance(node, (cst.List, cst.Tuple)) and not keyword:  # `[a, b]` of arrays: each element on its own
        elements = [element.with_changes(value=_argument(element.value, False, False, params, namespace, what))
                    if isinstance(element, cst.Element) else element for element in node.elements]
        return node.with_changes(elements=elements)
    try:
        value = _evaluate(code, namespace)
    except (Exception, TimedOut) as exc:  # noqa: BLE001
        raise NotConverted(f"{what} raises in Python: {type(exc).__name__}") from exc
    if isinstance(value, (np.ndarray, np.generic, list)) or type(value) in (int, float, bool):
        if (keyword or not first) and not isinstance(value, np.ndarray) and _only_numpy_names(node):
            return node  # `nan=np.inf`, `np.linalg.norm(x, np.inf)`: NumPy's constants as written
        return params.add(_as_parameter_value(value, what), node)
    if _only_numpy_names(node):
        return node
    raise NotConverted(f"{what}: a {type(value).__name__} computed by the example")


def convert_statement(case: DocCase, source: str, namespace: dict, function, short: str) -> None:
    """Fill `case` with the kernel of the statement `source`, its parameters and input (or raise NotConverted)."""
    if case.name in UNDEFINED:
        raise NotConverted("NumPy leaves the values uninitialized")
    call = _the_call(source)
    params = _Params()
    func = call.func
    try:
        callee = _evaluate(cst.Module([]).code_for_node(func), namespace)
    except (Exception, TimedOut) as exc:  # noqa: BLE001
        raise NotConverted("the callee raises in Python") from exc
    method = not (callee is function)
    if method:
        if not (isinstance(func, cst.Attribute) and func.attr.value == short):
            raise NotConverted("another function of the same name")
        receiver = _argument(func.value, True, False, params, namespace, "the receiver")
        if not (params.values and isinstance(params.values[0], np.ndarray)):
            raise NotConverted("a method of something other than an array")
        func = func.with_changes(value=receiver)
    else:
        func = cst.parse_expression("np." + case.name)
    args = []
    labelled = _sublist_labels(case.name, call.args)
    for k, arg in enumerate(call.args):
        if arg.star:
            raise NotConverted("a starred argument")
        keyword = arg.keyword is not None
        what = f"argument {arg.keyword.value if keyword else k}"
        args.append(arg.with_changes(value=_argument(arg.value, k == 0 and not method, keyword, params,
                                                     namespace, what, k in labelled)))
    kernel_call = call.with_changes(func=func, args=args)
    case.params = list(params.names)
    case.inputs = [list(params.values)]
    case.text = kernel_text(kernel_call, params, returns_argument=False)
    if _returns_none(case):
        changed = [name for name, value in zip(params.names, params.values) if isinstance(value, np.ndarray)]
        if not changed:
            raise NotConverted("returns None and has no array argument")
        case.text = kernel_text(kernel_call, params, returns_argument=True)


def _sublist_labels(name: str, args) -> set[int]:
    """The positions of np.einsum's axis-label lists in its sublist form (`np.einsum(a, [0, 1], b, [1], [0])`:
    each operand's list, and the output's last), which a user writes as lists in place, not arrays."""
    positional = [arg for arg in args if arg.keyword is None]
    if name != "einsum" or not positional or isinstance(positional[0].value, (cst.SimpleString,
                                                                               cst.ConcatenatedString)):
        return set()
    count = len(positional)
    return {k for k in range(1, count) if k % 2 or k == count - 1}


def kernel_text(call: cst.Call, params: _Params, returns_argument: bool) -> str:
    """The module: Lifted's imports, then `f` returning the call (or calling it and returning its first array)."""
    parameters = [cst.Param(cst.Name(name), annotation=cst.Annotation(cst.SimpleString(f'"{annotation}"')))
                  for name, annotation in zip(params.names, params.annotations())]
    if returns_argument:
        first = next(n for n, v in zip(params.names, params.values) if isinstance(v, np.ndarray))
        body = [cst.SimpleStatementLine([cst.Expr(call)]),
                cst.SimpleStatementLine([cst.Return(cst.Name(first))])]
    else:
        body = [cst.SimpleStatementLine([cst.Return(call)])]
    kernel = cst.FunctionDef(name=cst.Name("f"), params=cst.Parameters(params=parameters),
                             body=cst.IndentedBlock(body=body), decorators=[cst.Decorator(cst.Name("kernel"))])
    return "import numpy as np\n" + HEAD + "\n\n" + cst.Module(body=[kernel]).code


def _returns_none(case: DocCase) -> bool:
    """Whether Python's `f` returns None (an in-place function: `np.fill_diagonal`, `np.copyto`)."""
    namespace: dict = {}
    try:
        exec(compile(case.text, "numpy_docs_case", "exec", dont_inherit=True), namespace)
    except SyntaxError as exc:
        raise NotConverted(f"the kernel written is not Python: {exc}") from exc
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            return namespace["f"](*copy.deepcopy(case.inputs[0])) is None
        except Exception:  # noqa: BLE001  Python raises: the checks compare exceptions
            return False


def cases(only: set[str] | None = None) -> list[DocCase]:
    """Every example statement of every function in Lifted's table (or those named in `only`), in name order; the
    docstrings run in a scratch folder (an example may write a file)."""
    from ..scratch import scratch_folder

    callables = public_callables()
    names = sorted(n for n in supported_names() if n in callables and (only is None or n in only))
    found: list[DocCase] = []
    here = os.getcwd()
    options = np.get_printoptions()
    os.chdir(scratch_folder("numpy_docs_"))
    try:
        seen: set[int] = set()
        for name in names:
            function = callables[name]
            if id(function) in seen and only is None:  # an alias (np.absolute, np.abs): its docstring once
                continue
            seen.add(id(function))
            found += cases_of(name, function)
    finally:
        os.chdir(here)
        np.set_printoptions(**options)
    return found


def census() -> dict[str, int]:
    """The counts over every public callable: with examples, calling themselves, in Lifted's table."""
    callables = public_callables()
    supported = supported_names()
    counts = {"public callables": len(callables), "with examples": 0, "example calls": 0,
              "in Lifted's table": 0, "example calls of functions in the table": 0}
    for name, function in callables.items():
        found = examples(function)
        calls = sum(calls_of(e.source, name.rpartition(".")[2]) for e in found)
        counts["with examples"] += bool(found)
        counts["example calls"] += calls
        if name in supported:
            counts["in Lifted's table"] += 1
            counts["example calls of functions in the table"] += calls
    return counts
