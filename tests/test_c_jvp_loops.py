"""Forward-mode derivatives taken inside loops, on the C backend's CPU target (issue #11).

A gradient built from `jvp`s, one per basis vector, is a `np.stack` of their tangents; before runs took `np.stack`
that one host statement kept the whole loop around it a host loop launching tiny kernels per step (GradBench's
saddle and particle with an inner `jvp` were as slow as NumPy, particle's `rf` 42 times slower, its host loop's
tapes tabled again at every step). Checked here, with programs of our own: a `while` and a `for` around `jvp`
calls, `grad` and `jvp` of such loops, `jvp(grad(...))` inside a loop, Jacobian columns stacked along other axes
and `jacfwd` (its basis, `np.eye`) inside a loop are each one C call per call (no host loop, no build after the
first), against Python, the NumPy backend, finite differences and autograd (an oracle that runs the source with
autograd's `make_jvp_reversemode` standing in for the declared `jvp`s); `np.stack` and `np.eye` in a run with
NumPy's dtypes, axes and errors; `_same_shape` in a run; a host loop whose runs push onto tapes every step, many
steps, against the NumPy backend, finite differences and autograd; the property generator's programs with `jvp`s
in loops against the NumPy backend.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from test_c_backend import assert_agree, c_module, compare_all
from test_c_runs import _calls
from test_property import inputs_for, program_for_seed, tangent_seeds
from lazy_seeds import LazySeeds

DESCENT = '''
import numpy as np
from lifted import grad, jvp, kernel


@kernel
def energy(c: "f64[]", p: "f64[2]") -> "f64[]":
    return np.cos(c * p[0]) + 0.5 * p[0] * p[0] + p[1] * p[1] * (1.0 + c * c) - c * p[1]


energy_tangent = jvp(energy, wrt="p")


@kernel
def slope(c: "f64[]", p: "f64[2]") -> "f64[2]":
    e0 = np.zeros(2)
    e0[0] = 1.0
    e1 = np.zeros(2)
    e1[1] = 1.0
    _, d0 = energy_tangent(c, p, e0)
    _, d1 = energy_tangent(c, p, e1)
    return np.stack([d0, d1])


@kernel
def f(c: "f64[]", start: "f64[2]", steps: "i64[]") -> "f64[]":
    p = start
    k = 0
    while k < steps:
        p = p - 0.2 * slope(c, p)
        k = k + 1
    total = 0.0
    for i in range(steps):
        s = slope(c + 0.1 * i, p)
        total = total + s[0] * s[0] + s[1]
    return energy(c, p) + total


g = grad(f, wrt="c")
g_1 = grad(f, wrt="start")
f_tangent = jvp(f, wrt=("c", "start"))
'''

NEWTON = '''
import numpy as np
from lifted import grad, jvp, kernel


@kernel
def field(x: "f64[n]", w: "f64[n]") -> "f64[]":
    return np.sum(w * np.log(1.0 + x * x)) + 0.5 * np.sum(x * x)


field_hvp = jvp(grad(field, wrt="x"), wrt="x")
field_tangent = jvp(field, wrt="w")


@kernel
def f(x: "f64[n]", w: "f64[n]") -> "f64[]":
    for i in range(4):
        _, h = field_hvp(x, w, w)
        x = x - 0.1 * h
    _, a = field_tangent(x, w, x)
    _, b = field_tangent(x, w, w)
    columns = np.stack([x, w * a, x * b], axis=1)
    rows = np.stack([columns, columns * 2.0], axis=-1)
    return np.sum(rows * rows) + np.sum(columns[:, 1])


g = grad(f, wrt="x")
'''


JACOBIAN = '''
import numpy as np
from lifted import grad, jacfwd, kernel


@kernel
def energy(c: "f64[]", p: "f64[3]") -> "f64[]":
    return np.sum(np.cos(c * p) + 0.5 * p * p * c)


energy_jacobian = jacfwd(energy, wrt="p")


@kernel
def f(c: "f64[]", start: "f64[3]", steps: "i64[]") -> "f64[]":
    p = start
    for i in range(steps):
        p = p - 0.2 * energy_jacobian(c, p)
    return energy(c, p)


g = grad(f, wrt="c")
g_1 = grad(f, wrt="start")
'''


def _oracle(text: str, transforms: dict) -> dict:
    """The source run by Python with autograd's NumPy, each declared `jvp` (name: (kernel, argument position))
    replaced by autograd's reverse-on-reverse jvp, which autograd can differentiate again: the reference value
    and the independent AD of programs whose kernels call declared transforms."""
    from autograd.differential_operators import make_jvp_reversemode

    namespace = autograd_kernels(text)
    for name, (kernel, position) in transforms.items():
        def tangent(*args, kernel=namespace[kernel], position=position):
            *point, direction = args
            return kernel(*point), make_jvp_reversemode(kernel, position)(*point)(direction)
        namespace[name] = tangent
    return namespace


def _check(text: str, name: str, args: list, oracle: dict, positions: tuple, folder):
    """The C module's `f` against the oracle's run of the source and the NumPy backend; `g` (the gradient in the
    first of `positions`) and `g_<name>` for the others against the NumPy backend, finite differences of the
    oracle's `f` and autograd; arguments left untouched. Returns the C module and the NumPy backend's."""
    from autograd import grad as autograd_grad

    module, _ = c_module(text, folder, name)
    reference = load_source(text, f"{name}.py")
    fresh = lambda: [a.copy() if isinstance(a, np.ndarray) else a for a in args]  # noqa: E731
    given = fresh()
    value = module.f(*given)
    for before, after in zip(args, given):
        assert np.array_equal(before, after), "the kernel changed its argument"
    assert_close(value, oracle["f"](*fresh()), rtol=1e-12, atol=1e-12, what="value vs the source's run")
    assert_agree(value, reference.f(*fresh()), "f vs the NumPy backend")
    for k, position in enumerate(positions):
        gradient_name = "g" if k == 0 else f"g_{position}"
        got = getattr(module, gradient_name)(*fresh())
        assert_agree(got, getattr(reference, gradient_name)(*fresh()), f"{gradient_name} vs the NumPy backend")
        assert_close(got, central_difference(lambda *a: float(oracle["f"](*a)), fresh(), position), rtol=1e-6,
                     atol=1e-6, what=f"{gradient_name} vs finite differences")
        assert_close(got, autograd_grad(oracle["f"], position)(*fresh()), rtol=1e-9, atol=1e-10,
                     what=f"{gradient_name} vs autograd")
    return module, reference


def _no_host_loop(host: str, name: str) -> str:
    body = host.split(f"\ndef {name}(")[1].split("\ndef ")[0]
    assert not re.search(r"^\s+(while|for) ", body, re.M), body
    return body


def test_a_loop_of_jvps_and_its_derivatives_are_one_c_call_each(tmp_path, monkeypatch):
    import lifted.cpu

    builds = [0]
    build = lifted.cpu.build
    monkeypatch.setattr(lifted.cpu, "build", lambda *a, **k: (builds.__setitem__(0, builds[0] + 1), build(*a, **k))[1])
    args = [0.7, np.array([1.3, -0.4]), 6]
    oracle = _oracle(DESCENT, {"energy_tangent": ("energy", 1)})
    module, reference = _check(DESCENT, "descent", args, oracle, (0, 1), tmp_path)
    assert builds[0] <= 1
    host = (tmp_path / "descent.py").read_text()
    tangents = (0.3, np.array([-0.5, 0.8]))
    for name, call in (("f", args), ("g", args), ("g_1", args), ("f_tangent", args + list(tangents))):
        _no_host_loop(host, name)
        assert _calls(module, name, call, monkeypatch) == 1, name
    assert builds[0] <= 1  # (no build after the module's first import)
    value, tangent = module.f_tangent(*args, *tangents)
    assert_agree((value, tangent), reference.f_tangent(*args, *tangents), "f_tangent vs the NumPy backend")
    expected = module.g(*args) * tangents[0] + module.g_1(*args) @ tangents[1]
    assert_close(tangent, expected, rtol=1e-10, atol=1e-12, what="f_tangent vs the gradients")


def test_jvp_of_grad_in_a_loop_and_stacked_columns(tmp_path, monkeypatch):
    from autograd import grad as autograd_grad
    from autograd import hessian_vector_product

    rng = np.random.default_rng(4)
    args = [rng.normal(size=5), rng.uniform(0.5, 1.5, size=5)]
    oracle = _oracle(NEWTON, {"field_tangent": ("field", 1)})
    oracle["field_hvp"] = lambda x, w, v: (autograd_grad(oracle["field"], 0)(x, w),
                                           hessian_vector_product(oracle["field"], 0)(x, w, v))
    module, _ = _check(NEWTON, "newton", args, oracle, (0,), tmp_path)
    host = (tmp_path / "newton.py").read_text()
    for name in ("f", "g"):
        _no_host_loop(host, name)
        assert _calls(module, name, args, monkeypatch) == 1, name


def test_jacfwd_in_a_loop_is_one_c_call(tmp_path, monkeypatch):
    """`jacfwd` inside a loop: its basis (`np.eye`) runs in the loop's C call too."""
    from autograd import grad as autograd_grad

    args = [0.8, np.array([0.9, -0.3, 0.4]), 5]
    oracle = autograd_kernels(JACOBIAN)
    oracle["energy_jacobian"] = autograd_grad(oracle["energy"], 1)
    module, _ = _check(JACOBIAN, "jacobian", args, oracle, (0, 1), tmp_path)
    host = (tmp_path / "jacobian.py").read_text()
    for name in ("f", "g", "g_1"):
        _no_host_loop(host, name)
        assert _calls(module, name, args, monkeypatch) == 1, name


