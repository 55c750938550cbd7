"""Hardware gathers in the CPU target's SIMD loops (h-gmm7, `lifted.cpu.gathers`).

A flat kernel whose short last axis is known only at run time reads its strided operands with a gather per vector.
Where GCC's tuning leaves AVX-512's gathers out (`-march=native` on a CPU model it does not know falls back to
`-mtune=generic`), the build asks for them on Intel AVX-512 CPUs that Gather Data Sampling does not affect, with the
first `-mtune-ctrl` spelling the compiler takes. A gather loads what the scalar loads did: a kernel built either way
gives the same bits, NumPy's, for every layout and short length; the gradient through it agrees with finite
differences and autograd.
"""
from __future__ import annotations

import importlib
import shutil
import subprocess
import warnings

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from lifted.loader import import_path
from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from test_c_row_walk import views

gathers = importlib.import_module("lifted.cpu.gathers")
builder = importlib.import_module("lifted.cpu.build")

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def spread(x: "f64[n,d]", m: "f64[k,d]") -> "f64[n,k,d]":
    return x[:, None, :] - m[None, :, :]


@kernel
def scaled(w: "f64[n,k]", q: "f64[n,k,d]") -> "f64[n,k,d]":
    return 2.0 * (w[:, :, None] * q)


@kernel
def loss(w: "f64[n,k]", q: "f64[n,k,d]") -> "f64[]":
    return np.sum(np.sin(w[:, :, None] * q))


