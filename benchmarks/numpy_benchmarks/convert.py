"""numpy-benchmarks' kernels as Lifted modules: the exported function annotated from its `#pythran export` line
and renamed `f`, the rest of the file (helpers, imports) as written; inputs from its `#setup:` and `#run:` lines
with the sizes shrunk (the rules are in benchmarks/numpy_benchmarks/__init__.py).

The corpus is read at run time from a checkout; nothing of it is copied here.
"""
from __future__ import annotations

import ast
import inspect
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import numpy as np

from ..scipy_go.convert import HEAD, Case

SIZE = 5  # what a size of the setup (an int literal of at least LARGE) becomes
HOSTILE = (0, 1, 2)  # the sizes tried besides SIZE, kept where the setup runs at them
LARGE = 8  # int literals from here on are sizes (below: 2 of randint(2), the 3 of an (n, 3) shape)
# pythran's scalar and element types -> Lifted's dtypes (complex and unsigned have none: not converted)
DTYPES = {"float": "f64", "float64": "f64", "double": "f64", "float32": "f32", "int": "i64", "int64": "i64",
          "int32": "i32", "intp": "i64", "bool": "bool"}
EXPORT = re.compile(r"^#\s*pythran\s+export\s+(\w+)\s*\((.*)\)\s*$")
TYPE = re.compile(r"^\s*(\w+)\s*((?:\[[^\]]*\]\s*)*)$")


@dataclass(kw_only=True)
class BenchCase(Case):
    """A Case with the parameters, the inputs and how the sizes were made (see `inputs_of`)."""
    sizes: str = ""

    @property
    def label(self) -> str:
        return self.name


def folder_of(checkout: Path) -> Path:
    """The benchmarks' folder of a numpy-benchmarks checkout (or that folder itself)."""
    inner = checkout / "numpy_benchmarks" / "benchmarks"
    return inner if inner.is_dir() else checkout


def directives(text: str) -> dict[str, str]:
    """{"export": ..., "setup": ..., "run": ...} from the file's comment lines (the first export line)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        match = EXPORT.match(stripped)
        if match and "export" not in found:
            found["export"], found["types"] = match.group(1), match.group(2)
        for key in ("setup", "run"):
            if stripped.startswith(f"#{key}:") and key not in found:
                found[key] = stripped[len(key) + 2:].strip()
    return found


def split_types(types: str) -> list[str]:
    """`float64[1,:], int` -> ["float64[1,:]", "int"] (commas inside brackets kept)."""
    parts, depth, current = [], 0, ""
    for char in types:
        depth += (char == "[") - (char == "]")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return parts + [current.strip()] if current.strip() else parts


def annotation(pythran: str, shape: tuple | None, names: dict[int, str]) -> tuple[str | None, str]:
    """(Lifted annotation or None, why not) of one pythran type, given the shape of the argument the setup as
    written gives (`shape`; None: unknown) and the dimension names so far (size -> name, extended here): a user
    names the axes of their data, one name per size (`float64[]` of 10000 entries is `f64[n0]`, the same `n0` as
    every other axis of 10000); pythran's own sizes stay (`float64[1,:]` is `f64[1,n0]`, `float[][][3]`
    `f64[n0,n1,3]`)."""
    match = TYPE.match(re.sub(r"\s*order\([CF]\)$", "", pythran))  # (the memory order: the kernel's is NumPy's)
    if not match or match.group(1) not in DTYPES:
        return None, f"pythran type {pythran!r} has no Lifted dtype"
    axes = [axis.strip() for bracket in re.findall(r"\[([^\]]*)\]", match.group(2))
            for axis in (bracket.split(",") if bracket.strip() else [""])]
    if shape is not None and len(shape) != len(axes):
        return None, f"the setup's argument has {len(shape)} axes, pythran's {pythran!r} {len(axes)}"
    dims: list[str] = []
    for k, axis in enumerate(axes):
        if axis.isdigit():
            dims.append(axis)
        elif axis not in ("", ":"):
            return None, f"pythran dimension {axis!r} in {pythran!r}"
        else:
            size = shape[k] if shape is not None else -1 - len(names)  # unknown: a fresh name
            dims.append(names.setdefault(size, f"n{len(names)}"))
    return f"{DTYPES[match.group(1)]}[{','.join(dims)}]", ""


class _AsKernel(cst.CSTTransformer):
    """The exported function renamed `f` (every read of its name too; a name `f` of the source becomes `f_`),
    decorated `@kernel`, its first parameters annotated."""

    def __init__(self, name: str, annotations: list[str]) -> None:
        super().__init__()
        self.name, self.annotations, self.found = name, annotations, False
        self.attributes: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.attributes.add(id(node.attr))

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if id(original) in self.attributes:
            return updated
        return {"f": cst.Name("f_"), self.name: cst.Name("f")}.get(original.value, updated)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if original.name.value != self.name:
            return updated
        self.found = True
        params = list(updated.params.params)
        for k, text in enumerate(self.annotations[:len(params)]):
            params[k] = params[k].with_changes(annotation=cst.Annotation(cst.SimpleString(f'"{text}"')))
        return updated.with_changes(params=updated.params.with_changes(params=params),
                                    decorators=[cst.Decorator(cst.Name("kernel"))] + list(updated.decorators))


def kernel_text(source: str, name: str, annotations: list[str]) -> str | None:
    """The module: Lifted's imports, then the file with `name` as the kernel `f`; None without that function."""
    transformer = _AsKernel(name, annotations)
    module = cst.parse_module(source).visit(transformer)
    return HEAD + module.code if transformer.found else None


