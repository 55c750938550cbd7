"""transforms/column_updates.py: an array of zeros filled column by column (reverse mode's cotangent of column
picks, or the program's own `z[:, k] = v`) made as one `np.stack` of its columns, where that is exact.

Values against the untouched source run by NumPy (bit for bit: a `+=` into the zeros is `0.0 + v`, so `-0.0`
becomes `+0.0` as in NumPy), gradients against finite differences and autograd, batched gradients against a loop,
programs whose reads and in-place updates must keep the updates as they are, and what it gives `ba` on the C
backend (the batched Jacobian's kernels).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import transpile_source
from test_split_axes import _code, _launches, same_bits

PICKS = '''
import numpy as np
from lifted import grad, jacrev, kernel, vjp, vmap


@kernel
def f(cam: "f64[p,6]", x: "f64[p,2]") -> "f64[]":
    a = cam[:, 0] * np.sin(cam[:, 1]) + cam[:, 2:4] @ np.ones(2) * x[:, 0]
    b = np.exp(0.1 * cam[:, 4]) - cam[:, 5] * x[:, 1] + x[:, 0] * cam[:, 0]
    return np.sum(a * b)


@kernel
def rows(cam: "f64[p,6]", x: "f64[p,2]") -> "f64[p,2]":
    a = cam[:, 0] * np.sin(cam[:, 1]) + cam[:, 2] * cam[:, 3] * x[:, 0]
    b = np.exp(0.1 * cam[:, 4]) - cam[:, 5] * x[:, 1]
    return np.stack((a * b, a - b), axis=1)


g = grad(f, wrt=("cam", "x"))
rows_vjp = vjp(rows, wrt=("cam", "x"))
rows_batched = vmap(rows_vjp, in_axes=(None, None, 0))
'''


def test_the_cotangent_of_column_picks_is_one_stack():
    code = transpile_source(PICKS, "picks.py")
    for name in ("g", "rows_vjp", "rows_batched"):
        body = _code(code.split(f"\ndef {name}(")[1].split("\ndef ")[0])
        assert "np.stack(" in body and "np.zeros(" not in body, body
        assert not re.search(r"\[:, (:, )?\d\] \+?=", body), body  # no column updates left
    rng = np.random.default_rng(5)
    check_against_python(PICKS, [rng.normal(size=(7, 6)), rng.normal(size=(7, 2))], rtol=1e-6)


def test_batched_cotangents_of_column_picks_match_a_loop():
    module = load_source(PICKS, "picks.py")
    rng = np.random.default_rng(11)
    cam, x, cts = rng.normal(size=(9, 6)), rng.normal(size=(9, 2)), rng.normal(size=(3, 9, 2))
    values, (dcam, dx) = module.rows_batched(cam, x, cts)
    for b in range(3):
        value, (dcam_b, dx_b) = module.rows_vjp(cam, x, cts[b])
        assert same_bits(values[b], value) and same_bits(dcam[b], dcam_b) and same_bits(dx[b], dx_b)


# The program's own column writes into zeros: the first three become one stack, the others must keep the
# source's numbers as they are (a read between the writes, a value changed after it was written, a column left
# out, a slice, a column written twice).
WRITES = {
    "every column": ('''
    z = np.zeros((a.shape[0], 3))
    z[:, 2] = a * b
    z[:, 0] = np.sin(a)
    z[:, 1] = b
    return np.sum(z * z[:, 0:1])''', True),
    "an add written by the program": ('''
    z = np.zeros((a.shape[0], 2))
    z[:, 1] = a
    z[:, 0] += b
    return np.sum(z * z)''', False),
    "a slice of columns": ('''
    z = np.zeros_like(m)
    z[:, 1:3] = m[:, 0:2] * 2.0
    z[:, 0] = a
    return np.sum(np.cos(z))''', True),
    "a column written twice": ('''
    z = np.zeros((a.shape[0], 2))
    z[:, 1] = a
    z[:, 0] += b
    z[:, 1] += b * a
    z[:, 1] = np.tanh(z[:, 1])
    return np.sum(z * z)''', False),
    "read between the writes": ('''
    z = np.zeros((a.shape[0], 2))
    z[:, 0] = a
    s = np.sum(z)
    z[:, 1] = b * s
    return np.sum(z * z)''', False),
    "value changed after it was written": ('''
    z = np.zeros((a.shape[0], 2))
    t = a * 2.0
    z[:, 0] = t
    t[0] = 7.0
    z[:, 1] = b + t
    return np.sum(z * z)''', False),
    "view of the value changed after": ('''
    z = np.zeros((a.shape[0], 2))
    t = a * 2.0
    v = t[1:]
    z[:, 0] = t
    v[0] = 9.0
    z[:, 1] = b
    return np.sum(z * z) + np.sum(t)''', False),
    "a column left out": ('''
    z = np.zeros((a.shape[0], 3))
    z[:, 0] = a
    z[:, 2] = b
    return np.sum(z * z)''', False),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_column_writes_into_zeros_keep_the_sources_numbers(name):
    body, stacked = WRITES[name]
    text = ('import numpy as np\nfrom lifted import grad, kernel\n\n\n@kernel\n'
            'def f(a: "f64[p]", b: "f64[p]", m: "f64[p,3]") -> "f64[]":' + body +
            '\n\n\ng = grad(f, wrt=("a", "b", "m"))\n')
    code = _code(transpile_source(text, "writes.py").split("\ndef f(")[1].split("\ndef ")[0])
    if stacked:
        assert "np.stack(" in code and not re.search(r"z\[:, [\d:]+\] \+?=", code), code
    rng = np.random.default_rng(3)
    check_against_python(text, [rng.normal(size=6), rng.normal(size=6), rng.normal(size=(6, 3))], rtol=1e-6)


def test_an_add_into_zeros_gives_numpys_signed_zero():
    """`z[:, k] += v` into zeros is `0.0 + v`: `-0.0` comes out `+0.0`, as NumPy's update gives it."""
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "f64[p]", b: "f64[p]") -> "f64[p,2]":
    z = np.zeros((a.shape[0], 2))
    z[:, 0] += a
    z[:, 1] = b
    return z
