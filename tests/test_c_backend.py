"""The C backend (`--backend c` on the CPU, `--backend cuda`): golden kernels, nvcc, and numbers.

The NumPy backend is the reference (itself checked against finite differences and autograd): every program of
the gradient corpus, a run of the property generator's random programs and every golden input run through the
CPU target and must agree to float64 round-off. Fusion itself is checked on the shapes that matter (a whole RK4
loop and its reverse sweep are one kernel).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from gradcheck import load_source, random_inputs
from lifted.loader import import_path
from lifted.transpiler import TranspileError
from lifted.transpiler.pipeline import transpile_c
from test_golden import assert_matches_golden
from test_programs import PROGRAMS
from test_property import inputs_for, program_for_seed, rows_seeds
from lazy_seeds import LazySeeds

GOLDEN = Path(__file__).parent / "golden"
# (dist functions are refused by the C backend: tested on their own)
C_CASES = sorted(p.stem for p in (GOLDEN / "inputs").glob("*.py") if not p.stem.startswith("dist_"))
PROPERTY_SEEDS = range(20)
RK4 = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(y0: "f64[n]", r: "f64[n]", h: "f64[]", steps: "i64[]") -> "f64[]":
    y = y0
    for i in range(steps):
        k1 = r * y * (1.0 - y)
        y2 = y + 0.5 * h * k1
        k2 = r * y2 * (1.0 - y2)
        y3 = y + 0.5 * h * k2
        k3 = r * y3 * (1.0 - y3)
        y4 = y + h * k3
        k4 = r * y4 * (1.0 - y4)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(y * y)


f_grad = grad(f, wrt=("y0", "r"))
'''
LSE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]") -> "f64[]":
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


f_grad = grad(f)
'''
# full reductions, for empty inputs (each target's test adds kernels of its own)
EMPTY_REDUCTIONS = """
import numpy as np
from lifted import kernel


@kernel
def total(x: "f64[n]"):
    return np.sum(x * 2.0)


@kernel
def peak(x: "f64[n]"):
    return np.max(x * 2.0)
"""
EXAMPLES = Path(__file__).parents[1] / "examples"


def c_module(text: str, folder: Path, name: str = "case", loop_kernels: bool = True):
    """Transpile for the CPU target into `folder` and import the host module (which builds the kernels);
    `loop_kernels=False`: every loop and run left on the host."""
    out = transpile_c(text, f"{name}.py", loop_kernels=loop_kernels)
    (folder / f"{name}.cu").write_text(out.kernels)
    (folder / f"{name}.py").write_text(out.host)
    return import_path(folder / f"{name}.py"), out.kernel_count


def assert_agree(actual, expected, what: str, rtol: float = 1e-10) -> None:
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), what
        for a, e in zip(actual, expected):
            assert_agree(a, e, what, rtol)
        return
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual.astype(float), expected.astype(float), rtol=rtol, atol=1e-12, err_msg=what)


def functions_of(module) -> list[str]:
    """The names of the functions a loaded module defines itself (kernels and declared transforms)."""
    return [n for n in vars(module) if callable(getattr(module, n)) and not n.startswith("_")
            and getattr(getattr(module, n), "__module__", None) == module.__name__]


def compare_all(text: str, folder: Path, args: list, name: str = "case") -> int:
    """Run every function of the module on `args` in both backends; returns the kernel count."""
    reference = load_source(text, f"{name}.py")
    compiled, kernels = c_module(text, folder, name)
    for fn_name in functions_of(reference):
        try:
            expected = getattr(reference, fn_name)(*args)
        except Exception:  # noqa: BLE001  (these inputs do not suit this function: NumPy itself fails)
            continue
        assert_agree(getattr(compiled, fn_name)(*args), expected, f"{name}.{fn_name}")
    return kernels


# --- the corpora every target runs: a program's text and its inputs ----------------------------------------------
def corpus_case(name: str):
    """A program of tests/test_programs.py and a function drawing its inputs (from one generator, seeded 0);
    skipped where the NumPy backend, the reference, refuses it."""
    program = PROGRAMS[name]
    text = program.text()
    try:
        reference = load_source(text)
    except TranspileError:
        pytest.skip("the NumPy backend refuses this program too")
    rng = np.random.default_rng(0)
    return text, (lambda: program.inputs(rng)) if program.inputs else (
        lambda: random_inputs(reference.f, rng, positive=True))


def golden_case(case: str):
    """A golden input's text and inputs drawn for its first kernel."""
    text = (GOLDEN / "inputs" / f"{case}.py").read_text()
    reference = load_source(text, f"{case}.py")
    kernels = [getattr(reference, n) for n in vars(reference) if not n.startswith("_")
               and callable(getattr(reference, n)) and hasattr(getattr(reference, n), "__code__")]
    return text, random_inputs(kernels[0], np.random.default_rng(3), positive=True) if kernels else []


