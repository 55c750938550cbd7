"""Straight-line host code as one C call (CPU target, `transpiler/backends/c/loops/`): a run of host statements
the C side can run with the host module's meaning (launches, loops, views, fills, in-place updates, scalars, matrix
products, tapes made and used in the run) becomes one C function, so a small function costs one ctypes call.

Checked here: the number of C calls a function call makes; which runs qualify and where a run is cut (an operation
C does not run: a gather on the host, a print); values and gradients against Python, the NumPy backend, finite
differences and autograd; NumPy's exceptions and messages from inside a run (an index out of bounds, a product of
mismatched sizes); results that later calls never write into (scratch memory, result blocks); arguments written
in place and passed twice; matrix products on strided, transposed and vector operands, with and without BLAS.
"""
from __future__ import annotations

import ctypes
import re

import numpy as np
import pytest

from gradcheck import load_source
from test_c_backend import assert_agree, c_module
from test_c_loop_kernels import _count_launches, check_c_against_python

STRAIGHT = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", w: "f64[n,m]", v: "f64[m]") -> "f64[]":
    a = np.max(x)
    e = np.exp(x - a)
    h = np.tanh(w.T @ (e / np.sum(e)) + v)
    return a + np.log(np.sum(e)) + np.sum(h * h) / (1.0 + np.sum(v * v))


g = grad(f, wrt=("x", "w", "v"))
'''


def _calls(module, name: str, args: list, monkeypatch) -> int:
    counts = _count_launches(monkeypatch)
    getattr(module, name)(*args)
    counts[0] = 0
    getattr(module, name)(*args)
    return counts[0]


def test_a_straight_line_gradient_is_one_c_call(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    args = [rng.normal(size=7), rng.normal(size=(7, 3)), rng.normal(size=3)]
    module = check_c_against_python(STRAIGHT, args, tmp_path, "straight", (0, 1, 2))
    host = (tmp_path / "straight.py").read_text()
    assert "_runtime.matmul" not in host and "_k0(" not in host  # (every launch and product inside the run)
    assert _calls(module, "f", args, monkeypatch) == 1
    assert _calls(module, "g", args, monkeypatch) == 1


def test_results_are_the_callers_alone(tmp_path):
    """Arrays that die with a call live in the thread's scratch block, results in a block of their call: a later
    call writes into neither the earlier results nor the arguments."""
    module, _ = c_module(STRAIGHT, tmp_path, "kept")
    reference = load_source(STRAIGHT, "kept.py")
    rng = np.random.default_rng(2)
    first_args = [rng.normal(size=5), rng.normal(size=(5, 4)), rng.normal(size=4)]
    first = module.g(*first_args)
    kept = [r.copy() for r in first]
    for n in (5, 9, 200, 5):
        later = module.g(rng.normal(size=n), rng.normal(size=(n, 4)), rng.normal(size=4))
        assert not any(np.shares_memory(a, b) for a in first for b in later)
    for got, was in zip(first, kept):
        assert np.array_equal(got, was)
    assert_agree(first, reference.g(*first_args), "first call vs the NumPy backend")
    assert not any(np.shares_memory(a, b) for i, a in enumerate(first) for b in first[i + 1:])


SPLIT = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", idx: "i64[k]", w: "f64[n]") -> "f64[]":
    a = np.sum(np.exp(x) * w)
    b = np.max(x * a)
    print(a)
    c = np.sum(np.sin(x) * b)
    d = np.sum(np.cos(w) * c)
    return d + np.sum(x[idx])


@kernel
def one(x: "f64[n]") -> "f64[n]":
    return np.exp(x) * 2.0
'''


