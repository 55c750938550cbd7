"""The runtime: light markers, `load` with its stale-source warning, on-the-fly transforms and their cache,
and generated modules that run with LibCST unavailable."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import lifted
from lifted import grad, hessian, jvp, kernel, load, value_and_grad, vjp
from lifted.loader import import_path
from lifted.transpiler import cli

ROOT = Path(__file__).resolve().parents[1]

MODEL = '''import numpy as np
from lifted import grad, kernel, value_and_grad


@kernel
def energy(x: "f64[n]", k: "f64[]") -> "f64[]":
    return 0.5 * k * np.sum(x * x)


@kernel
def total(x: "f64[n]", k: "f64[]", c: "f64[]") -> "f64[]":
    return energy(x, k) + c * np.sum(np.sin(x))


energy_grad = grad(energy, wrt="x")
total_vg = value_and_grad(total, wrt=("x", "c"))
'''


def python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=120)


@pytest.fixture
def built(tmp_path, monkeypatch):
    """src/model.py transpiled into build/model.py by the CLI, with the project root as the cwd."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["src/model.py", "-o", "build"]) == 0
    return tmp_path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(folder))
    return folder


def test_kernel_is_an_identity_marker():
    def f(x):
        return x + 1

    assert kernel(f) is f and f.__lifted_kernel__ is True and f(1) == 2


def test_declarations_record_the_request_and_do_no_work():
    def f(x):
        return x

    g = grad(f, wrt=("x",))
    assert (g.kind, g.func, g.wrt) == ("grad", f, ("x",))
    assert value_and_grad(f).kind == "value_and_grad" and vjp(f, wrt=0).wrt == 0
    with pytest.raises(TypeError, match="wrt must be"):
        grad(f, wrt=1.5)


