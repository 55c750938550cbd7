"""Every code block of the user docs runs: docs/*.md pages and the README are executable examples.

A page is played in a fresh folder holding a copy of the repository's `examples/`, block after block, in order:
- ```python file=NAME      the block is written to NAME (a module the page's later blocks import or build);
- ```python                 the block runs (all such blocks of a page share one Python process, in order);
- ```console               each `$ command` line runs in a shell (`transpile` is this venv's); the lines after
                            it are its expected output (stdout then stderr), where `...` stands for any lines;
- ```python excerpt=PATH    the block must appear verbatim in PATH once the page has run (generated code shown in
                            the docs is the real output, never a stale copy);
- any other fence (```text, ```python no-run) is an illustration and is not run.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    kind: str  # "file", "run", "console", "excerpt"
    text: str
    line: int
    target: str = ""


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        language, info, body = match.group(1), match.group(2).strip(), match.group(3)
        line = text.count("\n", 0, match.start()) + 1
        options = dict(item.split("=", 1) for item in info.split() if "=" in item)
        if language == "python" and "file" in options:
            found.append(Block("file", body, line, options["file"]))
        elif language == "python" and "excerpt" in options:
            found.append(Block("excerpt", body, line, options["excerpt"]))
        elif language == "python" and not info:
            found.append(Block("run", body, line))
        elif language == "console":
            found.append(Block("console", body, line))
    return found


def runnable_pages() -> list[Path]:
    return [page for page in PAGES if any(b.kind != "file" for b in blocks(page))]


def _environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["LIFTED_CACHE_DIR"] = str(folder / ".cache")
    env["PYTHONPATH"] = str(folder)
    return env


def _matches(expected: list[str], actual: list[str]) -> bool:
    """`expected` lines against `actual`, where a line `...` matches any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and _matches(expected[1:], actual[1:])


def _console(block: Block, folder: Path, env: dict[str, str], where: str) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    for command, expected in commands:
        done = subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True,
                              timeout=300)
        output = (done.stdout + done.stderr).rstrip("\n").splitlines()
        wants_failure = any(line.startswith(("error", "hint")) or ": error:" in line for line in expected)
        assert wants_failure or done.returncode == 0, f"{where}: `{command}` failed:\n{done.stdout}{done.stderr}"
        if expected:
            assert _matches(expected, output), (f"{where}: `{command}` printed\n" + "\n".join(output)
                                                + "\nexpected\n" + "\n".join(expected))


@pytest.mark.parametrize("page", runnable_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_code_block_runs(page: Path, tmp_path: Path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    env = _environment(tmp_path)
    script: list[str] = []
    name = page.relative_to(ROOT).as_posix()

    def flush() -> None:
        if not script:
            return
        code = "\n".join(script)
        script.clear()
        (tmp_path / "_page.py").write_text(code, encoding="utf-8")
        done = subprocess.run([sys.executable, "_page.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"{name}: a python block failed:\n{done.stdout}{done.stderr}"

    for block in blocks(page):
        where = f"{name}:{block.line}"
        if block.kind == "file":
            target = tmp_path / block.target
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
        elif block.kind == "run":
            script.append(f"# {where}\n" + textwrap.dedent(block.text))
        elif block.kind == "console":
            flush()
            _console(block, tmp_path, env, where)
        else:
            flush()
            shown = (tmp_path / block.target).read_text(encoding="utf-8")
            assert block.text in shown, f"{where}: the excerpt is not in the real {block.target}:\n{shown}"
    flush()


def test_pages_have_blocks_to_run():
    """A page whose examples are all illustrations would check nothing."""
    reference = [p for p in PAGES if p.name not in ("benchmarks.md", "benchmarks-c.md", "gradbench.md", "corpora.md", "testing.md")]
    assert reference and all(p in runnable_pages() for p in reference), \
        [p.name for p in reference if p not in runnable_pages()]
