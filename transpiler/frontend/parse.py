"""Find `@kernel` functions and module-level transform declarations (`g = grad(f, wrt="w")`).

Only the module's top level is read here; the kernel bodies are validated while `normalize` lowers them, so
every error carries the position of the construct it is about.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ...sources import physical_lines
from ..errors import SourceLoc, TranspileError
from .constants import module_constants
from .imports import AD_LIBRARIES, DIFFERENT, FOREIGN, Foreign, canonical_module

TRANSFORMS = ("grad", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian", "vmap")
OPTIONS = {"vmap": ("in_axes", "out_axes")}  # a transform's options besides the function (default: `wrt=`)
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
    in_axes: object = 0  # vmap: an axis or None per parameter (or one for all), as written
    out_axes: object = 0  # vmap: an axis or None per result (or one for all), as written
    options_loc: tuple = (None, None)  # where vmap's in_axes and out_axes are written, for errors about them


@dataclass
class ParsedModule:
    path: str
    text: str
    kernels: dict[str, KernelSource]
    declarations: list[Declaration]
    constants: dict[str, object]  # module-level numbers, with their value once the module has run
    locate: "Locator"
    # local name -> the NumPy/SciPy path it stands for ("np" -> "numpy", "logsumexp" -> "scipy.special.logsumexp"),
    # or an AD library ("jax") whose attributes may lead there
    modules: dict[str, str] = field(default_factory=dict)
    # local name -> (library, name) for transforms imported from lifted, autograd or jax
    transform_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    dists: dict[str, KernelSource] = field(default_factory=dict)  # `@dist` functions (transpiler.dist)
    helpers: dict[str, cst.FunctionDef] = field(default_factory=dict)  # undecorated functions dist code may call
    # local name -> (module, name, import statement) for names imported from other project modules
    imported: dict[str, tuple[str, str, cst.CSTNode]] = field(default_factory=dict)
    unstable: dict[str, SourceLoc] = field(default_factory=dict)  # module-level names rebound unpredictably
    source_file: str | None = None  # the real path of the file (imports resolve next to it)
    # every other file the build read (path -> digest of its bytes) or looked for and did not find (-> None):
    # the on-the-fly cache is valid while these are unchanged (shared with the modules it imports from)
    dependencies: dict[str, str | None] = field(default_factory=dict)
    # kernel -> (its reverse rule kernel, where declared), from `custom_vjp(f, f_vjp)`
    custom_vjps: dict[str, tuple[str, SourceLoc]] = field(default_factory=dict)
    python_names: dict[str, str] = field(default_factory=dict)  # `functools`, `partial` -> "functools.partial"
    # other module-level assignments (`sizes = [2, 10, 1]`, `loss = make_loss(sizes)`), in order: evaluated at
    # build time when a kernel or a declaration needs them (module_scope.py)
    statements: list[cst.BaseSmallStatement] = field(default_factory=list)
    # "module" -> the code of the module-level statements that compute arrays (`A = np.eye(3) * 2`) and the
    # names holding them (module_scope.py): made by the first lowering of the module, emitted once at the top of
    # the generated module
    module_arrays: dict = field(default_factory=dict)
    import_only: bool = False  # read for the kernels another module imports from it (its arrays are not emitted)


class Locator:
    """Turns LibCST nodes into `SourceLoc`s (1-based columns, the whole source line kept)."""

    def __init__(self, path: str, text: str, positions):
        self.path = path
        self.lines = physical_lines(text)
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


def _axes_literal(node: cst.BaseExpression):
    """A static value that may also be a list or a dict with literal keys (vmap's axes for tree parameters)."""
    if isinstance(node, (cst.Tuple, cst.List)):
        values = [_axes_literal(e.value) for e in node.elements]
        if any(v is _NOT_STATIC for v in values):
            return _NOT_STATIC
        return tuple(values) if isinstance(node, cst.Tuple) else values
    if isinstance(node, cst.Dict):
        items = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return _NOT_STATIC
            key, value = _static_value(element.key), _axes_literal(element.value)
            if key is _NOT_STATIC or value is _NOT_STATIC or not isinstance(key, (str, int)):
                return _NOT_STATIC
            items[key] = value
        return items
    return _static_value(node)


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
            if path is not None:
                parsed.modules[local] = path
            elif full == "functools":
                parsed.python_names[local] = "functools"
    elif isinstance(small, cst.ImportFrom) and (small.module is not None or small.relative):
        # `from .helpers import act` keeps its dots: the module is found relative to the importing file
        dots = "." * len(small.relative)
        module_name = dots + (cst.Module([]).code_for_node(small.module) if small.module is not None else "")
        if isinstance(small.names, cst.ImportStar):
            return
        root = module_name.split(".")[0]
        for alias in small.names:
            imported = alias.name.value
            local = alias.asname.name.value if alias.asname else imported
            path = None if dots else canonical_module(f"{module_name}.{imported}")
            if module_name == "functools":
                parsed.python_names[local] = f"functools.{imported}"
            elif module_name in ("autograd.misc", "autograd.misc.flatten") and imported == "flatten":
                parsed.python_names[local] = "autograd.flatten"  # a tree as one vector: a build-time helper
            elif path is not None and path.split(".")[0] in ("numpy", "scipy"):
                parsed.modules[local] = path  # `from autograd.numpy import exp`, `from jax import numpy as jnp`
            elif module_name in ("lifted",) + AD_LIBRARIES:
                parsed.transform_names[local] = (module_name, imported)
            elif root not in ("numpy", "scipy", "lifted", "math", "__future__") + AD_LIBRARIES:
                parsed.imported[local] = (module_name, imported, alias)
    elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        target = small.targets[0].target.value
        value = small.value
        resolved = _transform(value, parsed, locate) if isinstance(value, cst.Call) else None
        if resolved is not None:
            parsed.declarations.extend(_nested_declarations(target, value, parsed, locate))
            return
        static = _static_value(value)
        if static is not _NOT_STATIC and isinstance(static, (int, float)) and not isinstance(static, bool):
            parsed.constants[target] = static
        parsed.statements.append(small)
    elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
        parsed.statements.append(small)


def _called_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "lifted":
        func = func.attr
    return func.value if isinstance(func, cst.Name) else None


def _origin(call: cst.Call, parsed: ParsedModule) -> tuple[str, str] | None:
    """(library, name) of the function a module-level call calls: `grad` (imported from lifted, autograd or
    jax; a name of unknown origin reads as Lifted's), `lifted.grad`, `jax.grad`, `autograd.grad`."""
    func = call.func
    if isinstance(func, cst.Name):
        return parsed.transform_names.get(func.value, ("lifted", func.value))
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        owner = func.value.value
        if owner == "lifted":  # as `@lifted.kernel` marks a kernel
            return ("lifted", func.attr.value)
        if parsed.modules.get(owner) in AD_LIBRARIES:
            return (parsed.modules[owner], func.attr.value)
    return None


def _transform(call: cst.Call, parsed: ParsedModule, locate: Locator) -> tuple[str, Foreign | None] | None:
    """The Lifted transform a module-level call declares (and how to read a foreign one's arguments), or None."""
    origin = _origin(call, parsed)
    if origin is None:
        return None
    library, name = origin
    if library in AD_LIBRARIES:
        if (library, name) in DIFFERENT:
            raise TranspileError(f"`{library}.{name}` does not declare a function the way Lifted's transforms do",
                                 locate(call.func), hint=DIFFERENT[(library, name)])
        if name in FOREIGN[library]:
            return FOREIGN[library][name].kind, FOREIGN[library][name]
    if name in TRANSFORMS:
        return name, None
    return None


def _nested_declarations(target: str, call: cst.Call, parsed: ParsedModule, locate: Locator) -> list[Declaration]:
    """`h = jvp(grad(f), ...)`: the inner transform first, as a hidden declaration `h.grad` that `h` transforms."""
    kind, foreign = _transform(call, parsed, locate)
    positional = [a for a in call.args if a.keyword is None]
    inner = positional[0].value if positional else None
    inner_kind = _transform(inner, parsed, locate) if isinstance(inner, cst.Call) else None
    if inner_kind is not None:
        hidden_target = f"{target}.{inner_kind[0]}"  # not an identifier: never clashes, never emitted
        inner_declarations = _nested_declarations(hidden_target, inner, parsed, locate)
        inner_declarations[-1].hidden = True
        return inner_declarations + [_declaration(target, kind, call, locate, hidden_target, foreign)]
    return [_declaration(target, kind, call, locate, foreign=foreign)]


def _declaration(target: str, transform: str, call: cst.Call, locate: Locator, func: str | None = None,
                 foreign: Foreign | None = None) -> Declaration:
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    written = cst.Module([]).code_for_node(call.func)
    option = foreign.position if foreign is not None else "wrt"
    if foreign is not None and len(positional) == 2 and option not in keywords:  # `grad(f, 1)`: the argnum
        keywords[option] = positional.pop()
    if len(positional) != 1 or not (func is not None or isinstance(positional[0].value, cst.Name)):
        raise TranspileError(f"`{written}` takes the kernel to transform as its one positional argument",
                             locate(call), hint=f'{target} = {transform}(f, wrt="x")')
    allowed = OPTIONS.get(transform, (option,)) if foreign is None else (option,)
    for key, arg in keywords.items():
        if key not in allowed:
            if foreign is not None:
                hint = f"`{written}` is read as Lifted's {transform}, whose only option is `{option}=`"
            elif len(allowed) == 1:
                hint = f"the option is `{option}=`"
            else:
                hint = "its options are " + ", ".join(f"`{a}=`" for a in allowed)
            raise TranspileError(f"`{written}` has no option `{key}` here", locate(arg), hint=hint)
    if transform == "vmap":
        axes = {key: _axes_value(keywords[key].value, key, locate) if key in keywords else 0
                for key in ("in_axes", "out_axes")}
        where = tuple(locate(keywords[key].value) if key in keywords else None for key in ("in_axes", "out_axes"))
        return Declaration(target, transform, func or positional[0].value.value, None, False, locate(call),
                           locate(positional[0].value), None, in_axes=axes["in_axes"], out_axes=axes["out_axes"],
                           options_loc=where)
    wrt, wrt_is_tuple = None, False
    if option in keywords:
        node = keywords[option].value
        value = _static_value(node)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            wrt = (value,)
        elif isinstance(value, tuple) and value and all(isinstance(v, (str, int)) for v in value):
            wrt, wrt_is_tuple = value, True
        else:
            raise TranspileError(f"`{option}` must be a parameter name, a position, or a tuple of them", locate(node),
                                 hint='wrt="w" or wrt=("w", "b")' if foreign is None else f"{option}=1 or {option}=(0, 1)")
    return Declaration(target, transform, func or positional[0].value.value, wrt, wrt_is_tuple, locate(call),
                       locate(positional[0].value), locate(keywords[option].value) if option in keywords else None)


def _axes_value(node: cst.BaseExpression, key: str, locate: Locator):
    """`in_axes=`/`out_axes=`: an int, None, or a (nested) tuple of them, as JAX takes them; for a tree parameter
    also a prefix of its structure (a list, or a dict with literal keys)."""
    value = _axes_literal(node)

    def valid(v):
        return v is None or (isinstance(v, int) and not isinstance(v, bool)) or \
            (isinstance(v, (tuple, list)) and all(valid(x) for x in v)) or \
            (isinstance(v, dict) and all(valid(x) for x in v.values()))

    if value is _NOT_STATIC or not valid(value) or (key == "in_axes" and isinstance(value, (list, dict))):
        raise TranspileError(f"`{key}` must be an axis, None, or a tuple of them, written out", locate(node),
                             hint=f"{key}=(0, None)")
    return value
