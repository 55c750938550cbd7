"""pythran's own test kernels (pythran/tests/cases/*.py of a pythran checkout) as cases of the numpy-benchmarks
driver: each `#runas` line (statements, the last a call of an exported function) is one case, its statements the
setup and its call the run; the function's first `#pythran export` line gives the annotations."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from .convert import EXPORT, BenchCase, convert_source

FOLDER = Path("pythran") / "tests" / "cases"
CONVERT_LIMIT = 30  # seconds to run a file and its setup and call (some loop long at the written sizes)


def exports(source: str) -> dict[str, str]:
    """Exported name -> its pythran types (the first export line of each name; `#pythran export a(int), b(int)`
    lines of several functions are split)."""
    found: dict[str, str] = {}
    for line in source.splitlines():
        stripped = line.strip()
        if not re.match(r"^#\s*pythran\s+export\s", stripped):
            continue
        body = stripped.split("export", 1)[1]
        for name, types in re.findall(r"(\w+)\s*\(((?:[^()]|\([^()]*\))*)\)", body):
            found.setdefault(name, types)
        match = EXPORT.match(stripped)
        if match:
            found.setdefault(match.group(1), match.group(2))
    return found


def runas_lines(source: str) -> list[str]:
    return [line.strip()[len("#runas"):].strip() for line in source.splitlines() if line.strip().startswith("#runas")]


def split_runas(text: str) -> tuple[str, str, str] | None:
    """(setup statements, the call, the called name) of one #runas line, or None where its last statement is not a
    call of a name."""
    try:
        body = ast.parse(text).body
    except SyntaxError:
        return None
    if not body or not isinstance(body[-1], ast.Expr) or not isinstance(body[-1].value, ast.Call) or \
            not isinstance(body[-1].value.func, ast.Name):
        return None
    return "\n".join(ast.unparse(s) for s in body[:-1]), ast.unparse(body[-1]), body[-1].value.func.id


def pythran_cases(checkout: Path, only: set[str] | None = None) -> list[BenchCase]:
    folder = checkout / FOLDER if (checkout / FOLDER).is_dir() else checkout
    found = []
    for path in sorted(folder.glob("*.py")):
        source = path.read_text(errors="replace")
        exported = exports(source)
        for k, text in enumerate(runas_lines(source)):
            label = f"{path.stem}#{k}"
            if only and path.stem not in only and label not in only:
                continue
            split = split_runas(text)
            if split is None or split[2] not in exported:
                found.append(BenchCase(name=label, dimension=0, family="pythran-cases",
                                       not_converted="#runas is not a call of an exported function"))
                continue
            setup, run, name = split
            directive = {"export": name, "types": exported[name], "setup": setup, "run": run}
            found.append(convert_source(f"{label}:{name}", source, directive, "pythran-cases", str(path),
                                        limit=CONVERT_LIMIT))
    return found
