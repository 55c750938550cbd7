"""transforms/split_axes.py: short static trailing axes split into per-column values, where that is exact.

Values against the untouched source run by NumPy (bit for bit for the reductions over the short axis, `-0.0`,
inf and NaN included), gradients against finite differences and autograd, programs whose views and in-place
updates must keep the value whole, and what the split gives `ba` on the C backend (its kernel launches).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import transpile_source

REDUCTIONS = '''
import numpy as np
from lifted import kernel


@kernel
def reduce{n}(a: "f64[p]", b: "f64[p]", c: "f64[p]", d: "f64[p]"):
    rows = np.stack(({columns}), axis=1)
    twice = rows * 2.0
    return (np.sum(rows, axis=1), np.sum(twice, axis=-1, keepdims=True), np.prod(rows, axis=-1),
            np.prod(twice, axis=1, keepdims=True), np.sum(rows[:, 0:{n}] * rows, axis=1), np.mean(rows, axis=-1),
            np.mean(twice, axis=1, keepdims=True))
'''


def _code(text: str) -> str:
    """Generated code without its comments (which quote the source)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def same_bits(got, expected) -> bool:
    got, expected = np.asarray(got), np.asarray(expected)
    nan = np.isnan(expected)
    return (got.shape == expected.shape and np.array_equal(np.isnan(got), nan)
            and np.array_equal(np.where(nan, 0.0, got).view(np.int64), np.where(nan, 0.0, expected).view(np.int64)))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_reductions_over_the_short_axis_give_numpys_bits(n):
    """NumPy sums a short last axis left to right from +0.0 (a mean then divides by the count) and multiplies it
    left to right: the chains the split writes give the same bits, signed zeros, infinities and NaN included."""
    text = REDUCTIONS.format(n=n, columns=", ".join("abcd"[:n]) + ("," if n == 1 else ""))
    code = transpile_source(text, "reduce.py")
    body = _code(code.split(f"def reduce{n}(")[1])
    assert "np.sum(" not in body and "np.prod(" not in body and "np.mean(" not in body, body  # chains of binary operations
    module = load_source(text, "reduce.py")
    source: dict = {}
    exec(compile(text, "source", "exec", dont_inherit=True), source)
    rng = np.random.default_rng(n)
    specials = np.array([0.0, -0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, -1e308, 5e-324, 1.0, -1.0])
    with np.errstate(all="ignore"):
        for p in (1, 7, 1000):
            args = []
            for _ in range(4):
                column = rng.normal(size=p) * rng.choice([1e-8, 1.0, 1e8, 1e16], size=p)
                mask = rng.random(p) < 0.4
                column[mask] = rng.choice(specials, size=mask.sum())
                args.append(column)
            for got, expected in zip(module.__dict__[f"reduce{n}"](*args), source[f"reduce{n}"](*args)):
                assert same_bits(got, expected), (n, p, got, expected)


SPLIT = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(a: "f64[p]", b: "f64[p]", x: "f64[p,3]") -> "f64[]":
    rows = np.stack((a, b * a, np.sin(b)), axis=1)
    turned = rows / np.sqrt(1.0 + np.sum(rows * rows, axis=1))[:, None] - x[:, 0:1] * x
    cross = np.stack((turned[:, 1] * x[:, 2] - turned[:, 2] * x[:, 1],
                      turned[:, 2] * x[:, 0] - turned[:, 0] * x[:, 2]), axis=-1)
    both = np.concatenate((cross, turned[:, 1:2]), axis=1)
    return np.sum(np.prod(both, axis=1) + np.sum(both[:, 0:2] * turned[:, 1:], axis=-1) + both[:, 2])


g = grad(f, wrt=("a", "b", "x"))
'''


def test_a_split_program_and_its_gradient_against_python_fd_and_autograd():
    code = transpile_source(SPLIT, "split.py")
    forward = _code(code.split("def f(")[1].split("\ndef ")[0])
    assert "np.stack(" not in forward and "np.sum(" not in forward.replace("return np.sum(", ""), forward
    rng = np.random.default_rng(3)
    check_against_python(SPLIT, [rng.normal(size=6), rng.normal(size=6), rng.normal(size=(6, 3))], rtol=1e-6)


# Each program takes views of a short-row value or updates it in place (directly, through a view, through a
# loop slot): splitting the value would miss the update, so it stays whole, and the numbers are the source's.
ALIASED = {
    "column update after a view": '''
    y = np.stack((a, b, a * b), axis=1)
    v = y[:, 0:2]
    y[:, 0] = 5.0 * a
    return np.sum(np.sum(v * v, axis=1) + y[:, 0])''',
    "update through a view": '''
    y = np.stack((a, b, a * b), axis=1)
    v = y[:, 1:3]
    v[:, 0] = 2.0 * b
    return np.sum(np.sum(y * y, axis=1))''',
    "columns updated in a loop": '''
    y = np.stack((a, b, a - b), axis=-1)
    for i in range(3):
        y[:, i] = y[:, i] * (i + 1.0)
    return np.sum(np.prod(y, axis=1))''',
    "a column read before the whole is updated": '''
    y = np.stack((a, b, a * b), axis=1)
    c = y[:, 0]
    y += 1.0
    return np.sum(c * np.sum(y, axis=1))''',
    "a row updated, the rows read after": '''
    y = np.stack((a, b), axis=1) * 2.0
    c = y[:, 1]
    y[0] = 7.0 * y[1]
    return np.sum(np.sum(y * y, axis=-1) + c * y[:, 0])''',
    "a row slot updated in a loop": '''
    y = np.stack((a, b, a + b), axis=1)
    z = y
    for i in range(2):
        z[:, 1] = z[:, 1] + a
    return np.sum(np.sum(y * y, axis=1))''',
    "a branch result updated": '''
    y = np.stack((a, b), axis=1)
    if np.sum(a) > 0.0:
        z = y * 2.0
    else:
        z = y * 1.0
    w = z[:, 0:1]
    z[:, 0] = b
    return np.sum(np.sum(y * y, axis=1) + np.sum(z * w, axis=1))''',
}


@pytest.mark.parametrize("name", sorted(ALIASED))
def test_views_and_in_place_updates_keep_the_sources_numbers(name):
    text = ('import numpy as np\nfrom lifted import grad, kernel\n\n\n@kernel\n'
            'def f(a: "f64[p]", b: "f64[p]") -> "f64[]":' + ALIASED[name] + '\n\n\ng = grad(f, wrt=("a", "b"))\n')
    rng = np.random.default_rng(7)
    check_against_python(text, [rng.normal(size=5), rng.normal(size=5)], rtol=1e-6)


def _launches(host: str, function: str) -> int:
    body = re.split(r"\ndef ", host.split(f"\ndef {function}(")[1])[0]
    return body.count("_kernels.")


def test_ba_on_the_c_backend_runs_as_a_few_kernels():
    """GradBench ba's rows (`[p, 3]`, `[p, 11]`) split into columns: the objective is one kernel launch and the
    batched Jacobian's 47 launches (before the split) are 10."""
    from benchmarks.gradbench import ba
    from lifted.transpiler.pipeline import transpile_c

    host = transpile_c(ba.SOURCE, "ba_kernel.py", "c", cu_file="ba.cu").host
    assert _launches(host, "residuals") == 1
    assert _launches(host, "residual_rows") <= 10
    assert _launches(host, "residuals_vjp") <= 8

