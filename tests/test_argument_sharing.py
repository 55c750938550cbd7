"""Arguments sharing memory with a parameter the kernel updates (normalize/argument_sharing.py).

A kernel's first update of its own parameter works on a copy, so the generated function cannot reproduce what
Python does when another argument (an array in a list argument, a module-level array the kernel reads) looks into
the same memory: it refuses such arguments at entry with a located ValueError. Everything else is checked against
plain Python (the un-transpiled source), the gradients against central differences of plain Python, on the NumPy
module, the C host module and the CUDA host path (through tests/fake_pycuda.py).
"""
from __future__ import annotations

import numpy as np
import pytest

import fake_pycuda
from gradcheck import assert_close, central_difference, load_source
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module
from test_cuda_runtime import cuda_module

SOURCE = '''
import numpy as np
from lifted import grad, jvp, kernel, value_and_grad, vjp, vmap

GRID = np.linspace(0.0, 1.0, 6)


@kernel
def f(a: "f64[n,d]", b: "f64[n,d]") -> "f64[]":
    for i in range(1, a.shape[0]):
        a[i] += a[i - 1] * b[i]
        b[i - 1] = a[i] - 1.0
    return np.sum(a) + np.sum(b)


@kernel
def on_grid(a: "f64[d]") -> "f64[]":
    a[1:3] *= 2.0
    return np.sum(a * GRID) + np.sum(a * a)


@kernel
def in_list(pair: "[f64[d], f64[d]]", c: "f64[d]") -> "f64[]":
    c[0] = 3.0 * c[1]
    return np.sum(pair[0] * c) + np.sum(pair[1] * pair[1])


@kernel
def reads_only(a: "f64[n,d]", b: "f64[n,d]") -> "f64[]":
    return np.sum(a * b)


f_grad = grad(f, wrt=("a", "b"))
f_value_and_grad = value_and_grad(f, wrt=("a", "b"))
f_vjp = vjp(f, wrt=("a",))
f_jvp = jvp(f, wrt=("a",))
f_rows = vmap(f, in_axes=(0, 0))
on_grid_grad = grad(on_grid)
'''

REFUSED = r"argument `{}` is updated in place \(sharing.py:{}\) and `{}` (may )?share"


def at(statement: str) -> str:
    """`line:col` of a statement in SOURCE (where the error says the parameter is first updated)."""
    for number, line in enumerate(SOURCE.split("\n"), start=1):
        if line.strip() == statement:
            return f"{number}:{len(line) - len(line.lstrip()) + 1}"
    raise AssertionError(statement)


def python_module() -> dict:
    namespace: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def argument_cases(base: np.ndarray) -> dict:
    """f's arguments, as views of `base` (Python's writes go through them): accepted, then refused cases."""
    big = np.concatenate([base, base])
    return {"separate": (base[:4], base[4:].copy()), "disjoint strided views": (big[::2, ::2], big[1::2, 1::2]),
            "disjoint rows": (base[::2], base[1::2]),
            "aliased": (base, base), "overlapping rows": (base[:6], base[2:]),
            "transposed": (base[:6, :6], base[:6, :6].T)}


REFUSED_F = REFUSED.format("a", at("a[i] += a[i - 1] * b[i]"), "b")
REFUSED_GRID = REFUSED.format("a", at("a[1:3] *= 2.0"), "GRID").replace("and `", "and the module-level array `")
ACCEPTED = ("separate", "disjoint strided views", "disjoint rows")


def modules(tmp_path, monkeypatch):
    """The NumPy module, the C host module and the CUDA host module (on the stand-in) of SOURCE."""
    c_host, _ = c_module(SOURCE, tmp_path, "sharing")
    fake_pycuda.install(monkeypatch)
    return {"numpy": load_source(SOURCE, "sharing.py"), "c": c_host, "cuda": cuda_module(SOURCE, tmp_path, "sharing")}


def test_sharing_arguments_are_refused_and_the_rest_match_python(tmp_path, monkeypatch):
    python = python_module()
    rng = np.random.default_rng(3)
    base = 0.3 * rng.normal(size=(8, 6))
    for backend, module in modules(tmp_path, monkeypatch).items():
        for what in argument_cases(base):
            args = argument_cases(base)[what]
            before = [a.copy() for a in args]
            what = f"{backend}, {what}"
            if what.split(", ")[1] not in ACCEPTED:
                for name in ("f", "f_grad", "f_value_and_grad", "f_jvp"):
                    extra = [np.ones_like(args[0])] if name == "f_jvp" else []
                    with pytest.raises(ValueError, match=REFUSED_F + r".*pass b\.copy\(\)"):
                        getattr(module, name)(*args, *extra)
                with pytest.raises(ValueError, match=REFUSED_F):
                    module.f_vjp(*args, 1.0)
                assert module.reads_only(*args) == pytest.approx(python["reads_only"](*args), rel=1e-12), what
                continue
            expected = python["f"](*argument_cases(base.copy())[what.split(", ")[1]])
            assert module.f(*args) == pytest.approx(expected, rel=1e-12), what
            plain = lambda a, b: python["f"](a.copy(), b.copy())  # noqa: E731
            grads = module.f_grad(*args)
            for position, got in enumerate(grads):
                assert_close(np.asarray(got), central_difference(plain, [a.copy() for a in args], position),
                             rtol=1e-5, atol=1e-6, what=what)
            for arg, kept in zip(args, before):
                np.testing.assert_array_equal(arg, kept, err_msg=what)