STACKS = '''
import numpy as np
from lifted import kernel


@kernel
def scalars(a: "f64[]", k: "i64[]", flag: "bool[]", steps: "i64[]") -> "f64[3]":
    s = np.zeros(3)
    for i in range(steps):
        s = s + np.stack([a * i, k + i, flag])
    return s


@kernel
def ints(k: "i64[]", flag: "bool[]") -> "i64[]":
    t = np.zeros(2, dtype=np.int64)
    for i in range(3):
        t = t + np.stack([k * i, flag])
    return t[0] * 10 + t[1]


@kernel
def arrays(x: "f64[n,m]", y: "f64[n,m]", axis_steps: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(axis_steps):
        s0 = np.stack([x, y * i], axis=0)
        s1 = np.stack([x, y], axis=1)
        s2 = np.stack([x * 2.0, y, x], axis=-1)
        total = total + np.sum(s0[1]) + np.sum(s1[:, 0] * 3.0) + np.sum(s2[..., 2] * s2[..., 1])
    return total


@kernel
def uneven(x: "f64[n,m]", y: "f64[n,m]", cut: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(2):
        total = total + np.sum(np.stack([x * 2.0, y[:cut]]) * i)
    return total


@kernel
def identities(n: "i64[]", m: "i64[]") -> "f64[]":
    total = 0.0
    for k in range(-2, 3):
        a = np.eye(n)
        b = np.eye(n, m, 1) + np.eye(n, m, -2) * 2.0
        c = np.eye(m, dtype=np.int64)
        total = total + np.sum(a * (k + 1.0)) + np.sum(b @ (np.ones(m) * (k + 3.0))) + np.sum(c) * 0.5
    return total


@kernel
def narrow(a: "f32[]", b: "f32[]") -> "f32[2]":
    s = np.zeros(2, dtype=np.float32)
    for i in range(2):
        s = s + np.stack([a, b])
    return s
'''


