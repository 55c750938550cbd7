"""What users import (the runtime's markers and `load`, the `transpile` command, the pipeline's entry points) says
what it is for: every public function and class there has a docstring, and every public function type hints on
its parameters and its result. Checked on the source, so a new entry point without them fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
API = ["runtime/__init__.py", "runtime/markers.py", "runtime/loader.py", "runtime/dice/marker.py",
       "runtime/onthefly.py", "transpiler/__init__.py", "transpiler/cli.py", "transpiler/pipeline.py"]


def _public(body: list, prefix: str = ""):
    """(qualified name, node) of the public functions and classes of a module body, methods included."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            yield prefix + node.name, node
            if isinstance(node, ast.ClassDef):
                yield from _public(node.body, prefix + node.name + ".")


def _unhinted(node: ast.FunctionDef) -> bool:
    args = node.args
    params = [p for p in args.posonlyargs + args.args + args.kwonlyargs if p.arg not in ("self", "cls")]
    params += [p for p in (args.vararg, args.kwarg) if p is not None]
    return node.returns is None or any(p.annotation is None for p in params)


@pytest.mark.parametrize("module", API)
def test_public_names_have_docstrings_and_type_hints(module):
    tree = ast.parse((ROOT / module).read_text())
    missing = [f"{module}:{node.lineno}: {name} has no docstring" for name, node in _public(tree.body)
               if ast.get_docstring(node) is None]
    missing += [f"{module}:{node.lineno}: {name} lacks type hints" for name, node in _public(tree.body)
                if not isinstance(node, ast.ClassDef) and _unhinted(node)]
    assert not missing, "\n".join(missing)
