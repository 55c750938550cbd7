"""dice-nine's own test suite through Lifted's dist mode: programs nobody here wrote, checked call by call.

    python -m benchmarks.dice_nine.corpus /path/to/dice-nine                 # every test file
    python -m benchmarks.dice_nine.corpus /path/to/dice-nine --only test_fns.py --json out.json --show WRONG,bad
    python -m benchmarks.dice_nine.corpus /path/to/dice-nine --only README.md   # the README's programs alone

Reads, at run time, the test files of a dice-nine checkout (github.com/dpiponi/dice-nine, MIT; nothing of it is
copied here). Each test's `@d9.dist` functions become the module a Lifted user would write: `@dist` (with
`normalize=` kept and dice-nine's semiring object named as Lifted's semiring string), the helpers they call (the
test's own nested functions) beside them, undecorated. Then the test itself runs twice, with `d9` standing for
dice-nine (from the checkout's `src/`, where it imports) and for Lifted, so every `@d9.dist` call the test makes is
recorded with its arguments and the test's own asserts check Lifted's answer. The README's programs run too,
called with small whole numbers (benchmarks/dice_nine/readme.py). Each call is then classified:

* pass: Lifted's `fraction` answer equals dice-nine's exact one (dice-nine run again in `BigFraction`, or the
  brute-force oracle tests/dist_oracle.py where dice-nine cannot), its float64 answer dice-nine's `Real64` one, its
  answer in the test's own semiring dice-nine's, and Python's (the oracle, where it runs); where dice-nine raises,
  Lifted refuses too (located);
* python: Lifted's answer is Python's running the same source, where dice-nine's differs;
* beyond: Lifted gives dice-nine's answer where Python raises (a list compared with a number, say);
* refused: a `TranspileError` located at file:line:col with a hint, or a run-time error naming the source line;
* bad: an unlocated error, a refusal without a hint, or a crash; WRONG: another distribution (dice-nine's where
  Python's differs, or neither).

docs/corpora.md has the counts; benchmarks/dice_nine/checks.py runs and judges the calls.
"""
from __future__ import annotations

import argparse
import ast
import copy
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout (for `benchmarks.dice_nine`), not benchmarks/
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# before any test file runs (dice-nine's tests are a package named `tests` too), the oracle is imported by:
from benchmarks.dice_nine.checks import (SEMIRINGS, Call, LiftedPrograms, classify, dice_nine_shim,  # noqa: E402
                                         first_line, lifted_shim, load_test_module, located, quiet, run_test)
from benchmarks.scratch import scratch_folder  # noqa: E402

FILES = ("test_alg.py", "test_cmds.py", "test_errors.py", "test_fns.py", "test_ops.py", "test_regressions.py",
         "test_subscripts.py", "test_various.py")
README = "README.md"  # its programs run too (`--only README.md` for those alone)
ORDER = ("WRONG", "bad", "beyond", "refused", "python", "pass")


# -- extraction: each test's programs as Lifted modules ---------------------------------------------------------

@dataclass
class Test:
    file: str
    name: str  # `test_x` or `Class.test_x`
    node: ast.FunctionDef
    setup: ast.FunctionDef | None
    programs: dict[str, str] = field(default_factory=dict)  # dist function name -> Lifted module text


