"""dice-nine's README programs through Lifted's dist mode, beside its test suite (benchmarks/dice_nine/corpus.py).

The README's code blocks that define a `@d9.dist` function are read from the checkout at run time (nothing of
them is copied here). Each block becomes the module a Lifted user would write (as the corpus driver makes one of a
test's programs) and is called as the README describes in words only, with small whole numbers for its
parameters (`README_ARGUMENTS`); each call is checked like a test's call (benchmarks/dice_nine/checks.py): against
dice-nine's answer (again in `BigFraction`), its `Real64` answer and Python's (the oracle tests/dist_oracle.py).
"""
from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

from benchmarks.dice_nine.checks import (Call, LiftedPrograms, classify, dice_nine_shim, first_line, lifted_shim,
                                         load_test_module, located, quiet)
from benchmarks.dice_nine.corpus import Test, _is_dist, module_text

README = "README.md"
# the README calls its programs in prose only ("roll d10 `dice` times", "12 attack and 12 danger dice"): each
# program runs with these arguments for its number of parameters, small enough for Python's brute force
README_ARGUMENTS = {0: [()], 1: [(1,), (2,), (3,)], 2: [(1, 1), (2, 1), (1, 2), (2, 2), (3, 2)]}
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_programs(checkout: Path) -> list[tuple[Test, str]]:
    """Each README code block that defines a `@d9.dist` function: a Test named after its line (the block's
    programs as Lifted modules) and the block's own text, as dice-nine runs it."""
    path = checkout / README
    if not path.exists():
        return []
    text = path.read_text()
    found = []
    for match in _FENCE.finditer(text):
        block = textwrap.dedent(match.group(1))
        try:
            tree = ast.parse(block)
        except SyntaxError:
            continue
        defs = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        dists = [node for node in defs.values() if any(_is_dist(dec) for dec in node.decorator_list)]
        if not dists:
            continue
        line = text.count("\n", 0, match.start(1)) + 1
        test = Test(README, f"line{line}", tree, None)
        for node in dists:
            test.programs[node.name] = module_text(node, defs, {})
        found.append((test, block))
    return found


def run_readme(checkout: Path, folder: Path, dice9=None) -> list[dict]:
    """One record per call of each README program (the corpus driver's records, `args` added)."""
    records = []
    for test, block in readme_programs(checkout):
        module_path = folder / f"d9_readme_{test.name}.py"
        module_path.write_text("import dice9 as d9\n\n\n" + block)
        programs = LiftedPrograms(test, folder)
        for name in test.programs:
            count = len(next(node for node in test.node.body if isinstance(node, ast.FunctionDef)
                             and node.name == name).args.args)
            for args in README_ARGUMENTS.get(count, []):
                reference = _call(lambda calls: dice_nine_shim(dice9, calls), module_path, name, args) \
                    if dice9 is not None else None
                lifted = _call(lambda calls: lifted_shim(programs, calls), module_path, name, args)
                try:
                    with quiet():  # the README's fight prints its rounds
                        kind, note = classify(test, programs, lifted, reference, dice9)
                except Exception as error:  # noqa: BLE001
                    kind, note = ("refused" if located(error) else "bad"), \
                        f"{type(error).__name__}: {first_line(error)}"
                records.append({"file": README, "test": test.name, "program": f"{name}{args!r}", "class": kind,
                                "note": note, "dice9_raises": reference is not None and reference.error is not None,
                                "test_dice9": "no asserts", "test_lifted": "no asserts"})
    return records


def _call(make_shim, module_path: Path, name: str, args: tuple) -> Call:
    """`name(*args)` of the README block loaded with `d9` standing for the shim `make_shim(calls)` makes: the call
    it recorded (its answer or its error)."""
    calls: list[Call] = []
    with quiet():
        module = load_test_module(module_path, f"{module_path.stem}_{len(args)}", make_shim(calls))
        try:
            getattr(module, name)(*args)
        except Exception:  # noqa: BLE001 (recorded in the call)
            pass
    return calls[0]
