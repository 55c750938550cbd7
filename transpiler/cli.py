"""The `transpile` command: build generated NumPy modules from kernel sources, or check they are fresh.

    transpile SRC... -o OUTDIR [--backend numpy|c|cuda] [--check] [--verbose] [--no-del] [--no-arg-checks] [--debug]

SRC are files or directories (searched recursively for .py files that use `@kernel` or `@dist`). A file
becomes `OUTDIR/<stem>.py`; a directory's files keep their place below it (`pkg/sub/model.py` ->
`OUTDIR/sub/model.py`), so two `model.py` in different packages build with one command. Outputs are written
atomically and never over a file that transpile did not generate. User errors print as
`path:line:col: error: ...` with the source line, a caret and a hint, and exit 1 without a traceback
(`--debug` shows it). `--check` writes nothing and exits 1 when an output is missing or stale, so CI can catch
a forgotten rebuild.
"""
from __future__ import annotations

import argparse
import re
import sys
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from ..loader import find_source
from .errors import TranspileError
from ..sources import read_source
from .outputs import display_path, output_path
from .pipeline import VERSION, Options, source_hash, transpile_c, transpile_file, transpile_source

_KERNEL_MARK = re.compile(r"^[ \t]*@[\w.]*\b(?:kernel|dist)\b", re.MULTILINE)
_HEADER_FIELD = re.compile(r'^(__lifted_(?:version|source_hash|source)__) = (["\'])(.*)\2$', re.MULTILINE)
_SKIP_DIRS = {"venv", "__pycache__", "node_modules", "site-packages"}  # and hidden folders


class UsageError(Exception):
    """A problem with the command line or the inputs (not the source code): one line, exit 1."""


@dataclass(frozen=True)
class Job:
    """One source file and the path its generated module is written to (outputs keep the sources' sub-folders)."""
    source: Path
    target: Path


