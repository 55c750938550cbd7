"""Shared pytest options: `--update-golden` rewrites the expected emitted code from the current compiler."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# helper modules whose asserts report their operands as a test module's do (the generic primitive test's checks
# moved out of tests/test_primitives.py into primitive_harness.py)
pytest.register_assert_rewrite("primitive_harness")

# every pass's IR and every generated module are checked for reads of values no path defines (transpiler/ir/verify.py,
# transpiler/ir/names.py): a pass's bug is reported where it is made, not when the generated code runs
os.environ.setdefault("LIFTED_VERIFY_IR", "1")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/expected/* from the current transpiler output")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A property test parametrized by position (tests/lazy_seeds.py) names the seeds it read when it fails: its
    id says only the position, and a seed is what reproduces the program."""
    import lazy_seeds

    if call.when == "setup":
        lazy_seeds.READ.clear()
    report = (yield).get_result()
    if report.when == "call" and report.failed and lazy_seeds.READ:
        report.sections.append(("seeds", f"this test's program seeds: {', '.join(map(str, lazy_seeds.READ))}"))
