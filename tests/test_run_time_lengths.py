"""Lengths named in annotations (`x: "f64[d]"`, which may be 1 or 0 at run time) broadcast with lengths only the run
time knows (`z[z > 0]`, `z[:k]`, `z[idx]`): the shape rule (ir/types.py `broadcast_dims`), the reverse sweep's sums
that follow from it, and the random programs of run_time_length_programs.py on NumPy and the C target, against
Python, central differences and autograd."""
from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from gradcheck import assert_close, central_difference, load_source
from lifted.transpiler import TranspileError
from lifted.transpiler.ir.dims import within
from lifted.transpiler.ir.types import ShapeError, broadcast_dims, is_unknown, same_dim
from run_time_length_programs import COMBINE, HEADER, UNKNOWN, USE, inputs_for, judge, program_for_seed
from test_c_backend import c_module

MASKED = HEADER + '''

@kernel
def f(x: "f64[d]", z: "f64[n]") -> float:
    y = z[z > 0.0]          # length known only at run time
    s = x + y               # d may be 1 at run time: then s has y's length
    return np.sum(s * s) + np.sum(s)
'''

# the lead's program and the fuzzer's first findings on main, reduced; each wrong there (see the report)
REDUCED = {
    "masked": MASKED,
    # the loop ran over d elements (the type's length), not the slice's: a wrong value, not only a gradient
    "loop_over_slice": HEADER + '''

@kernel
def f(x: "f64[d]", z: "f64[n]", k: "i64[]") -> float:
    s = x * z[k:k + 2]
    acc = 0.0
    for v in s.reshape(-1):
        acc = acc + v * v
    return acc
''',
    # rank padding: X's cotangent came back (2, 3) for an X of shape (2, 1)
    "padded_rows": HEADER + '''

@kernel
def f(X: "f64[2,d]", z: "f64[n]", k: "i64[]") -> float:
    s = X + z[:k]
    return np.sum(np.sin(s))
''',
    # the write `t[...] = s * s` into the zeros of s's shape raised in the reverse sweep (d = 1, no element > 0)
    "written_into": HEADER + '''

@kernel
def f(x: "f64[d]", z: "f64[n]") -> float:
    s = x[x > 0.0] - x
    t = np.zeros_like(s)
    t[...] = s * s
    t += s
    return np.sum(t)
''',
}


def _arguments(name: str) -> list[list]:
    """Argument sets where the named length is 1 and the run-time one is not, the two equal, and zeros."""
    z = np.array([1.0, -1.0, 3.0, 4.0])
    k = {"loop_over_slice": [1], "padded_rows": [3]}.get(name, [])
    one = [np.array([2.0]), z] if name != "padded_rows" else [np.array([[2.0], [-0.5]]), z]
    equal = [np.array([2.0, -0.5, 0.7]), z] if name != "padded_rows" else [np.arange(6.0).reshape(2, 3) / 7, z]
    empty = [np.array([-2.0]), np.array([-1.0, -2.0])] if name != "padded_rows" else [np.ones((2, 1)), z[:2]]
    sets = [one + k, equal + k, empty + ([0] if k else [])]
    if name == "written_into":
        sets = [[np.array([-2.0]), z], [np.array([2.0, -1.0]), z], [np.array([3.0]), z]]
    return sets


def _judge_both(text: str, sets: list, folder) -> None:
    names = itertools.count()
    ran = [judge(text, sets)]
    ran.append(judge(text, sets, build=lambda t: c_module(t, folder, f"case{next(names)}")[0]))
    assert all(r["ad"] == "checked" for r in ran), ran


def test_the_leads_example_value_and_gradient():
    module = load_source(MASKED + "\ng = grad(f, wrt=(0, 1))\n")
    x, z = np.array([2.0]), np.array([1.0, -1.0, 3.0, 4.0])
    assert module.f(x, z) == 84.0
    dx, dz = module.g(x, z)
    np.testing.assert_array_equal(dx, [31.0])  # was [7, 11, 13]: y's shape
    np.testing.assert_array_equal(dz, [7.0, 0.0, 11.0, 13.0])


