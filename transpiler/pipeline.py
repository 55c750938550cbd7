"""The pipeline, stage by stage: parse -> lower (normalize) -> transforms -> NumPy backend -> file."""
from __future__ import annotations

import ast
import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .backends.numpy_backend import render_function
from .errors import SourceLoc, TranspileError
from .declarations import DeclaredFunctions
from .frontend.parse import Declaration, parse_module

VERSION = "0.1.0"


@dataclass(frozen=True)
class Options:
    delete_dead: bool = True  # the liveness pass; off only to measure what it saves


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The passes walk expressions recursively (LibCST's visitors too): a 400-term sum nests 400 deep. Python's
# default limit (1000 frames) is raised for the compiler's run; past this, a located error names the limit.
RECURSION_LIMIT = 12_000


def transpile_source(text: str, path: str, options: Options = Options(),
                     extra: tuple[Declaration, ...] = (), source_file: str | None = None) -> str:
    """Generate the NumPy module for one source file (`path` as it should appear in the header;
    `source_file`, where it really is, locates the project modules it imports kernels from)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
    try:
        return _transpile(text, path, options, extra, source_file)
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


def _transpile(text: str, path: str, options: Options, extra: tuple[Declaration, ...], source_file: str | None) -> str:
    parsed = parse_module(text, path)
    parsed.source_file = source_file
    declared = DeclaredFunctions(parsed, extra)
    kernels = {name: declared.kernel(name) for name in parsed.kernels}
    display = os.path.basename(path)
    rendered = [render_function(fn, display, options.delete_dead) for fn in kernels.values()]
    if parsed.dists:
        from .dice import compile_dist_functions

        rendered += compile_dist_functions(parsed)
    transforms = []
    taken = set(kernels) | set(parsed.dists)
    keys: dict[str, tuple] = {}  # hidden (nested) declarations are named in their outer key by their own key
    for decl in declared.declarations:
        if decl.target in taken:
            raise TranspileError(f"`{decl.target}` is defined twice", decl.loc, "give each transform its own name")
        taken.add(decl.target)
        result = declared.function(decl.target)
        fn = declared.kernel(decl.func) if decl.func in kernels else declared.function(decl.func)
        names = tuple(fn.params[i].name for i in declared.wrt(decl.target))
        hidden = decl.func in declared.by_target and declared.by_target[decl.func].hidden
        inner = keys[decl.func] if hidden else decl.func  # `jvp(grad(f))`: the inner transform's key
        keys[decl.target] = (decl.transform, inner, names, decl.wrt_is_tuple)
        if not decl.hidden:
            rendered.append(render_function(result, display, options.delete_dead))
            transforms.append((repr(keys[decl.target]), decl.target))
    from .backends.templates import render_module

    return render_module(
        "numpy_module.py.j2", version=VERSION, source_path=path, source_hash=source_hash(text),
        functions=rendered, transforms=transforms,
        uses_scipy=any(f.uses_scipy for f in rendered), uses_dist=bool(parsed.dists),
        helpers=set().union(*[f.helpers for f in rendered]) if rendered else set(),
    )


def display_path(path: Path, root: Path | None = None) -> str:
    """The source path as the header shows it: relative to the project (cwd) when inside it."""
    root = (root or Path.cwd()).resolve()
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return path.name


def output_path(source: Path, outdir: Path) -> Path:
    return outdir / f"{source.stem}.py"


def transpile_file(source: Path, outdir: Path, options: Options = Options(), root: Path | None = None) -> Path:
    """Transpile one file into `outdir/<stem>.py`, written atomically (temp file + rename)."""
    source = Path(source)
    text = source.read_text(encoding="utf-8")
    code = transpile_source(text, display_path(source, root), options, source_file=str(source))
    target = output_path(source, Path(outdir))
    write_atomic(target, code)
    return target


def write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