def test_stack_in_a_run_has_numpys_meaning(tmp_path, monkeypatch):
    module, _ = c_module(STACKS, tmp_path, "stacks")
    reference = load_source(STACKS, "stacks.py")
    python: dict = {}
    exec(compile(STACKS, "python_reference", "exec", dont_inherit=True), python)
    host = (tmp_path / "stacks.py").read_text()
    code = lambda name: [line for line in host.split(f"\ndef {name}(")[1].split("\ndef ")[0].splitlines()  # noqa: E731
                         if not line.lstrip().startswith("#")]
    for name in ("scalars", "ints", "arrays", "uneven"):
        assert not any("np.stack" in line for line in code(name)), name
    assert not any("np.eye" in line for line in code("identities"))
    # a float32 scalar may be a Python float on the host (np.stack makes it float64): it stays host code
    assert any("np.stack" in line for line in code("narrow"))
    cases = {"scalars": [[1.5, 4, True, 3], [np.float64(-2.0), np.int64(7), np.bool_(False), 2]],
             "ints": [[5, True], [np.int64(-3), np.bool_(False)]],
             "narrow": [[np.float32(1.5), np.float32(0.25)]]}
    x, y = np.arange(6.0).reshape(2, 3), np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    cases["arrays"] = [[x, y, 3], [x[:, ::-1], y[::-1], 2], [x[:, :2], y[:, 1:], 1]]
    cases["uneven"] = [[x, y, 2], [x, y, 5]]
    cases["identities"] = [[3, 4], [4, 2], [0, 3], [1, 1]]
    for name, calls in cases.items():
        for args in calls:
            got = getattr(module, name)(*args)
            expected = python[name](*args)
            assert np.asarray(got).dtype == np.asarray(expected).dtype, name
            assert np.array_equal(got, expected), (name, got, expected)
            assert_agree(got, getattr(reference, name)(*args), f"{name} vs the NumPy backend")
    assert _calls(module, "arrays", [x, y, 3], monkeypatch) == 1
    with pytest.raises(ValueError) as c_error:  # parts of one rank and different shapes: NumPy's message
        module.uneven(x, y, 1)
    with pytest.raises(ValueError) as numpy_error:
        python["uneven"](x, y, 1)
    assert str(c_error.value) == str(numpy_error.value)
    with pytest.raises(ValueError, match="negative dimensions are not allowed"):
        module.identities(-1, 2)


