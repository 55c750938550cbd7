"""What the corpus drivers' command lines share: the options every driver takes (--c, --only, --json, --show,
--forms, --files), the per-case check under a time limit, and loading a corpus's file as a module. One place, so a
driver's `__main__` says only what its corpus needs (its checkout, its own counts)."""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Callable


def corpus_parser(doc: str, only: str, show: bool = False, forms: bool = False,
                  parts: bool = False) -> argparse.ArgumentParser:
    """The driver's parser (described by its docstring's first line) with the options every driver takes; `only`
    is --only's help (what the names are), `show` adds --show (print each kernel before its outcomes), `forms`
    adds --forms (where the driver checks with `corpus.checks.check_kernel` itself and passes `only=`), `parts`
    adds --part K/N (the driver calls `part_of`)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--c", action="store_true", help="also the C CPU target")
    parser.add_argument("--only", help=only)
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    if forms:
        parser.add_argument("--forms", help="comma-separated forms to check besides `f` (g,hvp,fv): the others are "
                                            "not built, so a case too slow for one run's time limit is split up")
    if parts:
        parser.add_argument("--part", help="K/N: only the K-th (from 1) of N consecutive, nearly equal parts of the "
                                           "cases, in their order (a module too long for one piece of a scan)")
    if show:
        parser.add_argument("--show", action="store_true", help="print each kernel before its outcomes")
    return parser


def names(text: str | None) -> set[str] | None:
    """A comma-separated list of names (--only) as a set; None (every case) when not given."""
    return set(text.split(",")) if text else None


def forms(options: argparse.Namespace) -> set[str] | None:
    """--forms as the set `corpus.checks.check_kernel` takes as `only` (`f` always runs); None: every form."""
    return names(getattr(options, "forms", None))


def part_of(options: argparse.Namespace, found: list) -> list:
    """With --part K/N, the K-th of N consecutive parts of `found` (sizes differ by at most one); else all."""
    text = getattr(options, "part", None)
    if not text:
        return found
    k, n = (int(v) for v in text.split("/"))
    if not 1 <= k <= n:
        raise SystemExit(f"--part {text}: K must be 1 to N")
    return found[(k - 1) * len(found) // n:k * len(found) // n]


def files(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of test modules (--files), in order; `default` when not given."""
    return tuple(text.split(",")) if text else default


def show_cases(options: argparse.Namespace, found: list, heading: Callable[[Any], str] = lambda case: case.label):
    """With --show, each case's kernel (or why none was written) under its heading."""
    if getattr(options, "show", False):
        for case in found:
            print(f"--- {heading(case)}\n{case.text or case.not_converted}")


def write_json(options: argparse.Namespace, payload) -> None:
    """With --json PATH, every outcome with its detail (and what else the driver counted) written there."""
    if options.json:
        options.json.write_text(json.dumps(payload, indent=1, default=str))


def check_within(limit: float, same_exception: bool = False) -> Callable[[Any, bool, Path], dict]:
    """A driver's check of one case (`case.text`, `.params`, `.inputs`): every form of corpus.checks, a skip past
    `limit` seconds; `same_exception`: where Python raises, the generated f must raise the same class."""

    def check(case, c: bool, folder: Path) -> dict:
        from .checks import check_kernel_within

        return check_kernel_within(limit, case.text, case.params, case.inputs, c=c, folder=folder,
                                   same_exception=same_exception)

    return check


def load_module(path: Path, name: str):
    """A corpus's Python file imported as module `name` (registered, so its own relative imports and pickling
    find it)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
