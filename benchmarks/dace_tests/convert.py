"""DaCe test programs as cases (benchmarks/dace_tests/__init__.py has the rules): for each program source.py finds,
choose sizes and inputs, run it in Python, and write the module with the wrapper kernel `f`."""
from __future__ import annotations

import ast
import copy
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
import numpy as np

from ..limits import TimedOut, time_limit
from .source import (NotConverted, PlainPython, annotation, constants_in, decorator_name, dim_names, lengths, programs,
                     referenced, renamed_f, symbols_in, syntactic_writes)
from ..corpus.case import CorpusCase

HEAD = "from lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
NUMPY_DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}
SMALL = (3, 4, 5, 6, 7, 8, 9)  # the symbols' lengths, in order of first appearance
HOSTILE = (0, 1)
RUN_SECONDS = 5  # Python running one program at conversion


@dataclass(kw_only=True)
class DaceCase(CorpusCase):
    """One program: the module text, the wrapper's parameters and inputs, or why the driver wrote none (`inputs`:
    [args] at the small size, then each hostile size kept)."""
    file: str
    name: str
    hostile_dropped: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.file}::{self.name}"


# -- inputs ------------------------------------------------------------------------------------------------------
def draw(dtype: str, shape: tuple, rng: np.random.Generator, options: dict, plain: bool):
    """One argument as DaCe's compare_numpy_output draws it (`plain`: a bare @dace.program, ints in [0, 3))."""
    top = options.get("max_value", 10)
    low = 0 if options.get("positive") else -top
    if dtype in ("f64", "f32"):
        value = rng.uniform(low, top, size=shape)
        if options.get("non_zero"):
            value[value == 0] = 1
    elif dtype in ("i64", "i32"):
        value = rng.integers(0, 3, size=shape) if plain else rng.integers(low, top, size=shape)
        if options.get("non_zero"):
            value[value == 0] = 1
    else:
        value = rng.integers(0, 2, size=shape).astype(bool)
    value = np.asarray(value, dtype=NUMPY_DTYPES[dtype])
    if shape:
        return value
    if dtype == "f64":
        return float(value)
    if dtype == "i64":
        return int(value)
    if dtype == "bool":
        return bool(value)
    return value[()]  # a NumPy float32 / int32 scalar: what `dace.float32` asks for


# -- the module --------------------------------------------------------------------------------------------------
def module_text(chosen: list[ast.stmt], symbol_values: dict, wrapper: str) -> str:
    """The case's module: imports, the constants and symbols read as values, the program and what it calls, the
    wrapper."""
    body = [PlainPython().visit(copy.deepcopy(s)) for s in chosen]
    symbols = [ast.Assign([ast.Name(k, ast.Store())], ast.parse(repr(v), mode="eval").body, lineno=0)
               for k, v in symbol_values.items()]
    source = ast.unparse(ast.fix_missing_locations(ast.Module(symbols + body, type_ignores=[])))
    return "import math\nimport numpy as np\n" + HEAD + "\n\n" + source + "\n\n\n" + wrapper


def wrapper(program: str, params: list[str], order: list[str], annotations: dict[str, str], returned,
            written: list[str]) -> str:
    """The kernel `f` (LibCST): call the program, return its return value's items, then the arguments it writes."""
    call = cst.Call(cst.Name(program), [cst.Arg(cst.Name(k)) for k in params])
    got = [] if returned is None else [f"result{k}_" for k in range(len(returned))] \
        if isinstance(returned, tuple) else ["result_"]
    results = got + written
    if not got:
        first = cst.SimpleStatementLine([cst.Expr(call)])
    else:
        target = cst.Name(got[0]) if len(got) == 1 else cst.Tuple([cst.Element(cst.Name(r)) for r in got])
        first = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], call)])
    value = cst.Name(results[0]) if len(results) == 1 else cst.Tuple([cst.Element(cst.Name(r)) for r in results])
    function = cst.FunctionDef(
        cst.Name("f"),
        cst.Parameters([cst.Param(cst.Name(k), cst.Annotation(cst.SimpleString(f'"{annotations[k]}"')))
                        for k in order]),
        cst.IndentedBlock([first, cst.SimpleStatementLine([cst.Return(value)])]),
        decorators=[cst.Decorator(cst.Name("kernel"))])
    return cst.Module([function]).code


def _run(source: str, args: list):
    namespace: dict = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"), time_limit(RUN_SECONDS, what="Python's run"):
        warnings.simplefilter("ignore")
        exec(compile(source, "dace_case", "exec", dont_inherit=True), namespace)
        return namespace["prog_"](*args)


def convert(path: Path, program: ast.FunctionDef, scope: list[ast.stmt], decorator: ast.expr) -> DaceCase:
    case = DaceCase(file=f"{path.parent.name}/{path.name}", name=program.name)
    try:
        _convert(case, program, scope, decorator)
    except NotConverted as why:
        case.not_converted = str(why)
    return case