def example_case(name: str):
    """An example program's text and inputs drawn for its first function."""
    text = (EXAMPLES / f"{name}.py").read_text()
    reference = load_source(text, f"{name}.py")
    first = next(v for n, v in vars(reference).items() if callable(v) and hasattr(v, "__code__")
                 and v.__module__ == reference.__name__ and not n.startswith("_"))
    return text, random_inputs(first, np.random.default_rng(0), positive=True)


# --- fusion ------------------------------------------------------------------------------------------------
def test_rk4_loop_and_its_reverse_sweep_are_one_kernel(tmp_path):
    out = transpile_c(RK4, "rk4.py")
    assert out.kernel_count == 2  # f, f_grad: one launch each, whatever the step count
    functions = out.host[out.host.index("\ndef f("):]  # the generated functions, after the module's helpers
    assert functions.count("_kernels.f_grad_k0(") == 1 and "\n    for " not in functions
    assert "LIFTED_TAPE(tape_y4, tape_y4_top) = y4;" in out.kernels
    rng = np.random.default_rng(0)
    for n in (1, 7, 1000):
        args = [rng.uniform(0.1, 0.9, n), rng.uniform(0.5, 1.5, n), 0.02, 50]
        compare_all(RK4, tmp_path, args, f"rk4_{n}")


def test_reduction_feeding_elementwise_work_splits_kernels(tmp_path):
    out = transpile_c(LSE, "lse.py")
    assert "lifted_reduce_max" in out.kernels and "lifted_reduce_add" in out.kernels
    x = np.random.default_rng(1).normal(size=1001)
    assert compare_all(LSE, tmp_path, [x], "lse") >= 2


def test_broadcast_operands_mean_and_float32(tmp_path):
    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(X: "f64[n,d]", w: "f64[d]", b: "f64[n,1]") -> "f64[]":
    z = np.tanh(X * w + b)
    return np.mean(np.where(z > 0.1, z * z, np.clip(z, -0.5, 0.5)))


@kernel
def g(x: "f32[n]", y: "f32[n]") -> "f32[n]":
    return np.maximum(x * 0.5, y) / (1.0 + x * x)


f_grad = grad(f, wrt=("X", "w", "b"))
'''
    rng = np.random.default_rng(2)
    args = [rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(5, 1))]
    module, kernels = c_module(text, tmp_path, "bcast")
    reference = load_source(text, "bcast.py")
    assert kernels >= 2
    assert_agree(module.f(*args), reference.f(*args), "f")
    assert_agree(module.f_grad(*args), reference.f_grad(*args), "f_grad")
    x, y = rng.normal(size=100).astype(np.float32), rng.normal(size=100).astype(np.float32)
    result = module.g(x, y)
    assert result.dtype == np.float32
    assert_agree(result, reference.g(x, y), "g", rtol=1e-6)


def test_integer_floor_division_and_modulo_follow_python(tmp_path):
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "i64[n]", b: "i64[n]", x: "f64[n]"):
    return a // b + a % b, x // 0.7 + x % -0.3, a / b
'''
    a = np.array([-7, 7, -7, 7, 5, -1])
    b = np.array([2, -2, -2, 2, 3, 4])
    x = np.array([-1.5, 2.25, -0.1, 3.0, 0.0, -2.0])
    compare_all(text, tmp_path, [a, b, x], "intdiv")


