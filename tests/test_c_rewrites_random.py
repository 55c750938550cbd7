"""The programs of tests/c_rewrite_programs.py (one generator per rewrite of the C emitter) on the CPU target.

Every function of a program (`f`, `h` and the transforms of them) runs through the C target and the NumPy
backend; `f` and `h` also as plain Python (the un-transpiled source, the reference of every kernel). Compared:
dtypes, shapes, integers, NaN and infinity positions and the signs of zeros exactly (`exact_values.exact_parts`),
floats to 1e-10 or within ten times the reference's own spread under a few ulps of input (`reference_spread`), and
`f` bit for bit with Python where the generator says its work is arithmetic the C target must round as NumPy
does (stencils and walks only move addressing). A program either side refuses (a TranspileError) is refused,
never failed. The default suite runs a few seeds per generator; `-m slow` runs `LIFTED_C_REWRITE_PROGRAMS` (default
100) from `LIFTED_PROPERTY_FIRST_SEED` and prints checked / refused / wrong per generator.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from c_rewrite_programs import GENERATORS, Program, program_for
from exact_values import exact_parts, same_values
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_c_backend import assert_agree, c_module
from test_c_random_programs import _assert_close_to, reference_spread

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _copies(args: list) -> list:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _python(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def hostile(args: list, name: str) -> list:
    """`args` with -0.0 in place of each float array's first element and, in some, NaN or an infinity at
    another place (the signs of zeros through windows and updates, NaN through masks and products)."""
    rng = np.random.default_rng(sum(map(ord, name)))
    moved = _copies(args)
    for a in moved:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size:
            a.flat[0] = -0.0
            if a.size > 1 and rng.random() < 0.5:
                a.flat[int(rng.integers(1, a.size))] = rng.choice([np.nan, np.inf, -np.inf])
    return moved


def check_program(program: Program, folder: Path, name: str, hostile_too: bool = True) -> str:
    """'checked', 'ill-conditioned' (within ten times the reference's spread), 'refused', or raises. With
    `hostile_too` every call runs again on `hostile` arguments."""
    try:
        reference = load_source(program.source, f"{name}.py")
        compiled, _ = c_module(program.source, folder, name)
    except TranspileError:
        return "refused"
    python = _python(program.source)
    outcome, ran = "checked", 0
    with np.errstate(all="ignore"):
        for fn_name, args in program.calls.items():
            for which in ((args, hostile(args, f"{name}.{fn_name}")) if hostile_too else (args,)):
                result = _compare_call(program, reference, compiled, python, fn_name, which,
                                       f"{name}.{fn_name}" + ("" if which is args else " (hostile arguments)"))
                ran += result != "refused"
                outcome = "ill-conditioned" if result == "ill-conditioned" else outcome
    return outcome if ran else "refused"


def _compare_call(program: Program, reference, compiled, python: dict, fn_name: str, args: list, what: str) -> str:
    try:
        expected = getattr(reference, fn_name)(*_copies(args))
    except Exception:  # noqa: BLE001 (these inputs do not suit this function: NumPy itself fails)
        return "refused"
    got = getattr(compiled, fn_name)(*_copies(args))
    if fn_name in ("f", "h"):
        plain = python[fn_name](*_copies(args))
        same_values(expected, plain, f"{what} (NumPy backend vs Python)")
        if program.bits and fn_name == "f":
            exact_parts(got, plain, what)
            assert np.array_equal(np.asarray(got), np.asarray(plain), equal_nan=True), \
                f"{what}: not Python's bits:\n{got!r}\n{plain!r}"
    exact_parts(got, expected, what)
    if _single(expected):  # float32: sums in another order differ by float32's round-off
        _close_in_single(got, expected, what)
        return "checked"
    try:
        assert_agree(got, expected, what)
    except AssertionError:
        spread = reference_spread(getattr(reference, fn_name), _copies(args), expected)
        if spread == 0.0 or spread == np.inf:
            raise
        _assert_close_to(got, expected, 10.0 * spread, what)
        return "ill-conditioned"
    return "checked"


def _leaves(value) -> list:
    return [leaf for item in value for leaf in _leaves(item)] if isinstance(value, (tuple, list)) else [value]


def _single(expected) -> bool:
    return any(np.asarray(leaf).dtype == np.float32 for leaf in _leaves(expected))


def _close_in_single(got, expected, what: str) -> None:
    """float32 results: within a few hundred float32 ulps of the largest magnitude (a sum's order)."""
    for g, e in zip(_leaves(got), _leaves(expected)):
        e = np.asarray(e, dtype=float)
        scale = float(np.max(np.abs(e), where=np.isfinite(e), initial=1.0))
        np.testing.assert_allclose(np.asarray(g, dtype=float), e, rtol=1e-5, atol=3e-5 * scale, err_msg=what)


QUICK_SEEDS = 3


@pytest.mark.parametrize("seed", range(QUICK_SEEDS))
@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_rewrite_programs_on_the_cpu_target(family, seed, tmp_path):
    check_program(program_for(family, seed), tmp_path, f"{family}_{seed}")


def _seeds() -> range:
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    return range(first, first + int(os.environ.get("LIFTED_C_REWRITE_PROGRAMS", "100")))


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_many_rewrite_programs_on_the_cpu_target(family, tmp_path):
    tally: dict[str, int] = {}
    failures = []
    for seed in _seeds():
        try:
            outcome = check_program(program_for(family, seed), tmp_path, f"{family}_{seed}")
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
            outcome = "wrong"
            failures.append((seed, f"{type(exc).__name__}: {exc}"[:600]))
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{family} programs on the CPU target, seeds {_seeds().start}-{_seeds().stop - 1}: {tally}")
    assert not failures, failures[:10]


def test_generators_are_deterministic_and_write_their_constructs():
    texts = {family: "".join(program_for(family, s).source for s in range(40)) for family in GENERATORS}
    assert all(program_for(f, 5).source == program_for(f, 5).source for f in GENERATORS)
    for family, constructs in {"stencil_1d": ["np.roll(", "[::-1]", "np.zeros_like", "/ 6.0", "f32["],
                               "stencil_2d": ["axis=0", "axis=1", "[:, :1]"],
                               "row_walks": ["q.T", "[::-1]", " ** ", "[..., ::-1]"],
                               "reductions": ["keepdims=True", "np.exp("], "gathers": ["x[i, j]"],
                               "loops": ["range(0)", "range(1)"]}.items():
        for construct in constructs:
            assert construct in texts[family], (family, construct)