@pytest.mark.parametrize("name", sorted(REDUCED))
def test_reduced_programs_on_numpy_and_c(name, tmp_path):
    """Value, exception, gradient (finite differences and autograd), jvp and vmap, on both backends."""
    _judge_both(REDUCED[name], _arguments(name), tmp_path)


GROWN = HEADER + '''

@kernel
def f(x: "f64[d]", z: "f64[n]", k: "i64[]") -> float:
    y = z[k:k + 2]
    s = x.copy()
    s += y          # NumPy raises ValueError where d is 1 and y is longer (non-broadcastable output operand)
    t = x * 1.0
    t[:] += y
    return np.sum(s * s) + np.sum(t)
'''


def test_an_in_place_update_that_may_grow_is_checked_at_run_time(tmp_path):
    """`s += y` with s of a named length and y of a run-time one: Lifted returned a (2,)-sized sum where Python
    raises; now the same ValueError, and the values and derivatives where it fits."""
    z = np.array([1.0, -2.0, 3.0])
    sets = [[np.array([2.0]), z, k] for k in (0, 2, 3)] + [[np.array([2.0, 1.0]), z, k] for k in (1, 2)]
    _judge_both(GROWN, sets, tmp_path)


GROWN_PER_EXAMPLE = HEADER + '''

@kernel
def f(x: "f64[d]", z: "f64[n]") -> float:
    s = x.copy()
    s += z[z > 0.0]     # NumPy raises ValueError where d is 1 and the selection is not 1 long
    return np.sum(s * s)


fv = vmap(f, in_axes=(0, None))
gv = vmap(grad(f), in_axes=(0, None))
'''

MASKED_UPDATE = HEADER + '''

@kernel
def f(z: "f64[n]", w: "f64[n]") -> float:
    t = z * 1.0
    t[z > 0.0] += np.sin(w[z > 0.0])    # the same mask twice: in every example the value fits the target
    return np.sum(t * t)
'''


def _python(text: str):
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace["f"]