def test_a_run_ends_at_what_c_does_not_run(tmp_path, monkeypatch, capsys):
    module, _ = c_module(SPLIT, tmp_path, "split")
    reference = load_source(SPLIT, "split.py")
    host = (tmp_path / "split.py").read_text()
    body = host[host.index("\ndef f("):host.index("\ndef one(")]
    # cut at the print; the gather's index check and its table are in the second run
    assert re.findall(r"_kernels\.(f_\w+)\(", body) == ["f_block0", "f_block1"], body
    one = host[host.index("\ndef one("):]
    assert "_block" not in one  # a single launch stays a launch (a run's call would cost more)
    x, w = np.linspace(0.1, 1.0, 6), np.linspace(-1.0, 1.0, 6)
    idx = np.array([0, 5, -1, 2])
    assert_agree(module.f(x, idx, w), reference.f(x, idx, w), "split run")
    assert _calls(module, "f", [x, idx, w], monkeypatch) == 2
    for bad in (np.array([0, 6]), np.array([-7, 1])):  # NumPy's IndexError, raised in the run
        with pytest.raises(IndexError) as c_error:
            module.f(x, bad, w)
        with pytest.raises(IndexError) as numpy_error:
            reference.f(x, bad, w)
        assert str(c_error.value) == str(numpy_error.value)
    capsys.readouterr()


INDEXED = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", i: "i64[]") -> "f64[]":
    y = np.exp(x)
    z = y[i] * np.sum(y * x)
    return z + np.sum(np.sin(x) * z)


@kernel
def product(a: "f64[n,k]", b: "f64[k,m]") -> "f64[]":
    c = np.exp(a[:, 1:]) @ np.tanh(b)
    return np.sum(np.cos(c) * 2.0)
'''


def test_errors_inside_a_run_are_numpys(tmp_path):
    module, _ = c_module(INDEXED, tmp_path, "indexed")
    reference = load_source(INDEXED, "indexed.py")
    host = (tmp_path / "indexed.py").read_text()
    assert "f_block0(" in host and "product_block0(" in host
    x = np.linspace(0.0, 1.0, 4)
    for i in (0, 3, -4):
        assert_agree(module.f(x, i), reference.f(x, i), f"index {i}")
    for i in (4, -5):
        with pytest.raises(IndexError) as c_error:
            module.f(x, i)
        with pytest.raises(IndexError) as numpy_error:
            reference.f(x, i)
        assert str(c_error.value) == str(numpy_error.value)
    a, b = np.ones((2, 3)), np.ones((3, 2))
    with pytest.raises(ValueError) as c_error:
        module.product(a, b)
    with pytest.raises(ValueError) as numpy_error:
        reference.product(a, b)
    assert str(c_error.value) == str(numpy_error.value)


PRODUCTS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(a: "f64[n,k]", b: "f64[k,m]", v: "f64[k]", u: "f64[n]") -> "f64[]":
    p = np.tanh(a) @ b
    q = a @ v
    r = u @ np.sin(a)
    s = a.T @ np.exp(p)
    return np.sum(p * p) + np.sum(np.exp(q) * u) + np.sum(r * v) + np.sum(s * s) / 7.0


g = grad(f, wrt=("a", "b", "v", "u"))
'''


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
def test_matrix_products_in_a_run(tmp_path, layout):
    """Matrices and vectors, contiguous, transposed and strided (products this small run in C loops, which read
    any strides; BLAS's layouts are checked by size class below), against Python, the NumPy backend, finite
    differences and autograd."""
    rng = np.random.default_rng(3)
    shapes = [(4, 3), (3, 5), (3,), (4,)]
    args = [rng.normal(size=s) * 0.5 for s in shapes]
    if layout == "transposed":
        args[0], args[1] = np.asfortranarray(args[0]), np.asfortranarray(args[1])
    elif layout == "strided":
        args = [np.repeat(a, 2, axis=-1)[..., ::2] for a in args]
    module = check_c_against_python(PRODUCTS, args, tmp_path, f"products_{layout}", (0, 1, 2, 3))
    assert "_runtime.matmul" not in (tmp_path / f"products_{layout}.py").read_text()
    assert module.f(*args) == pytest.approx(load_source(PRODUCTS, "p.py").f(*args), rel=1e-12)