def test_module_level_and_list_held_arrays(tmp_path, monkeypatch):
    python = python_module()
    for backend, module in modules(tmp_path, monkeypatch).items():
        # the module's own GRID, or a view into it, passed for `a`: the kernel reads GRID after writing `a`
        for shared in (module.GRID, module.GRID[::-1]):
            with pytest.raises(ValueError, match=REFUSED_GRID + r".*pass a\.copy\(\)$"):
                module.on_grid(shared)
            with pytest.raises(ValueError, match=REFUSED_GRID):
                module.on_grid_grad(shared)
        a = np.arange(6.0)
        assert module.on_grid(a) == pytest.approx(python["on_grid"](a.copy()), rel=1e-12), backend
        assert_close(module.on_grid_grad(a), central_difference(lambda x: python["on_grid"](x.copy()), [a], 0),
                     rtol=1e-6, atol=1e-6, what=backend)
        c = np.linspace(1.0, 2.0, 6)
        with pytest.raises(ValueError, match=REFUSED.format("c", at("c[0] = 3.0 * c[1]"), "pair_0")):
            module.in_list([c, np.ones(6)], c)
        with pytest.raises(ValueError, match=REFUSED.format("c", at("c[0] = 3.0 * c[1]"), "pair_1")):
            module.in_list([np.ones(6), c[::-1]], c)
        pair = [np.ones(6), np.full(6, 2.0)]
        assert module.in_list(pair, c) == pytest.approx(python["in_list"](pair, c.copy()), rel=1e-12), backend


def test_vmap_checks_the_whole_batch(tmp_path, monkeypatch):
    """A Python loop over examples would see one example's write in another's read: the batched arrays are
    checked as wholes."""
    python = python_module()
    rng = np.random.default_rng(4)
    stack = rng.normal(size=(3, 8, 6)) * 0.3
    for backend, module in modules(tmp_path, monkeypatch).items():
        with pytest.raises(ValueError, match=REFUSED_F):
            module.f_rows(stack, stack)
        with pytest.raises(ValueError, match=REFUSED_F):
            module.f_rows(stack[:2], stack[1:])  # example 0's `b` is example 1's `a`
        other = stack[::-1].copy()
        expected = [python["f"](stack[k].copy(), other[k].copy()) for k in range(3)]
        np.testing.assert_allclose(np.asarray(module.f_rows(stack, other)), expected, rtol=1e-12, err_msg=backend)


def test_device_arrays_sharing_memory_are_refused(tmp_path, monkeypatch):
    module = modules(tmp_path, monkeypatch)["cuda"]
    import pycuda.gpuarray as gpuarray  # (the stand-in)

    x = gpuarray.to_gpu(np.random.default_rng(5).normal(size=(8, 6)))
    with pytest.raises(ValueError, match=REFUSED_F):
        module.f(x, x)
    with pytest.raises(ValueError, match=REFUSED_F):
        module.f(x[:6], x[2:])
    y = gpuarray.to_gpu(np.random.default_rng(6).normal(size=(8, 6)))
    value = module.f(x, y)
    assert float(value.get() if hasattr(value, "get") else value) == pytest.approx(
        python_module()["f"](x.get(), y.get()), rel=1e-12)


def test_no_check_where_no_parameter_is_updated():
    host = transpile_c(SOURCE, "sharing.py", target="cuda").host
    numpy_text = load_source.__globals__["transpile_source"](SOURCE, "sharing.py")
    for text in (host, numpy_text):
        body = text[text.index("def reads_only") if "def reads_only" in text else text.index("def _reads_only"):]
        assert "_check_unshared" not in body.split("\ndef ")[0]
    assert "_f_checks(a, b)\n    return _runtime.call(_f_body" in host


def test_update_inside_a_kernel_imported_from_another_module(tmp_path):
    """A called kernel updating its argument updates the caller's parameter (inlined): the check is the caller's,
    located at the update in the other module."""
    (tmp_path / "helper.py").write_text('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
                                        'def bump(v: "f64[n]") -> "f64[]":\n    v[0] += 1.0\n    return np.sum(v)\n')
    text = ('import numpy as np\nfrom lifted import kernel\nfrom helper import bump\n\n\n@kernel\n'
            'def f(a: "f64[n]", b: "f64[n]") -> "f64[]":\n    s = bump(a)\n    return s + np.sum(b)\n')
    module = load_source(text, str(tmp_path / "main.py"))
    x = np.arange(4.0)
    with pytest.raises(ValueError, match=r"f\(\): argument `a` is updated in place \(.*helper.py:7:5\) and `b`"):
        module.f(x, x)
    assert module.f(x, x.copy()) == 13.0
