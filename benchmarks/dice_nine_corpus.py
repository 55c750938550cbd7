"""dice-nine's own test suite through Lifted's dist mode: programs nobody here wrote, checked call by call.

    python -m benchmarks.dice_nine_corpus /path/to/dice-nine                 # every test file
    python -m benchmarks.dice_nine_corpus /path/to/dice-nine --only test_fns.py --json out.json --show WRONG,bad

Reads, at run time, the test files of a dice-nine checkout (github.com/dpiponi/dice-nine, MIT; nothing of it is
copied here). Each test's `@d9.dist` functions become the module a Lifted user would write: `@dist` (with
`normalize=` kept and dice-nine's semiring object named as Lifted's semiring string), the helpers they call (the
test's own nested functions) beside them, undecorated. Then the test itself runs twice, with `d9` standing for
dice-nine (from the checkout's `src/`, where it imports) and for Lifted, so every `@d9.dist` call the test makes is
recorded with its arguments and the test's own asserts check Lifted's answer. Each call is then classified:

* pass: Lifted's `fraction` answer equals the exact reference (dice-nine run in `BigFraction`, or the brute-force
  oracle tests/dist_oracle.py where dice-nine cannot), its float64 answer dice-nine's `Real64` one, and the run in
  the test's own semiring dice-nine's; where dice-nine raises an error, Lifted refuses too (located);
* python: Lifted's answer differs from dice-nine's and equals Python's running the same source (the oracle):
  dice-nine reads a list as an array (`[d(6), d(6)] == 1` is elementwise there, `False` in Python);
* refused: a `TranspileError` located at file:line:col with a hint, or a run-time error naming the source line;
* bad: an unlocated error or a crash; WRONG: another distribution.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import importlib.util
import json
import signal
import sys
import tempfile
import types
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# imported before any test file runs: dice-nine's tests are a package named `tests` too
from tests.dist_oracle import enumerate_distribution  # noqa: E402

FILES = ("test_alg.py", "test_cmds.py", "test_errors.py", "test_fns.py", "test_ops.py", "test_regressions.py",
         "test_subscripts.py", "test_various.py")
SEMIRINGS = {"Real64": "float64", "BigFraction": "fraction", "BigInteger": "int", "LogReal64": "log",
             "Complex128": "complex"}
ORDER = ("WRONG", "bad", "refused", "python", "pass")
ORACLE_SECONDS = 5


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


# -- running a test under dice-nine and under Lifted --------------------------------------------------------------

@dataclass
class Call:
    program: str
    args: tuple
    kwargs: dict
    semiring: object  # dice-nine's semiring object (the decorator's or the call's `_options`), or None
    result: object = None
    error: BaseException | None = None


class _Semiring:
    """Stands for one of dice-nine's semiring objects in the Lifted run of a test."""

    def __init__(self, name, *parts):
        self.name, self.parts = name, parts

    def lifted(self):
        if self.name == "SemiringProduct":
            from lifted.dice import SemiringProduct
            return SemiringProduct(*(part.lifted() for part in self.parts))
        return SEMIRINGS[self.name]

    def add(self, a, b):  # LogReal64().add, which one test folds over the answer
        return np.logaddexp(a, b)


def _load(path: Path, name: str, shim) -> types.ModuleType:
    saved = sys.modules.get("dice9")
    sys.modules["dice9"] = shim
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        if saved is None:
            sys.modules.pop("dice9", None)
        else:
            sys.modules["dice9"] = saved


def _run_test(module, test: Test) -> BaseException | None:
    """Runs the test function (a method on a fresh instance after its setup); the exception it ends with."""
    try:
        if "." in test.name:
            owner, method = test.name.split(".")
            instance = getattr(module, owner)()
            if hasattr(instance, "setup_method"):
                instance.setup_method()
            getattr(instance, method)()
        else:
            getattr(module, test.name)()
    except BaseException as error:  # noqa: BLE001 (a test's failure, whatever it is, is recorded)
        if isinstance(error, KeyboardInterrupt):
            raise
        return error
    return None


