"""A regular (non-editable) `pip install`: the templates ship as package data, every subpackage is included, and
the `transpile` console script works from outside the repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "README.md", "transpiler", "runtime", "templates")


def test_non_editable_install_has_templates_and_a_working_console_script(tmp_path):
    source = tmp_path / "src"  # a clean copy, so the build leaves nothing in the work tree
    source.mkdir()
    for name in SHIPPED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.is_file():
            shutil.copy2(path, source / name)
    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                              str(source)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    assert (site / "templates" / "numpy_module.py.j2").is_file()
    assert (site / "transpiler" / "primitives" / "registry.py").is_file()

    work = tmp_path / "work"  # outside the repository: only the installed copy is importable
    work.mkdir()
    shutil.copy2(ROOT / "examples" / "logistic.py", work / "logistic.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    script = site / "bin" / "transpile"
    built = subprocess.run([str(script), "logistic.py", "-o", "out", "--verbose"], cwd=work, capture_output=True,
                           text=True, env=env, timeout=120)
    assert built.returncode == 0, built.stderr
    assert "[1/1] logistic.py -> out/logistic.py (3 functions)" in built.stderr
    run = subprocess.run([sys.executable, "-c", (
        "import numpy as np, transpiler, runtime\n"
        "m = runtime.load('out/logistic.py')\n"
        "print(transpiler.__file__)\n"
        "print(m.loss_grad(np.zeros(2), np.ones((3, 2)), np.ones(3)).tolist())\n")],
        cwd=work, capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    location, gradient = run.stdout.splitlines()
    assert Path(location).resolve().is_relative_to(site.resolve())
    assert gradient == "[-0.5, -0.5]"