def test_a_shape_the_annotations_did_not_promise_is_an_error_not_a_wrong_number(tmp_path):
    module, _ = c_module(RK4, tmp_path, "rk4_shapes")
    with pytest.raises(TypeError, match="argument `r` has shape"):  # the argument checks at entry
        module.f(np.ones(3), np.ones(4), 0.1, 2)
    module._CHECK_ARGS = False  # without them, the kernel launcher still refuses
    with pytest.raises(ValueError, match="index space"):
        module.f(np.ones(3), np.ones(4), 0.1, 2)


def test_dist_functions_are_refused_with_a_located_error():
    text = (GOLDEN / "inputs" / "dist_stream_fold.py").read_text()
    with pytest.raises(TranspileError, match="no `c` backend"):
        transpile_c(text, "dist_stream_fold.py")


# --- numbers: the corpora -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradient_corpus_on_the_cpu_target(name, tmp_path):
    text, draw = corpus_case(name)
    compare_all(text, tmp_path, draw(), f"prog_{name}")


@pytest.mark.parametrize("seed", PROPERTY_SEEDS)
def test_property_programs_on_the_cpu_target(seed, tmp_path):
    text, _wrt, _as_tuple = program_for_seed(seed)
    compare_all(text, tmp_path, inputs_for(seed), f"prop_{seed}")


@pytest.mark.parametrize("seed", [11, 14, 23, 25, 27])
def test_property_programs_with_a_static_row_length_on_the_cpu_target(seed, tmp_path):
    """The random programs with `M` annotated `f64[n,3]` (a static row length): their reductions over `M`'s rows
    (and their gradients' broadcasts back) run as short rows, walked as columns (these seeds have such kernels;
    seed 15's were all split into columns by transforms/split_axes.py, so it left the list)."""
    text = program_for_seed(seed)[0].replace('"f64[n,d]"', '"f64[n,3]"')
    assert "lifted_n_out columns" in transpile_c(text, "static.py").kernels
    compare_all(text, tmp_path, inputs_for(seed), f"prop_static_{seed}")


ROWS_SEEDS = LazySeeds(6, lambda: rows_seeds(6))


@pytest.mark.parametrize("nth", ROWS_SEEDS.positions)
def test_property_programs_with_short_rows_split_on_the_cpu_target(nth, tmp_path):
    """The random programs built on `f64[n,3]` columns (stacks, column picks, short-axis sums and products), split
    into columns by transforms/split_axes.py: the C target agrees with the NumPy backend."""
    seed = ROWS_SEEDS[nth]
    text = program_for_seed(seed, rows=True)[0]
    compare_all(text, tmp_path, inputs_for(seed), f"prop_rows_{seed}")

@pytest.mark.slow
@pytest.mark.parametrize("generator", ["semantics", "edges"])
def test_many_random_programs_on_the_cpu_target(generator, tmp_path):
    """The semantics fuzzer's programs (writes, aliases, views, early exits; tests/test_property_semantics.py) or
    the property generator's with the hostile corpus's constructs (`edges=True`), every function of each
    (gradients, vjp, hessian, jvp of grad) through the CPU target against the NumPy backend. `LIFTED_C_PROGRAMS`
    programs (default 200) from seed `LIFTED_PROPERTY_FIRST_SEED` on; programs the NumPy backend refuses are
    counted, not failed, and so are those whose C value differs by round-off the program amplifies
    (test_c_random_programs.py::reference_spread; `edges` seed 30045: a chaotic loop). It found a branch whose
    kernel wrote a shadowing lane array
    (test_hostile_programs.py::test_a_branch_computing_its_merged_element_value_writes_the_merged_array)."""
    import os

    from test_c_random_programs import run_on_the_cpu_target
    from test_property_semantics import semantics_program

    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    tally: dict[str, int] = {}
    failures = []
    for seed in range(first, first + int(os.environ.get("LIFTED_C_PROGRAMS", "200"))):
        text = semantics_program(seed)[0] if generator == "semantics" else program_for_seed(seed, edges=True)[0]
        try:
            outcome = run_on_the_cpu_target(f"{generator}_{seed}", text, tmp_path, inputs_for(seed))
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
            outcome = "failed"
            failures.append((seed, f"{type(exc).__name__}: {exc}"[:600]))
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{generator} programs on the CPU target: {tally}")
    assert not failures, failures[:10]


