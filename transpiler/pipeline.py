"""The pipeline, stage by stage: parse -> lower (normalize) -> transforms -> NumPy backend -> file."""
from __future__ import annotations

import ast
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..sources import read_source
from . import codegen as cg
from .analysis.python_numbers import weak_sensitive
from .backends.numpy import render_function
from .errors import SourceLoc, TranspileError
from .outputs import display_path, output_path, refuse_overwrite, write_atomic
from .declarations import DeclaredFunctions
from .builder import NameScope
from .frontend.checks import MODULE_NAMES
from .ir import Function, Var, all_defined
from .normalize.module_scope import module_code
from .frontend.parse import parse_module
from .frontend.parsed import Declaration
from .ir.arena import one_compilation
from .ir.names import check_names
from .ir.verify import names_enabled
from .transforms.trees import user_params

if TYPE_CHECKING:  # (the C backend is imported when a C target is asked for)
    from .backends.c.module import COutput

VERSION = "0.1.0"


@dataclass(frozen=True)
class Options:
    """How a module is built: the `transpile` command's flags, one value that every stage reads."""

    delete_dead: bool = True  # the liveness pass; off only to measure what it saves
    check_args: bool = True  # generated functions check their arguments against the annotations at entry
    backend: str = "numpy"  # "numpy", or a C target: "c" (the CPU, OpenMP) or "cuda"


def source_hash(text: str) -> str:
    """The sha256 a generated module's header carries: `load` and `transpile --check` compare it to report stale
    output."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The passes walk expressions recursively (LibCST's visitors too): a 400-term sum nests 400 deep. Python's
# default limit (1000 frames) is raised for the compiler's run; past this, a located error names the limit.
RECURSION_LIMIT = 12_000


def _deep_recursion(text: str, path: str, run):
    """Run one compilation step under the raised recursion limit; past it, a located error."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
    try:
        return run()
    except RecursionError:
        raise TranspileError(f"this program nests too deeply for the compiler (past {RECURSION_LIMIT} levels of "
                             "Python calls while compiling it)", _deepest(text, path),
                             "split the long expression into several assignments (s = a + b; s = s + c), or call "
                             "fewer kernels inside each other") from None
    finally:
        sys.setrecursionlimit(limit)


def _deepest(text: str, path: str) -> SourceLoc:
    """Where the source nests deepest (Python's own parser, walked without recursion)."""
    lines = text.splitlines()
    best, where = -1, (1, 0)
    stack = [(ast.parse(text), 0)]
    while stack:
        node, depth = stack.pop()
        if depth > best and hasattr(node, "lineno"):
            best, where = depth, (node.lineno, node.col_offset)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    line, col = where
    return SourceLoc(path, line, col + 1, line, col + 2, lines[line - 1] if 0 < line <= len(lines) else "")


@dataclass
class LoweredModule:
    """A source file after the transforms: IR functions in module order (kernels, then transforms), the transform
    table, the parsed module (whose dist functions only the NumPy backend emits), and the located errors of the
    functions left out (on the on-the-fly path)."""

    functions: list
    transforms: list
    parsed: object
    errors: dict[str, TranspileError]
    kernel_count: int
    dist_vmaps: list = None  # declarations `target = vmap(f)` of @dist functions (only the NumPy backend emits them)


@one_compilation()
def lower_source(text: str, path: str, extra: tuple[Declaration, ...] = (), source_file: str | None = None,
                 per_function: bool = False, dependencies: dict[str, str | None] | None = None) -> LoweredModule:
    """Parse and transform one source file into IR functions, ready for any backend.

    `per_function` (the on-the-fly path): a function the compiler refuses is left out and its located error
    kept, so the file's other functions still work. `dependencies`, when given, receives every other file the
    build read (path -> digest) or looked for (path -> None)."""
    return _deep_recursion(text, path, lambda: _lower_source(text, path, extra, source_file, per_function, dependencies))


