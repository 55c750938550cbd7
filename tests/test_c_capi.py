"""The C-API call path of runs and loop kernels (`lifted.cpu.capi`, runtime/cpu/capi.cpp) against the Python path
(`LoopKernel.python_call`, ctypes): the same results (values, dtypes, types, layouts, ownership) and the same
exceptions (type and message) for every value a call may get, exact arrays and scalars packed in C, everything
else handed to the Python path; layouts read under the GIL while another thread reshapes; the Python path alone
where the extension is off (`LIFTED_CAPI=0`).

The values themselves are checked against the NumPy backend, finite differences and autograd by the rest of the
C test set, which runs on the C-API path (and, with `LIFTED_CAPI=0`, on the Python path).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from autograd import grad as autograd_grad

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.cpu import capi
from lifted.cpu import loop as cpu_loop
from test_c_backend import assert_agree, c_module

needs_capi = pytest.mark.skipif(capi.LOOP_CALL is object, reason=f"no C-API extension: {capi.UNAVAILABLE}")

PROGRAM = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", w: "f64[n]", s: "f64[]", k: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(3):
        total = total + np.sum(np.exp(x) * w) * s + 1.0 / (i - k)
    return total


@kernel
def g(x: "f64[n]", i: "i64[]") -> "f64[]":
    y = np.exp(x)
    z = y[i] * np.sum(y * x)
    return z + np.sum(np.sin(x) * z)


@kernel
def h(a: "f64[n,k]", b: "f64[j,m]") -> "f64[n,m]":
    c = np.exp(a[:, 1:]) @ np.tanh(b)
    return np.cos(c) * 2.0


@kernel
def steps(x: "f64[n]", s: "i64[]") -> "f64[n]":
    y = np.zeros_like(x)
    for step in range(s):
        y = y + 0.1 * x * np.concatenate((np.ones(1), y[:-1]))
    return y


@kernel
def last(x: "f64[n]", s: "i64[]") -> "f64[]":
    return np.sum(steps(x, s) * x)


f_grad = grad(f, wrt=(0, 1))
g_grad = grad(g, wrt="x")
last_grad = grad(last, wrt="x")
'''

ARGS = {
    "f": lambda rng: [rng.normal(size=6), rng.normal(size=6), 0.5, 7],
    "f_grad": lambda rng: [rng.normal(size=6), rng.normal(size=6), 0.5, 7],
    "g": lambda rng: [rng.normal(size=5), 3],
    "g_grad": lambda rng: [rng.normal(size=5), -2],
    "h": lambda rng: [rng.normal(size=(3, 5)), rng.normal(size=(4, 2))],
    "steps": lambda rng: [rng.normal(size=7), 3],
    "last": lambda rng: [rng.normal(size=7), 3],
    "last_grad": lambda rng: [rng.normal(size=7), 3],
}


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    module, _ = c_module(PROGRAM, tmp_path_factory.mktemp("capi"), "capi_program")
    return module, load_source(PROGRAM, "capi_program.py")


def _outcome(call, args):
    try:
        return "value", call(*args)
    except Exception as error:  # noqa: BLE001  (the exception is what is compared)
        return "error", (type(error), str(error))


def _same_outcome(a: tuple, b: tuple, what: str) -> None:
    assert a[0] == b[0], f"{what}: {a} vs {b}"
    _same(a[1], b[1], what)


def _same(a, b, what: str) -> None:
    assert type(a) is type(b), f"{what}: {type(a)} vs {type(b)}"
    if isinstance(a, tuple):
        assert len(a) == len(b), what
        for x, y in zip(a, b):
            _same(x, y, what)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides, what
        assert a.flags.writeable == b.flags.writeable and a.flags.c_contiguous == b.flags.c_contiguous, what
        assert np.array_equal(a, b, equal_nan=True), what
    else:
        assert a == b or (a != a and b != b), f"{what}: {a!r} vs {b!r}"


def _variants(value):
    """Values a kernel may get in place of `value` (of the shape it had: a kernel trusts the host module's
    argument check for the sizes; None where the loop reads the value would read nothing): the exact ones the C
    call packs and the others it hands to the Python path."""
    if isinstance(value, np.ndarray):
        read_only = value.copy()
        read_only.flags.writeable = False
        records = np.zeros(value.shape, dtype=[("a", "f8"), ("pad", "i4")])
        records["a"] = value
        out = [value, value.astype(np.float32), np.repeat(value, 2, axis=-1)[..., ::2], value[::-1].copy()[::-1],
               read_only, records["a"], value.tolist(), value.view(type("Sub", (np.ndarray,), {})),
               np.asfortranarray(value)]
        if value.ndim:
            out.append(value.reshape(value.shape + (1,)))
        return out
    if isinstance(value, bool) or value is None:
        return [value]
    if isinstance(value, (int, np.integer)):
        return [int(value), np.int64(value), np.int32(value), True, np.array(value), 2 ** 70, float(value), "x", 0]
    return [float(value), np.float64(value), np.float32(value), int(value), np.array(value), 2 ** 1030, "x",
            complex(value)]


def _recorded_calls(module, name: str, args: list, monkeypatch) -> list:
    """The (kernel, arguments) of each run or loop kernel call one call of `module.name` makes."""
    calls = []
    call = cpu_loop.LoopKernel.__call__

    def recording(self, *values):
        calls.append((self, values))
        return call(self, *values)

    monkeypatch.setattr(cpu_loop.LoopKernel, "__call__", recording)
    getattr(module, name)(*args)
    monkeypatch.setattr(cpu_loop.LoopKernel, "__call__", call)
    return calls


@needs_capi
@pytest.mark.parametrize("name", sorted(ARGS))
def test_both_paths_return_and_raise_the_same(program, name, monkeypatch):
    module, _ = program
    calls = _recorded_calls(module, name, ARGS[name](np.random.default_rng(5)), monkeypatch)
    assert calls, f"{name} should call a run or loop kernel"
    for kernel, args in calls:
        assert kernel.capi
        _same_outcome(_outcome(kernel, args), _outcome(kernel.python_call, args), f"{name} as called")
        for position, value in enumerate(args):
            for variant in _variants(value):
                changed = list(args)
                changed[position] = variant
                _same_outcome(_outcome(kernel, changed), _outcome(kernel.python_call, changed),
                      f"{name}: input {position} as {type(variant).__name__} {getattr(variant, 'dtype', '')}")
        for count in (0, len(args) - 1, len(args) + 1):  # (arity: the Python path's TypeError)
            _same_outcome(_outcome(kernel, args[:count] + (0,) * (count - len(args))), _outcome(
                kernel.python_call, args[:count] + (0,) * (count - len(args))), f"{name}: {count} inputs")


@needs_capi
def test_exact_arrays_and_scalars_never_reach_the_python_path(program, monkeypatch):
    module, reference = program
    taken = []
    python_call = cpu_loop.LoopKernel.python_call
    monkeypatch.setattr(cpu_loop.LoopKernel, "python_call", lambda self, *a: taken.append(a) or python_call(self, *a))
    rng = np.random.default_rng(1)
    for name, make in ARGS.items():
        args = make(rng)
        assert_agree(getattr(module, name)(*args), getattr(reference, name)(*args), name)
    args = [rng.normal(size=6), rng.normal(size=6), np.float64(0.25), np.int64(4)]
    assert_agree(module.f(*args), reference.f(*args), "NumPy scalars")
    assert taken == []
    x32 = rng.normal(size=7).astype(np.float32)  # (Python computes in float32: refused at entry, never converted)
    with pytest.raises(TypeError, match=r"argument `x` has dtype float32, .* pass x\.astype\(np\.float64\)"):
        module.steps(x32, 2)
    assert taken == []
    derived = rng.normal(size=7).view(type("Sub", (np.ndarray,), {}))  # (a subclass: the Python path's _as_input)
    assert_agree(module.steps(derived, 2), reference.steps(derived, 2), "a subclass")
    assert taken


@pytest.mark.parametrize("path", ["capi", "python"])
def test_errors_inside_a_call_are_numpys_and_pythons(program, path, monkeypatch):
    if path == "capi" and capi.LOOP_CALL is object:
        pytest.skip(f"no C-API extension: {capi.UNAVAILABLE}")
    if path == "python":
        monkeypatch.setattr(cpu_loop.LoopKernel, "__call__", cpu_loop.LoopKernel.python_call)
    module, reference = program
    x = np.linspace(0.1, 1.0, 5)
    for bad in (5, -6):
        with pytest.raises(IndexError) as c_error:
            module.g(x, bad)
        with pytest.raises(IndexError) as numpy_error:
            reference.g(x, bad)
        assert str(c_error.value) == str(numpy_error.value)
    with pytest.raises(ZeroDivisionError):  # (Python says "float division by zero"; the C side names no type)
        module.f(x, x, 0.5, 2)
    with pytest.raises(ZeroDivisionError):
        reference.f(x, x, 0.5, 2)
    with pytest.raises(ValueError) as c_error:
        module.h(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError) as numpy_error:
        reference.h(np.ones((2, 3)), np.ones((3, 2)))
    assert str(c_error.value) == str(numpy_error.value)
    with pytest.raises(TypeError) as c_error:  # (the host module's argument check, before any kernel)
        module.g(x.reshape(1, 5), 1)
    with pytest.raises(TypeError) as numpy_error:
        reference.g(x.reshape(1, 5), 1)
    assert type(c_error.value) is type(numpy_error.value)


@pytest.mark.parametrize("path", ["capi", "python"])
def test_gradients_on_both_paths_against_differences_and_autograd(program, path, monkeypatch):
    if path == "capi" and capi.LOOP_CALL is object:
        pytest.skip(f"no C-API extension: {capi.UNAVAILABLE}")
    if path == "python":
        monkeypatch.setattr(cpu_loop.LoopKernel, "__call__", cpu_loop.LoopKernel.python_call)
    module, _ = program
    independent = autograd_kernels(PROGRAM)
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=6), rng.normal(size=6)
    dx, dw = module.f_grad(x, w, 0.5, 7)
    assert_close(dx, central_difference(module.f, [x, w, 0.5, 7], 0), what="f_grad dx vs differences")
    assert_close(dw, central_difference(module.f, [x, w, 0.5, 7], 1), what="f_grad dw vs differences")
    assert_close(dx, autograd_grad(independent["f"], 0)(x, w, 0.5, 7), what="f_grad dx vs autograd")
    assert_close(dw, autograd_grad(independent["f"], 1)(x, w, 0.5, 7), what="f_grad dw vs autograd")
    y = rng.uniform(0.1, 1.0, size=7)
    dy = module.last_grad(y, 3)
    assert_close(dy, central_difference(module.last, [y, 3], 0), what="last_grad vs differences")
    assert_close(dy, autograd_grad(independent["last"], 0)(y, 3), what="last_grad vs autograd")


@needs_capi
def test_results_are_the_callers_alone(program):
    module, reference = program
    rng = np.random.default_rng(4)
    args = [rng.normal(size=(3, 5)), rng.normal(size=(4, 2))]
    first = module.h(*args)
    kept = first.copy()
    later = [module.h(rng.normal(size=(3, 5)), rng.normal(size=(4, 2))) for _ in range(3)]
    assert np.array_equal(first, kept) and first.flags.writeable and first.flags.c_contiguous
    assert not any(np.shares_memory(first, other) for other in later)
    assert not any(np.shares_memory(first, a) for a in args)
    assert_agree(first, reference.h(*args), "h")
    y = module.steps(args[0][0], 2)  # (a result of a loop kernel whose block the call allocated)
    assert not np.shares_memory(y, args[0])


@pytest.mark.parametrize("path", ["capi", "python"])
def test_a_call_reads_a_layout_another_thread_changes_whole(program, path, monkeypatch):
    """The array's header is read under the GIL (C call), or the call holds it (Python path, header reads): a
    thread reshaping the array between (5,) and (1, 5) makes each call see one shape or the other, never a mix
    (the dims of the old shape are freed when the shape changes)."""
    if path == "capi" and capi.LOOP_CALL is object:
        pytest.skip(f"no C-API extension: {capi.UNAVAILABLE}")
    module, reference = program
    kernel = next(k for name, k in vars(module._kernels).items() if name.startswith("g_block"))
    call = kernel if path == "capi" else kernel.python_call
    x = np.linspace(0.1, 1.0, 5)
    expected = reference.g(x.copy(), 2)
    stop = threading.Event()

    def reshape():
        while not stop.is_set():
            x.shape = (1, 5)
            x.shape = (5,)

    thread = threading.Thread(target=reshape)
    thread.start()
    outcomes = set()
    try:
        for _ in range(3000):
            try:
                outcomes.add(float(call(x, 2)) == expected)
            except ValueError as error:
                assert "compiled for rank 1" in str(error)
                outcomes.add("rank")
    finally:
        stop.set()
        thread.join()
    assert False not in outcomes and True in outcomes


def test_without_the_extension_the_python_path_runs(tmp_path):
    """`LIFTED_CAPI=0`: LoopKernel's base is object and every call is `python_call` (as where the extension
    cannot be built); the same module gives the same numbers."""
    code = f"""
