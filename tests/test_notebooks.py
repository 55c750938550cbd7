"""Notebooks: `@kernel` and `@dist` functions defined in an IPython / Jupyter cell are transformed from the cell's
text (kept in `linecache` under a filename that is no file), and examples/notebook.ipynb runs cell by cell.

A cell is simulated by compiling its code under a made-up filename of either style (terminal IPython's
`<ipython-input-N-HASH>`, ipykernel's `/tmp/ipykernel_PID/HASH.py`) with its text registered in linecache, as
IPython does; the notebook itself runs in a plain `InteractiveShell` in a subprocess.
"""
from __future__ import annotations

import json
import linecache
import os
import subprocess
import sys
import textwrap
import traceback
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from lifted.transpiler.errors import TranspileError
from tests.dist_oracle import enumerate_distribution
from tests.gradcheck import assert_close, autograd_kernels, central_difference

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"

KERNEL_CELL = '''@kernel
def energy(x: "f64[n]", k: "f64[]") -> "f64[]":
    return 0.5 * k * np.sum(np.sin(x) * x) + SCALE * np.sum(np.tanh(x))


@kernel
def total(x: "f64[n]", k: "f64[]") -> "f64[]":
    return energy(x, k) * energy(x, k)


energy_grad = grad(energy)
'''

FIRST_CELL = "import numpy as np\nfrom lifted import dist, grad, hessian, kernel\nSCALE = np.float64(1.5)\n"


def cell_styles(tmp_path: Path) -> list[str]:
    return ["<ipython-input-4-9f2c1a0b7e3d>", str(tmp_path / "ipykernel_4242" / "3c1f0e2d.py")]


def run_cell(code: str, filename: str, namespace: dict) -> dict:
    """Run `code` as IPython runs a cell: compiled under `filename`, its text in linecache."""
    code = textwrap.dedent(code)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), namespace)
    return namespace


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cache"


@pytest.fixture(params=["terminal", "ipykernel"])
def style(request, tmp_path) -> str:
    return cell_styles(tmp_path)[request.param == "ipykernel"]


def notebook_namespace(style: str) -> dict:
    namespace = {"__name__": "__main__"}
    run_cell(FIRST_CELL, style.replace("4", "1", 1), namespace)
    return run_cell(KERNEL_CELL, style, namespace)


def test_a_cell_kernel_is_transformed_from_the_cells_text(cache, style):
    """np and SCALE come from another cell; the gradient matches finite differences and autograd."""
    ns = notebook_namespace(style)
    x, k = np.array([0.3, -1.2, 2.0]), 0.7
    oracle = autograd_kernels(FIRST_CELL.replace("dist, ", "") + KERNEL_CELL)
    import autograd

    for name, func in (("energy", ns["energy"]), ("total", ns["total"])):
        expected = central_difference(func, [x, k], 0)
        got = ns["grad"](func)(x, k)
        assert_close(got, expected, rtol=1e-6, what=f"{name} vs finite differences")
        assert_close(got, autograd.grad(oracle[name])(x, k), rtol=1e-10, what=f"{name} vs autograd")
    assert_close(ns["energy_grad"](x, k), ns["grad"](ns["energy"])(x, k), what="declared in the cell")
    hessian = ns["hessian"](ns["energy"])(x, k)
    assert_close(hessian, autograd.hessian(oracle["energy"])(x, k), rtol=1e-9, what="hessian vs autograd")


def test_a_cell_dist_function_matches_the_oracle(cache, style):
    source = '''@dist(semiring="fraction")
def high_pair():
    a = d(6)
    b = d(6)
    return a + b >= 10, a == b
'''
    ns = run_cell(source, style, {"dist": __import__("lifted").dist})
    got = ns["high_pair"]()
    expected = enumerate_distribution(source, "high_pair")
    assert {k: Fraction(v) for k, v in got.items()} == expected


