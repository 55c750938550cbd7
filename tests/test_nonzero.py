"""np.nonzero, np.flatnonzero, np.argwhere, np.where(c) of one argument, `x.nonzero()` and np.ix_ of a boolean
(frontend/nonzero.py): index arrays of a length known only at run time, written as boolean-mask selections of
`np.arange`s. Values, dtypes and shapes against NumPy (Python running the untouched source) on the NumPy and C
targets; gradients through what they index against central differences and autograd; vmap against a loop where
the mask is the same for every example, a located refusal where a per-example mask would need the selection's
own shape."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError
from test_c_backend import c_module

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, vmap\n"
FORMS = {"nonzero": "np.nonzero(a)", "flatnonzero": "np.flatnonzero(a)", "argwhere": "np.argwhere(a)",
         "where": "np.where(a)", "method": "a.nonzero()", "compared": "np.nonzero(a > 0)"}
ANNOTATIONS = {1: "n", 2: "n,d", 3: "n,d,k"}


def _values_source(dtype: str, rank: int) -> str:
    kernels = [f'@kernel\ndef {name}(a: "{dtype}[{ANNOTATIONS[rank]}]"):\n    return {form}\n'
               for name, form in FORMS.items()]
    return HEADER + "\n\n" + "\n\n".join(kernels)


def _python(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def _same(got, expected, what: str) -> None:
    """The same tuple structure, and in each array the same shape, dtype and elements."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), what
        for g, e in zip(got, expected):
            _same(g, e, what)
        return
    got, expected = np.asarray(got), np.asarray(expected)
    assert (got.shape, got.dtype) == (expected.shape, expected.dtype), (what, got.shape, got.dtype, expected.shape,
                                                                          expected.dtype)
    assert np.array_equal(got, expected), (what, got, expected)


def _arrays(dtype: str, rank: int) -> list[np.ndarray]:
    """Mixed, all-False, all-True and empty arrays of the rank (NaN and -0.0 among the floats)."""
    rng = np.random.default_rng(rank)
    shape = (3, 4, 2)[:rank]
    mixed = rng.integers(-1, 2, shape)
    empty = np.zeros((0,) + shape[1:]) if rank == 1 else np.zeros(shape[:-1] + (0,))
    arrays = [mixed, np.zeros(shape), np.ones(shape), empty]
    if dtype == "bool":
        return [a != 0 for a in arrays]
    if dtype == "f64":
        arrays.append(np.where(mixed > 0, np.nan, -0.0) + 0.0 * mixed)  # NaN is nonzero, -0.0 is zero
        arrays[-1].flat[0] = -0.0
    return [a.astype({"f64": np.float64, "i64": np.int64, "i32": np.int32}[dtype]) for a in arrays]


@pytest.mark.parametrize("dtype, rank", list(itertools.product(("bool", "f64", "i64", "i32"), (1, 2, 3))))
def test_values_dtypes_and_shapes_against_numpy(dtype, rank, tmp_path):
    text = _values_source(dtype, rank)
    python = _python(text)
    modules = [load_source(text), c_module(text, tmp_path, f"values_{dtype}_{rank}")[0]]
    for a, module, name in itertools.product(_arrays(dtype, rank), modules, FORMS):
        _same(getattr(module, name)(a.copy()), python[name](a.copy()), f"{name} of {a!r}")


ZERO_D = HEADER + '''

@kernel
def flat(a: "f64[]"):
    return np.flatnonzero(a)


@kernel
def rows(a: "f64[]"):
    return np.argwhere(a)
'''


def test_a_0d_argument_follows_numpy(tmp_path):
    """np.flatnonzero and np.argwhere of a 0-d array as NumPy 2.x computes them (argwhere: shape (count, 0))."""
    python = _python(ZERO_D)
    for module in (load_source(ZERO_D), c_module(ZERO_D, tmp_path, "zero_d")[0]):
        for a in (0.0, 2.5, np.float64(-0.0), np.float64(np.nan)):
            for name in ("flat", "rows"):
                _same(getattr(module, name)(a), python[name](a), f"{name}({a})")