def test_products_without_blas(tmp_path):
    """Where no BLAS was found the run multiplies in C loops: the same numbers to round-off (matrix products
    large enough to call BLAS when it is there: 70 x 60 x 50)."""
    module, _ = c_module(PRODUCTS, tmp_path, "products_loops")
    reference = load_source(PRODUCTS, "products_loops.py")
    pointer = ctypes.c_void_p.in_dll(module._kernels.library, "lifted_blas_dgemm")
    saved = pointer.value
    assert saved  # (NumPy's OpenBLAS was found)
    rng = np.random.default_rng(5)
    args = [rng.normal(size=s) * 0.2 for s in [(70, 60), (60, 50), (60,), (70,)]]
    try:
        pointer.value = None
        assert_agree(module.g(*args), reference.g(*args), "products in C loops")
        assert_agree(module.f(*args), reference.f(*args), "primal in C loops")
    finally:
        pointer.value = saved


SIZED_PRODUCTS = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "f64[n,k]", b: "f64[k,m]", v: "f64[k]", u: "f64[n]"):
    return a @ b, a @ v, u @ a, a.T @ u


@kernel
def f32(a: "f32[n,k]", b: "f32[k,m]", v: "f32[k]", u: "f32[n]"):
    return a @ b, a @ v, u @ a, a.T @ u
'''


@pytest.mark.parametrize("n, k, m", [(4, 3, 5), (1, 7, 1), (16, 128, 2), (300, 200, 50), (2100, 2000, 3)])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
def test_products_by_size_class_agree_with_numpy(tmp_path_factory, n, k, m, layout):
    """Each size class of a run's products: tiny ones (at most 256 multiplications) and matrix-vector ones up to
    2^22 in C loops, the tiles where they fit ((300, 200) x (200, 50); see test_c_tile_products.py), larger or
    narrower ones through BLAS ((16, 128) x (128, 2) and all of (2100, 2000)); contiguous, transposed and strided
    operands; float64 and float32. NumPy's numbers to round-off (the loops, tiles and BLAS add in their own
    orders)."""
    module, _ = c_module(SIZED_PRODUCTS, tmp_path_factory.mktemp("sized"), "sized_products")
    rng = np.random.default_rng(n + k + m)
    args = [rng.normal(size=s) for s in [(n, k), (k, m), (k,), (n,)]]
    if layout == "transposed":
        args[0], args[1] = np.asfortranarray(args[0]), np.asfortranarray(args[1])
    elif layout == "strided":
        args = [np.repeat(a, 2, axis=-1)[..., ::2] for a in args]
    for function, dtype, rtol in ((module.f, np.float64, 1e-12), (module.f32, np.float32, 2e-5)):
        typed = [a.astype(dtype) if dtype is np.float32 else a for a in args]
        a, b, v, u = typed
        for got, expected in zip(function(*typed), (a @ b, a @ v, u @ a, a.T @ u)):
            assert got.dtype == dtype and got.shape == expected.shape
            scale = np.sqrt(k) * np.abs(expected).max(initial=1.0)  # (round-off of a sum of k products)
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale)


def test_inputs_read_from_their_headers_in_any_layout(tmp_path):
    """A run's ndarray inputs of the compiled dtype and rank pass as their address, and C reads data, dims and
    strides from the array's header: views at an offset, negative and zero strides, empty arrays; a structured
    array's field (a stride that is not whole elements) makes the call start again with a packed copy; other
    inputs (another dtype, a subclass) are converted first as before. Values against Python."""
    from lifted.cpu import buffers

    assert buffers.HEADER_READABLE  # (NumPy's layout on this machine: the quick path is the one tested)
    module, _ = c_module(STRAIGHT, tmp_path, "headers")
    reference = load_source(STRAIGHT, "headers.py")
    rng = np.random.default_rng(11)
    x, w, v = rng.normal(size=6), rng.normal(size=(6, 4)), rng.normal(size=4)
    record = np.zeros(6, dtype=[("a", np.float64), ("b", np.int32)])
    record["a"] = x

    class Sub(np.ndarray):
        pass

    cases = [(x, w, v), (x[::-1], w[::-1, ::2].repeat(2, axis=1), v[::-1]), (record["a"], w.T.copy().T, v),
             (np.broadcast_to(x[:1], (6,)), w, v), (x.view(Sub), np.asfortranarray(w), v),
             (np.ones(0)[:0].repeat(0), np.ones((0, 4)), v)]
    for args in cases[:-1]:
        for name in ("f", "g"):
            got, expected = getattr(module, name)(*args), getattr(reference, name)(*args)
            assert_agree(got, expected, f"{name} on {[getattr(a, 'strides', None) for a in args]}")
        assert_agree(module.g(*args), module.g(*args), "again")  # (a second call: the buffer reused)
    with pytest.raises(TypeError, match=r"pass w\.astype\(np\.float64\)"):  # (another dtype: refused at entry)
        module.f(x, w.astype(np.float32), v)
    with pytest.raises(ValueError) as c_error:  # (empty: NumPy's max refuses, and so does the run)
        module.f(*cases[-1])
    with pytest.raises(ValueError) as numpy_error:
        reference.f(*cases[-1])
    assert str(c_error.value) == str(numpy_error.value)



def test_a_max_over_an_empty_axis_is_refused_even_with_no_results(tmp_path):
    """NumPy refuses `np.max(w, axis=1)` whenever axis 1 is empty, also for a (0, 0) array with no results; a
    run refused only where there were results (a (0, 0) array returned an empty array)."""
    text = STRAIGHT + """

@kernel
def rows(w: "f64[n,m]", v: "f64[m]"):
    top = np.max(w * 2.0 + v, axis=1)
    return top * top + 1.0
"""
    module, _ = c_module(text, tmp_path, "empty_axis")
    reference = load_source(text, "empty_axis.py")
    for shape in ((0, 0), (3, 0), (0, 3), (2, 3)):
        w, v = np.ones(shape), np.ones(shape[1])
        try:
            expected = reference.rows(w, v)
        except ValueError as numpy_error:
            with pytest.raises(ValueError) as c_error:
                module.rows(w, v)
            assert str(c_error.value) == str(numpy_error), shape
        else:
            assert_agree(module.rows(w, v), expected, f"rows {shape}")

IN_PLACE = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    a = np.exp(x) * 2.0
    x[1:] = a[:-1]
    b = np.sum(np.sin(y) * a)
    y[0] = b
    return np.tanh(x + y) * np.sum(x * y)
'''