loss_grad = grad(loss, wrt=("w", "q"))
'''
INTEL = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx2 avx512f avx512dq\n\nprocessor\t: 1\n"


def built(tmp_path, name: str, gathers_on: bool, monkeypatch):
    """SOURCE's C module with or without hardware gathers (a comment makes the two texts two libraries)."""
    out = transpile_c(SOURCE, f"{name}.py")
    (tmp_path / f"{name}.cu").write_text(out.kernels + ("" if gathers_on else "// no hardware gathers\n"))
    (tmp_path / f"{name}.py").write_text(out.host)
    with monkeypatch.context() as patch:
        patch.setenv("LIFTED_CPU_GATHERS", "1" if gathers_on else "0")
        return import_path(tmp_path / f"{name}.py")


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gathers")
    with pytest.MonkeyPatch.context() as patch:
        on = built(folder, "gathers_on", True, patch)
        off = built(folder, "gathers_off", False, patch)
    return on, off, load_source(SOURCE, "gathers.py")


def test_gathers_pay_on_intel_avx512_cpus_that_gather_data_sampling_leaves_alone():
    assert gathers.gathers_pay(INTEL, "Not affected\n", "x86_64")
    assert not gathers.gathers_pay(INTEL, "Mitigation: Microcode\n", "x86_64")  # the slowed gathers
    assert not gathers.gathers_pay(INTEL, "Vulnerable\n", "x86_64")
    assert not gathers.gathers_pay(INTEL, None, "x86_64")  # a kernel that does not say
    assert not gathers.gathers_pay(INTEL.replace("GenuineIntel", "AuthenticAMD"), "Not affected\n", "x86_64")
    assert not gathers.gathers_pay(INTEL.replace(" avx512f avx512dq", ""), "Not affected\n", "x86_64")
    assert not gathers.gathers_pay(INTEL, "Not affected\n", "aarch64")


def test_the_switch_and_the_compilers_spelling(monkeypatch):
    command = tuple(builder.compiler()) + builder.FLAGS
    monkeypatch.setenv("LIFTED_CPU_GATHERS", "0")
    assert gathers.gather_flags(command) == ()
    monkeypatch.setenv("LIFTED_CPU_GATHERS", "1")
    flags = gathers.gather_flags(command)
    assert flags in ((), *((spelling,) for spelling in gathers.SPELLINGS))
    version = subprocess.run(builder.compiler() + ["--version"], capture_output=True, text=True).stdout
    if "Free Software Foundation" in version and "x86_64" in subprocess.run(
            builder.compiler() + ["-dumpmachine"], capture_output=True, text=True).stdout:
        assert flags, "GCC on x86-64 takes one of the spellings"
    # a spelling the compiler refuses is never passed on: a bogus one probes to nothing
    monkeypatch.setattr(gathers, "SPELLINGS", ("-mtune-ctrl=no_such_tuning",))
    gathers._accepted_spelling.cache_clear()
    try:
        assert gathers.gather_flags(command + ("-DPROBE_AGAIN",)) == ()
    finally:
        gathers._accepted_spelling.cache_clear()


def test_the_compilers_answer_is_remembered_and_nothing_else_comes_in(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CPU_GATHERS", "1")
    command = tuple(builder.compiler()) + builder.FLAGS
    flags = gathers.gather_flags(command, tmp_path)
    notes = list(tmp_path.glob("lifted_gathers_probe_*.txt"))
    assert len(notes) == 1 and notes[0].read_text() == "".join(flags)
    assert gathers.gather_flags(command, tmp_path) == flags  # read back
    notes[0].write_text("-fplugin=/tmp/anything.so")  # not a spelling: probed again, rewritten
    assert gathers.gather_flags(command, tmp_path) == flags and notes[0].read_text() == "".join(flags)


def test_the_kernels_library_gathers_where_the_build_asks(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CPU_GATHERS", "1")
    if not gathers.gather_flags(tuple(builder.compiler()) + builder.FLAGS + builder._vector_math()):
        pytest.skip("this compiler takes no -mtune-ctrl spelling for gathers")
    if shutil.which("objdump") is None:
        pytest.skip("no objdump to read the library")
    text = transpile_c(SOURCE, "gathers_text.py").kernels
    library = builder.build(text, "gathers_text")
    disassembly = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(library)], capture_output=True,
                                 text=True).stdout
    assert "vgatherqpd" in disassembly


@pytest.mark.parametrize("n, k, d", [(7, 3, 1), (50, 5, 2), (33, 9, 3), (20, 4, 5), (9, 70, 2), (30, 3, 8),
                                     (1, 1, 2), (0, 3, 2), (4, 0, 3)])
def test_both_builds_give_numpys_bits_in_every_layout(modules, n, k, d):
    on, off, reference = modules
    rng = np.random.default_rng(n * 100 + k * 10 + d)
    x, m = rng.normal(size=(n, d)), rng.normal(size=(k, d))
    want = reference.spread(x, m)
    for layout, view in views(x).items():
        assert np.array_equal(on.spread(view, m), want) and np.array_equal(off.spread(view, m), want), layout
    w, q = rng.normal(size=(n, k)), rng.normal(size=(n, k, d))
    turned = np.ascontiguousarray(np.swapaxes(q, 0, 1)).swapaxes(0, 1)  # gmm's (k, n, d) stack seen as (n, k, d)
    want = reference.scaled(w, q)
    for layout, view in (views(q) | {"turned": turned}).items():
        assert np.array_equal(on.scaled(w, view), want), layout
        assert np.array_equal(off.scaled(w, view), want), layout


def test_the_gradient_is_the_same_either_way_and_agrees_with_the_oracles(modules):
    on, off, _ = modules
    rng = np.random.default_rng(5)
    w, q = rng.normal(size=(40, 6)), rng.normal(size=(40, 6, 2))
    args = [w, np.ascontiguousarray(np.swapaxes(q, 0, 1)).swapaxes(0, 1)]
    got, other = on.loss_grad(*args), off.loss_grad(*args)
    python: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), python)
    from autograd import grad as autograd_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        oracle = autograd_kernels(SOURCE)["loss"]
    for position, (gradient, same) in enumerate(zip(got, other)):
        assert np.array_equal(gradient, same), f"d/d argument {position}: the builds differ"
        assert_close(gradient, central_difference(python["loss"], [w, q], position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")
        assert_close(gradient, autograd_grad(oracle, position)(w, q), rtol=1e-9, atol=1e-10,
                     what=f"d/d argument {position} vs autograd")
