"""Data flows one way between the compiler's layers: the IR knows nothing above it, and the primitive
registry (rules written over the IR) reaches only down into the IR, never up into the builder, passes or
transforms that use it. Checked on the import statements, so a new upward import fails here, not as a
circular-import error in some later ordering."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "transpiler"

# package -> the transpiler modules (or packages) it may import
ALLOWED = {
    "ir": ("transpiler.ir",),
    "primitives": ("transpiler.ir", "transpiler.primitives", "transpiler.codegen", "transpiler.errors"),
}

# package -> the stages after it in the pipeline (DESIGN.md section 2), which it must not import: each stage hands
# its result on, and the one that calls it passes what it needs (the C backend renders what pipeline.transpile_c
# lowered). dice renders its own NumPy code (it fills backends.numpy's RenderedFunction).
_TOP = ("transpiler.declarations", "transpiler.pipeline", "transpiler.cli")
LATER = {
    "frontend": ("transpiler.normalize", "transpiler.analysis", "transpiler.transforms", "transpiler.dice",
                 "transpiler.backends") + _TOP,
    "normalize": ("transpiler.analysis", "transpiler.transforms", "transpiler.dice", "transpiler.backends") + _TOP,
    "analysis": ("transpiler.transforms", "transpiler.dice", "transpiler.backends") + _TOP,
    "transforms": ("transpiler.dice", "transpiler.backends") + _TOP,
    "dice": _TOP,
    "backends": _TOP,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Absolute names of the transpiler modules `path` imports (top level or inside functions)."""
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            names = [name] if node.module else [f"{name}.{a.name}" for a in node.names]
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    found = [(line, n.removeprefix("lifted.")) for line, n in found]
    return [(line, n) for line, n in found if n == "transpiler" or n.startswith("transpiler.")]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_downward(layer):
    upward = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, name in _imports(path):
            if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[layer]):
                upward.append(f"{path.relative_to(ROOT.parent)}:{line}: imports {name}")
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("stage", sorted(LATER))
def test_a_stage_imports_no_later_stage(stage):
    backward = []
    for path in sorted((ROOT / stage).rglob("*.py")):
        for line, name in _imports(path):
            if any(name == later or name.startswith(later + ".") for later in LATER[stage]):
                backward.append(f"{path.relative_to(ROOT.parent)}:{line}: imports {name}")
    assert not backward, "\n".join(backward)


def test_no_private_name_is_imported_from_another_module():
    """A name another module needs is that module's public API (with a docstring), not its `_helper`."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("lifted.")):
                found += [f"{path.relative_to(ROOT.parent)}:{node.lineno}: {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert not found, "\n".join(found)


def test_source_loc_lives_beside_the_ir():
    from lifted.transpiler.errors import SourceLoc as from_errors
    from lifted.transpiler.ir import SourceLoc as from_ir
    from lifted.transpiler.ir.source import SourceLoc

    assert from_errors is SourceLoc and from_ir is SourceLoc
