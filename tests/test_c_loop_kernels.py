"""Loop kernels (CPU target): a host loop whose body the C side runs exactly is one C call.

Each program runs through the C target and must give Python's own value (the untouched source), the NumPy
backend's (to round-off), and gradients that agree with central finite differences of Python's function and with
autograd where autograd can run the source. The errors NumPy raises inside such a loop (an index out of bounds,
a Python division by zero) are raised the same way, and a regression to one launch per step shows in the count of
launches per call.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.cpu import launch as cpu_launch
from lifted.cpu import loop as cpu_loop
from test_c_backend import assert_agree, c_module

LSTM = '''
import numpy as np
from lifted import grad, kernel


@kernel
def sigmoid(x: "f64[b]") -> "f64[b]":
    return 1.0 / (1.0 + np.exp(-x))


@kernel
def f(main: "f64[l,8,b]", extra: "f64[3,b]", state: "f64[l,2,b]", sequence: "f64[c,b]") -> "f64[]":
    layers = main.shape[0]
    steps = sequence.shape[0]
    hidden = state[:, 0, :].copy()
    cell = state[:, 1, :].copy()
    total = 0.0
    for t in range(steps - 1):
        x = sequence[t] * extra[0]
        for i in range(layers):
            forget = sigmoid(x * main[i, 0] + main[i, 4])
            ingate = sigmoid(hidden[i] * main[i, 1] + main[i, 5])
            outgate = sigmoid(x * main[i, 2] + main[i, 6])
            change = np.tanh(hidden[i] * main[i, 3] + main[i, 7])
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * np.tanh(cell[i])
            x = hidden[i]
        prediction = x * extra[1] + extra[2]
        normaliser = np.log(np.sum(np.exp(prediction)) + 2.0)
        total = total + np.sum(sequence[t + 1] * (prediction - normaliser))
    return -total / ((steps - 1) * sequence.shape[1])


g = grad(f, wrt=("main", "extra"))
'''

SHIFT_RK4 = '''
import numpy as np
from lifted import grad, kernel


@kernel
def rhs(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


@kernel
def f(x: "f64[n]", s: "i64[]") -> "f64[]":
    h = 2.0 / s
    y = np.zeros_like(x)
    for step in range(s):
        k1 = rhs(x, y)
        k2 = rhs(x, y + 0.5 * h * k1)
        y = y + h * (k1 + k2) / 2.0
    return np.sum(y * y)


g = grad(f, wrt="x")
'''

# rows read with negative and computed indices, slices with steps, a row view written through and then read
# (it sees the write, as NumPy's view does), an `if` on a scalar, nested loops with a scalar carried across both
ROWS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(w: "f64[n,d]", v: "f64[d]") -> "f64[]":
    m = w.copy()
    acc = 0.0
    for i in range(m.shape[0]):
        r = m[i]
        m[i] = m[i - 1] * v + r
        acc = acc + np.sum(r * r)
        for j in range(2):
            tail = m[-1 - j]
            if acc > 1.0:
                acc = acc + np.sum(tail[::2]) * 0.5
            else:
                acc = acc - np.sum(tail[1:]) / (j + 2)
    return acc + np.sum(m[1:-1] * m[:-2])


g = grad(f, wrt=("w", "v"))
'''


def check_c_against_python(text: str, args: list, folder, name: str, positions: tuple) -> object:
    """The C module's `f` against Python's and the NumPy backend's, its `g` against finite differences of
    Python's `f` and against autograd (where autograd runs the source); arguments left untouched."""
    module, _ = c_module(text, folder, name)
    reference = load_source(text, f"{name}.py")
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    fresh = lambda: [a.copy() if isinstance(a, np.ndarray) else a for a in args]  # noqa: E731
    given = fresh()
    value = module.f(*given)
    assert_close(value, python["f"](*fresh()), rtol=1e-12, atol=1e-12, what="value vs Python")
    for before, after in zip(args, given):
        assert np.array_equal(before, after), "the kernel changed its argument"
    gradient = module.g(*fresh())
    gradient = list(gradient) if isinstance(gradient, tuple) else [gradient]
    assert_agree(tuple(gradient), tuple(reference.g(*fresh())) if len(gradient) > 1 else (reference.g(*fresh()),),
                 f"{name}.g vs the NumPy backend")
    for got, position in zip(gradient, positions):
        assert_close(got, central_difference(lambda *a: python["f"](*[np.copy(x) if isinstance(x, np.ndarray)
                                                                       else x for x in a]), fresh(), position),
                     rtol=1e-6, atol=1e-6, what=f"d/d argument {position} vs finite differences")
        try:
            from autograd import grad as autograd_grad

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                expected = autograd_grad(autograd_kernels(text)["f"], position)(*fresh())
        except (TypeError, ValueError, NotImplementedError, AttributeError):  # in-place writes, `.copy()`: FD only
            continue
        assert_close(got, expected, rtol=1e-9, atol=1e-10, what=f"d/d argument {position} vs autograd")
    return module