@pytest.mark.parametrize("body, column, word", [
    ("np.nonzero(a)", 12, "0-d"),
    ("np.where(a)", 12, "0-d"),
    ("a.nonzero()", 12, "0-d"),
    ("np.nonzero(a, a)", 12, "1 positional argument"),
    ("np.flatnonzero(v, axis=0)", 35, "axis"),
])
def test_refusals_are_located(body, column, word):
    """NumPy 2.x raises ValueError for np.nonzero of a 0-d array on every call: refused at build time."""
    text = HEADER + f'\n\n@kernel\ndef f(a: "f64[]", v: "f64[n]"):\n    return {body}\n'
    with pytest.raises(TranspileError) as error:
        load_source(text)
    assert f"case.py:7:{column}" in str(error.value) and word in str(error.value), str(error.value)
    with pytest.raises((ValueError, TypeError)):
        _python(text)["f"](np.float64(1.0), np.ones(3))


# gradients flow through what the positions index
GRADIENTS = {
    "gather_by_nonzero": '''
@kernel
def f(x: "f64[n,d]", m: "f64[n,d]") -> float:
    return np.sum(np.sin(x[np.nonzero(m > 0.0)]) * x[np.nonzero(m > 0.0)])
''',
    "flat_positions_times_weights": '''
@kernel
def f(x: "f64[n]", w: "f64[n]", m: "bool[n]") -> float:
    idx = np.flatnonzero(m)
    return np.sum(x[idx] * w[idx] * x[np.flatnonzero(m)])
''',
    "argwhere_columns": '''
@kernel
def f(x: "f64[n,d]", m: "f64[n,d]") -> float:
    p = np.argwhere(m > 0.5)
    return np.sum(x[p[:, 0], p[:, 1]] ** 2) + np.sum(x[p[:, 0]] * 0.5)
''',
    "loop_over_flat_positions": '''
@kernel
def f(x: "f64[n]", m: "bool[n]") -> float:
    acc = 0.0
    for i in np.flatnonzero(m):
        acc += x[i] * x[i]
    return acc
''',
    "where_of_one_argument": '''
@kernel
def f(x: "f64[n]") -> float:
    idx = np.where(x > 0.0)[0]
    return np.sum(x[idx] ** 3) + idx.shape[0] * np.sum(x)
''',
    "ix_of_masks": '''
@kernel
def f(x: "f64[n,d]", r: "bool[n]", c: "bool[d]") -> float:
    return np.sum(np.cos(x[np.ix_(r, c)]) * x[np.ix_(r, c)])
''',
}


def _gradient_arguments(name: str) -> list[list]:
    """Argument sets with some, none and all of the mask true."""
    rng = np.random.default_rng(7)
    x2, m2 = rng.uniform(0.5, 1.5, (3, 4)) * rng.choice([-1, 1], (3, 4)), rng.normal(size=(3, 4))
    x1, w1 = rng.uniform(0.5, 1.5, 5) * rng.choice([-1, 1], 5), rng.normal(size=5)
    masks = [np.array([True, False, True, True, False]), np.zeros(5, bool), np.ones(5, bool)]
    return {
        "gather_by_nonzero": [[x2, m2], [x2, -np.abs(m2)], [x2, np.abs(m2) + 1]],
        "flat_positions_times_weights": [[x1, w1, m] for m in masks],
        "argwhere_columns": [[x2, m2], [x2, np.zeros((3, 4))], [x2, np.ones((3, 4))]],
        "loop_over_flat_positions": [[x1, m] for m in masks],
        "where_of_one_argument": [[x1], [-np.abs(x1)], [np.abs(x1)]],
        "ix_of_masks": [[x2, np.array([True, False, True]), np.array([False, True, True, False])],
                        [x2, np.zeros(3, bool), np.ones(4, bool)], [x2, np.ones(3, bool), np.ones(4, bool)]],
    }[name]


def _check_gradients(module, text: str, sets: list) -> None:
    """Value against Python, each float argument's gradient against central differences and autograd, the jvp's
    tangent against the differences along a direction."""
    from autograd import grad as autograd_grad

    python, oracle = _python(text), autograd_kernels(text)["f"]
    for args in sets:
        fresh = lambda: [a.copy() for a in args]  # noqa: E731
        assert_close(module.f(*fresh()), python["f"](*fresh()), rtol=1e-12, atol=1e-12, what="value")
        floats = [i for i, a in enumerate(args) if a.dtype == np.float64]
        grads = module.g(*fresh())
        grads = grads if isinstance(grads, tuple) else (grads,)
        direction, tangents = 0.0, [np.cos(np.arange(args[i].size) + i).reshape(args[i].shape) for i in floats]
        for i, got, t in zip(floats, grads, tangents):
            reference = central_difference(python["f"], fresh(), i)
            assert_close(got, reference, rtol=1e-6, atol=1e-6, what=f"d/d argument {i} vs finite differences")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Output seems independent of input" where the mask is empty
                exact = autograd_grad(oracle, i)(*fresh())
            assert_close(got, exact, rtol=1e-9, atol=1e-10, what=f"d/d argument {i} vs autograd")
            direction += float(np.sum(reference * t))
        value, tangent = module.h(*fresh(), *tangents)
        assert_close(tangent, direction, rtol=1e-6, atol=1e-6, what="jvp's tangent vs finite differences")