def test_importing_the_runtime_and_a_kernel_module_does_not_import_libcst(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    result = python("""
        import sys
        import lifted, model
        assert callable(model.energy_grad)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("libcst", "jinja2") or m.startswith("lifted.transpiler"))
        print(loaded)
    """, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_load_imports_a_generated_module(built):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = load("build/model.py")
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(m.energy_grad(x, 3.0), 3.0 * x)
    assert m.__lifted_transforms__[("grad", "energy", ("x",), False)] == "energy_grad"
    assert load("build/model.py") is not m  # each load is a fresh module under a unique name


def test_load_warns_when_the_source_changed(built):
    source = built / "src" / "model.py"
    source.write_text(source.read_text().replace("0.5 * k", "0.25 * k"))
    with pytest.warns(RuntimeWarning, match=r"build/model.py is stale: its source .*src/model.py changed") as record:
        m = load(Path("build/model.py"))
    assert "Rebuild with: transpile src/model.py -o build" in str(record[0].message)
    np.testing.assert_allclose(m.energy_grad(np.ones(2), 2.0), [2.0, 2.0])  # the old code still runs


def test_load_finds_the_source_from_the_generated_files_parents(built, monkeypatch):
    source = built / "src" / "model.py"
    source.write_text(source.read_text() + "\n")
    elsewhere = built / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # `src/model.py` is not relative to the cwd any more
    with pytest.warns(RuntimeWarning, match="stale"):
        load(built / "build" / "model.py")


def test_load_is_quiet_when_the_source_is_gone(built):
    (built / "src" / "model.py").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load("build/model.py")


def test_load_of_a_missing_file_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="transpile SOURCE -o"):
        load(tmp_path / "nothing.py")


def test_on_the_fly_uses_the_declared_transform_and_caches_it(tmp_path, cache):
    (tmp_path / "model.py").write_text(MODEL)
    model = import_path(tmp_path / "model.py")
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(model.energy_grad(x, 2.0), 2.0 * x)
    value, (dx, dc) = model.total_vg(x, 2.0, 0.5)
    assert np.isclose(value, model.total(x, 2.0, 0.5))  # the source still runs as plain Python
    np.testing.assert_allclose(dx, 2.0 * x + 0.5 * np.cos(x))
    assert np.isclose(dc, np.sum(np.sin(x)))
    files = list(cache.glob("*.py"))
    assert len(files) == 1  # both declarations live in one module for the file
    assert "def energy_grad(" in files[0].read_text() and "def total_vg(" in files[0].read_text()
    # asking again for the same transform, even spelled differently, reuses the declaration
    np.testing.assert_allclose(grad(model.energy)(x, 2.0), 2.0 * x)
    np.testing.assert_allclose(grad(model.energy, wrt=0)(x, 2.0), 2.0 * x)
    assert list(cache.glob("*.py")) == files


def test_on_the_fly_adds_an_undeclared_transform(tmp_path, cache):
    (tmp_path / "model.py").write_text(MODEL)
    model = import_path(tmp_path / "model.py")
    x = np.array([0.5, -1.0, 2.0])
    dk = grad(model.energy, wrt="k")(x, 2.0)
    assert np.isclose(dk, 0.5 * np.sum(x * x))
    value, cotangent = vjp(model.energy, wrt=("x",))(x, 2.0, 3.0)
    assert np.isclose(value, model.energy(x, 2.0))
    np.testing.assert_allclose(cotangent[0], 3.0 * 2.0 * x)
    texts = [p.read_text() for p in cache.glob("*.py")]
    assert any("def _lifted_grad_energy_k(" in t for t in texts)
    assert any("def _lifted_vjp_energy_x(" in t for t in texts)


def test_on_the_fly_cache_is_reused_by_a_new_process(tmp_path, cache):
    (tmp_path / "model.py").write_text(MODEL)
    code = """
        import numpy as np, model
        from lifted import grad
        print(model.energy_grad(np.ones(3), 2.0).tolist(), grad(model.energy, wrt="k")(np.ones(3), 2.0))
    """
    first = python(code, cwd=tmp_path, LIFTED_CACHE_DIR=str(cache))
    assert first.returncode == 0, first.stderr
    snapshot = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    second = python(code, cwd=tmp_path, LIFTED_CACHE_DIR=str(cache))
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout == "[2.0, 2.0, 2.0] 1.5\n"
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == snapshot
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_on_the_fly_sees_an_edited_source(tmp_path, cache):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    x = np.ones(2)
    np.testing.assert_allclose(import_path(path).energy_grad(x, 1.0), x)
    path.write_text(MODEL.replace("0.5 * k", "1.5 * k"))
    np.testing.assert_allclose(import_path(path).energy_grad(x, 1.0), 3.0 * x)
    assert len(list(cache.glob("*.py"))) == 2


def test_on_the_fly_errors_are_clear(tmp_path, cache):
    (tmp_path / "model.py").write_text(MODEL)
    model = import_path(tmp_path / "model.py")
    with pytest.raises(ValueError, match="`energy` has no parameter 'z'"):
        grad(model.energy, wrt="z")(np.ones(2), 1.0)

    def plain(x):
        return x

    with pytest.raises(TypeError, match="not decorated with @kernel"):
        grad(plain)(1.0)


NESTED = '''import numpy as np
from lifted import grad, hessian, jvp, kernel


@kernel
def cube(a: "f64[]") -> "f64[]":
    return a * a * a


@kernel
def f(x: "f64[n]") -> "f64[]":
    s = 0.0
    for i in range(len(x)):
        s = s + np.sin(x[i]) * s + x[i] * x[i]
    return s


d2 = grad(grad(cube))
h = hessian(f)
'''


def _loop_f(x):
    s = 0.0
    for xi in x:
        s = s + np.sin(xi) * s + xi * xi
    return s


def test_on_the_fly_transforms_of_transforms(tmp_path, cache):
    (tmp_path / "nested.py").write_text(NESTED)
    nested = import_path(tmp_path / "nested.py")
    assert nested.d2(2.0) == pytest.approx(12.0)  # declared in the file: grad(grad(cube))
    assert grad(grad(nested.cube))(2.0) == pytest.approx(12.0)  # composed at run time
    assert grad(grad(grad(nested.cube)))(2.0) == pytest.approx(6.0)
    x, v, eps = np.array([0.1, 0.2, 0.3]), np.array([1.0, -0.5, 2.0]), 1e-4
    fd = np.array([[(_loop_f(x + eps * (ei + ej)) - _loop_f(x + eps * (ei - ej)) - _loop_f(x - eps * (ei - ej))
                     + _loop_f(x - eps * (ei + ej))) / (4 * eps * eps) for ej in np.eye(3)] for ei in np.eye(3)])
    hess = nested.h(x)  # a Hessian through a loop's tape
    np.testing.assert_allclose(hess, fd, rtol=1e-5, atol=1e-6)
    value, hv = jvp(grad(nested.f))(x, v)  # forward over reverse, composed at run time
    np.testing.assert_allclose(hv, hess @ v, rtol=1e-10)
    np.testing.assert_allclose(hessian(nested.f)(x), hess, rtol=1e-12)
    files = sorted(cache.glob("*.py"))
    assert jvp(grad(nested.f))(x, v)[1] is not None and sorted(cache.glob("*.py")) == files  # cached
    with pytest.raises(TypeError, match="not decorated with @kernel"):
        grad(grad(_loop_f))(x)
    with pytest.raises(Exception, match=r"`grad\(cube\)` has no parameter `zz`"):
        grad(grad(nested.cube), wrt="zz")(2.0)


def test_generated_modules_run_without_libcst(built):
    (built / "build" / "logistic.py").unlink(missing_ok=True)
    assert cli.main([str(ROOT / "examples" / "logistic.py"), "-o", "build"]) == 0
    result = python("""
        import sys
        sys.modules["libcst"] = None  # `import libcst` now raises ImportError
        try:
            import libcst
        except ImportError:
            pass
        else:
            raise SystemExit("libcst is still importable")
        import numpy as np
        from lifted import load
        m = load("build/model.py")
        print(m.energy_grad(np.array([1.0, 2.0]), 3.0).tolist())
        logistic = load("build/logistic.py")
        x = np.ones((4, 2)); y = np.array([0.0, 1.0, 1.0, 0.0])
        value, (dw,) = logistic.loss_vg(np.zeros(2), x, y)
        print(round(float(value), 6), dw.tolist())
        print(sorted(m for m in sys.modules if m.split(".")[0] == "libcst" or m.startswith("lifted.transpiler")))
    """, cwd=built)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[3.0, 6.0]"
    assert lines[1] == "0.693147 [0.0, 0.0]"
    assert lines[2] == "['libcst']"  # only the None placeholder we put there


def test_runtime_exports():
    assert {"kernel", "grad", "value_and_grad", "vjp", "load"} <= set(lifted.__all__)


FACTORY = '''
import numpy as np
from lifted import grad


def make_loss(scale):
    def loss(w: "f64[n]", x: "f64[n]"):
        return scale * np.sum(np.tanh(w * x) ** 2)
    return loss


objective = make_loss(0.5)
objective_grad = grad(objective)
'''


def test_on_the_fly_transforms_a_function_a_factory_made(tmp_path, cache):
    """`objective = make_loss(0.5)` then `grad(objective)`: the module-level name finds the function."""
    (tmp_path / "factory.py").write_text(FACTORY)
    model = import_path(tmp_path / "factory.py")
    w, x = np.array([0.3, -0.2, 0.8]), np.array([1.0, 2.0, -0.5])
    t = np.tanh(w * x)
    np.testing.assert_allclose(model.objective_grad(w, x), 0.5 * 2 * t * (1 - t * t) * x)
    np.testing.assert_allclose(grad(model.objective, wrt="x")(w, x), 0.5 * 2 * t * (1 - t * t) * w)


# -- the cache: a warm start without the compiler, keys that see every input, per-function failures ------------

DICE = '''from lifted import dist


@dist
def two():
    return d(2) + d(2)
'''


def test_a_warm_start_loads_the_cached_module_without_the_compiler(tmp_path, cache):
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "dice_model.py").write_text(DICE)
    code = """
        import sys
        import numpy as np, model, dice_model
        print(model.energy_grad(np.ones(3), 2.0).tolist(), dice_model.two()[3])
        print(sorted(m for m in sys.modules if m == "libcst" or m.startswith(("libcst.", "lifted.transpiler"))))
    """
    cold = python(code, cwd=tmp_path, LIFTED_CACHE_DIR=str(cache))
    assert cold.returncode == 0, cold.stderr
    assert "libcst" in cold.stdout
    warm = python(code, cwd=tmp_path, LIFTED_CACHE_DIR=str(cache))
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.splitlines() == ["[2.0, 2.0, 2.0] 0.5", "[]"]


