"""The judge of the scalar-Python generator (tests/python_scalar_programs.py): Python itself is the reference.

`judge_program(source, argument_lists)` runs `f` of `source` by Python (the untouched source), by the NumPy
backend and by the C CPU target, on each argument list, and, where `f`'s result is a float scalar, `jvp(f, wrt=0)`
and `grad(f, wrt=0)` on the NumPy backend (and the C target where it builds them). It asks for:
* the same value bit for bit (NaN where NaN, the sign of a zero), the same type: a Python `int`, `float` or
  `bool` where Python returns one, a NumPy scalar of the same dtype where Python returns one (docs/kernel-language.md
  "Dtypes"); transforms compute with the annotated dtype (a Python float given for `"f64[]"` is taken as the NumPy
  float64 of the same value), so for them the value's bits and the kind (bool, int, float) are compared;
* where Python raises, the same exception class (a generated function that returns a number there is a bug);
* `grad` and `jvp`'s tangent against central differences of Python's `f` where they are resolvable (no kink
  within the step: one-sided slopes agree).
A located `TranspileError` is a refusal, and so is the documented entry refusal of a Python number for a
parameter whose promotion the compiled code cannot follow (`promotes as a weak scalar`, or a Python int a compiled
loop would hold as a float). Anything else is a
failure, returned as a line of text (the judge does not raise, so a scan can count them).
"""
from __future__ import annotations

import math
import signal
import warnings
from pathlib import Path

import numpy as np

from gradcheck import load_source
from lifted.transpiler import TranspileError

from benchmarks.scratch import scratch_folder

WEAK = "promotes as a weak scalar"
INT_IN_LOOP = "a compiled loop of this function holds it"  # (the C target's refusal of a Python int for a float)


def _entry_refusal(exc) -> bool:
    """The documented refusal at entry of a Python number for a scalar parameter (the C target)."""
    return isinstance(exc, TypeError) and (WEAK in str(exc) or INT_IN_LOOP in str(exc))
PYTHON_SECONDS = 2  # a program whose Python run takes longer (a big int cubed in loops) is skipped


class _Slow(Exception):
    pass


def _alarm(signum, frame):
    raise _Slow()


def _python(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def _copy(args: list) -> list:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def call(fn, args: list):
    """("value", result) or ("raise", exception); NumPy's RuntimeWarnings silenced (Python's own values)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return "value", fn(*_copy(args))
        except _Slow:
            raise
        except Exception as exc:  # noqa: BLE001 (the class is what is compared)
            return "raise", exc


def _bits(value) -> str:
    """A float's exact identity: NaN, or its bit pattern (so -0.0 is not 0.0)."""
    value = float(value)
    return "nan" if math.isnan(value) else np.float64(value).view(np.int64).item().__repr__()


def _kind(value) -> str:
    dtype = np.asarray(value).dtype
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}.get(dtype.kind, dtype.kind)