# -- inputs ------------------------------------------------------------------------------------------------------
class _Sizes(ast.NodeTransformer):
    """Int constants of at least LARGE (after folding `2**7`, `3 * 10**3`) become `size`."""

    def __init__(self, size: int) -> None:
        self.size = size

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        left, right = node.left, node.right  # folded before any is made a size: `2**7` is 128, a size
        if isinstance(left, ast.BinOp):
            left = self._fold(left)
        if isinstance(right, ast.BinOp):
            right = self._fold(right)
        folded = self._fold(node.__class__(left=left, op=node.op, right=right))
        return self.visit_Constant(folded) if isinstance(folded, ast.Constant) else self.generic_visit(node)

    @staticmethod
    def _fold(node: ast.BinOp) -> ast.AST:
        if isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant) and \
                type(node.left.value) is int and type(node.right.value) is int and \
                isinstance(node.op, (ast.Pow, ast.Mult, ast.Add, ast.Sub, ast.FloorDiv)):
            expression = ast.fix_missing_locations(ast.Expression(node))
            return ast.Constant(eval(compile(expression, "<size>", "eval")))  # noqa: S307  two int literals
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is int and node.value >= LARGE:
            return ast.copy_location(ast.Constant(self.size), node)
        return node


def _folded(tree: ast.AST, size: int | None) -> ast.AST:
    """`tree` with its int sizes replaced by `size` (None: as written)."""
    return ast.fix_missing_locations(tree if size is None else _Sizes(size).visit(tree))


def run_arguments(setup: str, run: str, name: str, size: int | None, run_size: int | None) -> list:
    """The arguments of the `#run:` call after executing `#setup:` (each with its sizes made `size`; None: as
    written). `f(a, *args)` gives `[a, *args]`."""
    namespace: dict = {}
    setup_tree = _folded(ast.parse(setup), size)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        exec(compile(setup_tree, "<setup>", "exec"), namespace)  # noqa: S102  the corpus's own setup line
    call = ast.parse(run.strip(), mode="eval").body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name) or \
            call.keywords:
        raise ValueError(f"#run: is not a call of {name} by position: {run!r}")
    listed = ast.Expression(ast.List(elts=call.args, ctx=ast.Load()))
    return eval(compile(_folded(listed, run_size), "<run>", "eval"), namespace)  # noqa: S307


def sliced(args: list, size: int) -> list:
    """Each array cut to its first `size` entries along every axis."""
    return [a[tuple(slice(0, size) for _ in range(a.ndim))].copy() if isinstance(a, np.ndarray) else a
            for a in args]