def host_loops(folder, name: str) -> int:
    """The `for`/`while` loops left in the generated functions of a host module."""
    host = (folder / f"{name}.py").read_text()
    functions = host[host.index("\ndef _f_fast(" if "\ndef _f_fast(" in host else "\ndef f("):].split("\ndef ")
    # (not the exact versions of functions that slice a named length: host NumPy code for n = 0, clamped.py)
    functions = "\n".join(f for f in functions if "_exact(" not in f.split("\n")[0])
    return functions.count("\n    for ") + functions.count("\n    while ")


def lstm_args(rng, layers=2, chars=6, width=3):
    return [rng.normal(size=(layers, 8, width)), rng.normal(size=(3, width)), rng.normal(size=(layers, 2, width)),
            (rng.random((chars, width)) > 0.5).astype(float)]


def test_lstm_loops_are_loop_kernels_and_agree(tmp_path):
    module = check_c_against_python(LSTM, lstm_args(np.random.default_rng(0)), tmp_path, "lstm", (0, 1))
    assert host_loops(tmp_path, "lstm") == 0  # every loop of f and g (forward and reverse sweeps) is one C call
    assert module.f.__name__ == "f"


def test_each_kernel_text_appears_once_and_loop_kernels_call_its_one_thread_instance():
    """A region's body is one template in the `.cu`: the exported kernel runs it on the OpenMP team, a loop kernel
    calls the same function for its one thread (`<kernel>_body`, outside any parallel region: its share is
    every chunk), never a copy of its text nor a second instance."""
    from lifted.transpiler.pipeline import transpile_c

    text = transpile_c(LSTM, "lstm.py").kernels
    bodies = re.findall(r"LIFTED_DEVICE void (\w+)_body\(", text)
    assert bodies and len(bodies) == len(set(bodies)) and "_serial" not in text
    loops = text[text.index("loop-kernel prelude"):]
    called = set(re.findall(r"else (\w+)_body\(", loops))
    assert not re.search(r"_body<", text)
    assert called and called <= set(bodies)
    # (no OpenMP runtime call: only `omp simd`, which the compiler alone acts on, in the products' loops)
    pragmas = re.findall(r"pragma\W+omp (\w+)", loops)
    assert set(pragmas) <= {"simd"} and "#pragma" not in loops


def test_a_shift_in_a_time_stepping_loop(tmp_path):
    rng = np.random.default_rng(1)
    for n, s in ((1, 3), (6, 5)):
        check_c_against_python(SHIFT_RK4, [rng.uniform(0.5, 1.5, n), s], tmp_path, f"shift_{n}", (0,))
        assert host_loops(tmp_path, f"shift_{n}") == 0


SHIFT_RK4_FOUR_STAGES = SHIFT_RK4.replace(
    "        y = y + h * (k1 + k2) / 2.0\n",
    "        k3 = rhs(x, y + 0.5 * h * k2)\n        k4 = rhs(x, y + h * k3)\n"
    "        y = y + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0\n")


