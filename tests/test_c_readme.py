"""The README's kernel examples on the C backend: each runs on the CPU target (`--backend c`) and through the CUDA
host path (the pycuda stand-in), agreeing with the NumPy backend, and its CUDA kernels compile with nvcc.

The sources are read from the README itself (its `python file=` blocks and the `examples/` file it quotes), so an
example added there without inputs here fails `test_every_readme_kernel_example_has_inputs`.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import fake_pycuda
from gradcheck import load_source
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import assert_agree, c_module
from test_cuda_runtime import cuda_module, host, to_device
from test_docs import ROOT, blocks

README = ROOT / "README.md"


def readme_sources() -> dict[str, str]:
    """File name -> source of every kernel the README shows."""
    found = {}
    for block in blocks(README):
        if block.kind == "file" and ("@kernel" in block.text or "grad(" in block.text):
            found[block.target] = block.text
        elif block.kind == "excerpt" and block.target.startswith("examples/"):
            found[Path(block.target).name] = (ROOT / block.target).read_text()
    return found


def _calls(rng) -> dict[str, dict[str, tuple]]:
    """Per README file, per function: arguments like the README's own calls."""
    x, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    params = [(rng.normal(size=(3, 5)), rng.normal(size=5)), (rng.normal(size=(5, 2)), rng.normal(size=2))]
    w, X, Y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.uniform(size=5)
    logistic = (rng.normal(size=2), rng.normal(size=(6, 2)), rng.integers(0, 2, size=6).astype(float))
    return {
        "logistic.py": {"loss": logistic, "loss_grad": logistic, "loss_vg": logistic},
        "layers.py": {"f": (x, W, 0.5), "f_grad": (x, W, 0.5)},
        "factory.py": {"loss": (rng.normal(size=20), x), "loss_grad": (rng.normal(size=20), x)},
        "mlp_tree.py": {"loss": (params, x, rng.normal(size=(4, 2))), "loss_grad": (params, x, rng.normal(size=(4, 2)))},
        "batched.py": {"loss": (w, X[0], Y[0]), "losses": (w, X, Y), "per_example": (w, X, Y)},
    }


def test_every_readme_kernel_example_has_inputs():
    assert set(readme_sources()) == set(_calls(np.random.default_rng(0)))


def agree(actual, expected, what: str) -> None:
    """`assert_agree` through trees of results (lists, tuples, dicts)."""
    if isinstance(expected, (list, tuple)) and not isinstance(expected, np.ndarray):
        assert type(actual) is type(expected) and len(actual) == len(expected), what
        for a, e in zip(actual, expected):
            agree(a, e, what)
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), what
        for key in expected:
            agree(actual[key], expected[key], f"{what}[{key!r}]")
    else:
        assert_agree(actual, expected, what)


def _functions(module) -> set[str]:
    return {n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
            and getattr(v, "__module__", None) == module.__name__}


@pytest.mark.parametrize("target", ["c", "cuda"])
@pytest.mark.parametrize("name", sorted(_calls(np.random.default_rng(0))))
def test_readme_kernel_examples_agree_with_numpy(name, target, tmp_path, monkeypatch):
    text = readme_sources()[name]
    stem = f"readme_{Path(name).stem}"
    reference = load_source(text, f"{stem}.py")
    if target == "cuda":
        fake_pycuda.install(monkeypatch)
        module = cuda_module(text, tmp_path, stem)
    else:
        module, _ = c_module(text, tmp_path, stem)
    calls = _calls(np.random.default_rng(1))[name]
    assert set(calls) == _functions(reference), "every function of the example is called"
    for fn, args in calls.items():
        expected = getattr(reference, fn)(*args)
        agree(getattr(module, fn)(*args), expected, f"{name}: {fn}")
        if target == "cuda":  # and with the arguments on the device
            agree(host(getattr(module, fn)(*to_device(args))), expected, f"{name}: {fn} on device arrays")


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_readme_kernel_examples_compile_with_nvcc(arch, tmp_path):
    from lifted.transpiler.backends.c.compile import nvcc

    compiler = nvcc()
    if compiler is None:
        pytest.skip("nvcc is not installed")
    files = []
    for name, text in sorted(readme_sources().items()):
        out = transpile_c(text, name, target="cuda")
        path = tmp_path / f"{Path(name).stem}.cu"
        path.write_text(out.kernels)
        files.append(str(path))
    result = subprocess.run([compiler, "-ptx", f"-arch={arch}", "-std=c++14", *files, "-odir", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