KINETIC = '''import numpy as np
from lifted import kernel


@kernel
def spring(x: "f64[n]", k: "f64[]") -> "f64[]":
    return 0.5 * k * np.sum(x * x)
'''

USES_KINETIC = '''import numpy as np
from lifted import grad, kernel
from kinetic import spring


@kernel
def energy(x: "f64[n]", k: "f64[]") -> "f64[]":
    return spring(x, k)


energy_grad = grad(energy, wrt="x")
'''


def test_the_cache_sees_an_edited_imported_kernel_module(tmp_path, cache, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "kinetic.py").write_text(KINETIC)
    (tmp_path / "uses.py").write_text(USES_KINETIC)
    x = np.ones(2)
    np.testing.assert_allclose(import_path(tmp_path / "uses.py").energy_grad(x, 1.0), x)
    (tmp_path / "kinetic.py").write_text(KINETIC.replace("0.5 * k", "1.5 * k"))
    sys.modules.pop("kinetic", None)
    np.testing.assert_allclose(import_path(tmp_path / "uses.py").energy_grad(x, 1.0), 3.0 * x)


def test_the_cache_key_holds_the_compilers_fingerprint(tmp_path, cache, monkeypatch):
    from lifted import cache as cache_module

    (tmp_path / "model.py").write_text(MODEL)
    x = np.ones(2)
    import_path(tmp_path / "model.py").energy_grad(x, 1.0)
    assert len(list(cache.glob("*.py"))) == 1
    monkeypatch.setattr(cache_module, "_fingerprint", "an edited compiler, same version string")
    np.testing.assert_allclose(import_path(tmp_path / "model.py").energy_grad(x, 1.0), x)
    assert len(list(cache.glob("*.py"))) == 2
    assert cache_module.compiler_fingerprint() == "an edited compiler, same version string"