def test_arguments_written_in_place_and_passed_twice(tmp_path):
    """A run writes through its arguments as the host module does, also when both are one array."""
    module, _ = c_module(IN_PLACE, tmp_path, "in_place")
    reference = load_source(IN_PLACE, "in_place.py")
    assert "f_block0(" in (tmp_path / "in_place.py").read_text()
    base = np.linspace(0.1, 0.9, 5)
    pairs = [(base.copy(), base[::-1].copy())]
    for x, y in pairs:
        xc, yc, xr, yr = x.copy(), y.copy(), x.copy(), y.copy()
        assert_agree(module.f(xc, yc), reference.f(xr, yr), "separate arrays")
        assert_agree((xc, yc), (xr, yr), "arguments written")
    shared_c, shared_r = base.copy(), base.copy()
    try:
        expected = reference.f(shared_r, shared_r)
    except ValueError as error:  # (the sharing check refuses it: so must the C module)
        with pytest.raises(ValueError, match=re.escape(str(error)[:40])):
            module.f(shared_c, shared_c)
    else:
        assert_agree(module.f(shared_c, shared_c), expected, "one array twice")
        assert_agree(shared_c, shared_r, "the shared argument")


STACKED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(q: "f64[k,d,d]", x: "f64[n,k,d]", p: "f64[d,d]") -> "f64[]":
    y = np.einsum("kij,nkj->nki", q, x)
    z = np.tanh(q) @ np.exp(q)
    u = np.cos(p) @ np.sin(q)
    return np.sum(y * y) + np.sum(z * x[0][:, :, None]) + np.sum(u * u)