def _lower_source(text: str, path: str, extra: tuple[Declaration, ...], source_file: str | None, per_function: bool,
                  dependencies: dict[str, str | None] | None) -> LoweredModule:
    parsed = parse_module(text, path)
    parsed.source_file = source_file
    if dependencies is not None:
        parsed.dependencies = dependencies
    _check_module_names(parsed, extra)
    errors: dict[str, TranspileError] = {}
    declared = DeclaredFunctions(parsed, extra)
    functions = [fn for name in parsed.kernels
                 if (fn := _attempt(errors, per_function, name, lambda name=name: declared.kernel(name))) is not None]
    kernels = set(parsed.kernels)
    for decl in declared.declarations:  # functions made at module level (`loss = make_loss(sizes)`) that are declared
        if decl.func not in kernels and decl.func not in declared.by_target and decl.func in declared.function_values():
            kernels.add(decl.func)
            fn = _attempt(errors, per_function, decl.func, lambda decl=decl: declared.kernel(decl.func, decl.func_loc))
            if fn is not None:
                functions.append(fn)
    kernel_count = len(functions)
    transforms = []
    taken = set(parsed.kernels) | set(parsed.dists)
    keys: dict[str, tuple] = {}  # hidden (nested) declarations are named in their outer key by their own key
    dist_vmaps = []
    for decl in declared.declarations:
        if decl.target in taken:
            raise TranspileError(f"`{decl.target}` is defined twice", decl.loc, "give each transform its own name")
        taken.add(decl.target)
        if _of_dist(decl, parsed, dist_vmaps):
            continue

        def build(decl=decl):
            result = declared.function(decl.target)
            fn = declared.kernel(decl.func) if decl.func in kernels else declared.function(decl.func)
            params = user_params(fn)
            return result, tuple(params[i][0] for i in declared.wrt(decl.target))

        built = _attempt(errors, per_function, decl.target, build)
        if built is None:
            continue
        result, names = built
        hidden = decl.func in declared.by_target and declared.by_target[decl.func].hidden
        inner = keys[decl.func] if hidden else decl.func  # `jvp(grad(f))`: the inner transform's key
        keys[decl.target] = (decl.transform, inner, _hashable(decl.in_axes), _hashable(decl.out_axes)) \
            if decl.transform == "vmap" \
            else (decl.transform, inner, names, decl.wrt_is_tuple)
        if not decl.hidden:
            functions.append(result)
            transforms.append((repr(keys[decl.target]), decl.target))
    return LoweredModule(functions, transforms, parsed, errors, kernel_count, dist_vmaps)


def _hashable(axes):
    """vmap's axes as a key of the transform table: a list as a tuple, a dict as its (key, axes) pairs."""
    if isinstance(axes, (list, tuple)):
        return tuple(_hashable(a) for a in axes)
    if isinstance(axes, dict):
        return tuple((key, _hashable(value)) for key, value in sorted(axes.items(), key=lambda item: repr(item[0])))
    return axes


def _of_dist(decl: Declaration, parsed, dist_vmaps: list) -> bool:
    """Whether `decl` transforms a @dist function (kept in `dist_vmaps`, for the dist compiler): only vmap does."""
    batched = {d.target for d in dist_vmaps}
    if decl.func not in parsed.dists and decl.func not in batched:
        return False
    if decl.transform != "vmap" or decl.func in batched:
        what = "a vmap of a @dist function" if decl.func in batched else "a @dist function"
        raise TranspileError(f"{decl.transform} of {what} is not supported: a @dist function takes vmap only, "
                             "once", decl.func_loc or decl.loc,
                             "batch every parameter in one vmap (in_axes=(0, 0)), or differentiate a probability "
                             'with semiring="dual"')
    dist_vmaps.append(decl)
    return True


def _attempt(errors: dict[str, TranspileError], per_function: bool, name: str, build):
    """`build()`, or (per function) None with its located error kept under `name`."""
    if not per_function:
        return build()
    try:
        return build()
    except TranspileError as err:
        errors[name] = err
        return None


@one_compilation()
def transpile_source(text: str, path: str, options: Options = Options(),
                     extra: tuple[Declaration, ...] = (), source_file: str | None = None,
                     per_function: bool = False, dependencies: dict[str, str | None] | None = None) -> str:
    """Generate the NumPy module for one source file (`path` as it should appear in the header;
    `source_file`, where it really is, locates the project modules it imports kernels from); `per_function`
    and `dependencies` as for `lower_source`, the refused functions' errors kept in `__lifted_errors__`."""
    return _deep_recursion(text, path, lambda: _transpile(text, path, options, extra, source_file, per_function,
                                                          dependencies))