def test_the_compilers_fingerprint_covers_its_files():
    from lifted import cache as cache_module

    fingerprint = cache_module.compiler_fingerprint()
    assert len(fingerprint) == 40 and fingerprint == cache_module.compiler_fingerprint()


MIXED = '''import numpy as np
from lifted import dist, grad, kernel


@kernel
def good(x: "f64[n]") -> "f64[]":
    return np.sum(x * x)


@kernel
def bad(x: "f64[n]") -> "f64[]":
    return np.sum(np.packbits(x))


@dist
def fine():
    return d(2) + 1


@dist
def refused():
    return d(2) + undefined_name


good_grad = grad(good)
bad_grad = grad(bad)
'''


def test_a_refused_function_fails_when_called_and_the_others_still_work(tmp_path, cache):
    from lifted.transpiler import TranspileError

    (tmp_path / "mixed.py").write_text(MIXED)
    mixed = import_path(tmp_path / "mixed.py")
    np.testing.assert_allclose(mixed.good_grad(np.array([1.0, 2.0])), [2.0, 4.0])
    assert mixed.fine() == {2: 0.5, 3: 0.5}
    with pytest.raises(TranspileError, match=r"mixed\.py:12:19: error: `np.packbits` is not supported"):
        mixed.bad_grad(np.ones(2))
    with pytest.raises(TranspileError, match=r"mixed\.py:22:"):
        mixed.refused()
    with pytest.raises(TranspileError, match="np.packbits"):
        grad(mixed.bad)(np.ones(2))