'''
    module = load_source(text, "zeros.py")
    source: dict = {}
    exec(compile(text.replace("@kernel\n", ""), "source", "exec", dont_inherit=True), source)
    a = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, 1.0])
    b = np.array([-0.0, 0.0, 1.0, -1.0, 2.0, np.nan])
    got = module.f(a, b)
    assert same_bits(got, source["f"](a, b)) and np.signbit(got[0, 1]) and not np.signbit(got[0, 0])


def test_ba_jacobian_stores_each_cotangent_once():
    """ba's batched Jacobian (`residual_rows`): the 11 + 3 column cotangents are two stacks, not 14 updates in
    place between kernels; its element work is at most 4 launches."""
    from benchmarks.gradbench import ba
    from lifted.transpiler.pipeline import transpile_c

    out = transpile_c(ba.SOURCE, "ba_kernel.py", "c", cu_file="ba.cu")
    body = out.host.split("\ndef residual_rows(")[1].split("\ndef ")[0]
    assert "np.zeros(" not in body and _launches(out.host, "residual_rows") <= 4, body
    # since runs hold `np.stack` (issue #11) the three stacks (the primal's pair, the 11 and the 3 columns) are in
    # the function's one C call: one piece copied per part, along the new axis, and no update in place
    assert "np.stack(" not in "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))
    run = out.kernels.split('extern "C" int residual_rows_block0(')[1].split('\nextern "C"')[0]
    pieces = re.findall(r"piece\.p = whole\.p \+ (\d+) \* whole\.s\[(\d)\]", run)
    assert [int(k) for k, _ in pieces] == [0, 1] + list(range(11)) + list(range(3)), pieces
    assert "lifted_assign_into" not in run
