"""Find `@kernel` functions and module-level transform declarations (`g = grad(f, wrt="w")`, read in
transform_declarations.py) into a `ParsedModule` (parsed.py).

Only the module's top level is read here; the kernel bodies are validated while `normalize` lowers them, so
every error carries the position of the construct it is about.
"""
from __future__ import annotations

import unicodedata

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ...sources import physical_lines
from ..errors import SourceLoc, TranspileError
from .constants import module_constants
from .imports import AD_LIBRARIES, canonical_module
from .parsed import KernelSource, Locator, ParsedModule
from .star_imports import bound_names, star_names
from .transform_declarations import declared_transform, nested_declarations

MARKERS = ("kernel",)
DIST_MARKERS = ("dist",)


def _decorator_name(decorator: cst.Decorator) -> str | None:
    node = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _check_syntax(text: str, path: str) -> None:
    """Python's own parser first: its messages ("'(' was never closed", "expected ':'") and positions are the
    ones users know, where LibCST reports a token list at a position past the mistake."""
    try:
        compile(text, path, "exec", dont_inherit=True)  # to bytecode: also "'break' outside loop" and the like
    except SyntaxError as exc:
        lines = physical_lines(text)
        line = exc.lineno or 1
        col = max(exc.offset or 1, 1)
        end_col = exc.end_offset if exc.end_lineno == line and (exc.end_offset or 0) > col else col + 1
        line_text = lines[line - 1] if 0 < line <= len(lines) else ""
        raise TranspileError(f"syntax error: {exc.msg}", SourceLoc(path, line, col, line, end_col, line_text),
                             "the file must be valid Python before it can be transpiled") from None


def parse_module(text: str, path: str) -> ParsedModule:
    text = text.removeprefix("\ufeff")  # a BOM read as text (`read_source` drops it already)
    _check_syntax(text, path)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        lines = physical_lines(text)
        line_text = lines[exc.raw_line - 1] if 0 < exc.raw_line <= len(lines) else ""
        loc = SourceLoc(path, exc.raw_line, exc.raw_column + 1, exc.raw_line, exc.raw_column + 2, line_text)
        raise TranspileError(f"syntax error: {exc.message}", loc) from None
    if not text.isascii():
        module = module.visit(_NFKCNames())  # `ﬁ` and `fi` are one name to Python (PEP 3131)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    locate = Locator(path, text, wrapper.resolve(PositionProvider))
    parsed = ParsedModule(path, text, {}, [], {}, locate)
    _check_marked_functions(module, locate)
    for statement in module.body:
        _rebound_after_imports(statement, parsed)
        if isinstance(statement, cst.FunctionDef):
            if any(_decorator_name(d) in MARKERS for d in statement.decorators):
                name = statement.name.value
                parsed.kernels[name] = KernelSource(name, statement, locate(statement.name))
            elif any(_decorator_name(d) in DIST_MARKERS for d in statement.decorators):
                parsed.dists[statement.name.value] = KernelSource(statement.name.value, statement,
                                                                  locate(statement.name))
            elif not statement.decorators:
                parsed.helpers[statement.name.value] = statement
            else:
                parsed.decorated[statement.name.value] = cst.Module([]).code_for_node(statement.decorators[0].decorator)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _read_top_level(small, parsed, locate)
    parsed.constants, parsed.unstable = module_constants(module.body, locate)
    return parsed


class _NFKCNames(cst.CSTTransformer):
    """Identifiers as Python reads them: NFKC-normalized, so names that normalize alike are one name."""

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        normal = unicodedata.normalize("NFKC", updated.value)
        return updated if normal == updated.value else updated.with_changes(value=normal)


def _check_marked_functions(module: cst.Module, locate: Locator) -> None:
    """`@kernel` and `@dist` mark module-level functions only, with no other decorator: one the compiler would
    silently drop (`@kernel @doubled def f`), or a marked method or nested function it would silently skip,
    is refused where it is written."""
    for node, top_level, in_class in _function_defs(module):
        markers = [d for d in node.decorators if _decorator_name(d) in MARKERS + DIST_MARKERS]
        if not markers:
            continue
        marker = _decorator_name(markers[0])
        if not top_level and (marker in DIST_MARKERS or in_class):
            raise TranspileError(f"@{marker} marks module-level functions only; this one is nested in a class or "
                                 "function", locate(markers[0]),
                                 f"define `{node.name.value}` at the top of the module (a kernel may call it)")
        # a @kernel nested in a function is a function that function makes (a factory's `loss`): compiled
        # where a module-level name holds it, or inlined where a kernel calls it
        others = [d for d in node.decorators if d not in markers]
        if others:
            raise TranspileError(f"a @{marker} function cannot have other decorators: the compiler would "
                                 "transform the undecorated body", locate(others[0]),
                                 "apply the decorator in plain Python outside the kernel, or write what it "
                                 "does in the kernel's body")


def _function_defs(module: cst.Module):
    """Every function definition of the module, with whether it sits directly at the top level and whether it
    is inside a class."""
    found: list[tuple[cst.FunctionDef, bool, bool]] = []

    class Finder(cst.CSTVisitor):
        classes = 0

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            self.classes += 1

        def leave_ClassDef(self, node: cst.ClassDef) -> None:
            self.classes -= 1

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.append((node, any(node is statement for statement in module.body), self.classes > 0))

    module.visit(Finder())
    return found