def test_a_kernel_from_another_cell_is_refused_by_name(cache, style, tmp_path):
    ns = notebook_namespace(style)
    run_cell('''@kernel
def doubled(x: "f64[n]", k: "f64[]") -> "f64[]":
    return 2.0 * total(x, k)
''', cell_styles(tmp_path)[0].replace("4", "7", 1), ns)
    with pytest.raises(RuntimeError) as caught:
        ns["grad"](ns["doubled"])(np.ones(2), 1.0)
    message = str(caught.value)
    assert "`total`, a @kernel function defined in another notebook cell" in message
    assert "Define `total` in the same cell as `doubled`" in message
    frames = [frame.filename for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert not any(name.endswith(("cells.py", "onthefly.py")) for name in frames), frames  # no runtime frames


def test_a_transform_from_another_cell_is_refused_by_name(cache, style, tmp_path):
    ns = notebook_namespace(style)
    run_cell('''@kernel
def uses(x: "f64[n]", k: "f64[]") -> "f64[]":
    return np.sum(energy_grad(x, k))
''', cell_styles(tmp_path)[0].replace("4", "8", 1), ns)
    with pytest.raises(RuntimeError, match=r"`energy_grad`, a transform \(grad\) defined in another notebook cell"):
        ns["grad"](ns["uses"])(np.ones(2), 1.0)


def test_a_kernel_redefined_in_a_later_cell_is_refused_not_compiled_from_the_old_text(cache, style, tmp_path):
    """`total` calls whatever `energy` is now; compiling the old cell's `energy` would give a wrong number."""
    ns = notebook_namespace(style)
    run_cell('@kernel\ndef energy(x: "f64[n]", k: "f64[]") -> "f64[]":\n    return k * np.sum(x)\n',
             cell_styles(tmp_path)[0].replace("4", "9", 1), ns)
    with pytest.raises(RuntimeError, match="`total` uses `energy`, a @kernel function defined in another notebook"):
        ns["grad"](ns["total"])(np.ones(2), 1.0)


def test_a_constant_rebound_in_a_later_cell_is_read_as_python_reads_it(cache, style, tmp_path):
    ns = run_cell(FIRST_CELL, "<ipython-input-1-cccc>", {})
    run_cell('RATE = 0.5\n\n\n@kernel\ndef f(x: "f64[n]") -> "f64[]":\n    return RATE * np.sum(x * x)\n', style, ns)
    x = np.array([1.0, -3.0])
    assert_close(ns["grad"](ns["f"])(x), x, what="RATE from the cell")
    ns["RATE"] = 2.0
    assert_close(ns["grad"](ns["f"])(x), 4 * x, what="RATE rebound by a later cell")


def test_an_error_in_a_cell_kernel_points_at_the_cells_line(cache, style):
    ns = run_cell(FIRST_CELL, "<ipython-input-1-aaaa>", {})
    run_cell('''
@kernel
def broken(x: "f64[n]") -> "f64[]":
    y = np.sum(x)
    return y + not_defined_anywhere
''', style, ns)
    with pytest.raises(TranspileError) as caught:
        ns["grad"](ns["broken"])(np.ones(2))
    assert str(caught.value).startswith(f"{style}:5:16: error: `not_defined_anywhere` is not defined")
    assert "return y + not_defined_anywhere" in str(caught.value)


def test_an_edited_cell_is_built_again(cache, style):
    ns = notebook_namespace(style)
    x = np.array([0.5, 1.0])
    before = ns["grad"](ns["energy"])(x, 1.0)
    run_cell(KERNEL_CELL.replace("0.5 * k", "0.25 * k"), style, ns)
    after = ns["grad"](ns["energy"])(x, 1.0)
    assert_close(after, central_difference(ns["energy"], [x, 1.0], 0), what="after the edit")
    assert not np.allclose(before, after)
    ns["SCALE"] = 3.0  # another cell rebinds a constant the kernel reads: the module is built for the new value
    assert_close(ns["grad"](ns["energy"])(x, 1.0), central_difference(ns["energy"], [x, 1.0], 0), what="SCALE")


def test_a_cell_kernel_calling_a_kernel_of_a_project_module(cache, style):
    (cache.parent / "helpers.py").write_text(
        'import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef act(x: "f64[n]") -> "f64[n]":\n'
        '    return np.tanh(x)\n')
    sys.path.insert(0, str(cache.parent))
    try:
        ns = run_cell("import numpy as np\nfrom lifted import grad, kernel\nfrom helpers import act\n",
                      "<ipython-input-1-bbbb>", {})
        run_cell('''@kernel
def score(x: "f64[n]") -> "f64[]":
    return np.sum(act(x) ** 2)
''', style, ns)
        x = np.array([0.1, -0.4])
        assert_close(ns["grad"](ns["score"])(x), central_difference(ns["score"], [x], 0), what="imported kernel")
    finally:
        sys.path.remove(str(cache.parent))
        sys.modules.pop("helpers", None)


def test_a_new_session_finds_the_cell_in_the_cache_without_the_compiler(cache, tmp_path):
    """Another session gives the same cell another filename; the cache keys the cell by its text."""
    script = textwrap.dedent(f'''
        import linecache, sys
        import numpy as np

        def run_cell(code, filename, namespace):
            linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
            exec(compile(code, filename, "exec"), namespace)
            return namespace

        ns = run_cell({FIRST_CELL!r}, "<ipython-input-1-0000>", {{}})
        run_cell({KERNEL_CELL!r}, sys.argv[1], ns)
        print(ns["energy_grad"](np.array([0.1, 0.2]), 1.0).round(6).tolist())
        print("compiler imported:", "lifted.transpiler" in sys.modules or "libcst" in sys.modules)
    ''')
    env = dict(os.environ, LIFTED_CACHE_DIR=str(cache))
    runs = [subprocess.run([sys.executable, "-c", script, name], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120) for name in cell_styles(tmp_path)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert runs[0].stdout.splitlines()[0] == runs[1].stdout.splitlines()[0]
    assert runs[1].stdout.splitlines()[1] == "compiler imported: False"


def test_a_function_compiled_from_no_file_and_no_cell_is_refused(cache):
    ns: dict = {}
    exec(compile('from lifted import kernel\n@kernel\ndef f(x: "f64[]") -> "f64[]":\n    return x * x\n',
                 "<string>", "exec"), ns)
    with pytest.raises(RuntimeError, match="is not in a file \\(nor in a notebook cell\\)"):
        __import__("lifted").grad(ns["f"])(1.0)


# The notebook runs in a plain IPython shell, in a fresh process; each code cell's printed output is compared
# with the output stored in the notebook (a cell tagged `generated-code` only has to show the generated
# function: its text follows the compiler). `python -m tests.test_notebooks` stores the current outputs.
RUN_NOTEBOOK = '''
import contextlib, io, json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance(colors="NoColor")
outputs = []
for cell in json.load(open(sys.argv[1], encoding="utf-8"))["cells"]:
    if cell["cell_type"] != "code":
        continue
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        result = shell.run_cell("".join(cell["source"]), store_history=True)
    if not result.success:
        sys.stderr.write(captured.getvalue())
        sys.exit(f"cell {len(outputs) + 1} failed: {result.error_before_exec or result.error_in_exec!r}")
    outputs.append(captured.getvalue())
print(json.dumps(outputs))
'''


def run_notebook(folder: Path) -> list[str]:
    """The printed output of each code cell of the notebook, run in a new IPython shell with its own cache."""
    env = dict(os.environ, LIFTED_CACHE_DIR=str(folder / "cache"))
    done = subprocess.run([sys.executable, "-c", RUN_NOTEBOOK, str(NOTEBOOK)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def code_cells() -> list[dict]:
    return [cell for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]


def stored_output(cell: dict) -> str:
    return "".join("".join(out.get("text", "")) for out in cell["outputs"] if out.get("output_type") == "stream")


def test_the_example_notebook_runs_and_prints_what_it_shows(tmp_path):
    outputs = run_notebook(tmp_path)
    cells = code_cells()
    assert len(outputs) == len(cells)
    for number, (cell, output) in enumerate(zip(cells, outputs), 1):
        if "generated-code" in cell["metadata"].get("tags", []):
            assert output.startswith("def loss_grad(") and "np." in output, output
            assert "# <ipython-input-" in output, "the generated code points back at the cell's lines"
        else:
            assert output == stored_output(cell), f"code cell {number} printed\n{output}"
    assert "finite differences agree: True" in outputs[2]
    assert "`scaled_loss` uses `loss`, a @kernel function defined in another notebook cell" in outputs[-1]


def store_outputs() -> None:
    """Run the notebook and store each cell's printed output in it (after an intended change)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        outputs = iter(run_notebook(Path(folder)))
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for count, cell in enumerate((c for c in notebook["cells"] if c["cell_type"] == "code"), 1):
        text = next(outputs)
        cell["execution_count"] = count
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": text.splitlines(True)}] if text else []
    NOTEBOOK.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    store_outputs()