import numpy as np
from lifted.cpu import capi
from lifted.cpu import loop as cpu_loop
from test_c_backend import c_module
from pathlib import Path
assert capi.LOOP_CALL is object and capi.UNAVAILABLE == "turned off by LIFTED_CAPI=0", capi.UNAVAILABLE
assert cpu_loop.LoopKernel.__call__ is cpu_loop.LoopKernel.python_call
module, _ = c_module({PROGRAM!r}, Path({str(tmp_path)!r}), "off")
x = np.linspace(0.1, 1.0, 7)
print(repr(float(module.last(x, 3))))
print(repr(module.last_grad(x, 3).tolist()))
"""
    env = dict(os.environ, LIFTED_CAPI="0", PYTHONPATH=os.pathsep.join([str(Path(__file__).parent)] + sys.path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    module, _ = c_module(PROGRAM, tmp_path, "on")
    x = np.linspace(0.1, 1.0, 7)
    assert result.stdout.splitlines() == [repr(float(module.last(x, 3))), repr(module.last_grad(x, 3).tolist())]


@needs_capi
def test_the_argument_checks_key_is_the_python_one():
    """`arguments_key` (C) makes the tuple the host module's `_check_args` made in Python: the name, then each
    argument's type, `getattr(value, "shape", None)` and `getattr(value, "dtype", None)`; an attribute that
    raises something other than AttributeError raises it, as getattr does."""
    class Shaped:
        shape = (3,)

    class Broken:
        @property
        def shape(self):
            raise KeyError("shape")

    x = np.arange(6.0).reshape(2, 3)
    values = (x, x[:, ::2], x.T, np.float64(1.5), np.int32(2), 1.5, 3, True, None, [1.0, 2.0], "s", Shaped(),
              x.view(type("Sub", (np.ndarray,), {})), np.array(2.0), np.ones((0, 4), np.float32), np.ma.ones(3))
    for count in range(len(values) + 1):
        args = values[:count]
        made, expected = capi.extension.arguments_key("f", args), capi._arguments_key("f", args)
        assert made == expected and [type(v) for v in made] == [type(v) for v in expected]
        assert hash(made) == hash(expected)
    for key in (capi.extension.arguments_key, capi._arguments_key):
        with pytest.raises(KeyError):
            key("f", (x, Broken()))
