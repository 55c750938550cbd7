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


def assert_matches_golden(path: Path, emitted: str, request) -> None:
    """`emitted` is the golden file's text (a diff says where not); with --update-golden it becomes it."""
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(emitted)
        return
    assert path.exists(), f"no golden file {path.parent.name}/{path.name}: run pytest --update-golden"
    expected = path.read_text()
    if emitted != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), emitted.splitlines(True),
                                            "expected", "emitted"))
        pytest.fail(f"emitted code differs from the golden file {path.parent.name}/{path.name}:\n{diff}")


@pytest.mark.parametrize("case", CASES)
def test_emitted_code_matches_golden_and_is_deterministic(case, request):
    """The emitted module is the golden file's text, and a second transpile in the same process gives the same
    text (one test: the determinism test of its own transpiled each input twice more, three times a case)."""
    source = (GOLDEN / "inputs" / f"{case}.py").read_text()
    emitted = transpile_source(source, f"tests/golden/inputs/{case}.py")
    assert transpile_source(source, f"tests/golden/inputs/{case}.py") == emitted, "the output is not deterministic"
    assert_matches_golden(GOLDEN / "expected" / f"{case}.py", emitted, request)


@pytest.mark.parametrize("case", CASES)
def test_golden_module_runs(case):
    """Every golden module is importable standalone (numpy only) and exposes what it declares."""
    namespace: dict = {"__name__": f"golden_{case}"}
    exec(compile((GOLDEN / "expected" / f"{case}.py").read_text(), case, "exec", dont_inherit=True), namespace)
    for target in namespace["__lifted_transforms__"].values():
        assert callable(namespace[target])