def test_a_located_error_on_the_fly_shows_the_message_and_the_call_site_only(tmp_path, cache):
    (tmp_path / "mixed.py").write_text(MIXED)
    (tmp_path / "user.py").write_text("import numpy as np\nimport mixed\n\nmixed.bad_grad(np.ones(2))\n")
    result = subprocess.run([sys.executable, "user.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), LIFTED_CACHE_DIR=str(cache)))
    assert result.returncode == 1
    err = result.stderr
    assert 'user.py", line 4, in <module>' in err and "mixed.bad_grad(np.ones(2))" in err  # the caller's line
    assert "error: `np.packbits` is not supported in kernels" in err and "^^^" in err
    assert "transpiler" not in err.replace("lifted.transpiler.errors.TranspileError", "")
    assert len(err.splitlines()) <= 12, err


def _private_cache(cache: Path) -> None:
    cache.mkdir(mode=0o700)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_the_cache_directory_is_created_private_and_files_are_not_writable_by_others(tmp_path, cache):
    import stat

    (tmp_path / "model.py").write_text(MODEL)
    import_path(tmp_path / "model.py").energy_grad(np.ones(2), 1.0)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for file in cache.iterdir():
        if file.is_file():
            assert not file.stat().st_mode & 0o022


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_cache_writable_by_others_is_refused(tmp_path, cache):
    from lifted.cache import UnsafeCacheError

    (tmp_path / "model.py").write_text(MODEL)
    cache.mkdir()
    cache.chmod(0o777)
    with pytest.raises(UnsafeCacheError, match="writable by other users .*chmod go-w"):
        import_path(tmp_path / "model.py").energy_grad(np.ones(2), 1.0)
    cache.chmod(0o700)
    import_path(tmp_path / "model.py").energy_grad(np.ones(2), 1.0)  # a private cache is used
    planted = next(cache.glob("*.py"))
    planted.chmod(0o666)
    with pytest.raises(UnsafeCacheError, match="is writable by other users"):
        import_path(tmp_path / "model.py").energy_grad(np.ones(2), 1.0)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_cache_owned_by_another_user_is_refused(tmp_path, cache, monkeypatch):
    from lifted.cache import UnsafeCacheError

    (tmp_path / "model.py").write_text(MODEL)
    import_path(tmp_path / "model.py").energy_grad(np.ones(2), 1.0)
    me = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: me + 1)  # as another user would see this cache
    with pytest.raises(UnsafeCacheError, match="belongs to another user"):
        import_path(tmp_path / "model.py").energy_grad(np.ones(2), 1.0)


# -- argument checks at the entry of generated functions ---------------------------------------------------------

CHECKED = '''import numpy as np
from lifted import grad, kernel


@kernel
def loss(w: "f64[d]", x: "f64[n,d]", y: "f64[n]") -> "f64[]":
    return np.sum((x @ w - y) ** 2)


@kernel
def pick(k: "i64[3]", flag: "bool[]", scale) -> "f64[]":
    return np.sum(k * 1.0) * scale


loss_grad = grad(loss)
'''


@pytest.fixture
def checked(tmp_path, monkeypatch):
    (tmp_path / "checked.py").write_text(CHECKED)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["checked.py", "-o", "generated"]) == 0
    return tmp_path


@pytest.mark.parametrize("args, message", [
    (([0.0, 0.0], np.ones((4, 2)), np.ones(4)),
     'loss_grad(): argument `w` is a list, but its annotation "f64[d]" asks for a NumPy array; pass np.asarray(w)'),
    ((np.zeros((2, 1)), np.ones((4, 2)), np.ones(4)),
     'loss_grad(): argument `w` has shape (2, 1), but its annotation "f64[d]" asks for rank 1'),
    ((np.zeros(2), np.ones((4, 2)), np.ones(5)),
     'loss_grad(): argument `y` has shape (5,), but its annotation "f64[n]" asks for n = 4 on axis 0'),
    ((np.zeros(3), np.ones((4, 2)), np.ones(4)),
     'loss_grad(): argument `x` has shape (4, 2), but its annotation "f64[n,d]" asks for d = 3 on axis 1'),
    ((np.zeros(2, dtype=complex), np.ones((4, 2)), np.ones(4)),
     'loss_grad(): argument `w` has dtype complex128, but its annotation "f64[d]" asks for float64; pass '
     'w.astype(np.float64)'),
], ids=["list", "column", "named_dim", "named_dim_second_axis", "complex"])
def test_arguments_that_contradict_the_annotations_are_named(checked, args, message):
    module = import_path(checked / "generated" / "checked.py")
    with pytest.raises(TypeError) as info:
        module.loss_grad(*args)
    assert str(info.value) == message


def test_argument_checks_accept_what_the_annotations_allow(checked):
    module = import_path(checked / "generated" / "checked.py")
    np.testing.assert_allclose(module.loss_grad(np.zeros(2), np.ones((4, 2)), np.ones(4)), [-8.0, -8.0])
    ints = np.ones((4, 2), dtype=np.int64)  # Python computes with ints in int64: refused, with the cast to make
    with pytest.raises(TypeError, match=r'argument `x` has dtype int64, .* asks for float64; pass x\.astype\(np\.float64\)'):
        module.loss_grad(np.zeros(2), ints, np.ones(4))
    np.testing.assert_allclose(module.loss_grad(np.zeros(2), ints.astype(np.float64), np.ones(4)), [-8.0, -8.0])
    assert module.pick(np.arange(3), True, 2.0) == 6.0  # Python scalars, an unannotated parameter
    with pytest.raises(TypeError, match=r'argument `k` has shape \(4,\), .* "i64\[3\]" asks for size 3'):
        module.pick(np.arange(4), True, 2.0)
    with pytest.raises(TypeError, match=r"argument `k` has dtype float64, .* asks for int64; pass k\.astype"):
        module.pick(np.zeros(3), True, 2.0)
    with pytest.raises(TypeError, match=r"argument `k` has dtype int32, .* asks for int64; pass k\.astype"):
        module.pick(np.arange(3, dtype=np.int32), True, 2.0)  # (Python would wrap at 2**31)