HOST_LOOP_TAPES = '''
import numpy as np
from lifted import grad, jvp, kernel


@kernel
def bump(x: "f64[n]", v: "f64[n]") -> "f64[]":
    return np.sum(np.sin(x) * v)


bump_tangent = jvp(bump, wrt="x")


@kernel
def f(x: "f64[n]", steps: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(steps):
        _, d = bump_tangent(x, x, x * (i + 1.0))
        total = total + np.sum(np.tanh(x[x > 0.3] * d)) + np.sum(np.exp(-x * d) * x)
    return total


g = grad(f, wrt="x")
'''


def test_a_host_loop_pushing_tapes_every_step(tmp_path):
    """The mask gather keeps the loop (and its reverse) on the host; each step's runs push onto tapes the host's
    lists hold, and the reverse loop's runs pop them one segment after another: many steps, the same numbers as
    the NumPy backend, finite differences and autograd."""
    rng = np.random.default_rng(5)
    args = [rng.uniform(0.0, 0.6, 5), 40]
    _check(HOST_LOOP_TAPES, "host_tapes", args, _oracle(HOST_LOOP_TAPES, {"bump_tangent": ("bump", 0)}), (0,),
           tmp_path)
    gradient = (tmp_path / "host_tapes.py").read_text().split("\ndef g(")[1].split("\ndef ")[0]
    assert re.search(r"^\s+for \w+ in range\(steps\):", gradient, re.M), gradient  # (a host loop, as meant)
    assert re.search(r"\.append\(", gradient) or "_block" in gradient


TANGENT_SEEDS = LazySeeds(4, lambda: tangent_seeds(4))


@pytest.mark.parametrize("nth", TANGENT_SEEDS.positions)
def test_property_programs_with_tangents_on_the_cpu_target(nth, tmp_path):
    """The property generator's programs that call declared `jvp`s (and `jvp(grad(...))`) inside loops: every
    function through the CPU target against the NumPy backend (test_property.py checks the NumPy backend against
    autograd and finite differences)."""
    seed = TANGENT_SEEDS[nth]
    compare_all(program_for_seed(seed, tangents=True)[0], tmp_path, inputs_for(seed), f"tangents_{seed}")


REFINED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", m: "f64[k,d]", steps: "i64[]") -> "f64[]":
    acc = np.zeros(3)
    for i in range(steps):
        v = np.stack([np.sum(x) * i, np.max(x), np.min(x)])
        acc = np.tanh(acc + v + m[i % 2])
    return np.sum(acc * acc)