def test_a_four_stage_shift_whose_reverse_step_repeats_its_adjoint_at_an_offset(tmp_path):
    # GradBench ode's step: the reverse step's kernel repeats its last adjoint one element on (stencils/align.py's
    # REPEAT_BUDGET) instead of storing it for a second kernel; sizes on both sides of a 64-lane chunk and of the
    # stencil's reach (4 elements), checked against Python, the NumPy backend, finite differences and autograd
    assert "k4 = rhs" in SHIFT_RK4_FOUR_STAGES
    rng = np.random.default_rng(4)
    for n, s in ((1, 2), (3, 1), (5, 3), (70, 2), (131, 1)):
        check_c_against_python(SHIFT_RK4_FOUR_STAGES, [rng.uniform(0.5, 1.5, n), s], tmp_path, f"shift4_{n}", (0,))
        assert host_loops(tmp_path, f"shift4_{n}") == 0


def test_rows_by_index_views_written_then_read_and_slices(tmp_path):
    rng = np.random.default_rng(2)
    for n, d in ((4, 3), (2, 5)):
        check_c_against_python(ROWS, [rng.normal(size=(n, d)), rng.normal(size=d)], tmp_path, f"rows_{n}", (0, 1))
        assert host_loops(tmp_path, f"rows_{n}") == 0


def _count_launches(monkeypatch) -> list:
    counts = [0]
    region_call = cpu_launch.Kernel.__call__
    loop_call = cpu_loop.LoopKernel.__call__

    def region(self, *args):
        counts[0] += 1
        return region_call(self, *args)

    def loop(self, *args):
        counts[0] += 1
        return loop_call(self, *args)

    monkeypatch.setattr(cpu_launch.Kernel, "__call__", region)
    monkeypatch.setattr(cpu_loop.LoopKernel, "__call__", loop)
    return counts


def test_launches_per_call_do_not_grow_with_the_steps(tmp_path, monkeypatch):
    module, _ = c_module(LSTM, tmp_path, "lstm_count")
    counts = _count_launches(monkeypatch)
    per_call = []
    for chars in (4, 40):
        args = lstm_args(np.random.default_rng(3), chars=chars)
        for function in (module.f, module.g):
            counts[0] = 0
            function(*args)
            per_call.append(counts[0])
    assert per_call[:2] == per_call[2:], per_call  # the same launches for 3 steps as for 39
    assert max(per_call) <= 4, per_call


INDEX_ERROR = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", k: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(3):
        total = total + np.sum(x[i + k] * x)
    return total
'''


def test_index_out_of_bounds_raises_what_numpy_raises(tmp_path):
    module, _ = c_module(INDEX_ERROR, tmp_path, "index_error")
    reference = load_source(INDEX_ERROR, "index_error.py")
    assert re.search(r"_(loop|block)0\(", (tmp_path / "index_error.py").read_text())
    x = np.arange(4.0)
    assert_agree(module.f(x, -4), reference.f(x, -4), "negative indices wrap")
    assert_agree(module.f(x, 1), reference.f(x, 1), "in bounds")
    for k in (2, -5):
        with pytest.raises(IndexError) as numpy_error:
            reference.f(x, k)
        with pytest.raises(IndexError) as c_error:
            module.f(x, k)
        assert str(c_error.value) == str(numpy_error.value)


DIVISION = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", k: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(4):
        total = total + 1.0 / (i - k) + np.sum(x) / (i - k)
    return total
'''


def test_division_by_zero_as_python_and_numpy_scalars_do(tmp_path):
    """`1.0 / 0` of Python numbers raises; a NumPy scalar divided by zero is inf (with NumPy's warning)."""
    module, _ = c_module(DIVISION, tmp_path, "division")
    reference = load_source(DIVISION, "division.py")
    assert re.search(r"_(loop|block)0\(", (tmp_path / "division.py").read_text())
    x = np.ones(3)
    assert_agree(module.f(x, 7), reference.f(x, 7), "no zero")
    with pytest.raises(ZeroDivisionError):
        reference.f(x, 2)
    with pytest.raises(ZeroDivisionError):
        module.f(x, 2)


