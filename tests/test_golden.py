"""Golden files: the exact NumPy module emitted for each input under tests/golden/inputs.

Any byte difference fails. After an intended change to emitted code, run `pytest --update-golden`, then read
`git diff tests/golden` as you would read code, and commit it with the change that caused it.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from lifted.transpiler import transpile_source

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in (GOLDEN / "inputs").glob("*.py"))


def test_there_are_enough_golden_cases():
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES)
def test_emitted_code_matches_golden(case, request):
    source = GOLDEN / "inputs" / f"{case}.py"
    expected_path = GOLDEN / "expected" / f"{case}.py"
    emitted = transpile_source(source.read_text(), f"tests/golden/inputs/{case}.py")
    if request.config.getoption("--update-golden"):
        expected_path.write_text(emitted)
        return
    assert expected_path.exists(), f"no golden file for {case}: run pytest --update-golden"
    expected = expected_path.read_text()
    if emitted != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), emitted.splitlines(True),
                                            "expected", "emitted"))
        pytest.fail(f"emitted code for {case} differs from the golden file:\n{diff}")


@pytest.mark.parametrize("case", CASES)
def test_golden_output_is_deterministic(case):
    source = (GOLDEN / "inputs" / f"{case}.py").read_text()
    assert transpile_source(source, f"{case}.py") == transpile_source(source, f"{case}.py")


@pytest.mark.parametrize("case", CASES)
def test_golden_module_runs(case):
    """Every golden module is importable standalone (numpy only) and exposes what it declares."""
    namespace: dict = {"__name__": f"golden_{case}"}
    exec(compile((GOLDEN / "expected" / f"{case}.py").read_text(), case, "exec", dont_inherit=True), namespace)
    for target in namespace["__lifted_transforms__"].values():
        assert callable(namespace[target])