def _read_top_level(small: cst.BaseSmallStatement, parsed: ParsedModule, locate: Locator) -> None:
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and _called_name(small.value) == "custom_vjp":
        call = small.value
        names = [a.value for a in call.args if a.keyword is None]
        if len(names) != 2 or len(call.args) != 2 or not all(isinstance(n, cst.Name) for n in names):
            raise TranspileError("`custom_vjp` takes the kernel and the kernel computing its cotangents",
                                 locate(call), hint="custom_vjp(f, f_vjp)  # f_vjp(*args, out, g) -> cotangents")
        parsed.custom_vjps[names[0].value] = (names[1].value, locate(call))
    elif isinstance(small, cst.Import):
        for alias in small.names:
            full = cst.Module([]).code_for_node(alias.name)
            local = alias.asname.name.value if alias.asname else full.split(".")[0]
            path = canonical_module(full if alias.asname else local)
            _forget(parsed, local)
            if path is not None:
                parsed.modules[local] = path
            elif full in ("functools", "itertools", "math"):  # (math: its constants; its functions refused)
                parsed.python_names[local] = full
    elif isinstance(small, cst.ImportFrom) and (small.module is not None or small.relative):
        # `from .helpers import act` keeps its dots: the module is found relative to the importing file
        dots = "." * len(small.relative)
        module_name = dots + (cst.Module([]).code_for_node(small.module) if small.module is not None else "")
        if isinstance(small.names, cst.ImportStar):
            if not dots and module_name.split(".")[0] in ("numpy", "scipy", "math") + AD_LIBRARIES:
                # NumPy's `*` rebinds builtins (`sum(range(5), -1)` becomes np.sum along axis -1): bind the names
                # Python binds, read from the module itself
                names = star_names(module_name)
                if names is None:
                    raise TranspileError(f"`from {module_name} import *`: the compiler cannot list the names it "
                                         "binds (it reads the stars of NumPy, SciPy and math, imported at build "
                                         "time), and they may rebind Python's builtins (`sum`, `abs`, `min`, "
                                         "`max`, `round`, `all`, `any`)", locate(small),
                                         hint=f"import the names you use (`from {module_name} import exp`) or "
                                              f"write `import {module_name} as np` and `np.exp`")
                for name in names:
                    _bind_imported(parsed, module_name, name, name, small)
            return
        for alias in small.names:
            imported = alias.name.value
            _bind_imported(parsed, module_name, imported, alias.asname.name.value if alias.asname else imported,
                           alias)
    elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        target = small.targets[0].target.value
        value = small.value
        resolved = declared_transform(value, parsed, locate) if isinstance(value, cst.Call) else None
        if resolved is not None:
            parsed.declarations.extend(nested_declarations(target, value, parsed, locate))
            return
        parsed.statements.append(small)
    elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
        parsed.statements.append(small)


def _forget(parsed: ParsedModule, local: str) -> None:
    """An import rebinds `local`: whatever an earlier import or function definition bound it to is gone (the
    lookup in normalize/names.py reads these tables in a fixed order, so only one may hold the name)."""
    for table in (parsed.modules, parsed.python_names, parsed.transform_names, parsed.library_functions,
                  parsed.imported, parsed.helpers):
        table.pop(local, None)


def _rebound_after_imports(statement: cst.CSTNode, parsed: ParsedModule) -> None:
    """A module-level statement that is no import rebinds the names it assigns or defines: an earlier import's
    meaning of them (`from numpy import *` then `e = 2.0`) is gone, as in Python."""
    lines = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
    for line in lines:
        if isinstance(line, (cst.Import, cst.ImportFrom)):
            continue
        for name in bound_names(line):
            for table in (parsed.modules, parsed.python_names, parsed.library_functions):
                table.pop(name, None)


def _bind_imported(parsed: ParsedModule, module_name: str, imported: str, local: str, alias) -> None:
    """`from module_name import imported as local` (one name of a star too): what `local` now stands for."""
    _forget(parsed, local)
    dots = module_name[:len(module_name) - len(module_name.lstrip("."))]
    root = module_name.split(".")[0]
    path = None if dots else canonical_module(f"{module_name}.{imported}")
    if module_name in ("functools", "itertools", "math"):
        parsed.python_names[local] = f"{module_name}.{imported}"
    elif module_name in ("autograd.misc", "autograd.misc.flatten") and imported == "flatten":
        parsed.python_names[local] = "autograd.flatten"  # a tree as one vector: a build-time helper
    elif path is not None and path.split(".")[0] in ("numpy", "scipy"):
        parsed.modules[local] = path  # `from autograd.numpy import exp`, `from jax import numpy as jnp`
    elif module_name in ("lifted",) + AD_LIBRARIES:
        parsed.transform_names[local] = (module_name, imported)
    elif root in AD_LIBRARIES:
        parsed.library_functions[local] = f"{module_name}.{imported}"
    elif root not in ("numpy", "scipy", "lifted", "math", "__future__") + AD_LIBRARIES:
        parsed.imported[local] = (module_name, imported, alias)


def _called_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "lifted":
        func = func.attr
    return func.value if isinstance(func, cst.Name) else None