def _each(function, *args):
    """`function(*args)` or the exception it raises."""
    try:
        return function(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    except ValueError as error:
        return error


@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("z", [[1.0, -2.0, 3.0], [-1.0, 2.0, -3.0], [-1.0, -2.0, -3.0], [1.0, 2.0, 3.0]])
def test_vmap_checks_an_update_that_may_grow_in_each_example(d, z):
    """`s += z[z > 0]` batched over `x`: the run-time check runs for each example, raising where a loop over
    the examples raises (d is 1 and the selection is 0, 2 or 3 long) and else agreeing with it, gradient too."""
    module, python = load_source(GROWN_PER_EXAMPLE), _python(GROWN_PER_EXAMPLE)
    xs, z = np.random.default_rng(d).normal(size=(4, d)), np.array(z)
    looped = [_each(python, x, z) for x in xs]
    if any(isinstance(v, ValueError) for v in looped):
        assert all(isinstance(v, ValueError) for v in looped)  # (x's length is each example's)
        for batched in (module.fv, module.gv):
            with pytest.raises(ValueError):
                batched(xs, z)
        return
    np.testing.assert_allclose(module.fv(xs, z), looped, rtol=1e-12)
    gradients = module.gv(xs, z)
    for x, gradient in zip(xs, gradients):
        assert_close(gradient, central_difference(lambda a: python(a.copy(), z), [x], 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("in_axes", ["(0, 0)", "(0, None)"])
def test_vmap_of_an_update_through_a_per_example_mask_written_twice(in_axes):
    """`t[z > 0] += np.sin(w[z > 0])` with `z` batched: the update's check (its target's length, each example's
    count of positives, against the value's, a selection by the same mask) holds by construction, so vmap batches
    it (the check once made vmap refuse it) and agrees with a loop, its gradient with finite differences."""
    module = load_source(MASKED_UPDATE + f"\n\nfv = vmap(f, in_axes={in_axes})\n"
                         f"gv = vmap(grad(f, wrt=1), in_axes={in_axes})\n")
    python = _python(MASKED_UPDATE)
    rng = np.random.default_rng(5)
    zs = np.array([[1.0, -2.0, 3.0], [-1.0, 2.0, -3.0], [-1.0, -2.0, -3.0], [1.0, 2.0, 3.0]])
    ws = rng.normal(size=(4, 3)) if in_axes == "(0, 0)" else rng.normal(size=3)
    w_of = (lambda k: ws[k]) if in_axes == "(0, 0)" else (lambda k: ws)
    np.testing.assert_allclose(module.fv(zs, ws), [python(zs[k], w_of(k).copy()) for k in range(4)], rtol=1e-12)
    for k, gradient in enumerate(module.gv(zs, ws)):
        reference = central_difference(lambda w: python(zs[k].copy(), w), [w_of(k).copy()], 0)
        assert_close(gradient, reference, rtol=1e-6, atol=1e-8)


def test_vmap_of_an_update_through_a_per_example_mask_of_columns():
    """`T[:, z > 0] += np.sin(W[:, z > 0])`: the selection's other axis (3 rows) is checked on the whole array,
    the selected one holds by construction."""
    text = HEADER + '''

@kernel
def f(X: "f64[3,n]", z: "f64[n]", W: "f64[3,n]") -> float:
    T = X * 1.0
    T[:, z > 0.0] += np.sin(W[:, z > 0.0])
    return np.sum(T * T)


fv = vmap(f)
'''
    rng = np.random.default_rng(7)
    xs, zs, ws = rng.normal(size=(4, 3, 5)), rng.normal(size=(4, 5)), rng.normal(size=(4, 3, 5))
    python = _python(text)
    np.testing.assert_allclose(load_source(text).fv(xs, zs, ws), [python(*a) for a in zip(xs, zs, ws)], rtol=1e-12)


def test_an_update_through_another_mask_stays_refused_under_vmap():
    """`t[z > 0] += np.sin(w[w > 0])`: the two counts may differ in an example (NumPy raises there, and the
    unbatched kernel checks it); under vmap that is a located refusal, never a batch computed on."""
    text = MASKED_UPDATE.replace("w[z > 0.0]", "w[w > 0.0]")
    primal = load_source(text)
    z, w = np.array([1.0, -2.0, -3.0]), np.array([1.0, 2.0, -3.0])
    assert isinstance(_each(_python(text), z, w), ValueError) and isinstance(_each(primal.f, z, w), ValueError)
    with pytest.raises(TranspileError, match="selects a different number of elements") as caught:
        load_source(text + "\n\nfv = vmap(f, in_axes=(0, 0))\n")
    assert caught.value.loc.line == 8, caught.value


def test_a_name_and_an_unknown_broadcast_to_a_fresh_length():
    fresh = broadcast_dims("?901", "d")
    assert is_unknown(fresh) and fresh != "?901" and is_unknown(broadcast_dims("n-1", "?902"))
    assert broadcast_dims("?903", 3) == 3 and broadcast_dims(0, "?904") == 0 and broadcast_dims("?905", 1) == "?905"
    assert broadcast_dims("d", 1) == "d" and broadcast_dims("d", "d") == "d"
    with pytest.raises(ShapeError):
        broadcast_dims("d", "n")
    assert same_dim("?906", "d") == "d" and same_dim("d", "?907") == "d"  # np.concatenate's other axes
    with pytest.raises(ShapeError):
        same_dim("d", "n")


def test_a_bound_is_a_known_length_only_when_surely_within_the_axis():
    assert within("d", "2*d") == "d" and within("n", "n") == 0 and within(0, "n") == "n"
    assert within("n-1", "n") is None and within("n+1", "n") is None and within("?3", "n") is None


HALVES = HEADER + '''

@kernel
def f(params: "f64[2*d]", noise: "f64[s,d]") -> float:
    half = np.shape(params)[0] // 2
    draws = noise * np.exp(params[half:]) + params[:half]
    return np.sum(draws * draws)


@kernel
def short(x: "f64[n]", v: "f64[n]") -> float:
    y = x[:x.shape[0] - 1]  # n-1 may be -1 (n = 0: x[:-1] is empty): a run-time length
    return np.sum(y * y) + np.sum(v[x.shape[0] // 3:])
'''


def test_halves_by_a_known_bound_have_the_named_length(tmp_path):
    """x.shape[0] // 2 of f64[2*d] is d: both halves are d long, and the reverse sweep sums without run-time
    helpers; checked at d = 0, 1 and 3 against Python and finite differences."""
    text = HALVES + "\ng = grad(f, wrt=(0, 1))\nh = jvp(f, wrt=(0, 1))\n"
    from lifted.transpiler import transpile_source

    assert "_unbroadcast" not in transpile_source(text, "case.py")
    sets = [[np.linspace(-1, 1, 2 * d), np.cos(np.arange(3 * d)).reshape(3, d)] for d in (0, 1, 3)]
    assert judge(HALVES.replace("def f(", "def unused(").replace("def short(", "def f("),
                 [[np.arange(n) / 3.0, np.ones(n)] for n in (0, 1, 4)])["ad"] == "checked"
    _judge_both(HALVES, sets, tmp_path)


HALVED_IN_LOOPS = [HEADER + f'''

@kernel
def f(x: "f64[2*d]", v: "f64[d]") -> float:
    h = x.shape[0]
    acc = 0.0
    {loop}
        h = h // 2
        acc = acc + np.sum(x[:h] * 2.0) + np.sum(x[h:] * x[h:])
    return acc + np.sum(v * x[:x.shape[0] // 2]) + np.sum(v * x[x.shape[0] // 2:])
''' for loop in ("for i in range(2):", "while h > 1:")]


@pytest.mark.parametrize("text", HALVED_IN_LOOPS)
def test_a_bound_halved_in_a_loop_is_not_the_first_trip_s(text):
    """The size `x.shape[0] // 2` names holds for the bound before the loop, not for one the loop changes."""
    sets = [[np.linspace(-1, 1, 2 * d), np.arange(d) * 0.5] for d in (0, 1, 2, 3, 4)]
    assert judge(text, sets)["ad"] == "checked"


EMPTY_SLICE = HEADER + '''

@kernel
def f(x: "f64[n]", v: "f64[n]") -> float:
    return x[1:].shape[0] * 1.0 + np.sum(x[1:] * v[1:])
'''


def test_a_slice_of_an_empty_named_length(tmp_path):
    """Found by the generator (`z[idx][1:]` with an empty idx): Lifted's value was -1.0, Python's 0.0."""
    _judge_both(EMPTY_SLICE, [[np.zeros(0), np.zeros(0)], [np.ones(2), np.ones(2)]], tmp_path)


# slices of a named length are max(n-k, 0) long (ir/dims.py's clamps), never negative: each program at n = 0, 1,
# 2 and 5 on NumPy and C against Python, central differences and autograd
CLAMPED = {
    "len": "return len(x[1:]) * 1.0 + np.sum(v)",
    "shape_plus_one": "return np.sum(np.zeros(x[2:].shape[0] + 1) + 1.0) + np.sum(v * x)",
    "size": "return np.sum(x[1:] - x[:-1] ** 2) + x[1:].size",
    "rosenbrock": "return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2) + np.sum(v[1:] * x[:-1])",
    "slice_of_slice": "return np.sum(x[1:][1:] * v[2:]) + x[1:][1:].shape[0] * 1.0",
    "shifted": "return np.sum(x * np.concatenate((np.ones(1), v[:-1])))",
    "shifted_twice": "return np.sum(np.concatenate((v[:1], x[1:])) * np.concatenate((x[:-1], np.zeros(1))) * v)",
    "joined": "return np.sum(np.concatenate((x[1:], v[:-1])) ** 2) + np.concatenate((x[1:], v[:-2])).size",
    # lengths as values: the NumPy backend folded len(np.concatenate((np.ones(1), y[:-1]))) to n (0, not 1, at
    # n = 0) and len(y[:-1]) to n-1
    "len_of_shifted": "return len(np.concatenate((np.ones(1), x[:-1]))) * 1.0 + np.sum(v * x)",
    "len_of_slices": "return (len(x[:-1]) + 2 * len(x[:-2]) + 3 * len(x[:-3])) * np.sum(x * v) + len(x[2:-1])",
    "shape_of_slices": "return x[:-1].shape[0] * np.sum(v * v) + len(x[1:]) - 2.0 * len(x[2:-1]) + x[1:-1].size",
    "loop_to_len": "acc = 0.0\n    for i in range(len(x[2:-1])):\n        acc = acc + x[i] * v[i + 1]\n"
                   "    return acc + len(x[1:])",
    "loop_to_shifted_len": "acc = np.sum(x)\n    for i in range(np.concatenate((np.ones(1), v[:-1])).shape[0]):\n"
                           "        acc = acc + i + 1.0\n    return acc",
    "zeros_of_len": "return np.sum(np.zeros(len(x[:-2])) + 1.0) + np.sum(v * x) * (len(x[:-2]) + 1)",
}


@pytest.mark.parametrize("body", CLAMPED.values(), ids=CLAMPED.keys())
def test_slices_of_short_named_lengths_are_never_negative(body, tmp_path):
    text = HEADER + f'''

@kernel
def f(x: "f64[n]", v: "f64[n]") -> float:
    {body}
'''
    sets = [[np.linspace(-1.0, 1.5, n), np.cos(np.arange(n) + 0.5)] for n in (0, 1, 2, 5)]
    _judge_both(text, sets, tmp_path)


@pytest.mark.parametrize("body", CLAMPED.values(), ids=CLAMPED.keys())
def test_the_cuda_target_is_exact_at_short_named_lengths(body, tmp_path, monkeypatch):
    """The CUDA target's host code dispatches as the CPU target's (backends/c/clamped.py): where `x[1:]` of an
    `f64[n]` would be n-1 < 0 long (n = 0) the exact version runs, as NumPy on host copies (the CUDA target typed
    it n-1 alone: `len` -1, a sum over -1 elements). Through tests/fake_pycuda.py, no GPU: values, gradients,
    tangents against Python, central differences and autograd at n = 0, 1, 2, 5."""
    import fake_pycuda
    from test_cuda_runtime import cuda_module

    fake_pycuda.install(monkeypatch)
    text = HEADER + f'''

@kernel
def f(x: "f64[n]", v: "f64[n]") -> float:
    {body}
'''
    sets = [[np.linspace(-1.0, 1.5, n), np.cos(np.arange(n) + 0.5)] for n in (0, 1, 2, 5)]
    names = itertools.count()
    ran = judge(text, sets, build=lambda t: cuda_module(t, tmp_path, f"case{next(names)}"))
    assert ran["primal"] == ran["ad"] == "checked", ran


ODE = HEADER + '''

@kernel
def rhs(x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return x * np.concatenate((np.ones(1), y[:-1]))


@kernel
def f(x: "f64[n]", s: "i64[]") -> float:
    h = 2.0 / s
    y = np.zeros_like(x)
    for step in range(s):
        k1 = rhs(x, y)
        y = y + h * rhs(x, y + 0.5 * h * k1)
    return np.sum(y * y) + len(np.concatenate((np.ones(1), y[:-1])))
'''


def test_the_c_target_keeps_one_kernel_for_a_shifted_product_and_is_exact_at_zero(tmp_path):
    """GradBench ode's step: its C module runs the version typed with `n-1` (x times the shifted state in one
    kernel, as before the clamps) where n >= 1, and the exact one at n = 0, where the shift is 1 long and
    `len(...)` is 1 (backends/c/clamped.py); values, gradients and tangents against Python on both backends."""
    module, kernels = c_module(ODE, tmp_path, "ode_step")
    host = (tmp_path / "ode_step.py").read_text()
    assert "def _rhs_fast(" in host and "def _rhs_exact(" in host and "_kernels.rhs_k0(" in host
    assert kernels <= 8, kernels  # (8 before the clamps: rhs, f, g's and h's fused steps)
    python = _python(ODE)
    for n in (0, 1, 2, 5):
        x = np.linspace(0.5, 1.5, n)
        assert module.f(x, 3) == python(x.copy(), 3), n
        np.testing.assert_allclose(module.rhs(x, x + 1.0), x * np.concatenate((np.ones(1), (x + 1.0)[:-1])))
    sets = [[np.linspace(0.5, 1.5, n), 3] for n in (0, 1, 2, 5)]
    _judge_both(ODE, sets, tmp_path)


SEEDS = int(os.environ.get("LIFTED_RUN_TIME_LENGTH_PROGRAMS", "1000"))
# The C target's seeds, "FIRST:STOP" (default the first twentieth of SEEDS): a compile per program and transform,
# so a long run goes in pieces (tests/scan_run_time_lengths.py counts the outcomes).
C_SEEDS = range(*map(int, os.environ.get("LIFTED_RUN_TIME_LENGTH_C_SEEDS", f"0:{SEEDS // 20}").split(":")))


def test_the_generator_writes_every_form():
    corpus = "\n".join(program_for_seed(seed) for seed in range(400))
    for form in UNKNOWN + COMBINE + USE:
        assert form in corpus, form


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_on_numpy(seed):
    judge(program_for_seed(seed), inputs_for(seed))


def test_a_program_whose_oracle_raises():
    """Seed 5040: `np.tile(w, (k, 1))` with k = 0; autograd's VJP of np.tile raised ZeroDivisionError (np.split
    into 0 sections) and the judge took it for a failure: finite differences judge the gradient there."""
    judge(program_for_seed(5040), inputs_for(5040))


@pytest.mark.parametrize("seed", [0, 5])
def test_random_programs_on_c(seed, tmp_path):
    names = itertools.count()
    judge(program_for_seed(seed), inputs_for(seed), build=lambda t: c_module(t, tmp_path, f"case{next(names)}")[0])


@pytest.mark.slow
def test_many_random_programs_on_numpy():
    """$LIFTED_RUN_TIME_LENGTH_PROGRAMS seeds (default 1000): every disagreement, not only the first."""
    failures = []
    for seed in range(SEEDS):
        try:
            judge(program_for_seed(seed), inputs_for(seed))
        except AssertionError as failure:
            failures.append(f"seed {seed}: {failure}")
    assert not failures, "\n\n".join(failures[:5]) + f"\n({len(failures)} failed)"


@pytest.mark.slow
def test_many_random_programs_on_c(tmp_path):
    """$LIFTED_RUN_TIME_LENGTH_C_SEEDS on the C target (default the first twentieth of the NumPy run's seeds)."""
    names, failures = itertools.count(), []
    for seed in C_SEEDS:
        try:
            judge(program_for_seed(seed), inputs_for(seed),
                  build=lambda t: c_module(t, tmp_path, f"case{next(names)}")[0])
        except AssertionError as failure:
            failures.append(f"seed {seed}: {failure}")
    assert not failures, "\n\n".join(failures[:5]) + f"\n({len(failures)} failed)"