def _transpile(text: str, path: str, options: Options, extra: tuple[Declaration, ...], source_file: str | None,
               per_function: bool, dependencies: dict[str, str | None] | None) -> str:
    lowered = lower_source(text, path, extra, source_file, per_function, dependencies)
    parsed, errors = lowered.parsed, lowered.errors
    display = os.path.basename(path)

    def render(functions, transformed: bool = False):
        # a transform's code is typed from the annotations (branches merged by vmap, adjoint casts): a Python number
        # that would promote otherwise is refused there, as in the compiled modules (analysis/python_numbers.py)
        return [render_function(fn, display, options.delete_dead, options.check_args,
                                typed_scalars=tuple(weak_sensitive(fn)) if transformed else (),
                                numpy_scalars=transformed) for fn in functions]

    module_lines = render_module_arrays(lowered, display, options.delete_dead)  # (renames them first)
    rendered = render(lowered.functions[:lowered.kernel_count])
    if parsed.dists:
        from .dice import compile_dist_functions, compile_dist_vmap

        for name in parsed.dists:
            rendered += _attempt(errors, per_function, name, lambda name=name: compile_dist_functions(parsed, [name])) or []
        for decl in lowered.dist_vmaps:
            if not decl.hidden:
                built = _attempt(errors, per_function, decl.target, lambda decl=decl: compile_dist_vmap(parsed, decl))
                rendered += [built] if built is not None else []
    rendered += render(lowered.functions[lowered.kernel_count:], transformed=True)
    imports = set().union(*[f.imports for f in rendered + ([module_lines[1]] if module_lines[1] else [])])
    from .backends.templates import render_module

    code = render_module(
        "numpy_module.py.j2", version=VERSION, source_path=path, source_hash=source_hash(text),
        functions=rendered, transforms=lowered.transforms, module_lines=module_lines[0],
        imports=sorted(imports), uses_dist=bool(parsed.dists),
        helpers=set().union(*[f.helpers for f in rendered]) if rendered else set(),
        errors=[(name, _error_literal(err)) for name, err in errors.items()],
    )
    check_generated(code, path)
    return code


def render_module_arrays(lowered: LoweredModule, display: str, delete_dead: bool) -> tuple:
    """The code of the module-level statements that compute arrays (`A = np.eye(3) * 2`), run at the generated
    module's top as in the source: (lines, and the rendered block for its imports). Their names are the source's,
    except where a generated function binds the same name itself (it would shadow the module's): then `module_t`."""
    eqns = module_code(lowered.parsed)
    if not eqns:
        return [], None
    local = set(MODULE_NAMES) | {f.name for f in lowered.functions} | set(lowered.parsed.kernels)
    for fn in lowered.functions:
        local |= {p.name for p in fn.params} | {v.name for v in all_defined(fn.body)}
    scope = NameScope(local | {v.name for e in eqns for v in e.outs})
    clashing = dict.fromkeys(v.name for e in eqns for v in e.outs if v.name in local)  # (in order, once each)
    renamed = {name: scope.fresh(f"module_{name}") for name in clashing}
    for var in {id(v): v for e in eqns for v in (*e.outs, *e.args) if isinstance(v, Var)}.values():
        var.name = renamed.get(var.name, var.name)  # an array updated in place: all its versions
    bound = [c.value for c in _constants(lowered.parsed.module_arrays["module"].bindings)]
    block = render_function(Function("module", [], eqns, tuple(bound)), display, delete_dead, check_args=False)
    return block.lines[:-1], block


def _constants(value) -> list:
    """The constants (module-level arrays) among a module-level value's leaves."""
    from .ir import Const
    from .values import DictValue, ListValue

    if isinstance(value, Const):
        return [value] if isinstance(value.value, Var) else []
    if isinstance(value, dict):
        return [c for v in value.values() for c in _constants(v)]
    if isinstance(value, DictValue):
        return _constants(value.items)
    if isinstance(value, (tuple, list, ListValue)):
        return [c for v in (value.items if isinstance(value, ListValue) else value) for c in _constants(v)]
    return []