def test_a_semantics_program_that_once_failed_on_the_cpu_target(tmp_path):
    """Found by test_many_random_programs_on_the_cpu_target (seed 60178): on the path of an early return every
    array input of `f_x`'s reverse-sweep kernel is None, and only the `np.zeros((n,))` inside its branch gives the
    index space's size; the launch spec read creations at the kernel's top level only ("the kernel's index space
    has a dimension no input gives")."""
    from test_property_semantics import semantics_program

    text = semantics_program(60178)[0]
    reference = load_source(text, "semantics_60178.py")
    compiled, _ = c_module(text, tmp_path, "semantics_60178")
    args = inputs_for(60178)
    assert_agree(compiled.f_x(*args), reference.f_x(*args), "f_x")


@pytest.mark.parametrize("case", C_CASES)
def test_golden_inputs_on_the_cpu_target(case, tmp_path):
    text, args = golden_case(case)
    compare_all(text, tmp_path, args, f"golden_{case}")


@pytest.mark.parametrize("scale", [3.0, 1.0, -1.0])
def test_golden_if_elif_else_on_every_path_on_the_cpu_target(scale, tmp_path):
    """cf_if_else's gradient through each of its three paths (t > 2, 0.5 < t <= 2, t <= 0.5; golden_case's
    positive inputs take the first only). On the last, the C kernel declared `z = np.tanh(x)`'s lane array again
    inside the `elif`'s block, hiding the one the reverse sweep reads (`1 - z * z`): the gradient was off by 0.016,
    or nan."""
    text = (GOLDEN / "inputs" / "cf_if_else.py").read_text()
    for n in (3, 100):
        x = np.linspace(0.2, 1.0, n)
        w = x * scale / np.sum(x * x)  # t = sum(x * w) = scale
        compare_all(text, tmp_path, [x, w], f"cf_if_else_{n}_{str(scale).replace('.', '_').replace('-', 'm')}")


