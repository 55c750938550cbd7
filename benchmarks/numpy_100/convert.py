"""rougier's "100 NumPy exercises" (github.com/rougier/numpy-100, MIT) as kernels, read from a checkout at run time
(source/exercises100.ktx: `< aN` keys the N-th solution; nothing of it is copied here).

Each solution's statements run in order in Python under `np.random.seed(N)`. An assignment `Z = <draw>` whose value
comes from `np.random` is the solution making an input: its names become annotated parameters holding the drawn
values, and the statement leaves the kernel. Each result the solution shows (the expression of a top-level `print`,
or a top-level expression that is not a call) becomes one case: the kernel is every other statement before it
(imports, `def`s and `class`es at module level), then `return <expression>`:

    Z = np.random.uniform(0,1,10)              @kernel
    z = 0.5                            ->      def f(Z: "f64[n0]"):
    m = Z.flat[np.abs(Z - z).argmin()]             z = 0.5
    print(m)                                       m = Z.flat[np.abs(Z - z).argmin()]
                                                   return m

Not converted, with the reason: a solution that is not Python (IPython `%run`), a result that is not numbers
(strings, dtypes, None), a case that only shows an input, draws not in a plain assignment (`np.random.shuffle(Z)`),
an input drawn twice, a print inside a loop, and values of no annotation (complex, unsigned, structured).
"""
from __future__ import annotations

import ast
import contextlib
import copy
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import numpy as np

from ..limits import TimedOut, time_limit
from ..numpy_docs.convert import NotConverted, _as_parameter_value, annotation_of
from ..scipy_go.convert import HEAD
from ..corpus.case import CorpusCase

STEP_LIMIT = 10  # seconds for one statement in Python
DEFAULT_CHECKOUT = Path(os.environ.get("NUMPY_100", "/tmp/numpy-100"))
MODULE_LEVEL = (cst.Import, cst.ImportFrom)
# names the notebook's later solutions use without importing them (an earlier cell did): imported where used
PRELUDE = {"stride_tricks": "from numpy.lib import stride_tricks",
           "sliding_window_view": "from numpy.lib.stride_tricks import sliding_window_view"}


@dataclass(kw_only=True)
class Case(CorpusCase):
    """One result of one solution: the kernel text and its input, or why the driver could not write one."""
    exercise: int
    index: int
    shown: str = ""

    @property
    def label(self) -> str:
        return f"{self.exercise}#{self.index}"

    @property
    def statement(self) -> str:
        return self.shown


def solutions(checkout: Path) -> dict[int, str]:
    """Exercise number -> solution source, from the checkout's source/exercises100.ktx."""
    found: dict[int, list[str]] = {}
    key = None
    for line in (checkout / "source" / "exercises100.ktx").read_text(encoding="utf-8").splitlines():
        if line.startswith("<"):
            name = line[1:].strip()
            key = int(name[1:]) if name.startswith("a") and name[1:].isdigit() else None
            if key is not None:
                found[key] = []
        elif key is not None:
            found[key].append(line)
    return {k: "\n".join(v).strip() + "\n" for k, v in sorted(found.items())}


# -- what a statement is -----------------------------------------------------------------------------------------
def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _draws(node: cst.CSTNode) -> bool:
    """Whether the statement calls numpy's or Python's random module."""
    code = _code(node)
    return "random." in code or "default_rng" in code