def _check_module_names(parsed, extra: tuple[Declaration, ...]) -> None:
    """Functions the module defines cannot take a name the generated module uses itself (`np`, a helper)."""
    named = [(n, source.loc) for n, source in {**parsed.kernels, **parsed.dists}.items()]
    named += [(d.target, d.loc) for d in parsed.declarations + list(extra) if not d.hidden]
    for name, loc in named:
        if name in MODULE_NAMES or name.startswith("__lifted"):
            raise TranspileError(f"`{name}` is a name the generated module uses itself", loc,
                                 f"rename it, e.g. `{name}_`")


def _error_literal(err: TranspileError) -> str:
    """A refused function's error as a tuple literal, raised again (by `lifted.onthefly`) when it is called."""
    loc = err.loc
    fields = (err.message, err.hint) + ((loc.path, loc.line, loc.col, loc.end_line, loc.end_col, loc.text)
                                        if loc is not None else ())
    return cg.source(cg.literal(fields))


def check_generated(code: str, path: str) -> None:
    """Parse the generated module back before anyone writes or runs it: output that is not valid Python is a
    compiler bug, reported as one, never a file that breaks on import."""
    try:
        compile(code, f"<generated from {path}>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise RuntimeError(f"transpile generated invalid Python for {path} (line {exc.lineno}: {exc.msg}); "
                           "this is a bug in Lifted, please report it with the source file") from exc
    if names_enabled():  # (the test suite's: every local name is bound on every path reaching its reads)
        check_names(code, path)


@one_compilation()
def transpile_c(text: str, path: str, target: str = "c", extra: tuple[Declaration, ...] = (),
                source_file: str | None = None, delete_dead: bool = True, cu_file: str | None = None,
                check_args: bool = True, loop_kernels: bool = True,
                dependencies: dict[str, str | None] | None = None) -> COutput:
    """The host module and the `.cu` text of one source file for `target` ("c" or "cuda");
    `loop_kernels`: on the "c" target, run each host loop the C side can run whole as one C call; `dependencies`,
    when given, receives the project modules the file imports kernels from (as `lower_source`'s). The C backend
    renders what this lowers: it never reaches back into the pipeline."""
    from .backends.c.clamped import unclamped
    from .backends.c.module import render_c

    assumed: set = set()  # slices typed as polynomials, and the exact version beside (clamped.py)
    with unclamped(assumed):
        lowered = lower_source(text, path, extra, source_file, dependencies=dependencies)
    exact = {fn.name: fn for fn in lower_source(text, path, extra, source_file).functions} if assumed else {}
    parsed = lowered.parsed
    if parsed.dists:
        first = next(iter(parsed.dists.values()))
        raise TranspileError(f"`@dist` functions have no `{target}` backend yet", getattr(first, "loc", None),
                             "build this file with the NumPy backend (the default), or move the @dist "
                             "functions to their own file")
    module_lines, module_block = render_module_arrays(lowered, os.path.basename(path), delete_dead)  # (renames)
    header = dict(version=VERSION, source_path=path, source_hash=source_hash(text))
    return render_c(lowered, exact, assumed, module_lines, module_block, header, path, target, delete_dead, cu_file,
                    check_args, loop_kernels)


def transpile_file(source: Path, outdir: Path, options: Options = Options(), root: Path | None = None,
                   target: Path | None = None) -> Path:
    """Transpile one file into `target` (default `outdir/<stem>.py`), written atomically (temp file + rename);
    a file there that this compiler did not generate is never overwritten."""
    source = Path(source)
    target = Path(target) if target is not None else output_path(source, Path(outdir))
    refuse_overwrite(target, source)
    text = read_source(source)
    if options.backend != "numpy":
        from .backends.c.compile import compile_kernels

        out = transpile_c(text, display_path(source, root), options.backend, source_file=str(source),
                          delete_dead=options.delete_dead, check_args=options.check_args)
        kernels = target.with_suffix(".cu")
        refuse_overwrite(kernels, source)
        write_atomic(kernels, out.kernels)
        write_atomic(target, out.host)
        compile_kernels(kernels, options.backend)  # a compile error is a build error
        return target
    code = transpile_source(text, display_path(source, root), options, source_file=str(source))
    write_atomic(target, code)
    return target