def _is_dist(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "dist" or \
        isinstance(target, ast.Name) and target.id == "dist"


def _semiring_name(expr: ast.expr, names: dict[str, ast.expr]) -> str | tuple | None:
    """dice-nine's semiring expression as Lifted's name (a tuple of names for a SemiringProduct)."""
    if isinstance(expr, (ast.Name, ast.Attribute)):
        key = ast.unparse(expr)
        return _semiring_name(names[key], names) if key in names else None
    if isinstance(expr, ast.Call):
        kind = expr.func.attr if isinstance(expr.func, ast.Attribute) else getattr(expr.func, "id", "")
        if kind == "SemiringProduct":
            return tuple(_semiring_name(arg, names) for arg in expr.args)
        return SEMIRINGS.get(kind)
    return None


def _assignments(*bodies: list[ast.stmt]) -> dict[str, ast.expr]:
    """`s = d9.BigFraction()` and `self.q1 = ...` in a test (and its setup), for semirings named by a variable."""
    found = {}
    for body in bodies:
        for statement in body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                found[ast.unparse(statement.targets[0])] = statement.value
    return found


def lifted_decorator(decorator: ast.expr, names: dict[str, ast.expr]) -> tuple[str, str | tuple | None]:
    """The `@dist(...)` line a user writes for dice-nine's decorator, and a semiring to pass at the call (a
    product, which Lifted's decorator does not take)."""
    options, at_call = [], None
    for keyword in decorator.keywords if isinstance(decorator, ast.Call) else []:
        if keyword.arg == "semiring":
            name = _semiring_name(keyword.value, names)
            if isinstance(name, str):
                options.append(f"semiring={name!r}")
            else:
                at_call = name
        else:
            options.append(f"{keyword.arg}={ast.unparse(keyword.value)}")
    return ("@dist(" + ", ".join(options) + ")" if options else "@dist"), at_call


def _reachable(start: ast.FunctionDef, defs: dict[str, ast.FunctionDef]) -> list[ast.FunctionDef]:
    """The test's functions that `start` calls, directly or through others, in the test's order."""
    seen, todo = {start.name}, [start]
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Name) and node.id in defs and node.id not in seen:
                seen.add(node.id)
                todo.append(defs[node.id])
    return [node for name, node in defs.items() if name in seen]


def module_text(start: ast.FunctionDef, defs: dict[str, ast.FunctionDef], names: dict[str, ast.expr]) -> str:
    """`start` and what it calls as one Lifted module: dist functions decorated `@dist`, helpers undecorated."""
    parts = []
    for node in _reachable(start, defs):
        node = copy.deepcopy(node)
        decorators = [dec for dec in node.decorator_list if _is_dist(dec)]
        node.decorator_list = []
        text = ast.unparse(node)
        if decorators:
            text = lifted_decorator(decorators[0], names)[0] + "\n" + text
        parts.append(text)
    return "from lifted import dist\n\n\n" + "\n\n\n".join(parts) + "\n"


def collect_tests(checkout: Path, only: set[str] | None = None) -> list[Test]:
    """Every test function of the checkout's test files (the last of two with one name, as pytest runs it)."""
    found: list[Test] = []
    for file in FILES:
        path = checkout / "tests" / file
        if not path.exists() or (only and file not in only):
            continue
        tree = ast.parse(path.read_text())
        by_name: dict[str, Test] = {}
        for top in tree.body:
            members = [(None, top)] if isinstance(top, ast.FunctionDef) else \
                [(top.name, m) for m in top.body if isinstance(m, ast.FunctionDef)] if isinstance(top, ast.ClassDef) \
                else []
            setup = next((m for _, m in members if m.name == "setup_method"), None)
            for owner, node in members:
                if not node.name.startswith("test"):
                    continue
                test = Test(file, f"{owner}.{node.name}" if owner else node.name, node, setup)
                defs = {s.name: s for s in node.body if isinstance(s, ast.FunctionDef)}
                names = _assignments(node.body, setup.body if setup else [])
                for name, sub in defs.items():
                    if any(_is_dist(dec) for dec in sub.decorator_list):
                        test.programs[name] = module_text(sub, defs, names)
                by_name[test.name] = test
        found.extend(by_name.values())
    return found

# -- the whole suite -------------------------------------------------------------------------------------------