BREAK = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    for i in range(10):
        if np.sum(y * y) > 4.0:
            break
        y = y * 1.5 + 0.1
        if i % 2 == 0:
            continue
        y = np.sqrt(y * y + 1.0)
    return np.sum(y)


g = grad(f, wrt="x")
'''


def test_break_and_continue_keep_their_meaning(tmp_path):
    """`break` makes the loop a `while` (its reverse sweep a `for` over the trips it recorded): both loop kernels."""
    rng = np.random.default_rng(4)
    for low, high in ((0.1, 0.3), (1.0, 2.0)):
        check_c_against_python(BREAK, [rng.uniform(low, high, 3)], tmp_path, "break_continue", (0,))
        assert host_loops(tmp_path, "break_continue") == 0


def test_cuda_target_keeps_host_loops():
    from lifted.transpiler.pipeline import transpile_c

    out = transpile_c(LSTM, "lstm.py", target="cuda")
    assert "_loop" not in out.host and "_block" not in out.host and "lifted_view" not in out.kernels


# property programs whose loops are loop kernels (`a[i]` reads, `np.sum` per step, nested loops, tapes), beyond
# the 20 seeds test_c_backend.py runs; all of seeds 20-199 under `-m slow`
@pytest.mark.parametrize("seed", [21, 24, 26, 27, 28, 30, 31, 33, 35, 37, 38, 39])
def test_property_programs_with_loop_kernels(seed, tmp_path):
    _property_case(seed, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20, 200))
def test_more_property_programs_on_the_cpu_target(seed, tmp_path):
    _property_case(seed, tmp_path)


def _property_case(seed: int, tmp_path) -> None:
    from test_c_backend import compare_all
    from test_property import inputs_for, program_for_seed

    text, _wrt, _as_tuple = program_for_seed(seed)
    compare_all(text, tmp_path, inputs_for(seed), f"prop_{seed}")


IN_PLACE = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "f64[n,d]", b: "f64[n,d]") -> "f64[]":
    for i in range(1, a.shape[0]):
        a[i] += a[i - 1] * b[i]
        b[i - 1] = a[i] - 1.0
    return np.sum(a) + np.sum(b)
'''


def test_rows_written_in_a_loop_with_aliased_and_strided_arguments(tmp_path):
    """A kernel never writes into its arguments (it writes into copies, as the NumPy backend's module does). With
    separate arrays or disjoint strided views the loop kernel gives plain Python's value and leaves the arguments as
    they were; arguments sharing memory (one array twice, overlapping rows), where Python would see its writes
    through the other name, are refused before any work, as the NumPy module refuses them."""
    module, _ = c_module(IN_PLACE, tmp_path, "in_place")
    numpy_module = load_source(IN_PLACE, "in_place.py")
    python: dict = {}
    exec(compile(IN_PLACE, "python_reference", "exec", dont_inherit=True), python)
    assert host_loops(tmp_path, "in_place") == 0
    rng = np.random.default_rng(5)
    base = rng.normal(size=(8, 6))

    def views(array, what):  # the case's arguments, as views of `array` (Python writes through them)
        big = np.concatenate([array, array])
        return {"separate": lambda: (array, array[::-1].copy()),
                "disjoint strided views": lambda: (big[::2, ::2], big[1::2, 1::2]),
                "aliased": lambda: (array, array), "overlapping rows": lambda: (array[:6], array[2:])}[what]()

    for what in ("separate", "disjoint strided views"):
        args = views(base, what)
        before = [a.copy() for a in args]
        expected = python["f"](*views(base.copy(), what))
        assert_agree(module.f(*args), expected, what)
        assert_agree(numpy_module.f(*args), expected, what)
        for arg, kept in zip(args, before):
            np.testing.assert_array_equal(arg, kept, err_msg=what)
    for what in ("aliased", "overlapping rows"):
        args = views(base, what)
        for generated in (module, numpy_module):
            with pytest.raises(ValueError, match=r"f\(\): argument `a` is updated in place \(in_place.py:9:9\) and "
                               r"`b` shares memory with it.*pass b.copy\(\)"):
                generated.f(*args)


