"""np.linalg.norm of a whole array (ord None, 'fro' of a matrix, 2 of a vector, no axis) is NumPy's
`sqrt(x.ravel(order='K').dot(...))`, a BLAS dot in memory order: `sqrt(np.sum(x * x))`, which Lifted computed
before, differed in the last bit for about a quarter of random matrices and vectors. The registry's `norm` entry
renders NumPy's call (its bits for every layout), the C targets sum the squares (backends/c/norm.py)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler.errors import TranspileError
from test_common_functions import all_forms_pass, kernel_module


def _draws(shape: tuple[int, ...], count: int = 3) -> list[list]:
    rng = np.random.default_rng(sum(shape) + len(shape))
    draws = [[rng.normal(size=shape)] for _ in range(count)]
    if len(shape) == 2:  # a caller's Fortran-ordered array: NumPy's dot reads it in memory order
        draws.append([np.asfortranarray(rng.normal(size=shape))])
    return draws


@pytest.mark.parametrize("note, shape, body", [
    ('"f64[n]"', (37,), "np.linalg.norm(a)"),
    ('"f64[n]"', (23,), "np.linalg.norm(a, 2)"),
    ('"f64[n,m]"', (7, 9), "np.linalg.norm(a)"),
    ('"f64[n,m]"', (6, 5), "np.linalg.norm(a, 'fro')"),
    ('"f64[n,m]"', (6, 5), "np.linalg.norm(a, 'f', keepdims=True)"),
    ('"f64[2,3,4]"', (2, 3, 4), "np.linalg.norm(a * 3.0 - 1.0)"),
    ('"f64[n,m]"', (5, 8), "np.linalg.norm(a.T @ a) * a[0, 0]"),
    ('"f32[n,m]"', (6, 7), "np.linalg.norm(a)"),
    ('"i64[n]"', (9,), "np.linalg.norm(a)"),
])
def test_norm_of_the_whole_array_is_numpys_bits(note, shape, body):
    inputs = _draws(shape)
    if note.startswith('"f32'):
        inputs = [[x.astype(np.float32)] for (x,) in inputs]
    if note.startswith('"i64'):
        inputs = [[np.round(x * 10).astype(np.int64)] for (x,) in inputs]
    all_forms_pass(kernel_module(f"a: {note}", body), ["a"], inputs)


@pytest.mark.parametrize("body", ["np.linalg.norm(a)", "np.linalg.norm(a, keepdims=True) * a"])
def test_norm_on_the_c_target(body, tmp_path):
    all_forms_pass(kernel_module('a: "f64[n,m]"', body), ["a"], _draws((4, 6)), c=True, tmp_path=tmp_path)


def test_norm_bits_over_many_draws():
    """The bits that differed: 300 vectors and matrices of random sizes, against np.linalg.norm."""
    module = load_source(kernel_module('a: "f64[n,m]"', "np.linalg.norm(a)"))
    rng = np.random.default_rng(5)
    for _ in range(300):
        x = rng.normal(size=tuple(rng.integers(1, 9, size=2)))
        assert module.f(x) == np.linalg.norm(x)


def test_frobenius_norm_of_rank_three_without_axis_is_refused():
    """NumPy raises ValueError ("Improper number of dimensions to norm."): Lifted computed a value."""
    with pytest.raises(ValueError):
        np.linalg.norm(np.ones((2, 2, 2)), "fro")
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module('a: "f64[2,2,2]"', "np.linalg.norm(a, 'fro')"))
    assert ":7:" in str(error.value) and "NumPy raises ValueError" in str(error.value)


# vmap: each example's norm in the example's own memory order, whatever the batch's layout or the kernel's views
_PER_EXAMPLE = [
    ('a: "f64[n,m]"', "np.linalg.norm(a)"),
    ('a: "f64[n,m]"', "np.linalg.norm(a.T)"),
    ('a: "f64[n,m]"', "np.linalg.norm(a[::-1, ::2])"),
    ('a: "f64[n,m]"', "np.linalg.norm(a, keepdims=True) * a"),
    ('a: "f64[n,m]"', "np.linalg.norm(np.broadcast_to(a[0], (3, a.shape[1])).T)"),
    ('a: "f32[n,m]"', "np.linalg.norm(a.T)"),
    ('a: "i64[n,m]"', "np.linalg.norm(a.T)"),
    ('a: "f64[n]"', "np.linalg.norm(a[::-1])"),
]


def _batch_module(params: str, body: str) -> str:
    return (f"import numpy as np\nfrom lifted import kernel, vmap\n\n\n@kernel\ndef f({params}):\n"
            f"    return {body}\n\n\nf0 = vmap(f, in_axes=(0,))\nf_last = vmap(f, in_axes=(-1,))\n"
            f"f00 = vmap(vmap(f, in_axes=(0,)), in_axes=(1,))\n")


def _example_draws(params: str, rng) -> list[np.ndarray]:
    rank = params.count(",") + 1
    dtype = {"f64": np.float64, "f32": np.float32, "i64": np.int64}[params[4:7]]
    draws = []
    for batch in (0, 1, 2, 5):
        x = rng.normal(size=(batch, *rng.integers(1, 7, size=rank))) * 10
        draws += [x, np.asfortranarray(x), x[:, ..., ::-1]]
    return [d.astype(dtype) for d in draws]


@pytest.mark.parametrize("params, body", _PER_EXAMPLE)
def test_norm_under_vmap_is_each_examples_numpy_norm(params, body):
    """Before, the batch was summed row by row in C order: a Fortran-ordered batch, a batch on the last axis or
    a transpose inside the kernel differed from np.linalg.norm of the example in the last bit (180 of 300 draws)."""
    module = load_source(_batch_module(params, body))
    python: dict = {}
    exec(f"import numpy as np\ndef f({params.split(':')[0]}):\n    return {body}\n", python)
    rng = np.random.default_rng(len(body))
    for x in _example_draws(params, rng):
        expected = [python["f"](x[i]) for i in range(len(x))]
        got = module.f0(x)
        assert got.dtype == np.asarray(python["f"](x[0]) if len(x) else got).dtype
        assert all(np.array_equal(g, e) for g, e in zip(got, expected)) and len(got) == len(expected)
        moved = np.moveaxis(x, 0, -1)
        assert all(np.array_equal(g, e) for g, e in zip(module.f_last(moved), expected))
        pairs = np.stack([x, x[::-1]], axis=1) if len(x) else None
        if pairs is not None:
            got = module.f00(pairs)
            assert all(np.array_equal(got[j, i], python["f"](pairs[i, j])) for i in range(len(x)) for j in range(2))


def test_norm_under_vmap_derivatives():
    text = kernel_module('a: "f64[n,m]"', "np.linalg.norm(a.T * 2.0) * a[0, 0]")
    all_forms_pass(text, ["a"], _draws((4, 3)) + [[np.asfortranarray(np.arange(12.0).reshape(3, 4) - 5)]])


def test_norm_under_vmap_on_the_c_target(tmp_path):
    text = kernel_module('a: "f64[n,m]"', "np.linalg.norm(a.T) * a")
    all_forms_pass(text, ["a"], _draws((3, 5)), c=True, tmp_path=tmp_path)