def _convert(case: DaceCase, program: ast.FunctionDef, scope: list[ast.stmt], decorator: ast.expr) -> None:
    if decorator_name(decorator) == "dace.method" or not scope:
        raise NotConverted("a method (@dace.method)")
    if isinstance(decorator, ast.Call) and decorator_name(decorator) == "dace.program" and decorator.keywords:
        keywords = {k.arg for k in decorator.keywords}
        if keywords - {"auto_optimize"}:
            raise NotConverted(f"dace.program options {sorted(k for k in keywords if k)}")
    args = program.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs or args.defaults:
        raise NotConverted("*args, **kwargs, keyword-only or default parameters")
    params = [a.arg for a in args.args]
    constants = constants_in(scope)
    # DaCe's symbols, and the file's int constants that lengths are written with (`M, N = 10, 20`; `A:
    # dace.float32[M, N, N, M]`): named lengths, drawn small (and 0, 1)
    in_annotations = {n.id for a in args.args if a.annotation is not None for n in ast.walk(a.annotation)
                      if isinstance(n, ast.Name)}
    symbols = symbols_in(scope) | {k for k in in_annotations if type(constants.get(k)) is int}
    kinds = {a.arg: annotation(a.annotation, symbols, constants) for a in args.args}
    chosen, names = referenced(program, scope)
    order_of = [s for a in args.args for s in dim_names(kinds[a.arg][1])]
    small = {s: SMALL[k] for k, s in enumerate(dict.fromkeys(order_of))}
    read_as_value = sorted((names & symbols) - set(params))
    read_constants = {k: constants[k] for k in sorted(names & set(constants) - set(params) - symbols)}
    options = {}
    if isinstance(decorator, ast.Call) and decorator_name(decorator) == "compare_numpy_output":
        for keyword in decorator.keywords:
            try:
                options[keyword.arg] = ast.literal_eval(keyword.value)
            except ValueError:
                options[keyword.arg] = True  # validation_func= ...: DaCe's own check, ours is Python's
    plain = decorator_name(decorator) != "compare_numpy_output"
    rng = np.random.default_rng(zlib.crc32(case.label.encode()))
    sizes = [small] + ([{s: h for s in small} for h in HOSTILE] if small and not read_as_value else [])
    if read_as_value and small:
        case.hostile_dropped["0,1"] = f"the program reads {', '.join(read_as_value)} as a value"
    # the wrapper's order: float arrays first (the derivative forms and vmap take the first parameter)
    order = sorted(params, key=lambda k: (not (kinds[k][0] in ("f64", "f32") and kinds[k][1]), params.index(k)))
    annotations = {}
    for k in params:
        dtype, dims = kinds[k]
        spelled = [str(d) if isinstance(d, int) or not read_as_value else str(lengths([d], small)[0])
                   for d in dims]
        annotations[k] = f"{dtype}[{','.join(spelled)}]"
    all_inputs = []
    for values in sizes:
        shapes = {k: lengths(kinds[k][1], values) for k in params}
        if any(n < 0 for shape in shapes.values() for n in shape):
            case.hostile_dropped[str(next(iter(values.values())))] = "a negative length"
            continue
        all_inputs.append({k: draw(kinds[k][0], shapes[k], rng, options, plain) for k in params})
    renamed = renamed_f(chosen, program)
    bound = {**read_constants, **{s: small[s] for s in read_as_value if s in small}}
    plain_text = module_text(renamed, bound, "prog_ = " + ("f_" if program.name == "f" else program.name) + "\n")
    first = all_inputs[0]
    given = copy.deepcopy([first[k] for k in params])
    try:
        returned = _run(plain_text, given)
    except NameError as exc:
        raise NotConverted(f"reads a name the test file binds elsewhere: {exc}") from exc
    except (Exception, TimedOut) as exc:  # noqa: BLE001  Python raises: the generated f must raise too
        returned = _Raised(exc)
    written = syntactic_writes(program, params) | {
        k for k, before, after in zip(params, [first[k] for k in params], given)
        if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True)}
    written_in_order = [k for k in params if k in written and kinds[k][1]]
    if isinstance(returned, _Raised):
        returned = 0 if not written_in_order else None  # a result the wrapper names; Python raises anyway
    if returned is None and not written_in_order:
        raise NotConverted("returns nothing and writes no array argument")
    if isinstance(returned, (list, dict)) or (isinstance(returned, tuple) and not returned):
        raise NotConverted(f"returns a {type(returned).__name__}")
    text = wrapper("f_" if program.name == "f" else program.name, params, order, annotations, returned,
                   written_in_order)
    case.text = module_text(renamed, bound, text)
    case.params = order
    case.inputs = [[values[k] for k in order] for values in all_inputs]


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def cases(dace: Path, only: set[str] | None = None) -> list[DaceCase]:
    """Every program of tests/numpy/ and tests/python_frontend/ (or those whose file stem or name is in `only`)."""
    found = []
    for folder in ("numpy", "python_frontend"):
        for path in sorted((dace / "tests" / folder).glob("*.py")):
            try:
                listed = programs(path)
            except SyntaxError:
                continue
            seen: dict[str, int] = {}
            for program, scope, decorator in listed:
                if only and not ({path.stem, path.name, program.name, f"{path.stem}::{program.name}"} & only):
                    continue
                case = convert(path, program, scope, decorator)
                seen[case.name] = seen.get(case.name, 0) + 1
                if seen[case.name] > 1:  # the same name in two tests of one file
                    case.name = f"{case.name}#{seen[case.name]}"
                found.append(case)
    return found