g = grad(f, wrt=("x", "m"))
'''


def test_sizes_named_differently_are_checked_inside_a_run(tmp_path, monkeypatch):
    """A static length (three stacked scalars) meeting `d`: the host's `_same_shape` check runs inside the loop's
    C call (it kept the loop on the host), with the host's message where the sizes differ."""
    module, _ = c_module(REFINED, tmp_path, "refined")
    reference = load_source(REFINED, "refined.py")
    host = (tmp_path / "refined.py").read_text()
    for name in ("f", "g"):
        assert "_same_shape(" not in "\n".join(host.split(f"\ndef {name}(")[1].split("\ndef ")[0].splitlines()[1:])
        _no_host_loop(host, name)
    rng = np.random.default_rng(6)
    args = [rng.normal(size=4), rng.normal(size=(2, 3)), 5]
    python: dict = {}
    exec(compile(REFINED, "python_reference", "exec", dont_inherit=True), python)
    assert_close(module.f(*args), python["f"](*args), rtol=1e-12, atol=1e-12, what="value vs Python")
    assert_agree(module.g(*args), reference.g(*args), "g vs the NumPy backend")
    for position in (0, 1):
        assert_close(module.g(*args)[position], central_difference(python["f"], [a.copy() if isinstance(
            a, np.ndarray) else a for a in args], position), rtol=1e-6, atol=1e-6, what="g vs finite differences")
        from autograd import grad as autograd_grad

        assert_close(module.g(*args)[position], autograd_grad(autograd_kernels(REFINED)["f"], position)(*args),
                     rtol=1e-9, atol=1e-10, what="g vs autograd")
    assert _calls(module, "g", args, monkeypatch) == 1
    bad = [args[0], rng.normal(size=(2, 4)), 3]
    for function in ("f", "g"):
        with pytest.raises(ValueError) as c_error:
            getattr(module, function)(*bad)
        with pytest.raises(ValueError) as numpy_error:
            getattr(reference, function)(*bad)
        assert str(c_error.value) == str(numpy_error.value)
        assert "axis 0 has size 4 meets one whose axis 0 has size 3" in str(c_error.value)


CARRIED_AFTER_THE_LOOP = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(M: "f64[n,d]", steps: "i64[]") -> "f64[]":
    v19 = (M - M[1, 2]) ** 2
    acc22 = np.zeros_like(M)
    k = 0
    while k < steps:
        v25 = np.stack([np.sum(M) * 0.1, np.max(M), 1.0])
        v31 = v25[1] * v19 + v25
        v19 = np.tanh(v19 + acc22 * np.mean(v31, axis=1)[:, None])
        acc22 = np.tanh(acc22 + (v31 - (M + 0.1)))
        k = k + 1
    return np.mean(v19)


g = grad(f, wrt="M")
'''


def test_a_loop_slot_read_after_the_loop_inside_the_same_run(tmp_path, monkeypatch):
    """A row of a stacked static length meeting `d` gives the loop's slot a size only the run time knows, so the
    reverse sweep reads it from the slot after the loop (`np.zeros((n, acc22_1.shape[1]))`): in the same C call the
    slot holds the last step's value (it was taken for an input the host never bound: found by the property
    generator, `tangents=True` seed 0). Zero steps too (the slot holds its first value)."""
    module, _ = c_module(CARRIED_AFTER_THE_LOOP, tmp_path, "carried")
    reference = load_source(CARRIED_AFTER_THE_LOOP, "carried.py")
    python: dict = {}
    exec(compile(CARRIED_AFTER_THE_LOOP, "python_reference", "exec", dont_inherit=True), python)
    from autograd import grad as autograd_grad

    oracle = autograd_kernels(CARRIED_AFTER_THE_LOOP)["f"]
    rng = np.random.default_rng(7)
    for steps in (0, 1, 4):
        args = [rng.normal(size=(4, 3)), steps]
        assert_close(module.f(*args), python["f"](*args), rtol=1e-12, atol=1e-12, what="value vs Python")
        assert_agree(module.g(*args), reference.g(*args), "g vs the NumPy backend")
        assert_close(module.g(*args), central_difference(python["f"], [args[0].copy(), steps], 0), rtol=1e-6,
                     atol=1e-6, what="g vs finite differences")
        assert_close(module.g(*args), autograd_grad(oracle, 0)(*args), rtol=1e-9, atol=1e-10, what="g vs autograd")
    host = (tmp_path / "carried.py").read_text()
    _no_host_loop(host, "g")
    assert _calls(module, "g", [rng.normal(size=(4, 3)), 3], monkeypatch) == 1


MASKED_CONCATENATION = '''
import numpy as np
from lifted import jvp, kernel


@kernel
def f(x: "f64[n]") -> float:
    c = np.concatenate((np.ones(1), x[x > 0.5]))
    return np.sum(c * c) + len(c) * np.sum(x)


f_tangent = jvp(f, wrt="x")
'''


def test_a_fill_made_again_stands_once_in_the_host_body(tmp_path):
    """The tangent's `np.ones(1)`, made again by remat.py for a second run, stood twice in the host body (one
    statement object at two places); loops/kernel.py, which replaces a run's statements by identity, dropped it:
    a NameError (`one`) on the C target (backends/c/partition.py `_fills_once`)."""
    module = c_module(MASKED_CONCATENATION, tmp_path, "masked_concatenation")[0]
    reference = load_source(MASKED_CONCATENATION)
    for x in (np.array([0.2, 0.9, 1.5, -0.3]), np.array([0.1]), np.zeros(0)):
        dx = np.linspace(-1.0, 1.0, x.size)
        got, expected = module.f_tangent(x, dx), reference.f_tangent(x, dx)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)