def inputs_of(directive: dict, python) -> tuple[list[list], str]:
    """(the inputs, how their sizes were made). In this order, the first where Python's `f` runs: the setup's and
    run's sizes made SIZE; the setup as written with each array cut to SIZE per axis and the run's sizes SIZE; the
    setup as written and the run's sizes SIZE; everything as written. With the first, also the hostile sizes
    0, 1, 2 (every size of the setup and run made that), where the setup itself runs (Python's f may raise: the
    generated one must too)."""
    name, setup, run = directive["export"], directive.get("setup", ""), directive["run"]
    tries = [("sizes made %d" % SIZE, lambda: run_arguments(setup, run, name, SIZE, SIZE)),
             ("setup as written, arrays cut to %d" % SIZE,
              lambda: sliced(run_arguments(setup, run, name, None, SIZE), SIZE)),
             ("setup as written, run sizes %d" % SIZE, lambda: run_arguments(setup, run, name, None, SIZE)),
             ("as written", lambda: run_arguments(setup, run, name, None, None))]
    for how, make in tries:
        try:
            args = make()
        except Exception:  # noqa: BLE001  the setup cannot run at these sizes
            continue
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                python(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
        except Exception:  # noqa: BLE001  Python's f raises here: the next way
            continue
        found = [args]
        if how.startswith("sizes made"):
            for size in HOSTILE:
                try:
                    found.append(run_arguments(setup, run, name, size, size))
                except Exception:  # noqa: BLE001  the setup itself refuses this size
                    pass
        return found, how
    return [], "the setup or Python's f raises at every size"


def convert(path: Path, family: str) -> BenchCase:
    """One numpy-benchmarks file: its first export line, its #setup: and #run: lines."""
    source = path.read_text()
    directive = directives(source)
    if "export" not in directive or "run" not in directive:
        return BenchCase(name=path.stem, dimension=0, family=family, not_converted="no #pythran export or #run: line")
    name = directive["export"] if directive["export"] == path.stem else f"{path.stem}.{directive['export']}"
    return convert_source(name, source, directive, family, str(path))


def convert_source(label: str, source: str, directive: dict, family: str, filename: str,
                   limit: int | None = None) -> BenchCase:
    """The case of one exported function: `directive` holds its "export" name, pythran "types", the "setup"
    statements and the "run" call; with `limit`, not converted where that takes longer (seconds)."""
    if limit is None:
        return _convert_source(label, source, directive, family, filename)
    from ..limits import TimedOut, time_limit

    try:
        with time_limit(limit):
            return _convert_source(label, source, directive, family, filename)
    except TimedOut as exc:
        return BenchCase(name=label, dimension=0, family=family, not_converted=f"the file, setup and call {exc}")


def _convert_source(label: str, source: str, directive: dict, family: str, filename: str) -> BenchCase:
    case = BenchCase(name=label, dimension=0, family=family)
    try:
        written = run_arguments(directive.get("setup", ""), directive["run"], directive["export"], None, None)
    except Exception:  # noqa: BLE001  the setup does not run as written: a fresh name per axis
        written = None
    annotations, names = [], {}
    for k, pythran in enumerate(split_types(directive["types"])):
        shape = np.shape(written[k]) if written is not None and k < len(written) and \
            isinstance(written[k], (np.ndarray, np.generic, int, float, bool)) else None
        text, why = annotation(pythran, shape, names)
        if text is None:
            case.not_converted = why
            return case
        annotations.append(text)
    text = kernel_text(source, directive["export"], annotations)
    if text is None:
        case.not_converted = f"no function {directive['export']} at module level"
        return case
    case.text = text
    tree = cst.parse_module(text)
    function = next(s for s in tree.body if isinstance(s, cst.FunctionDef) and s.name.value == "f")
    case.params = [p.name.value for p in function.params.params]  # (a defaulted one too: vmap's in_axes)
    python: dict = {}
    try:
        exec(compile(source, filename, "exec", dont_inherit=True), python)
    except Exception as exc:  # noqa: BLE001
        case.not_converted = f"the file does not run: {type(exc).__name__}: {exc}"[:200]
        return case
    if not callable(python.get(directive["export"])):
        case.not_converted = f"{directive['export']} is not a function"
        return case
    case.inputs, case.sizes = inputs_of(directive, python[directive["export"]])
    # a numeric default (evolve's `D=1`) passed as written: a vjp's cotangent and a jvp's tangent come after every
    # parameter, so their generated functions drop the defaults (backends/numpy/signature.py): a caller passes them
    defaults = [p.default for p in inspect.signature(python[directive["export"]]).parameters.values()]
    for args in case.inputs:
        while len(args) < len(defaults) and type(defaults[len(args)]) in (int, float, bool):
            args.append(defaults[len(args)])
    if not case.inputs:
        case.not_converted = case.sizes
    return case


def cases(checkout: Path, only: set[str] | None = None) -> list[BenchCase]:
    folder = folder_of(checkout)
    return [convert(path, "numpy-benchmarks") for path in sorted(folder.glob("*.py"))
            if path.name != "__init__.py" and (not only or path.stem in only)]
