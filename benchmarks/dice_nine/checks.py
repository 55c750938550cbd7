"""The running and judging half of benchmarks/dice_nine/corpus.py: a dice-nine test run with `d9` standing for
dice-nine (every `@d9.dist` call recorded) or for Lifted (the test's programs transpiled, its asserts checking
Lifted's answers), and each recorded call classified against dice-nine's answer, its exact `BigFraction` answer and
Python's (the brute-force oracle tests/dist_oracle.py)."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import sys
import types
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tests.dist_oracle import enumerate_distribution

from ..limits import time_limit

if TYPE_CHECKING:
    from benchmarks.dice_nine.corpus import Test

SEMIRINGS = {"Real64": "float64", "BigFraction": "fraction", "BigInteger": "int", "LogReal64": "log",
             "Complex128": "complex"}
ORACLE_SECONDS = 5


# -- running a test under dice-nine and under Lifted --------------------------------------------------------------

@dataclass
class Call:
    program: str
    args: tuple
    kwargs: dict
    semiring: object  # dice-nine's semiring object (the decorator's or the call's `_options`), or None
    result: object = None
    error: BaseException | None = None
    inner: object = None  # dice-nine's own program (its `dist` of the test's function), to call again exactly


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


def load_test_module(path: Path, name: str, shim) -> types.ModuleType:
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


def run_test(module, test: Test) -> BaseException | None:
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
                record = Call(fn.__name__, args, kwargs, semiring, inner=inner)
                calls.append(record)
                try:
                    record.result = inner(*args, _options=_options, **kwargs)
                except Exception as error:
                    record.error = error
                    raise
                return record.result
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
    """Same outcomes with the same weights: exactly, or to 1e-9. An outcome of weight 0 counts: dice-nine keeps
    every outcome some world reaches (its factors never drop a row), and so does Python (the oracle)."""
    def cleaned(table):
        out = {}
        for k, v in table.items():
            v = plain(v)
            if isinstance(v, tuple):  # a SemiringProduct's weights: compare the first, exact one
                v = v[0]
            out[plain(k)] = v
        return out
    a, b = cleaned(a), cleaned(b)
    if a.keys() != b.keys():
        return False
    if exact:
        return all(Fraction(a[k]) == Fraction(b[k]) for k in a)
    return all(_close(complex(a[k]), complex(b[k])) for k in a)


def _close(x: complex, y: complex) -> bool:
    """To 1e-9 relative; equal infinities too (a log-probability of -inf is a weight of 0)."""
    return x == y or abs(x - y) <= 1e-9 * max(1.0, abs(y))


def oracle(test: Test, call: Call, normalize: bool):
    """Python's answer for the program (tests/dist_oracle.py), a lists passed as arrays (as a @dist function reads
    them); the exception Python raises; or None where it does not apply (keyword arguments, dice-nine's
    `__max__(x)` and kin, which reduce over the worlds, not in one) or does not finish in time."""
    text = test.programs[call.program]
    if call.kwargs or any(f"__{name}__(" in text for name in ("max", "min", "all", "any")):
        return None
    args = tuple(np.asarray(a) if isinstance(a, (list, tuple)) else a for a in call.args)
    try:
        with time_limit(ORACLE_SECONDS, TimeoutError, "the oracle"):
            return enumerate_distribution(text, call.program, args, normalize=normalize)
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
            return ("pass" if expected else "refused"), first_line(error)
        return "bad", f"{type(error).__name__}: {first_line(error)}"
    if isinstance(lifted.error, TypeError):  # Python's own binding error, as dice-nine's
        return "pass", first_line(lifted.error)
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
    exact = _dice_nine_exact(reference, dice9)
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
            return "python", f"dice-nine raises ({_message(reference.error)}); Lifted gives Python's answer"
        return "WRONG", f"dice-nine raises ({_message(reference.error)}); Lifted answers {_short(outcome['float64'])}"
    if floating is None and exact is None:
        return "pass", "no reference but the test's asserts"
    if "fraction_error" in outcome and not located(outcome["fraction_error"]):
        return "bad", f"fraction: {type(outcome['fraction_error']).__name__}: {first_line(outcome['fraction_error'])}"
    python_answer()  # dice-nine's answer; is it Python's too (the reference of every Lifted program)?
    if isinstance(python, dict) and not (same(outcome["fraction"], python, exact=True) if "fraction" in outcome
                                         else same(outcome["float64"], python, exact=False)):
        return "WRONG", f"dice-nine's answer, where Python's is {_short(python)}"
    if isinstance(python, Exception) and not isinstance(python, TimeoutError):
        return "beyond", f"dice-nine's answer, where Python raises {type(python).__name__}: {first_line(python)}"
    return "pass", ""


def _dice_nine_exact(reference: Call | None, dice9) -> dict | None:
    """dice-nine's answer in `BigFraction`, where its own `Real64` answer confirms it: its residues hold 240 bits,
    and a larger rational (the README's D&D fight: denominators of some 770 bits) comes back as another one,
    negative ones included. None there (more bits take minutes and gigabytes): the float answers are compared."""
    if reference is None or reference.error is not None or dice9 is None:
        return None

    def run(semiring):
        with quiet():
            return reference.inner(*reference.args, _options={"semiring": semiring}, **reference.kwargs)
    try:
        exact = run(dice9.BigFraction())
        floating = reference.result if _is_default(reference.semiring) else run(dice9.Real64())
    except Exception:  # noqa: BLE001 (dice-nine's exact semiring does not run every program)
        return None
    return exact if same(exact, floating, exact=False) else None


def _message(error: BaseException) -> str:
    """dice-nine's InterpreterError holds its message in a tuple: its first line."""
    return first_line(error.args[0][0] if error.args and isinstance(error.args[0], tuple) else error).rstrip(".")


def _is_default(semiring) -> bool:
    return semiring is None or type(semiring).__name__ == "Real64"


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:160] if text else type(error).__name__


def _short(table: dict) -> str:
    items = sorted(((plain(k), plain(v)) for k, v in table.items()), key=repr)
    text = ", ".join(f"{k!r}: {v}" for k, v in items[:4])
    return "{" + text + (", ..." if len(items) > 4 else "") + "}"


@contextlib.contextmanager
def quiet():
    """dice-nine prints its errors in boxes and logs them; the tests print distributions: none of it is wanted."""
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(logging.NOTSET)