class ArrayLike:
    """Not a NumPy array, with the attributes one has (as a JAX or CuPy array would)."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, np.dtype(dtype)


def test_argument_checks_remember_what_passed_and_still_refuse_the_rest(checked):
    """What passed once passes again without the work (the check reads only types, shapes and dtypes); every
    other combination is checked in full, alternating with ones that passed."""
    module = import_path(checked / "generated" / "checked.py")
    w, x, y = np.zeros(2), np.ones((4, 2)), np.ones(4)
    for _ in range(2):
        np.testing.assert_allclose(module.loss_grad(w, x, y), [-8.0, -8.0])
        np.testing.assert_allclose(module.loss_grad(np.zeros(3), np.ones((2, 3)), np.ones(2)), [-4.0] * 3)
        with pytest.raises(TypeError, match="asks for n = 4 on axis 0"):
            module.loss_grad(w, x, np.ones(2))  # each shape passed before, never together
        with pytest.raises(TypeError, match="asks for d = 3 on axis 1"):
            module.loss_grad(np.zeros(3), x, y)
        with pytest.raises(TypeError, match="dtype complex128"):
            module.loss_grad(w.astype(complex), x, y)
        with pytest.raises(TypeError, match="is a ArrayLike, but its annotation"):
            module.loss_grad(ArrayLike((2,), np.float64), x, y)
        with pytest.raises(TypeError, match="is a ArrayLike, but its annotation"):
            module.loss_grad(ArrayLike([2], np.float64), x, y)  # an unhashable shape
        assert module.pick(np.arange(3), True, 2.0) == 6.0
        assert module.pick(np.arange(3), np.bool_(False), 2) == 6.0
        with pytest.raises(TypeError, match="argument `flag` has dtype kind 'f'"):
            module.pick(np.arange(3), 1.0, 2.0)
        with pytest.raises(TypeError, match="argument `k` has dtype float64"):
            module.pick(np.arange(3.0), True, 2.0)
    assert len(module._ARGS_PASSED) == 4


def test_argument_checks_can_be_turned_off(checked):
    bad = "import numpy as np\nfrom lifted.loader import import_path\nm = import_path('generated/checked.py')\n" \
          "print(m.loss_grad(np.zeros(2), np.ones((4, 2)), np.ones((4, 1))).shape)\n"
    off = python(bad, cwd=checked, LIFTED_CHECK_ARGS="0")
    # unchecked, a (4, 1) y broadcasts and the "gradient" of a 2-vector comes back (4, 2): what the checks prevent
    assert off.returncode == 0 and off.stdout.strip() == "(4, 2)", off.stderr
    on = python(bad, cwd=checked)
    assert on.returncode == 1 and 'asks for rank 1' in on.stderr
    assert cli.main(["checked.py", "-o", "unchecked", "--no-arg-checks"]) == 0
    text = (checked / "unchecked" / "checked.py").read_text()
    assert "_check_args" not in text and "import os" not in text


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_group_writable_umask_does_not_lock_the_user_out_of_the_cache(tmp_path, cache):
    (tmp_path / "model.py").write_text(MODEL)
    code = """
        import os
        os.umask(0o002)
        import numpy as np, model
        print(model.energy_grad(np.ones(2), 1.0).tolist())
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # Python writes bytecode
    env.update(PYTHONPATH=str(ROOT), LIFTED_CACHE_DIR=str(cache))
    for _ in range(2):  # the second start finds the __pycache__ Python made under umask 002
        result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == 0 and result.stdout == "[1.0, 1.0]\n", result.stderr
    assert (cache / "__pycache__").is_dir()