@pytest.mark.parametrize("target", ["numpy", "c"])
@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_through_what_the_positions_index(name, target, tmp_path):
    text = HEADER + "\n" + GRADIENTS[name]
    sets = _gradient_arguments(name)
    floats = tuple(i for i, a in enumerate(sets[0]) if a.dtype == np.float64)
    text += f"\ng = grad(f, wrt={floats})\nh = jvp(f, wrt={floats})\n"
    module = load_source(text) if target == "numpy" else c_module(text, tmp_path, name)[0]
    _check_gradients(module, text, sets)


# vmap: a mask the same for every example batches (the positions are one array); a per-example one selects its own
# number of positions, batched where the selection batching covers the use (a sum), refused (located) otherwise
SHARED_MASK = HEADER + '''

@kernel
def f(x: "f64[n,d]", m: "f64[n,d]") -> float:
    p = np.argwhere(m > 0.0)
    acc = np.sum(x[np.nonzero(m > 0.0)] ** 2) + np.sum(x[p[:, 0], p[:, 1]])
    for i in np.flatnonzero(m[:, 0] > 0.0):
        acc += x[i, 0] * x[i, 1]
    return acc


@kernel
def counted(x: "f64[n]") -> float:
    return np.sum(np.flatnonzero(x > 0.0)) * 1.0 + np.sum(np.nonzero(x < 0.0)[0] * x[0])


b = vmap(f, in_axes=(0, None))
bg = vmap(grad(f), in_axes=(0, None))
bc = vmap(counted)
'''


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_vmap_against_a_loop(target, tmp_path):
    module = load_source(SHARED_MASK) if target == "numpy" else c_module(SHARED_MASK, tmp_path, "batched")[0]
    python = _python(SHARED_MASK)
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(4, 3, 2))
    for m in (rng.normal(size=(3, 2)), np.zeros((3, 2)), np.ones((3, 2))):
        assert_close(module.b(xs, m), np.array([python["f"](x, m) for x in xs]), rtol=1e-12, what="vmap(f)")
        assert_close(module.bg(xs, m), np.stack([central_difference(python["f"], [x, m], 0) for x in xs]),
                     rtol=1e-6, atol=1e-6, what="vmap(grad(f)) vs finite differences per example")
    rows = rng.normal(size=(5, 4))
    rows[1] = 0.0
    assert_close(module.bc(rows), np.array([python["counted"](r) for r in rows]), rtol=1e-12, what="vmap(counted)")


PER_EXAMPLE_MASK = HEADER + '''

@kernel
def f(x: "f64[3,2]", v: "f64[3]") -> float:  # (arithmetic on a 2-d selection: shapes known)
    rows = np.flatnonzero(v > 0.0)
    return np.sum(np.sin(x[np.nonzero(x > 0.0)]) * 2.0) + np.sum(v[rows] ** 2) + np.sum(x[np.where(v > 0.0)[0]])



@kernel
def written(x: "f64[3,2]") -> float:
    y = x * 1.0
    y[np.nonzero(x > 0.0)] = 0.5
    y[np.nonzero(x < -0.5)] += 2.0 * x[np.nonzero(x < -0.5)]
    return np.sum(y * y * x)


b = vmap(f)
bg = vmap(grad(f, wrt=(0, 1)))
bw = vmap(written)
'''


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_vmap_of_what_per_example_positions_index(target, tmp_path):
    """`x[np.nonzero(m)]` and `v[np.flatnonzero(m)]` with a mask per example read what `x[m]` reads (the mask of
    x's leading axes, known equal at build time): batched as that selection, against a loop, gradients too."""
    module = load_source(PER_EXAMPLE_MASK) if target == "numpy" else c_module(PER_EXAMPLE_MASK, tmp_path, "per")[0]
    python = _python(PER_EXAMPLE_MASK)
    rng = np.random.default_rng(11)
    xs, vs = rng.normal(size=(5, 3, 2)), rng.normal(size=(5, 3))
    xs[1], vs[2] = -1.0, -1.0  # an example whose masks select nothing
    xs[3], vs[3] = 1.0, 1.0    # and one whose select everything
    assert_close(module.b(xs, vs), np.array([python["f"](x, v) for x, v in zip(xs, vs)]), rtol=1e-12, what="vmap")
    dx, dv = module.bg(xs, vs)
    for i, (x, v) in enumerate(zip(xs, vs)):
        assert_close(dx[i], central_difference(python["f"], [x, v], 0), rtol=1e-6, atol=1e-6, what=f"dx[{i}]")
        assert_close(dv[i], central_difference(python["f"], [x, v], 1), rtol=1e-6, atol=1e-6, what=f"dv[{i}]")
    assert_close(module.bw(xs), np.array([python["written"](x) for x in xs]), rtol=1e-12, what="vmap, writes")