def difference(got, expected, exact_type: bool = True) -> str | None:
    """None where `got` is `expected` (bits and type, leaf by leaf), else what differs."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"{got!r} where Python has the tuple {expected!r}"
        for k, (g, e) in enumerate(zip(got, expected)):
            found = difference(g, e, exact_type)
            if found:
                return f"[{k}] {found}"
        return None
    if exact_type and type(got) is not type(expected):
        return f"{type(got).__name__} {got!r} where Python has {type(expected).__name__} {expected!r}"
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray) or got.dtype != expected.dtype or got.shape != expected.shape:
            return f"{got!r} where Python has {expected!r}"
        same = [_bits(g) == _bits(e) for g, e in zip(got.ravel(), expected.ravel())] if got.dtype.kind in "fc" \
            else [bool(np.array_equal(got, expected))]
        return None if all(same) else f"{got!r} where Python has {expected!r}"
    if _kind(got) != _kind(expected):
        return f"{type(got).__name__} {got!r} where Python has {type(expected).__name__} {expected!r}"
    if isinstance(expected, complex) or _kind(expected) == "complex":
        return None if complex(got) == complex(expected) or (np.isnan(complex(got)) and np.isnan(complex(expected))) \
            else f"{got!r} where Python has {expected!r}"
    if _kind(expected) == "float":
        return None if _bits(got) == _bits(expected) else f"{got!r} where Python has {expected!r}"
    return None if int(got) == int(expected) else f"{got!r} where Python has {expected!r}"


def _compile_numpy(text: str):
    try:
        return load_source(text, "scalar_case.py"), None
    except TranspileError as exc:
        return None, _refusal(exc)


def _refusal(exc: TranspileError) -> str:
    if exc.loc is None or exc.loc.line <= 0 or not exc.hint:
        return f"FAIL refusal without a place or hint: {exc}"
    return "refused: " + exc.message.splitlines()[0][:160]


def _compile_c(text: str, folder: Path):
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    stem = f"scalar_c_{abs(hash(text)) % 10**10}"
    try:
        out = transpile_c(text, f"{stem}.py")
    except TranspileError as exc:
        return None, _refusal(exc)
    (folder / f"{stem}.cu").write_text(out.kernels)
    (folder / f"{stem}.py").write_text(out.host)
    return import_path(folder / f"{stem}.py"), None


def _compare(what: str, outcome, expected, exact_type: bool = True) -> str:
    """'checked', 'refused: ...' (the weak-scalar entry refusal) or 'FAIL ...'."""
    kind, got = outcome
    expected_kind, expected_value = expected
    if kind == "raise" and _entry_refusal(got):
        return "refused: a Python number at entry"
    if kind == "raise" and isinstance(got, OverflowError) and "kernels hold" in str(got):
        return "refused: int() past int64 at run time"  # (documented: kernels hold Python ints as int64)
    if kind == "raise" and isinstance(got, OverflowError) and "overflow in a loop kernel" in str(got) and \
            expected[0] == "value":  # (documented, docs/backends.md: a C kernel's Python int arithmetic is int64)
        return "refused: Python int arithmetic past int64 in a C kernel at run time"
    if expected_kind == "raise":
        if kind == "raise" and type(got) is type(expected_value):
            return "checked"
        shown = f"raises {type(got).__name__}: {got}" if kind == "raise" else f"returns {got!r}"
        return f"FAIL {what}: Python raises {type(expected_value).__name__}: {expected_value}; Lifted {shown}"
    if kind == "raise":
        return f"FAIL {what}: Python returns {expected_value!r}; Lifted raises {type(got).__name__}: {got}"
    found = difference(got, expected_value, exact_type)
    return f"FAIL {what}: {found}" if found else "checked"


def _float_result(expected) -> bool:
    kind, value = expected
    return kind == "value" and not isinstance(value, (tuple, np.ndarray)) and _kind(value) == "float" \
        and math.isfinite(float(value))


def _derivatives(module, python_f, args: list, expected, what: str) -> list[str]:
    """grad and jvp of `module` (either may be missing) at `args` against Python's `f`."""
    outcomes = []
    if not isinstance(args[0], float) or not _float_result(expected):
        return outcomes
    point = float(args[0])
    if not math.isfinite(point) or abs(point) > 1e6:
        return outcomes

    def at(t: float):
        moved = _copy(args)
        moved[0] = point + t
        kind, value = call(python_f, moved)
        return float(value) if kind == "value" and not isinstance(value, tuple) and _kind(value) != "complex" \
            else math.nan

    steps = {t: at(t) for t in (1e-6, -1e-6, 1e-4, -1e-4, 0.0)}
    fd = (steps[1e-6] - steps[-1e-6]) / 2e-6
    coarse = (steps[1e-4] - steps[-1e-4]) / 2e-4
    with np.errstate(all="ignore"):
        right, left = (steps[1e-6] - steps[0.0]) / 1e-6, (steps[0.0] - steps[-1e-6]) / 1e-6
    # (a value past 1e4 rounds away what a step of 1e-6 changes: `(v1 + a)` with v1 = 2**70 has slope 1 that
    # finite differences see as 0)
    resolvable = abs(steps[0.0]) < 1e4 and \
        all(math.isfinite(v) for v in (fd, coarse, right, left)) and math.isclose(fd, coarse, rel_tol=1e-3,
                                                                                           abs_tol=1e-5) \
        and math.isclose(right, left, rel_tol=1e-4, abs_tol=1e-5)
    if hasattr(module, "fj"):
        outcome = call(module.fj, args + [1.0])
        if outcome[0] == "raise" and _entry_refusal(outcome[1]):
            outcomes.append("refused: a Python number at entry")
        elif outcome[0] == "raise":
            outcomes.append(f"FAIL {what} jvp: raises {type(outcome[1]).__name__}: {outcome[1]} where Python "
                            f"returns {expected[1]!r}")
        else:
            value, tangent = outcome[1]
            found = difference(value, expected[1], exact_type=False)
            if found:
                outcomes.append(f"FAIL {what} jvp value: {found}")
            elif resolvable and not math.isclose(float(tangent), fd, rel_tol=1e-5, abs_tol=1e-6):
                outcomes.append(f"FAIL {what} jvp tangent: {float(tangent)!r}, finite differences {fd!r}")
            else:
                outcomes.append("checked" if resolvable else "checked (value; a kink)")
    if hasattr(module, "g"):
        outcome = call(module.g, args)
        if outcome[0] == "raise" and _entry_refusal(outcome[1]):
            outcomes.append("refused: a Python number at entry")
        elif outcome[0] == "raise":
            outcomes.append(f"FAIL {what} grad: raises {type(outcome[1]).__name__}: {outcome[1]} where Python "
                            f"returns {expected[1]!r}")
        elif resolvable and not math.isclose(float(outcome[1]), fd, rel_tol=1e-5, abs_tol=1e-6):
            outcomes.append(f"FAIL {what} grad: {float(outcome[1])!r}, finite differences {fd!r}")
        else:
            outcomes.append("checked" if resolvable else "skipped (a kink)")
    return outcomes