def dice_nine_shim(dice9, calls: list[Call]):
    """dice-nine itself, its `dist` recording every call a test makes."""
    shim = types.ModuleType("dice9")
    shim.__dict__.update({k: v for k, v in vars(dice9).items() if not k.startswith("__")})

    def dist(f=None, **options):
        def decorate(fn):
            inner = dice9.dist(fn, **options)

            def call(*args, _options=None, **kwargs):
                semiring = (_options or {}).get("semiring", options.get("semiring"))
                record = Call(fn.__name__, args, kwargs, semiring)
                record.inner = inner
                calls.append(record)
                try:
                    record.result = inner(*args, _options=_options, **kwargs)
                except Exception as error:
                    record.error = error
                    raise
                return record.result
            call.inner = inner
            return call
        return decorate if f is None else decorate(f)
    shim.dist = dist
    return shim


class LiftedPrograms:
    """The test's programs transpiled, one module each (the first call of each transpiles it)."""

    def __init__(self, test: Test, folder: Path):
        self.test, self.folder, self.loaded = test, folder, {}

    def function(self, name: str):
        if name not in self.loaded:
            from lifted.transpiler import transpile_source
            stem = f"d9_{Path(self.test.file).stem}_{self.test.name.replace('.', '_')}_{name}"
            source_path = self.folder / f"{stem}.py"
            source_path.write_text(self.test.programs[name])
            try:
                code = transpile_source(self.test.programs[name], source_path.name)
            except Exception as error:  # noqa: BLE001 (a refusal or a crash of the compiler: classified later)
                self.loaded[name] = error
            else:
                generated = self.folder / f"{stem}_generated.py"
                generated.write_text(code)
                spec = importlib.util.spec_from_file_location(generated.stem, generated)
                module = importlib.util.module_from_spec(spec)
                try:
                    spec.loader.exec_module(module)
                    self.loaded[name] = getattr(module, name)
                except Exception as error:  # noqa: BLE001
                    self.loaded[name] = error
        found = self.loaded[name]
        if isinstance(found, Exception):
            raise found
        return found


def lifted_shim(programs: LiftedPrograms, calls: list[Call]):
    """`d9` standing for Lifted: `@d9.dist` gives the transpiled program of that name, calls are recorded."""
    shim = types.ModuleType("dice9")

    class InterpreterError(Exception):
        pass
    shim.InterpreterError = InterpreterError
    for name in list(SEMIRINGS) + ["SemiringProduct"]:
        setattr(shim, name, lambda *parts, _name=name: _Semiring(_name, *parts))

    def dist(f=None, **options):
        def decorate(fn):
            def call(*args, _options=None, **kwargs):
                semiring = (_options or {}).get("semiring", options.get("semiring"))
                record = Call(fn.__name__, args, kwargs, semiring)
                calls.append(record)
                try:
                    function = programs.function(fn.__name__)
                    extra = {}
                    if isinstance(semiring, _Semiring) and (_options or semiring.name == "SemiringProduct"):
                        extra["semiring"] = semiring.lifted()  # what the decorator could not name
                    record.result = function(*args, **kwargs, **extra)
                except Exception as error:
                    record.error = error
                    raise
                return record.result
            return call
        return decorate if f is None else decorate(f)
    shim.dist = dist
    return shim


# -- comparing distributions ----------------------------------------------------------------------------------

def plain(value):
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def same(a: dict, b: dict, exact: bool) -> bool:
    """Same outcomes with the same weights: exactly, or to 1e-9 (zero weights left out either way)."""
    def cleaned(table):
        out = {}
        for k, v in table.items():
            v = plain(v)
            if isinstance(v, tuple):  # a SemiringProduct's weights: compare the first, exact one
                v = v[0]
            if v != 0 and (exact or abs(complex(v)) > 1e-14):
                out[plain(k)] = v
        return out
    a, b = cleaned(a), cleaned(b)
    if a.keys() != b.keys():
        return False
    if exact:
        return all(Fraction(a[k]) == Fraction(b[k]) for k in a)
    return all(abs(complex(a[k]) - complex(b[k])) <= 1e-9 * max(1.0, abs(complex(b[k]))) for k in a)