def test_vmap_of_the_gradient_of_a_write_through_per_example_positions_is_refused():
    """The reverse sweep of `y[p] = v` finds the last write of repeated positions (`_last_writes`), which a
    per-example selection does not batch (np.nonzero's positions never repeat, but the sweep does not know it)."""
    with pytest.raises(TranspileError) as error:
        load_source(PER_EXAMPLE_MASK + "\nbwg = vmap(grad(written))\n")
    assert "case.py:16:5" in str(error.value) and "differs between examples" in str(error.value), str(error.value)


@pytest.mark.parametrize("body", [
    "np.sum(x[np.flatnonzero(w > 0.0)] ** 2)",  # x's length n, the mask's m: NumPy gathers where x[mask] raises
    "np.flatnonzero(x > 0.0).shape[0] * 1.0",
    "np.sum(x[np.flatnonzero(x > 0.0)[::-1]])",
    "np.sum(np.argwhere(x > 0.0)) * 1.0",
])
def test_vmap_of_a_per_example_mask_that_needs_the_selection_s_shape_is_refused(body):
    text = HEADER + f'\n\n@kernel\ndef f(x: "f64[n]", w: "f64[m]") -> float:\n    return {body}\n\nb = vmap(f)\n'
    load_source(text.replace("b = vmap(f)", ""))  # the kernel itself is accepted
    with pytest.raises(TranspileError) as error:
        load_source(text)
    assert "case.py:7:" in str(error.value) and "differs between examples" in str(error.value), str(error.value)


def test_second_order_through_positions():
    """hessian, jvp(grad) and vjp(grad) of a sum over what np.nonzero and np.argwhere's column index."""
    from gradcheck import check_second_order

    text = HEADER + '''

@kernel
def f(x: "f64[n,d]", m: "f64[n,d]") -> float:
    return np.sum(x[np.nonzero(m > 0.0)] ** 3) + np.sum(np.sin(x[np.argwhere(m > 0.0)[:, 0]]))
'''
    rng = np.random.default_rng(5)
    check_second_order(text, [rng.normal(size=(3, 2)), rng.normal(size=(3, 2))], 0)


def test_cuda_text_compiles_with_nvcc(tmp_path):
    """The CUDA kernels of the gradient programs and the vmaps above (no GPU needed to compile them)."""
    import subprocess

    from lifted.transpiler.pipeline import transpile_c
    from lifted.transpiler.backends.c.compile import nvcc

    compiler = nvcc()
    if compiler is None:
        pytest.skip("nvcc is not installed")
    sources = [HEADER + "\n" + GRADIENTS[name].replace("def f(", f"def f_{name}(") for name in sorted(GRADIENTS)]
    sources += [SHARED_MASK, PER_EXAMPLE_MASK]
    for number, text in enumerate(sources):
        if number < len(GRADIENTS):
            text += f"\ng = grad(f_{sorted(GRADIENTS)[number]})\n"
        path = tmp_path / f"case{number}.cu"
        path.write_text(transpile_c(text, f"case{number}.py", target="cuda").kernels)
        result = subprocess.run([compiler, "-ptx", "-arch=sm_80", "-std=c++14", str(path), "-odir", str(tmp_path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-4000:]