# --- golden files and nvcc ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", C_CASES)
def test_emitted_c_matches_golden(case, request):
    source = GOLDEN / "inputs" / f"{case}.py"
    out = transpile_c(source.read_text(), f"tests/golden/inputs/{case}.py")
    for suffix, emitted in ((".cu", out.kernels), (".py", out.host)):
        assert_matches_golden(GOLDEN / "expected_c" / f"{case}{suffix}", emitted, request)


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_every_golden_kernel_file_compiles_with_nvcc(arch, tmp_path):
    from lifted.transpiler.backends.c.compile import nvcc

    compiler = nvcc()
    if compiler is None:
        pytest.skip("nvcc is not installed")
    files = sorted(str(p) for p in (GOLDEN / "expected_c").glob("*.cu"))
    assert len(files) >= len(C_CASES)
    result = subprocess.run([compiler, "-ptx", f"-arch={arch}", "-std=c++14", *files, "-odir", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]


@pytest.mark.gpu
def test_gpu_agrees_with_numpy(tmp_path):
    pytest.importorskip("pycuda")
    out = transpile_c(RK4, "rk4_gpu.py", target="cuda")
    (tmp_path / "rk4_gpu.cu").write_text(out.kernels)
    (tmp_path / "rk4_gpu.py").write_text(out.host)
    module = import_path(tmp_path / "rk4_gpu.py")
    reference = load_source(RK4, "rk4_gpu.py")
    rng = np.random.default_rng(0)
    args = [rng.uniform(0.1, 0.9, 10_000), rng.uniform(0.5, 1.5, 10_000), 0.02, 50]
    assert_agree(module.f(*args), reference.f(*args), "f")
    assert_agree(module.f_grad(*args), reference.f_grad(*args), "f_grad")


def test_cli_builds_both_files_for_the_cpu_target(tmp_path):
    source = tmp_path / "rk4.py"
    source.write_text(RK4)
    from lifted.transpiler.cli import main

    assert main([str(source), "-o", str(tmp_path / "build"), "--backend", "c"]) == 0
    assert (tmp_path / "build" / "rk4.cu").is_file()
    module = import_path(tmp_path / "build" / "rk4.py")
    assert module.__lifted_backend__ == "c"
    assert main([str(source), "-o", str(tmp_path / "build"), "--backend", "c", "--check"]) == 0
    (tmp_path / "build" / "rk4.cu").write_text("// edited\n")
    assert main([str(source), "-o", str(tmp_path / "build"), "--backend", "c", "--check"]) == 1


def test_cuda_target_shares_the_kernel_text_and_loads_through_pycuda():
    c_target, cuda_target = transpile_c(RK4, "rk4.py", target="c"), transpile_c(RK4, "rk4.py", target="cuda")
    assert c_target.kernels == cuda_target.kernels
    assert "from lifted import cuda as _runtime" in cuda_target.host
    assert "from lifted import cpu as _runtime" in c_target.host


def test_a_compile_error_names_the_source_line():
    from lifted import cpu

    source = transpile_c(RK4, "rk4.py").kernels.replace("const double k2 = ", "const double k2 = undefined_name + ")
    with pytest.raises(cpu.BuildError, match=r"from rk4.py:12  k2 = r \* y2 \* \(1.0 - y2\)"):
        cpu.build(source, "broken")


def test_on_the_fly_compile_module_caches_by_content(tmp_path, monkeypatch):
    from lifted import cpu

    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "rk4_fly.py"
    source.write_text(RK4)
    module = cpu.compile_module(source)
    assert module.__lifted_backend__ == "c" and cpu.compile_module(source).__file__ == module.__file__
    reference = load_source(RK4, "rk4_fly.py")
    args = [np.linspace(0.1, 0.9, 9), np.linspace(0.5, 1.5, 9), 0.02, 20]
    assert_agree(module.f_grad(*args), reference.f_grad(*args), "f_grad")


def test_on_the_fly_compile_module_builds_again_when_an_imported_module_changes(tmp_path, monkeypatch):
    """The cache key covers the project modules a file imports kernels from: an edit there is never served the
    old kernels (it was, before: keyed by the file's own text only); the cache files are private to the user."""
    import os
    import sys

    from lifted import cpu

    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(tmp_path))
    helper = tmp_path / "scale_helper.py"
    helper.write_text("from lifted import kernel\n\n\n@kernel\ndef scale(x: \"f64[n]\"):\n    return x * 2.0\n")
    source = tmp_path / "uses_scale.py"
    source.write_text("import numpy as np\nfrom lifted import kernel\nfrom scale_helper import scale\n\n\n"
                      "@kernel\ndef f(x: \"f64[n]\"):\n    return np.sum(scale(x))\n")
    first = cpu.compile_module(source)
    assert first.f(np.ones(3)) == 6.0 and cpu.compile_module(source).__file__ == first.__file__
    helper.write_text(helper.read_text().replace("2.0", "3.0"))
    sys.modules.pop("scale_helper", None)
    second = cpu.compile_module(source)
    assert second.__file__ != first.__file__ and second.f(np.ones(3)) == 9.0 and first.f(np.ones(3)) == 6.0
    for path in (tmp_path / "cache").rglob("*"):
        assert not os.stat(path).st_mode & 0o022, path
    stem = Path(second.__file__).stem
    (library,) = (tmp_path / "cache" / "c").glob(f"{stem}_*.so")
    library.chmod(0o666)  # as if another user could have replaced it: refused, never loaded
    with pytest.raises(PermissionError, match="writable by other users"):
        cpu.build(Path(second.__file__).with_suffix(".cu").read_text(), stem)


CLIP = """
import numpy as np
from lifted import kernel


@kernel
def clip(x: "f64[n]", lo: "f64[n]", hi: "f64[n]"):
    return np.clip(x, lo, hi), np.clip(x, -1.0, 0.0), np.clip(x.astype(np.float32), lo.astype(np.float32), 0.0)
"""


def test_clip_gives_numpys_bits_at_bounds_signed_zeros_nan_and_crossed_bounds(tmp_path):
    """NumPy's clip keeps `x` where it equals a bound (`np.clip(-0.0, -1.0, 0.0)` is -0.0); minimum(maximum())
    gave +0.0 there (mixed-dtype fuzz, seed 7049)."""
    import itertools

    module, _ = c_module(CLIP, tmp_path, "clip")
    special = [-0.0, 0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 2.0]
    x, lo, hi = (np.array(v) for v in zip(*itertools.product(special, repeat=3)))
    with np.errstate(all="ignore"):
        expected = (np.clip(x, lo, hi), np.clip(x, -1.0, 0.0),
                    np.clip(x.astype(np.float32), lo.astype(np.float32), 0.0))
        got = module.clip(x, lo, hi)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and np.array_equal(g, e, equal_nan=True)
        bad = np.signbit(g) != np.signbit(e)
        assert not bad.any(), list(zip(x[bad], lo[bad], hi[bad], g[bad], e[bad]))