@contextlib.contextmanager
def _time_limit(seconds: int):
    def expire(signum, frame):
        raise TimeoutError
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def oracle(test: Test, call: Call, normalize: bool):
    """Python's answer for the program (tests/dist_oracle.py), or None where it does not finish in time."""
    try:
        with _time_limit(ORACLE_SECONDS):
            return enumerate_distribution(test.programs[call.program], call.program, call.args, normalize=normalize)
    except BaseException as error:  # noqa: BLE001 (a program Python itself fails on has no answer here)
        if isinstance(error, KeyboardInterrupt):
            raise
        return error


def located(error: BaseException) -> bool:
    """A located refusal: a TranspileError at file:line:col with a hint, or a run-time error naming the line."""
    from lifted.transpiler import TranspileError
    if isinstance(error, TranspileError):
        return error.loc is not None and bool(error.hint) and error.format().split(":")[0].endswith(".py")
    return bool(getattr(error, "__lifted_located__", False))


def _normalize(test: Test, program: str) -> bool:
    return "normalize=True" in test.programs[program].split(f"def {program}(")[0].rsplit("@dist", 1)[-1]


def classify(test: Test, programs: LiftedPrograms, lifted: Call, reference: Call | None, dice9) -> tuple[str, str]:
    """(class, note) of one call of a test's program."""
    if lifted.error is not None and not isinstance(lifted.error, (AssertionError, TypeError)) \
            or isinstance(lifted.error, TypeError) and reference is not None and reference.error is None:
        error = lifted.error
        expected = reference is not None and reference.error is not None
        if located(error):
            return ("pass" if expected else "refused"), _first_line(error)
        return "bad", f"{type(error).__name__}: {_first_line(error)}"
    if isinstance(lifted.error, TypeError):  # Python's own binding error, as dice-nine's
        return "pass", _first_line(lifted.error)
    if isinstance(lifted.semiring, _Semiring) and lifted.semiring.name == "Complex128":  # amplitudes: as written
        if reference is not None and reference.error is None and not same(lifted.result, reference.result, False):
            return "WRONG", f"complex: {_short(lifted.result)} expected {_short(reference.result)}"
        return "pass", "complex weights: the test's semiring only"
    function = programs.function(lifted.program)
    outcome = {}
    try:
        outcome["fraction"] = function(*lifted.args, **lifted.kwargs, semiring="fraction")
    except Exception as error:  # noqa: BLE001 (a weight the exact semiring refuses: float64 only)
        outcome["fraction_error"] = error
    outcome["float64"] = function(*lifted.args, **lifted.kwargs, semiring="float64")
    normalize = _normalize(test, lifted.program)
    exact = None
    if reference is not None and reference.error is None and dice9 is not None:
        try:
            options = {"semiring": dice9.BigFraction()}
            with _quiet():
                exact = reference.inner(*reference.args, _options=options, **reference.kwargs)
        except Exception:  # noqa: BLE001 (dice-nine's exact semiring does not run every program)
            exact = None
    python = None

    def python_answer():
        nonlocal python
        if python is None:
            python = oracle(test, lifted, normalize)
        return python if isinstance(python, dict) else None

    if exact is None:
        exact = python_answer()
    if "fraction" in outcome and exact is not None and not same(outcome["fraction"], exact, exact=True):
        if python_answer() is not None and same(outcome["fraction"], python_answer(), exact=True):
            return "python", "fraction answer is Python's, not dice-nine's"
        return "WRONG", f"fraction: {_short(outcome['fraction'])} expected {_short(exact)}"
    floating = reference.result if reference is not None and reference.error is None and \
        _is_default(reference.semiring) else exact
    if floating is not None and not same(outcome["float64"], floating, exact=False):
        if python_answer() is not None and same(outcome["float64"], python_answer(), exact=False):
            return "python", "float64 answer is Python's, not dice-nine's"
        return "WRONG", f"float64: {_short(outcome['float64'])} expected {_short(floating)}"
    if reference is not None and reference.error is None and lifted.result is not None \
            and not _is_default(reference.semiring) and not same(lifted.result, reference.result, exact=False):
        return "WRONG", f"as written: {_short(lifted.result)} expected {_short(reference.result)}"
    if reference is not None and reference.error is not None:
        python_answer()
        if isinstance(python, dict) and same(outcome["float64"], python, exact=False):
            return "python", f"dice-nine raises ({_first_line(reference.error)}); Lifted gives Python's answer"
        return "WRONG", f"dice-nine raises ({_first_line(reference.error)}); Lifted answers {_short(outcome['float64'])}"
    if floating is None and exact is None:
        return "pass", "no reference but the test's asserts"
    if "fraction_error" in outcome and not located(outcome["fraction_error"]):
        return "bad", f"fraction: {type(outcome['fraction_error']).__name__}: {_first_line(outcome['fraction_error'])}"
    return "pass", ""


