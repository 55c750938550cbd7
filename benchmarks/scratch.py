"""A scratch folder for the modules a driver or a test helper writes, removed when the process exits.

The drivers (and the test helpers that call them) import the modules they write from this folder, so it must live as
long as the process; `tempfile.mkdtemp` alone left one folder in the temporary directory per run (about twenty per
run of the test suite)."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


def scratch_folder(prefix: str = "lifted_") -> Path:
    """A new empty folder, deleted with its contents when the interpreter exits."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