def test_empty_arrays_give_numpy_results_or_numpy_errors(tmp_path):
    text = EMPTY_REDUCTIONS + """

@kernel
def lane(x: "f64[n]", rest: "f64[n]"):
    i0 = x + rest
    return i0 * 2.0
"""
    module, _ = c_module(text, tmp_path, "empty")
    assert module.total(np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match="zero-size"):
        module.peak(np.zeros(0))
    assert_agree(module.lane(np.ones(3), np.ones(3)), np.full(3, 4.0), "lane")


@pytest.mark.parametrize("name", ["gaussian", "logistic", "mlp", "rosenbrock"])
def test_examples_on_the_cpu_target(name, tmp_path):
    text, args = example_case(name)
    compare_all(text, tmp_path, args, f"example_{name}")


def test_source_text_in_kernel_comments_cannot_splice_code(tmp_path):
    """A source line ending in a backslash (inside a Python comment) would continue a `//` comment in C onto the
    next line of kernel code; comments carry no backslash, so the kernels compute what NumPy does."""
    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 2.0  # a note ending in a backslash \\
    z = np.sin(y) + y  # and a path C:\\temp\\
    return np.sum(z * z)


f_grad = grad(f)
'''
    assert "\\" not in "".join(line for line in transpile_c(text, "case.py").kernels.splitlines()
                               if line.lstrip().startswith("//"))
    assert compare_all(text, tmp_path, [np.linspace(-1.0, 1.0, 7)], "splice") >= 1


# --- reductions over some axes ---------------------------------------------------------------------------------
REDUCE_SOME = '''

@kernel
def f_{op}(x: "f64[a,b,c]", w: "f64[c]") -> "f64[]":
    z = np.tanh(x * w) + 1.5
    r = np.{op}(z * z, axis={axis}, keepdims=True)
    return np.sum(np.log(r + 2.0) * np.mean(z, axis={axis}, keepdims=True))


@kernel
def g_{op}(x: "f64[a,b,c]", w: "f64[c]"):
    z = x * w
    return np.{op}(z, axis={axis}), z + 1.0, np.{op}(z * 0.5, axis={axis}, keepdims=True)


f_{op}_grad = grad(f_{op}, wrt=("x", "w"))
'''
REDUCE_OPS = ["sum", "mean", "max", "min", "prod"]
AXES = ["0", "2", "-2", "(0, 1)", "(1, 2)", "(2, 0)", "None"]


@pytest.mark.parametrize("axis", AXES)
def test_reductions_over_some_axes_run_in_kernels(axis, tmp_path):
    """Every reduction and axis pattern (trailing axes: rows; others: columns), keepdims, and the reverse sweep's
    broadcasts (the cotangent's `expand_dims` read through strides in the next kernel)."""
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(4, 5, 6)), rng.normal(size=6)
    text = "import numpy as np\nfrom lifted import grad, kernel\n\n" + \
        "".join(REDUCE_SOME.format(op=op, axis=axis) for op in REDUCE_OPS)
    out = transpile_c(text, "some.py")
    code = [line for line in out.host[out.host.index("\ndef f_sum("):].splitlines()
            if not line.lstrip().startswith("#")]
    for op in REDUCE_OPS:  # every reduction runs in a kernel, none on the host
        assert not [line for line in code if f"np.{op}(" in line]
    compare_all(text, tmp_path, [x, w], f"some_{AXES.index(axis)}")


SHORT_ROWS = '''
import numpy as np
from lifted import grad, kernel, vjp, vmap


@kernel
def f(x: "f64[p,3]", w: "f64[p]") -> "f64[]":
    norm = np.sqrt(np.sum(x * x, axis=1))
    top = np.max(x, axis=-1, keepdims=True) * np.min(x * w[:, None], axis=1, keepdims=True)
    return np.sum(norm * w + np.mean(x, axis=1) * np.prod(x + 2.0, axis=1)) + np.sum(top)