# reductions over some axes inside a loop: rows (`axis=-1`), columns (`axis=0`), `keepdims`, a mean, a max; new
# axes (`h[None, :]`; the gradient's `np.expand_dims`)
AXES = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(a: "f64[n,d]", v: "f64[d]") -> "f64[]":
    total = 0.0
    h = v * 1.0
    for t in range(3):
        z = 0.3 * a * np.tanh(h)
        rows = np.sum(np.tanh(z), axis=1)
        columns = np.mean(z * z, axis=0)
        peak = np.max(z, axis=1, keepdims=True)
        h = h * 0.5 + columns
        total = total + np.sum(rows * rows) + np.sum(np.exp(z - peak)) + np.sum(z * h[None, :] * z[:, 0][:, None])
    return total


g = grad(f, wrt=("a", "v"))
'''


def test_reductions_over_some_axes_inside_a_loop(tmp_path):
    rng = np.random.default_rng(6)
    for n, d in ((3, 4), (1, 5), (40, 3)):
        check_c_against_python(AXES, [rng.normal(size=(n, d)), rng.normal(size=d)], tmp_path, f"axes_{n}", (0, 1))
        assert host_loops(tmp_path, f"axes_{n}") == 0


# a gradient whose loop is fused per element with its reverse sweep (one region, a per-element tape) called in a
# loop that is not elementwise (a full reduction per step): the loop kernel sizes that tape from the trip counts
NESTED_TAPES = '''
import numpy as np
from lifted import grad, kernel


@kernel
def inner(y: "f64[n]", r: "f64[n]", steps: "i64[]") -> "f64[]":
    for i in range(steps):
        y = y + 0.05 * r * y * (1.0 - y)
    return np.sum(y)


inner_grad = grad(inner, wrt="y")


@kernel
def f(y0: "f64[n]", r: "f64[n]", steps: "i64[]") -> "f64[]":
    y = y0
    for epoch in range(3):
        y = y - 0.1 * inner_grad(y, r, steps) / (1.0 + np.sum(y * y))
    return np.sum(y * y)
'''


def test_per_element_tapes_of_regions_inside_a_loop_kernel(tmp_path):
    module, _ = c_module(NESTED_TAPES, tmp_path, "nested")
    reference = load_source(NESTED_TAPES, "nested.py")
    assert host_loops(tmp_path, "nested") == 0
    loop = re.split(r"f_(?:loop|block)0\(int64_t\* io", (tmp_path / "nested.cu").read_text())[1]
    assert "_cap = " in loop  # the region's per-element tape, sized in the loop kernel
    rng = np.random.default_rng(7)
    for n, steps in ((3, 4), (5000, 3), (5, 0)):  # (5000: above the parallel threshold, every thread's tape)
        args = [rng.uniform(0.1, 0.9, n), rng.uniform(0.5, 1.5, n), steps]
        assert_agree(module.f(*args), reference.f(*args), f"nested {n}")  # (Python cannot call `grad` unbuilt)


MODULE_LEVEL = '''
import numpy as np
from lifted import grad, kernel

weights = np.linspace(0.5, 1.5, 4)
gain = np.sum(weights) * 0.1  # a 0-d value: a NumPy scalar on the host


@kernel
def f(x: "f64[n]") -> "f64[]":
    total = 0.0
    for k in range(4):
        total = total + np.sum(np.tanh(x * weights[k])) * gain
    return total


g = grad(f, wrt="x")
'''


def test_module_level_arrays_and_values_read_in_a_loop(tmp_path):
    check_c_against_python(MODULE_LEVEL, [np.random.default_rng(8).normal(size=5)], tmp_path, "module_level", (0,))
    assert host_loops(tmp_path, "module_level") == 0