def _printed(statement: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    """The expression a top-level `print(...)` shows (a tuple of its arguments), or None."""
    value = statement.value if isinstance(statement, cst.Expr) else None
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "print":
        args = [a for a in value.args if a.keyword is None and not a.star]
        if not args:
            return None
        if len(args) == 1:
            return args[0].value
        return cst.Tuple([cst.Element(a.value) for a in args])
    return None


def _shown(statement: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    """A result: what `print` shows, or a top-level expression that is not a call (a notebook cell's display)."""
    printed = _printed(statement)
    if printed is not None:
        return printed
    if isinstance(statement, cst.Expr) and not isinstance(statement.value, (cst.Call, cst.SimpleString,
                                                                            cst.ConcatenatedString)):
        return statement.value
    return None


def _drawn_names(statement: cst.BaseSmallStatement) -> list[str] | None:
    """The names an input-making statement assigns (`Z = np.random.random(10)`, `A, B = ...`), else None."""
    if not isinstance(statement, cst.Assign) or not _draws(statement.value):
        return None
    names = []
    for target in statement.targets:
        node = target.target
        elements = [e.value for e in node.elements] if isinstance(node, (cst.Tuple, cst.List)) else [node]
        if not all(isinstance(e, cst.Name) for e in elements):
            return None
        names += [e.value for e in elements]
    return names


def _contains_print(node: cst.CSTNode) -> bool:
    return "print(" in _code(node)


# -- one solution ------------------------------------------------------------------------------------------------
def _run(code: str, namespace: dict) -> None:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with time_limit(STEP_LIMIT, what="a solution's statement"):
            exec(compile(code, "<numpy-100>", "exec"), namespace)


def _value(code: str, namespace: dict):
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with time_limit(STEP_LIMIT, what="a shown expression"):
            return eval(code, copy.copy(namespace))


def _result_kind(value) -> str | None:
    """None where the value is numbers a kernel returns (arrays, scalars, tuples of them), else what it is."""
    if isinstance(value, tuple):
        for item in value:
            why = _result_kind(item)
            if why:
                return why
        return None
    if type(value) in (int, float, bool):
        return None
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biuf" and \
            value.dtype.name in ("float64", "float32", "int64", "int32", "bool"):
        return None
    kind = value.dtype.name if isinstance(value, (np.ndarray, np.generic)) else type(value).__name__
    return f"the result is a {kind}"


def cases_of(exercise: int, source: str) -> list[Case]:
    """Every result the solution shows, each converted (or with its reason)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        module = cst.parse_module("\n".join(lines) + "\n")
    except cst.ParserSyntaxError:
        return [Case(exercise=exercise, index=1, shown=source.splitlines()[0][:80], not_converted="not Python")]
    namespace: dict = {"np": np, "numpy": np}
    for line in PRELUDE.values():
        exec(line, namespace)
    np.random.seed(exercise)
    found: list[Case] = []
    head: list[cst.CSTNode] = []  # imports, defs and classes: at module level
    body: list[cst.BaseStatement] = []
    inputs: dict[str, object] = {}
    drawn_twice: set[str] = set()
    troubles: list[str] = []
    for statement in module.body:
        code = _code(statement)
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and \
            len(statement.body) == 1 else None
        shown = _shown(small) if small is not None else None
        if shown is not None:
            found.append(_case(exercise, len(found) + 1, shown, namespace, head, body, inputs, drawn_twice,
                               troubles))
        try:
            _run(code, namespace)
        except (Exception, TimedOut) as exc:  # noqa: BLE001  the solution itself fails here
            troubles.append(f"the solution raises in Python: {type(exc).__name__}")
            continue
        if shown is not None:
            continue
        drawn = _drawn_names(small) if small is not None else None
        if drawn is not None:
            for name in drawn:
                if name in inputs or any(name in _assigned(s) for s in body):
                    drawn_twice.add(name)
                inputs[name] = copy.deepcopy(namespace.get(name))
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)) or \
                small is not None and isinstance(small, MODULE_LEVEL):
            head.append(statement)
        elif _draws(statement):
            troubles.append("draws inside a computation (not `name = np.random...`)")
        elif _contains_print(statement):
            troubles.append("a print inside a compound statement")
        else:
            body.append(statement)
    if not found and body:  # no result shown: the last assigned name
        names = _assigned(body[-1])
        if names:
            found.append(_case(exercise, 1, cst.Name(names[-1]), namespace, head, body, inputs, drawn_twice,
                               troubles))
    return found


def _assigned(statement: cst.CSTNode) -> list[str]:
    """The plain names a top-level assignment binds."""
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    if isinstance(small, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        out = []
        for node in targets:
            elements = [e.value for e in node.elements] if isinstance(node, (cst.Tuple, cst.List)) else [node]
            out += [e.value for e in elements if isinstance(e, cst.Name)]
        return out
    return []


def _case(exercise: int, index: int, shown: cst.BaseExpression, namespace: dict, head: list, body: list,
          inputs: dict, drawn_twice: set, troubles: list) -> Case:
    case = Case(exercise=exercise, index=index, shown=_code(shown)[:100])
    try:
        _convert(case, shown, namespace, head, body, inputs, drawn_twice, troubles)
    except NotConverted as why:
        case.not_converted = str(why)
    return case


def _used_names(nodes: list[cst.CSTNode]) -> set[str]:
    code = "\n".join(_code(n) for n in nodes)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _convert(case: Case, shown: cst.BaseExpression, namespace: dict, head: list, body: list, inputs: dict,
             drawn_twice: set, troubles: list) -> None:
    if troubles:
        raise NotConverted(troubles[0])
    try:
        value = _value(_code(shown), namespace)
    except (Exception, TimedOut) as exc:  # noqa: BLE001
        raise NotConverted(f"the shown expression raises in Python: {type(exc).__name__}") from exc
    why = _result_kind(value)
    if why:
        raise NotConverted(why)
    used = _used_names(body + [cst.SimpleStatementLine([cst.Expr(shown)])])
    params = [name for name in inputs if name in used]
    if any(name in drawn_twice for name in params):
        raise NotConverted("an input drawn twice")
    if not body and isinstance(shown, cst.Name) and shown.value in inputs:
        raise NotConverted("shows an input only")
    values = [_as_parameter_value(inputs[name], f"input {name}") for name in params]
    if not body and not params and not _calls(shown):
        raise NotConverted("a constant expression")
    lengths: dict[int, str] = {}
    annotations = [annotation(v, lengths) for v in values]
    case.params, case.inputs = params, [values]
    imports = [cst.parse_statement(line) for name, line in PRELUDE.items() if name in used and
               not any(name in _used_names([h]) for h in head)]
    case.text = kernel_text(params, annotations, imports + head, body, shown)


def annotation(value, lengths: dict) -> str:
    """numpy_docs' annotation (dtype from the value, one name per distinct length), with a length of 1 written as
    `1`: a solution drawing `p` of shape (1, 2) to broadcast it against (10, 2) needs the 1 known at build time."""
    if not isinstance(value, np.ndarray) or 1 not in value.shape:
        return annotation_of(value, lengths)
    text = annotation_of(value, lengths)
    dtype = text.partition("[")[0]
    return f"{dtype}[{','.join('1' if n == 1 else lengths[n] for n in value.shape)}]"


def _calls(node: cst.CSTNode) -> bool:
    try:
        return any(isinstance(n, ast.Call) for n in ast.walk(ast.parse(_code(node), mode="eval")))
    except SyntaxError:
        return True


def kernel_text(params: list[str], annotations: list[str], head: list, body: list,
                shown: cst.BaseExpression) -> str:
    """The module: NumPy, Lifted's names, the solution's imports and definitions, then `f`."""
    parameters = [cst.Param(cst.Name(name), annotation=cst.Annotation(cst.SimpleString(f'"{annotation}"')))
                  for name, annotation in zip(params, annotations)]
    statements = [s.with_changes(leading_lines=()) for s in body] + \
        [cst.SimpleStatementLine([cst.Return(shown)])]
    kernel = cst.FunctionDef(name=cst.Name("f"), params=cst.Parameters(params=parameters),
                             body=cst.IndentedBlock(body=statements), decorators=[cst.Decorator(cst.Name("kernel"))])
    top = [s.with_changes(leading_lines=()) for s in head]
    return "import numpy as np\n" + HEAD + cst.Module(body=top).code + "\n\n" + cst.Module(body=[kernel]).code


def cases(checkout: Path = DEFAULT_CHECKOUT, only: set[str] | None = None) -> list[Case]:
    """Every result of every solution (exercise numbers in `only`: those only), in order."""
    found: list[Case] = []
    for exercise, source in solutions(checkout).items():
        if only is None or str(exercise) in only:
            found += cases_of(exercise, source)
    return found