def run(checkout: Path, only: set[str] | None = None, use_dice_nine: bool = True) -> list[dict]:
    """One record per program call of every test: test, program, class, note, the test's result under each."""
    dice9 = None
    if use_dice_nine and (checkout / "src" / "dice9").is_dir():
        sys.path.insert(0, str(checkout / "src"))
        import dice9
    records = []
    folder = scratch_folder("dice-nine-corpus-")
    for test in collect_tests(checkout, only):
        path = checkout / "tests" / test.file
        reference_calls: list[Call] = []
        dice9_failure = None
        if dice9 is not None:
            shim = dice_nine_shim(dice9, reference_calls)
            with quiet():
                dice9_failure = run_test(load_test_module(path, f"d9ref_{path.stem}", shim), test)
        programs = LiftedPrograms(test, folder)
        lifted_calls: list[Call] = []
        with quiet():
            shim = lifted_shim(programs, lifted_calls)
            lifted_failure = run_test(load_test_module(path, f"d9lifted_{path.stem}", shim), test)
        if not lifted_calls:
            records.append({"file": test.file, "test": test.name, "program": None, "class": "no call",
                            "note": "the test calls no program" if not test.programs else "no program is called",
                            "test_dice9": _outcome(dice9_failure), "test_lifted": _outcome(lifted_failure)})
            continue
        for index, call in enumerate(lifted_calls):
            reference = reference_calls[index] if index < len(reference_calls) and \
                reference_calls[index].program == call.program else None
            try:
                kind, note = classify(test, programs, call, reference, dice9)
            except Exception as error:  # noqa: BLE001
                kind, note = ("refused" if located(error) else "bad"), f"{type(error).__name__}: {first_line(error)}"
            records.append({"file": test.file, "test": test.name, "program": call.program, "class": kind,
                            "note": note, "dice9_raises": reference is not None and reference.error is not None,
                            "test_dice9": _outcome(dice9_failure),
                            "test_lifted": _outcome(lifted_failure)})
    if only is None or README in only:  # the README's programs (benchmarks/dice_nine/readme.py)
        from benchmarks.dice_nine.readme import run_readme
        records.extend(run_readme(checkout, folder, dice9))
    return records


def _outcome(error: BaseException | None) -> str:
    return "passes" if error is None else f"fails ({type(error).__name__}: {first_line(error)[:80]})"


def counts(records: list[dict]) -> dict[str, int]:
    return dict(Counter(record["class"] for record in records))


def by_test(records: list[dict]) -> dict[str, str]:
    """Each test's class: the worst of its calls'."""
    worst: dict[str, str] = {}
    for record in records:
        key = f"{record['file']}::{record['test']}"
        kind = record["class"]
        rank = ORDER.index(kind) if kind in ORDER else len(ORDER)
        if key not in worst or rank < (ORDER.index(worst[key]) if worst[key] in ORDER else len(ORDER)):
            worst[key] = kind
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a dice-nine checkout (its tests/ and src/)")
    parser.add_argument("--only", help="comma-separated test files (test_fns.py,...; README.md)")
    parser.add_argument("--json", type=Path, help="write every record here")
    parser.add_argument("--show", default="WRONG,bad,beyond,refused,python", help="classes to list call by call")
    parser.add_argument("--no-dice-nine", action="store_true", help="do not import dice-nine (the oracle only)")
    options = parser.parse_args(argv)
    only = set(options.only.split(",")) if options.only else None
    records = run(options.checkout, only, use_dice_nine=not options.no_dice_nine)
    show = set(options.show.split(","))
    for record in records:
        if record["class"] in show:
            print(f"{record['class']:8} {record['file']}::{record['test']} {record['program']}: {record['note']}")
    tests_by_class = Counter(by_test(records).values())
    print("calls:", counts(records))
    print("tests:", dict(tests_by_class))
    expected_errors = {f"{r['file']}::{r['test']}" for r in records if r.get("dice9_raises")}
    failing = sorted({f"{r['file']}::{r['test']}" for r in records if r["test_lifted"] != "passes"
                      and r["test_dice9"] == "passes" and r["class"] != "no call"} - expected_errors)
    print(f"tests whose asserts pass under dice-nine but not under Lifted (leaving out the error tests): "
          f"{len(failing)}")
    for name in failing:
        print("   ", name)
    if options.json:
        options.json.write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