def build_parser() -> argparse.ArgumentParser:
    """The `transpile` command's arguments (docs/cli.md); separate from `main` so tests read its help."""
    parser = argparse.ArgumentParser(
        prog="transpile",
        description="Transpile NumPy-flavoured @kernel functions and their grad/value_and_grad/vjp declarations "
                    "into standalone NumPy modules.")
    parser.add_argument("sources", nargs="+", metavar="SRC",
                        help="source files, or directories searched recursively for .py files using @kernel "
                             "or @dist")
    parser.add_argument("-o", "--outdir", required=True, type=Path, metavar="OUTDIR",
                        help="where to write OUTDIR/<stem>.py for each source file (a directory's files keep "
                             "their sub-folders)")
    parser.add_argument("--backend", choices=("numpy", "c", "cuda"), default="numpy",
                        help="numpy (default): one NumPy module; c: fused C kernels (OUTDIR/<stem>.cu) built for "
                             "the CPU with OpenMP, and a host module; cuda: the same kernels for NVIDIA GPUs "
                             "through pycuda")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the outputs that are missing or stale")
    parser.add_argument("-v", "--verbose", action="store_true", help="print one progress line per file to stderr")
    parser.add_argument("--no-del", action="store_true",
                        help="do not `del` dead values (turns off the liveness pass; for measuring it)")
    parser.add_argument("--no-arg-checks", action="store_true",
                        help="generated functions do not check their arguments against the annotations at entry")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")
    parser.add_argument("--version", action="version", version=f"transpile {VERSION}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `transpile` console script and `python -m lifted.transpiler`; returns the exit code."""
    args = build_parser().parse_args(argv)
    options = Options(delete_dead=not args.no_del, check_args=not args.no_arg_checks, backend=args.backend)
    try:
        jobs = collect_jobs([Path(s) for s in args.sources], args.outdir)
        if args.check:
            return check(jobs, options, args.verbose, args.outdir)
        return build(jobs, options, args.verbose, args.debug)
    except UsageError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"transpile: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # an internal error: say so plainly, keep the traceback for --debug
        if args.debug:
            raise
        print(f"transpile: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 2


def collect_jobs(sources: list[Path], outdir: Path) -> list[Job]:
    """Expand directories, check every input exists, and refuse two sources writing the same output."""
    files: list[tuple[Path, Path]] = []  # (source, output)
    for src in sources:
        if src.is_dir():
            found = sorted(p for p in src.rglob("*.py") if _wanted(p, src) and uses_kernel(p))
            if not found:
                raise UsageError(f"{src}: no .py files using @kernel or @dist found in this directory")
            files.extend((p, outdir / p.relative_to(src)) for p in found)  # the package tree, mirrored
        elif src.is_file():
            files.append((src, output_path(src, outdir)))
        else:
            raise UsageError(f"{src}: no such file or directory")
    jobs, seen = [], {}
    for file, target in files:
        key = file.resolve()
        if key in seen:
            continue
        clash = next((other for other, t in seen.items() if t == target), None)
        if clash is not None:
            raise UsageError(f"{file} and {clash} would both be written to {target}; rename one, transpile "
                             "their folder (outputs keep the sub-folders), or use separate output directories")
        seen[key] = target
        jobs.append(Job(file, target))
    return jobs


def _wanted(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts[:-1]
    return not any(part in _SKIP_DIRS or part.startswith(".") for part in parts)


def uses_kernel(path: Path) -> bool:
    """Whether a file found in a folder marks a kernel: a folder's other .py files are skipped, not refused."""
    try:
        return bool(_KERNEL_MARK.search(read_source(path)))
    except (OSError, UnicodeDecodeError, SyntaxError):
        return False


def build(jobs: list[Job], options: Options, verbose: bool, debug: bool) -> int:
    """Transpile each job, reporting a located error per failed file and going on; the count of failures."""
    failures = 0
    for index, job in enumerate(jobs, 1):
        try:
            target = transpile_file(job.source, job.target.parent, options, target=job.target)
        except TranspileError as err:
            failures += 1
            if debug:
                traceback.print_exc()
            print(as_given(err, job.source).format(), file=sys.stderr)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            failures += 1
            if debug:
                traceback.print_exc()
            print(f"{job.source}: error: {exc}", file=sys.stderr)
            continue
        if verbose:
            count = len(re.findall(r"^def (?!_)", target.read_text(encoding="utf-8"), re.MULTILINE))  # not helpers
            plural = "" if count == 1 else "s"
            print(f"[{index}/{len(jobs)}] {job.source} -> {target} ({count} function{plural})", file=sys.stderr)
    if failures:
        print(f"transpile: {failures} of {len(jobs)} file{'s' if len(jobs) != 1 else ''} failed", file=sys.stderr)
    return 1 if failures else 0


def as_given(err: TranspileError, source: Path) -> TranspileError:
    """Point the error at the source path as the user typed it (the header's path may be shortened)."""
    if err.loc is not None and err.loc.path == display_path(source):
        err.loc = replace(err.loc, path=str(source))
    return err


def check(jobs: list[Job], options: Options, verbose: bool, outdir: Path) -> int:
    """Compare each output with what a build would write now; print one line per missing or stale output."""
    problems = 0
    for index, job in enumerate(jobs, 1):
        try:
            reason = staleness(job, options)
        except TranspileError as err:
            print(as_given(err, job.source).format(), file=sys.stderr)
            reason = "cannot be rebuilt: the source has errors"
        if reason:
            problems += 1
            print(f"{job.target}: {reason} (from {job.source})")
        elif verbose:
            print(f"[{index}/{len(jobs)}] {job.target} is fresh", file=sys.stderr)
    if problems:
        print(f"{problems} of {len(jobs)} output{'s' if len(jobs) != 1 else ''} out of date; rebuild with: "
              f"transpile {' '.join(str(j.source) for j in jobs)} -o {outdir}")
        return 1
    if verbose:
        print(f"all {len(jobs)} output{'s' if len(jobs) != 1 else ''} fresh", file=sys.stderr)
    return 0


def staleness(job: Job, options: Options) -> str | None:
    """Why `job.target` is out of date ("missing", "stale: ..."), or None when it is exactly what we'd write."""
    if not job.target.is_file():
        return "missing"
    text = read_source(job.source)
    current = job.target.read_text(encoding="utf-8")
    header = {name: value for name, _, value in _HEADER_FIELD.findall(current)}
    if header.get("__lifted_source_hash__") != source_hash(text):
        return "stale: the source changed since it was generated"
    if header.get("__lifted_version__") != VERSION:
        return f"stale: generated by transpile {header.get('__lifted_version__', '?')}, this is {VERSION}"
    try:
        compile(current, str(job.target), "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"stale: it is not valid Python (line {exc.lineno}: {exc.msg})"
    # the header names the source as the build saw it (relative to the project); from another directory the
    # same file may be spelled differently, which is not a reason to rebuild
    shown = display_path(job.source)
    recorded = header.get("__lifted_source__")
    if recorded and recorded != shown:
        found = find_source(recorded, job.target)
        if found is not None and found.resolve() == job.source.resolve():
            shown = recorded
    if options.backend != "numpy":
        out = transpile_c(text, shown, options.backend, source_file=str(job.source),
                          delete_dead=options.delete_dead, check_args=options.check_args)
        kernels = job.target.with_suffix(".cu")
        if out.host != current:
            return f"stale: its content differs from what transpile would write now ({first_difference(current, out.host)})"
        if not kernels.is_file() or kernels.read_text(encoding="utf-8") != out.kernels:
            return f"stale: {kernels} is missing or differs from what transpile would write now"
        return None
    expected = transpile_source(text, shown, options, source_file=str(job.source))
    if expected != current:
        return f"stale: its content differs from what transpile would write now ({first_difference(current, expected)})"
    return None


def first_difference(current: str, expected: str) -> str:
    """Where two versions of a module first differ, for the `--check` message."""
    for number, (old, new) in enumerate(zip(current.split("\n"), expected.split("\n")), 1):
        if old != new:
            return f"first at line {number}: {old.strip()[:60]!r}, would be {new.strip()[:60]!r}"
    return "one is longer: an imported kernel module or a compiler change adds or removes lines"