def judge_program(source: str, argument_lists: list[list], c: bool = True, folder: Path | None = None) -> dict:
    """{backend: [outcome per call]} with backend in numpy, c, numpy-ad, c-ad; outcomes 'checked', 'refused: ...',
    'skipped ...' or 'FAIL ...' (see the module docstring)."""
    python_f = _python(source)["f"]
    previous = signal.signal(signal.SIGALRM, _alarm)
    expected = []
    try:
        for args in argument_lists:
            signal.alarm(PYTHON_SECONDS)
            try:
                expected.append(call(python_f, args))
            finally:
                signal.alarm(0)
    except _Slow:
        return {"numpy": ["skipped: Python is slow"]}
    finally:
        signal.signal(signal.SIGALRM, previous)
    results: dict[str, list[str]] = {"numpy": [], "c": [], "numpy-ad": [], "c-ad": []}
    module, refused = _compile_numpy(source)
    if module is None:
        results["numpy"].append(refused)
        return results
    for k, args in enumerate(argument_lists):
        results["numpy"].append(_compare(f"numpy f{tuple(args)!r}", call(module.f, args), expected[k]))
    declarations = []
    if any(_float_result(e) for e in expected):
        for declaration in ("\ng = grad(f, wrt=0)\n", "\nfj = jvp(f, wrt=0)\n"):
            transform, refused = _compile_numpy(source + declaration)
            if transform is None:
                results["numpy-ad"].append(refused)
            else:
                declarations.append(declaration)
        ad = load_source(source + "".join(declarations), "scalar_case_ad.py") if declarations else None
        for k, args in enumerate(argument_lists):
            if ad is not None:
                results["numpy-ad"] += _derivatives(ad, python_f, args, expected[k], f"numpy{tuple(args)!r}")
    if c:
        folder = folder or scratch_folder("scalar_c")
        compiled, refused = _compile_c(source + "".join(declarations), folder)
        if compiled is None and declarations:  # a transform refused: f alone
            results["c-ad"].append(refused)
            compiled, refused = _compile_c(source, folder)
        if compiled is None:
            results["c"].append(refused)
            return results
        for k, args in enumerate(argument_lists):
            results["c"].append(_compare(f"c f{tuple(args)!r}", call(compiled.f, args), expected[k]))
            results["c-ad"] += _derivatives(compiled, python_f, args, expected[k], f"c{tuple(args)!r}")
    return results