g = grad(f, wrt=("q", "x", "p"))
'''


def test_stacked_products_in_a_run(tmp_path, monkeypatch):
    """Stacks of matrices (one product per matrix, a matrix against a stack broadcast) and an einsum that is one
    stacked product of transposed views, as gmm's: in the run, against Python, NumPy, differences and autograd."""
    rng = np.random.default_rng(6)
    args = [rng.normal(size=(3, 2, 2)) * 0.5, rng.normal(size=(4, 3, 2)), rng.normal(size=(2, 2))]
    module = check_c_against_python(STACKED, args, tmp_path, "stacked", (0, 1, 2))
    host = (tmp_path / "stacked.py").read_text()
    assert "_runtime" not in host[host.index("\ndef f("):]
    assert _calls(module, "g", args, monkeypatch) == 1


def test_calls_from_several_threads(tmp_path):
    """Each thread has its own scratch block and each call its own result block: calls running at once agree with
    the same calls made one after the other."""
    import threading

    module, _ = c_module(STRAIGHT, tmp_path, "threads")
    rng = np.random.default_rng(8)
    cases = [[rng.normal(size=n), rng.normal(size=(n, 3)), rng.normal(size=3)] for n in (4, 40, 400, 7)]
    expected = [module.g(*args) for args in cases]
    failures = []

    def work(index):
        for _ in range(50):
            got = module.g(*cases[index])
            if not all(np.array_equal(a, b) for a, b in zip(got, expected[index])):
                failures.append(index)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


LOOPS_SHARING_A_TAPE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", idx: "i64[k]", steps: "i64[]") -> "f64[]":
    a = 0.0
    for i in range(steps):
        a = a + np.sum(np.sin(x * (i + 1.0)))
    b = 0.0
    for j in range(steps):
        b = b + np.sum(np.tanh(x[x > 0.5] * (j + 1.0)) * a)
    return a + b


g = grad(f, wrt="x")
'''


def test_loops_whose_tapes_the_host_shares_split_out_of_a_run(tmp_path):
    """Two loops, the second's tape pushed and popped by host loops (a boolean mask gathers, and its reverse writes
    through the mask, on the host): the first loop and the mask are one C call, the second loop stays on the host
    with its tape a list (the choice ends: it searched for ever before, when gathers and scatter-adds were host
    code too)."""
    rng = np.random.default_rng(9)
    args = [rng.uniform(0.1, 0.9, 6), np.array([0, 5, 5, -1, 2]), 3]
    check_c_against_python(LOOPS_SHARING_A_TAPE, args, tmp_path, "loops_tape", (0,))
    gradient = (tmp_path / "loops_tape.py").read_text().split("\ndef g(")[1]
    assert "_kernels.g_block0(" in gradient and "for j in reversed(range(steps)):" in gradient
    assert "tape_t_5.append(" in gradient and "tape_t_5.pop()" in gradient


def test_every_error_code_of_a_c_call_is_one_python_exception():
    """The C side names a failure by a number (loops/emit.py's ERRORS, and the prelude's own helpers); each has
    its own meaning in the runtime's `_error`, so two features never share one (`header`, 16: retried with the
    inputs packed in Python, never raised)."""
    from importlib import resources

    from lifted.cpu.loop import _error
    from lifted.transpiler.backends.c.loops.emit import ERRORS

    assert len(set(ERRORS.values())) == len(ERRORS)
    for name, code in ERRORS.items():
        if name != "header":
            assert not isinstance(_error(code, (0, 1, 2)), RuntimeError), name
    templates = resources.files("lifted.templates")  # the loop prelude and its pieces (templates/c_loop/)
    prelude = "".join(piece.read_text() for piece in [templates.joinpath("c_loop_prelude.cuh.j2"),
                                                        *templates.joinpath("c_loop").iterdir()])
    used = {int(code) for code in re.findall(r"lifted_fail\(st, (\d+)", prelude)}
    assert used == {ERRORS["broadcast"], ERRORS["memory"], ERRORS["add_at"]}