def _is_default(semiring) -> bool:
    return semiring is None or type(semiring).__name__ == "Real64"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:160] if text else type(error).__name__


def _short(table: dict) -> str:
    items = sorted(((plain(k), plain(v)) for k, v in table.items()), key=repr)
    text = ", ".join(f"{k!r}: {v}" for k, v in items[:4])
    return "{" + text + (", ..." if len(items) > 4 else "") + "}"


# -- the whole suite -------------------------------------------------------------------------------------------

def run(checkout: Path, only: set[str] | None = None, use_dice_nine: bool = True) -> list[dict]:
    """One record per program call of every test: test, program, class, note, the test's result under each."""
    dice9 = None
    if use_dice_nine and (checkout / "src" / "dice9").is_dir():
        sys.path.insert(0, str(checkout / "src"))
        import dice9
    records = []
    folder = Path(tempfile.mkdtemp(prefix="dice-nine-corpus-"))
    for test in collect_tests(checkout, only):
        path = checkout / "tests" / test.file
        reference_calls: list[Call] = []
        dice9_failure = None
        if dice9 is not None:
            shim = dice_nine_shim(dice9, reference_calls)
            with _quiet():
                dice9_failure = _run_test(_load(path, f"d9ref_{path.stem}", shim), test)
        programs = LiftedPrograms(test, folder)
        lifted_calls: list[Call] = []
        with _quiet():
            lifted_failure = _run_test(_load(path, f"d9lifted_{path.stem}", lifted_shim(programs, lifted_calls)), test)
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
                kind, note = ("refused" if located(error) else "bad"), f"{type(error).__name__}: {_first_line(error)}"
            records.append({"file": test.file, "test": test.name, "program": call.program, "class": kind,
                            "note": note, "dice9_raises": reference is not None and reference.error is not None,
                            "test_dice9": _outcome(dice9_failure),
                            "test_lifted": _outcome(lifted_failure)})
    return records


@contextlib.contextmanager
def _quiet():
    """dice-nine prints its errors in boxes and logs them; the tests print distributions: none of it is wanted."""
    import io
    import logging
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(logging.NOTSET)


def _outcome(error: BaseException | None) -> str:
    return "passes" if error is None else f"fails ({type(error).__name__}: {_first_line(error)[:80]})"


def counts(records: list[dict]) -> dict[str, int]:
    return dict(Counter(record["class"] for record in records))


def by_test(records: list[dict]) -> dict[str, str]:
    """Each test's class: the worst of its calls'."""
    worst: dict[str, str] = {}
    for record in records:
        key = f"{record['file']}::{record['test']}"
        kind = record["class"]
        if key not in worst or (kind in ORDER and (worst[key] not in ORDER or ORDER.index(kind) < ORDER.index(worst[key]))):
            worst[key] = kind
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a dice-nine checkout (its tests/ and src/)")
    parser.add_argument("--only", help="comma-separated test files (test_fns.py,...)")
    parser.add_argument("--json", type=Path, help="write every record here")
    parser.add_argument("--show", default="WRONG,bad,refused,python", help="classes to list call by call")
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
