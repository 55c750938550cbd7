"""A regular (non-editable) `pip install`: the templates ship as package data, every subpackage is included, and
the `transpile` console script works from outside the repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
    def pieces(folder):  # every template, the pieces in subfolders (templates/host/, ...) included
        return {str(path.relative_to(folder)) for path in folder.rglob("*.j2")}

    assert pieces(site / "lifted" / "templates") == pieces(ROOT / "templates")
    assert (site / "lifted" / "transpiler" / "primitives" / "registry.py").is_file()
    installed = sorted(p.name for p in site.iterdir() if not p.name.endswith((".dist-info", "bin", "__pycache__")))
    assert installed == ["lifted"], f"generic top-level names installed: {installed}"

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
        "import numpy as np, lifted, lifted.transpiler\n"
        "m = lifted.load('out/logistic.py')\n"
        "print(lifted.transpiler.__file__)\n"
        "print(m.loss_grad(np.zeros(2), np.ones((3, 2)), np.ones(3)).tolist())\n")],
        cwd=work, capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    location, gradient = run.stdout.splitlines()
    assert Path(location).resolve().is_relative_to(site.resolve())
    assert gradient == "[-0.5, -0.5]"


def test_pyproject_lists_every_package_folder():
    """setuptools maps `lifted` onto three folders by an explicit list: a new subpackage must be added to it."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {"runtime": "lifted", "transpiler": "lifted.transpiler", "templates": "lifted.templates"}
    expected = set()
    for folder, name in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            expected.add(".".join((name, *parts)))
    assert set(config["packages"]) == expected
    assert config["package-dir"] == {name: folder for folder, name in folders.items()}


def test_a_project_with_its_own_templates_runtime_and_transpiler_packages_still_works(tmp_path):
    """Lifted installs no generic top-level name, so a user's `templates` (or `runtime`) package cannot shadow it."""
    for name in ("templates", "runtime", "transpiler"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("MINE = True\n")
    (tmp_path / "model.py").write_text(
        "import numpy as np\nfrom lifted import grad, kernel\n\n\n@kernel\n"
        "def energy(x: \"f64[n]\") -> \"f64[]\":\n    return np.sum(x * x)\n\n\nenergy_grad = grad(energy)\n")
    code = ("import numpy as np, templates, runtime, transpiler, model\n"
            "assert templates.MINE and runtime.MINE and transpiler.MINE\n"
            "print(model.energy_grad(np.array([1.0, 2.0])).tolist())\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["LIFTED_CACHE_DIR"] = str(tmp_path / "cache")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[2.0, 4.0]"