@kernel
def rows(x: "f64[p,3]", y: "f64[p,5,2]") -> "f64[p,3]":
    return x * np.sum(y * y, axis=(1, 2))[:, None] + np.sum(x, axis=1, keepdims=True)


@kernel
def long_rows(x: "f64[p,33]") -> "f64[p]":
    return np.sum(x * x, axis=1)


f_grad = grad(f, wrt=("x", "w"))
rows_vjp = vjp(rows, wrt=("x", "y"))
rows_batched = vmap(rows_vjp, in_axes=(None, None, 0))
'''


def test_short_static_rows_run_as_columns(tmp_path):
    """A reduction over trailing axes of a static length up to 32 elements (`np.sum(x * x, axis=1)` of a `[p, 3]`
    array) walks neighbouring outputs as the lanes (`columns`), each adding its few elements in order, instead of a
    chunk per output; longer rows, and rows of a run-time length, stay `rows`. Values as NumPy's, also through
    the reverse sweep and a batch of cotangents."""
    from lifted.transpiler.backends.c.emit import SHORT_ROW
    out = transpile_c(SHORT_ROWS, "short.py")
    modes = dict(re.findall(r"// (\w+): \d-d index space of n elements, reduced to lifted_n_out (\w+)", out.kernels))
    assert modes and all(mode == "columns" for name, mode in modes.items() if not name.startswith("long_rows")), modes
    assert [mode for name, mode in modes.items() if name.startswith("long_rows")] == ["rows"] and SHORT_ROW == 32
    rng = np.random.default_rng(6)
    for p in (1, 70, 133):
        x, w, y = rng.normal(size=(p, 3)), rng.normal(size=p), rng.normal(size=(p, 5, 2))
        compare_all(SHORT_ROWS, tmp_path, [x, w], f"short_{p}")
        compare_all(SHORT_ROWS, tmp_path, [x, y, rng.normal(size=(p, 3))], f"short_rows_{p}")
        compare_all(SHORT_ROWS, tmp_path, [x, y, rng.normal(size=(2, p, 3))], f"short_batched_{p}")
        compare_all(SHORT_ROWS, tmp_path, [rng.normal(size=(p, 33))], f"long_{p}")
    module, _ = c_module(SHORT_ROWS, tmp_path, "short_empty")
    assert module.long_rows(np.zeros((0, 33))).shape == (0,)
    assert module.rows(np.zeros((0, 3)), np.zeros((0, 5, 2))).shape == (0, 3)


def test_reductions_over_some_axes_empty_integer_and_float32(tmp_path):
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f32[n,d]", k: "i64[n,d]"):
    return np.sum(x * 2.0, axis=1), np.max(k * 3, axis=0, keepdims=True), np.sum(x > 0.0, axis=0), \\
        np.mean(k, axis=1), np.prod(k, axis=1)


@kernel
def g(x: "f64[n,d]"):
    return np.max(x * 2.0, axis=1)
'''
    module, _ = c_module(text, tmp_path, "some_types")
    rng = np.random.default_rng(5)
    x, k = rng.normal(size=(7, 33)).astype(np.float32), rng.integers(-3, 4, size=(7, 33))
    results = module.f(x, k)
    expected = (np.sum(x * 2.0, axis=1), np.max(k * 3, axis=0, keepdims=True), np.sum(x > 0.0, axis=0),
                np.mean(k, axis=1), np.prod(k, axis=1))
    for got, want in zip(results, expected):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert_agree(got, want, "f", rtol=1e-6)
    assert module.g(np.zeros((0, 3))).shape == (0,)
    for empty_axis in ((3, 0), (0, 0)):  # NumPy refuses whenever the reduced axis is empty, results or none
        with pytest.raises(ValueError, match="zero-size"):
            np.max(np.zeros(empty_axis), axis=1)
        with pytest.raises(ValueError, match="zero-size"):
            module.g(np.zeros(empty_axis))
    empty = module.f(np.zeros((3, 0), np.float32), np.zeros((3, 0), np.int64))
    assert_agree(empty[0], np.zeros(3, np.float32), "empty sum")
    assert_agree(empty[4], np.ones(3, np.int64), "empty prod")
