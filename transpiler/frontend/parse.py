"""Find `@kernel` functions and module-level transform declarations (`g = grad(f, wrt="w")`).

Only the module's top level is read here; the kernel bodies are validated while `normalize` lowers them, so
every error carries the position of the construct it is about.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..errors import SourceLoc, TranspileError
from .constants import module_constants

TRANSFORMS = ("grad", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
LATER_TRANSFORMS = {"vmap": "batching"}
MARKERS = ("kernel",)
DIST_MARKERS = ("dist",)


@dataclass
class KernelSource:
    name: str
    node: cst.FunctionDef
    loc: SourceLoc


@dataclass
class Declaration:
    """`target = transform(func, wrt=...)`; `wrt` holds parameter names or positions as written."""

    target: str
    transform: str
    func: str
    wrt: tuple | None
    wrt_is_tuple: bool
    loc: SourceLoc
    func_loc: SourceLoc | None = None  # the transformed function's name in the call, for errors about it
    wrt_loc: SourceLoc | None = None  # the `wrt=` value, for errors about it
    hidden: bool = False  # the inner call of a nested declaration, `jvp(grad(f))`: not emitted on its own


@dataclass
class ParsedModule:
    path: str
    text: str
    kernels: dict[str, KernelSource]
    declarations: list[Declaration]
    constants: dict[str, object]  # module-level numbers, with their value once the module has run
    locate: "Locator"
    numpy_aliases: set[str] = field(default_factory=set)
    scipy_names: dict[str, str] = field(default_factory=dict)  # local name -> "scipy.special.x" / module
    dists: dict[str, KernelSource] = field(default_factory=dict)  # `@dist` functions (transpiler.dist)
    helpers: dict[str, cst.FunctionDef] = field(default_factory=dict)  # undecorated functions dist code may call
    # local name -> (module, name, import statement) for names imported from other project modules
    imported: dict[str, tuple[str, str, cst.CSTNode]] = field(default_factory=dict)
    unstable: dict[str, SourceLoc] = field(default_factory=dict)  # module-level names rebound unpredictably
    source_file: str | None = None  # the real path of the file (imports resolve next to it)
    # kernel -> (its reverse rule kernel, where declared), from `custom_vjp(f, f_vjp)`
    custom_vjps: dict[str, tuple[str, SourceLoc]] = field(default_factory=dict)


class Locator:
    """Turns LibCST nodes into `SourceLoc`s (1-based columns, the whole source line kept)."""

    def __init__(self, path: str, text: str, positions):
        self.path = path
        self.lines = text.splitlines()
        self.positions = positions

    def __call__(self, node: cst.CSTNode) -> SourceLoc:
        pos = self.positions[node]
        line = pos.start.line
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return SourceLoc(self.path, line, pos.start.column + 1, pos.end.line, pos.end.column + 1, text)


def _decorator_name(decorator: cst.Decorator) -> str | None:
    node = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _static_value(node: cst.BaseExpression):
    """A literal at module level: numbers, strings, tuples of them, negatives."""
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = _static_value(node.expression)
        return -value if isinstance(value, (int, float)) else _NOT_STATIC
    if isinstance(node, cst.Tuple):
        values = tuple(_static_value(e.value) for e in node.elements)
        return _NOT_STATIC if _NOT_STATIC in values else values
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    return _NOT_STATIC


_NOT_STATIC = object()


def _check_syntax(text: str, path: str) -> None:
    """Python's own parser first: its messages ("'(' was never closed", "expected ':'") and positions are the
    ones users know, where LibCST reports a token list at a position past the mistake."""
    try:
        compile(text, path, "exec", dont_inherit=True)  # to bytecode: also "'break' outside loop" and the like
    except SyntaxError as exc:
        lines = text.splitlines()
        line = exc.lineno or 1
        col = max(exc.offset or 1, 1)
        end_col = exc.end_offset if exc.end_lineno == line and (exc.end_offset or 0) > col else col + 1
        line_text = lines[line - 1] if 0 < line <= len(lines) else ""
        raise TranspileError(f"syntax error: {exc.msg}", SourceLoc(path, line, col, line, end_col, line_text),
                             "the file must be valid Python before it can be transpiled") from None


def parse_module(text: str, path: str) -> ParsedModule:
    _check_syntax(text, path)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        lines = text.splitlines()
        line_text = lines[exc.raw_line - 1] if 0 < exc.raw_line <= len(lines) else ""
        loc = SourceLoc(path, exc.raw_line, exc.raw_column + 1, exc.raw_line, exc.raw_column + 2, line_text)
        raise TranspileError(f"syntax error: {exc.message}", loc) from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    locate = Locator(path, text, wrapper.resolve(PositionProvider))
    parsed = ParsedModule(path, text, {}, [], {}, locate)
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            if any(_decorator_name(d) in MARKERS for d in statement.decorators):
                name = statement.name.value
                parsed.kernels[name] = KernelSource(name, statement, locate(statement.name))
            elif any(_decorator_name(d) in DIST_MARKERS for d in statement.decorators):
                parsed.dists[statement.name.value] = KernelSource(statement.name.value, statement,
                                                                  locate(statement.name))
            elif not statement.decorators:
                parsed.helpers[statement.name.value] = statement
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _read_top_level(small, parsed, locate)
    parsed.constants, parsed.unstable = module_constants(module.body, locate)
    return parsed


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
            if full == "numpy":
                parsed.numpy_aliases.add(local)
            elif full.startswith("scipy"):
                parsed.scipy_names[local] = full if alias.asname else "scipy"
    elif isinstance(small, cst.ImportFrom) and small.module is not None:
        module_name = cst.Module([]).code_for_node(small.module)
        if isinstance(small.names, cst.ImportStar) or small.relative:
            return
        for alias in small.names:
            imported = alias.name.value
            local = alias.asname.name.value if alias.asname else imported
            if module_name.startswith("scipy"):
                parsed.scipy_names[local] = f"{module_name}.{imported}"
            elif module_name.split(".")[0] not in ("numpy", "lifted", "math", "__future__"):
                parsed.imported[local] = (module_name, imported, alias)
    elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        target = small.targets[0].target.value
        value = small.value
        func = value.func if isinstance(value, cst.Call) else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                and func.value.value == "lifted":
            func = func.attr  # `lifted.grad(f)`, as `@lifted.kernel` marks a kernel (not `autograd.grad`)
        if isinstance(func, cst.Name):
            transform = func.value
            if transform in TRANSFORMS:
                parsed.declarations.extend(_nested_declarations(target, transform, value, locate))
                return
            if transform in LATER_TRANSFORMS:
                raise TranspileError(
                    f"`{transform}` is not supported yet: {LATER_TRANSFORMS[transform]} is not implemented in this "
                    "version", locate(value.func), hint="use grad, value_and_grad or vjp")


def _called_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "lifted":
        func = func.attr
    return func.value if isinstance(func, cst.Name) else None


def _nested_declarations(target: str, transform: str, call: cst.Call, locate: Locator) -> list[Declaration]:
    """`h = jvp(grad(f), ...)`: the inner transform first, as a hidden declaration `h.grad` that `h` transforms."""
    positional = [a for a in call.args if a.keyword is None]
    inner = positional[0].value if len(positional) == 1 else None
    if isinstance(inner, cst.Call) and _called_name(inner) in TRANSFORMS:
        hidden_target = f"{target}.{_called_name(inner)}"  # not an identifier: never clashes, never emitted
        inner_declarations = _nested_declarations(hidden_target, _called_name(inner), inner, locate)
        inner_declarations[-1].hidden = True
        return inner_declarations + [_declaration(target, transform, call, locate, func=hidden_target)]
    return [_declaration(target, transform, call, locate)]


def _declaration(target: str, transform: str, call: cst.Call, locate: Locator, func: str | None = None) -> Declaration:
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    if len(positional) != 1 or not (func is not None or isinstance(positional[0].value, cst.Name)):
        raise TranspileError(f"`{transform}` takes the kernel to transform as its one positional argument",
                             locate(call), hint=f'{target} = {transform}(f, wrt="x")')
    for key, arg in keywords.items():
        if key != "wrt":
            raise TranspileError(f"`{transform}` has no option `{key}`", locate(arg), hint="the option is `wrt=`")
    wrt, wrt_is_tuple = None, False
    if "wrt" in keywords:
        node = keywords["wrt"].value
        value = _static_value(node)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            wrt = (value,)
        elif isinstance(value, tuple) and value and all(isinstance(v, (str, int)) for v in value):
            wrt, wrt_is_tuple = value, True
        else:
            raise TranspileError("`wrt` must be a parameter name, a position, or a tuple of them", locate(node),
                                 hint='wrt="w" or wrt=("w", "b")')
    return Declaration(target, transform, func or positional[0].value.value, wrt, wrt_is_tuple, locate(call),
                       locate(positional[0].value), locate(keywords["wrt"].value) if "wrt" in keywords else None)
