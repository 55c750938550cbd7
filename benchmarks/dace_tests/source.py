"""Reading DaCe's test files (benchmarks/dace_tests/__init__.py has the rules): the programs and the statements
around them, DaCe's symbols, the file's int constants, a program's annotations as Lifted's, what it calls and writes,
and its plain Python (decorators and annotations off)."""
from __future__ import annotations

import ast
import copy
from pathlib import Path

DTYPES = {"float64": "f64", "float32": "f32", "int64": "i64", "int32": "i32", "bool": "bool", "bool_": "bool"}
PROGRAM_DECORATORS = ("dace.program", "dace", "compare_numpy_output")


class NotConverted(Exception):
    pass


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def decorator_name(node: ast.expr) -> str:
    return dotted(node.func if isinstance(node, ast.Call) else node)


def programs(path: Path) -> list[tuple[ast.FunctionDef, list[ast.stmt], ast.expr | None]]:
    """(program, the statements around it: the module's and its enclosing functions', its decorator) for every
    function decorated as a DaCe program, in source order; methods (`@dace.method`) too, to be not converted."""
    tree = ast.parse(path.read_text())
    found = []

    def walk(body: list[ast.stmt], scope: list[ast.stmt], in_class: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                walk(node.body, scope, True)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorator = next((d for d in node.decorator_list
                                  if decorator_name(d) in PROGRAM_DECORATORS + ("dace.method",)), None)
                if decorator is not None:
                    found.append((node, scope + body if not in_class else [], decorator))
                walk(node.body, scope + body, in_class)
            elif isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
                for part in ("body", "orelse", "finalbody"):
                    walk(getattr(node, part, []) or [], scope, in_class)
    walk(tree.body, [], False)
    return found


def symbols_in(statements: list[ast.stmt]) -> set[str]:
    """The names bound to `dace.symbol(...)` (also `N, M = (dace.symbol(s) for s in ...)`)."""
    names = set()
    for node in statements:
        if isinstance(node, ast.Assign) and any(isinstance(c, ast.Call) and dotted(c.func).endswith("symbol")
                                                for c in ast.walk(node.value)):
            for target in node.targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def annotation(node: ast.expr | None, symbols: set[str], constants: dict) -> tuple[str, list]:
    """(Lifted's dtype, the dims as names or ints or expression strings) of one DaCe annotation."""
    if node is None:
        raise NotConverted("a parameter without an annotation")
    if isinstance(node, ast.Name) and node.id in ("int", "float", "bool"):
        return {"int": "i64", "float": "f64", "bool": "bool"}[node.id], []
    base, dims = node, []
    if isinstance(node, ast.Subscript):
        base = node.value
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for element in elements:
            dims.append(_dim(element, symbols, constants))
    name = dotted(base)
    if not name.startswith("dace."):
        raise NotConverted(f"an annotation {ast.unparse(node)[:40]}")
    dtype = name.removeprefix("dace.")
    if dtype not in DTYPES:
        raise NotConverted(f"a dace.{dtype} parameter (no such annotation)")
    return DTYPES[dtype], dims


def _dim(node: ast.expr, symbols: set[str], constants: dict):
    """A length: an int (literal, or of the file's int constants: `M, N, K = 24, 25, 26`), or the expression of
    symbols (and those ints) as written."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    ints = {k: v for k, v in constants.items() if type(v) is int and k not in symbols}
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    allowed = (ast.Name, ast.Constant, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Load)
    if names and all(n in symbols or n in ints for n in names) and \
            all(isinstance(n, allowed) for n in ast.walk(node)):
        if all(n in ints for n in names):
            return lengths([ast.unparse(node)], ints)[0]
        written = copy.deepcopy(node)
        for n in ast.walk(written):
            if isinstance(n, ast.Name) and n.id in ints:
                n.__class__, n.value = ast.Constant, ints[n.id]
        return ast.unparse(written).replace(" ", "")
    raise NotConverted(f"a length {ast.unparse(node)[:30]} (not a symbol, an int or their sum or product)")


def lengths(dims: list, values: dict[str, int]) -> tuple[int, ...]:
    return tuple(d if isinstance(d, int) else eval(d, {"__builtins__": {}}, values) for d in dims)  # noqa: S307


def constants_in(scope: list[ast.stmt]) -> dict:
    """name -> value of the literal constants `scope` binds (`M = 10`, `M, N, K = 24, 25, 26`), the last binding
    of a name winning."""
    constants = {}
    for s in scope:
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1):
            continue
        target = s.targets[0]
        try:
            value = ast.literal_eval(s.value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(target, ast.Name):
            constants[target.id] = value
        elif isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts) and \
                isinstance(value, tuple) and len(value) == len(target.elts):
            constants.update({e.id: v for e, v in zip(target.elts, value)})
    return constants


def referenced(program: ast.FunctionDef, scope: list[ast.stmt]) -> tuple[list[ast.stmt], set[str]]:
    """The functions of `scope` the program calls (transitively), in source order, and every name the included
    functions read."""
    functions = {s.name: s for s in scope if isinstance(s, ast.FunctionDef) and s is not program}
    included, names, todo = {program.name: program}, set(), [program]
    while todo:  # the bodies (a DaCe annotation's lengths are no reads)
        for node in (n for statement in todo.pop().body for n in ast.walk(statement)):
            if isinstance(node, ast.Name):
                names.add(node.id)
                if node.id in functions and node.id not in included:
                    included[node.id] = functions[node.id]
                    todo.append(functions[node.id])
    chosen = [s for s in scope if s in included.values()]
    if program not in chosen:
        chosen.append(program)
    return chosen, names


class PlainPython(ast.NodeTransformer):
    """Decorators and annotations off (DaCe's annotations are no Python values here); `dace.float64` as a dtype in
    a body becomes `np.float64`; any other `dace.` name is a DaCe-only construct."""

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node.decorator_list = []
        node.returns = None
        for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
            arg.annotation = None
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "dace":
            if node.attr in DTYPES:
                return ast.copy_location(ast.Attribute(ast.Name("np", ast.Load()), node.attr, ast.Load()), node)
            raise NotConverted(f"DaCe-only construct dace.{node.attr}")
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name):
        if node.id == "dace":
            raise NotConverted("DaCe-only construct dace")
        return node


def syntactic_writes(program: ast.FunctionDef, params: list[str]) -> set[str]:
    """Parameters the program writes by its syntax: `A[...] = `, `A[...] += `, `A += ` (in place for an array)."""
    found = set()
    for node in ast.walk(program):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            base = target
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name) and base.id in params and (base is not target or
                                                                      isinstance(node, ast.AugAssign)):
                found.add(base.id)
    return found


def dim_names(dims: list) -> list[str]:
    found = []
    for d in dims:
        if isinstance(d, str):
            found += [n.id for n in ast.walk(ast.parse(d, mode="eval")) if isinstance(n, ast.Name)]
    return found


def renamed_f(chosen: list[ast.stmt], program: ast.FunctionDef) -> list[ast.stmt]:
    """A program named `f` becomes `f_` (the wrapper is `f`)."""
    if program.name != "f":
        return chosen
    out = []
    for s in chosen:
        s = copy.deepcopy(s)
        for node in ast.walk(s):
            if isinstance(node, ast.FunctionDef) and node.name == "f":
                node.name = "f_"
            elif isinstance(node, ast.Name) and node.id == "f":
                node.id = "f_"
        out.append(s)
    return out
