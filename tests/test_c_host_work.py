"""The CPU target's host code between kernels: pure host equations hoisted above a region's launch (so the
element work around them stays one kernel), fills without element work left to NumPy, and matrix products
(`@` and the einsums that are stacked matrix products) through `_runtime.matmul` (NumPy's BLAS, the result in
reused memory). Numbers always against the NumPy backend."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from lifted.transpiler.ir.types import TensorType
from lifted.transpiler.pipeline import transpile_c
from lifted.transpiler.backends.c.cpu_products import einsum_as_stacked_matmul
from test_c_backend import compare_all

LAYERS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(w: "f64[l,4,b]", state: "f64[l,b]", x: "f64[b]") -> "f64[]":
    hidden = state.copy()
    total = 0.0
    for t in range(3):
        for i in range(w.shape[0]):
            gate = 1.0 / (1.0 + np.exp(-(x * w[i, 0] + w[i, 1])))
            change = np.tanh(hidden[i] * w[i, 2] + w[i, 3])
            hidden[i] = gate * change + hidden[i]
            x = hidden[i]
        total = total + np.sum(x * x)
    return total


f_grad = grad(f, wrt=("w", "x"))
'''


def test_row_gathers_between_element_work_are_hoisted_into_one_kernel(tmp_path):
    """`x * w[i, 0] + w[i, 1]`: the rows are host `getitem`s between two operations; hoisted above the launch,
    the gate, the change and the new row are one kernel per layer step (was one per operation). (Without loop
    kernels, so the host module shows the launches; with them, the loops are one C call each.)"""
    out = transpile_c(LAYERS, "layers.py", loop_kernels=False)
    primal = out.host[out.host.index("\ndef f("):out.host.index("\ndef f_grad(")]
    assert primal.count("_kernels.") == 2, primal  # the layer step, the loss term
    rng = np.random.default_rng(3)
    for b in (1, 5, 40):
        compare_all(LAYERS, tmp_path, [rng.normal(size=(3, 4, b)), rng.normal(size=(3, b)), rng.normal(size=b)],
                    f"layers_{b}")


SHIFT = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", s: "i64[]") -> "f64[]":
    y = np.zeros_like(x)
    for step in range(s):
        y = y + 0.1 * x * np.concatenate((np.ones(1), y[:-1]))
    return np.sum(y * y) + np.sum(np.full((3,), 2.0) * x[:3])


f_grad = grad(f, wrt="x")
'''


def test_fills_alone_are_numpy_not_a_launch(tmp_path):
    out = transpile_c(SHIFT, "shift.py", loop_kernels=False)  # (with loop kernels, the loop's fills are in C)
    # `np.full((3,), 2.0)` and the zeros are NumPy's fills; the concatenation's `np.ones(1)` is now a window of a
    # stencil (stencils/), not a fill of its own
    assert "np.full((3,), 2.0)" in out.host and "np.zeros_like(x)" in out.host
    fast = out.host[out.host.index("\ndef _f_fast("):out.host.index("\ndef _f_exact(")]  # (backends/c/clamped.py:
    # the exact version, run where a slice of a named length is empty, is host NumPy code)
    code = "\n".join(line for line in fast.splitlines() if not line.lstrip().startswith("#"))
    assert "np.ones((1,))" not in code and "np.concatenate" not in code
    rng = np.random.default_rng(4)
    for n in (3, 9, 100):
        compare_all(SHIFT, tmp_path, [rng.uniform(0.5, 1.5, n), 4], f"shift_{n}")


@pytest.mark.parametrize("spec, shapes", [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ji,jk->ki", [(4, 3), (4, 5)]),
    ("kij,nkj->nki", [(4, 3, 3), (6, 4, 3)]),
    ("nki,nkj->kij", [(6, 4, 3), (6, 4, 2)]),
    ("nki,kij->nkj", [(6, 4, 3), (4, 3, 2)]),
    ("bij,bjk->bik", [(5, 3, 4), (5, 4, 2)]),
    ("bij,bjk->bik", [(1, 3, 4), (5, 4, 2)]),  # a batch axis of size 1 broadcasts in both
    ("abij,bajk->bkai", [(2, 3, 4, 5), (3, 2, 5, 6)]),
    ("ij,j->i", None), ("i,i->", None), ("ij,ij->ij", None), ("iij,jk->ik", None), ("ij,jk->i", None),
    ("ijk,jkl->il", None), ("zbij,bjk->zbik", None),
])
def test_einsum_as_stacked_matmul_agrees_with_einsum(spec, shapes):
    """Each qualifying spec (one contracted letter, one free letter per operand, batch letters in both) gives
    einsum's numbers through `np.matmul` with the planned transposes; the others are left to `np.einsum`."""
    inputs = spec.split("->")[0].split(",")
    if shapes is None:
        sizes = dict(zip("abijklnz", itertools.cycle((2, 3, 4))))
        types = [TensorType("f64", tuple(sizes[c] for c in s)) for s in inputs]
        assert einsum_as_stacked_matmul(spec, *types) is None
        return
    plan = einsum_as_stacked_matmul(spec, *[TensorType("f64", s) for s in shapes])
    assert plan is not None
    rng = np.random.default_rng(5)
    a, b = (rng.normal(size=s) for s in shapes)
    stacked = np.matmul(a.transpose(plan.a_axes), b.transpose(plan.b_axes)).transpose(plan.out_axes)
    np.testing.assert_allclose(stacked, np.einsum(spec, a, b), rtol=1e-12, atol=1e-12)


def test_a_contracted_axis_einsum_would_broadcast_stays_einsum():
    assert einsum_as_stacked_matmul("ij,jk->ik", TensorType("f64", (3, 1)), TensorType("f64", (4, 5))) is None
    assert einsum_as_stacked_matmul("ij,jk->ik", TensorType("f64", (3, "n")), TensorType("f64", ("n", 5))) \
        is not None


COMPONENTS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(q: "f64[k,d,d]", x: "f64[n,d]", mu: "f64[k,d]") -> "f64[]":
    diff = x[:, None, :] - mu[None, :, :]
    qdiff = np.einsum("kij,nkj->nki", q, diff)
    return np.sum(np.exp(-0.5 * np.sum(qdiff * qdiff, axis=2)))


f_grad = grad(f, wrt=("q", "mu"))
'''


def test_component_products_and_their_adjoints_run_as_stacked_matmuls(tmp_path):
    out = transpile_c(COMPONENTS, "components.py", loop_kernels=False)  # (runs would take the products into C)
    code = [line for line in out.host.splitlines() if not line.lstrip().startswith("#")]
    assert not any("np.einsum" in line for line in code)
    assert sum(line.count("_runtime.matmul(") for line in code) == 4  # f, and f_grad's 1 + 2
    rng = np.random.default_rng(6)
    compare_all(COMPONENTS, tmp_path, [0.3 * rng.normal(size=(4, 3, 3)), rng.normal(size=(7, 3)),
                                      rng.normal(size=(4, 3))], "components")


STACK_TIMES_MATRIX = '''
import numpy as np
from lifted import jacfwd, kernel


@kernel
def f(t: "f64[3,k]", w: "f64[v,k]", s: "f64[2,3,k]") -> "f64[3,v]":
    return np.sin(t) @ np.transpose(w) + np.sum(s @ np.transpose(w), axis=0)


f_jacobian = jacfwd(f, wrt="t")
'''


@pytest.mark.parametrize("vertices", [1, 7, 600])
def test_a_stack_times_one_matrix_is_one_gemm(tmp_path, vertices):
    """`s @ w.T` of a stack and one matrix, and the batched tangent of `t @ w.T` (jacfwd: the stack of the 3 k
    basis directions times the same matrix, GradBench ht's skinning) are one GEMM over the stack's rows
    (`_runtime.flat_matmul`), where NumPy's `@` runs one per matrix; for a small matrix (under 4096 elements) it
    keeps `np.matmul`. Both agree with the NumPy backend; an empty contraction (k = 0) takes `np.matmul`."""
    out = transpile_c(STACK_TIMES_MATRIX, "stack.py")
    assert out.host.count("_runtime.flat_matmul(") == 2  # f's product and f_jacobian's tangent
    rng = np.random.default_rng(7)
    for k in (0, 9):
        compare_all(STACK_TIMES_MATRIX, tmp_path, [rng.normal(size=(3, k)), rng.normal(size=(vertices, k)),
                                                   rng.normal(size=(2, 3, k))], "stack")


VIEWS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[p,3]", m: "f64[p,p]", rows: "i64[k]") -> "f64[]":
    a = x[:, 0] * x[:, 1] + x[:, 2] ** 2
    b = np.tanh(m.T) * m[::1, :] + np.flip(m, axis=0)
    c = m[:, rows]
    return np.sum(a * a) + np.sum(b * m) + np.sum(c * c)


f_grad = grad(f, wrt=("x", "m"))
'''


def test_view_inputs_are_read_through_strides_not_copied(tmp_path):
    """Column views, transposes, flips and a gather on a trailing axis reach the kernels as they are: no launch
    copies an input first (the runtime's fallback for layouts a kernel cannot walk), and the numbers agree."""
    from test_c_backend import c_module

    rng = np.random.default_rng(7)
    args = [rng.normal(size=(6, 3)), rng.normal(size=(6, 6)), np.array([4, 0, 5, 5])]
    compare_all(VIEWS, tmp_path, args, "views")
    module, _ = c_module(VIEWS, tmp_path, "views_copies", loop_kernels=False)  # (the launches from Python)
    module.f(*args), module.f_grad(*args)
    for name in module._KERNELS:
        for plan in getattr(module._kernels, name).plans.values():
            assert not plan.copy_slots, name


TRAILING = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", w: "f64[n,n]") -> "f64[]":
    a = np.sum(x * x)
    r = w[0] @ w
    c = x * a
    return np.sum(r * x) + np.sum(c * w[1])


f_grad = grad(f, wrt=("x", "w"))
'''


def test_host_work_after_a_regions_last_statement_keeps_its_place(tmp_path):
    """`r = w[0] @ w` follows the region's last statement (`np.sum(x * x)`) and no statement of the region comes
    after it: it stays after the launch, and the sibling reduction reading it (`np.sum(r * x)`) does not join
    the region that launches before `r` exists. Numbers against the NumPy backend."""
    out = transpile_c(TRAILING, "trailing.py", loop_kernels=False)  # (the host's order; runs would take it all)
    primal = out.host[out.host.index("\ndef f("):out.host.index("\ndef f_grad(")]
    assert primal.index("_kernels.f_k0(") < primal.index(" @ w")
    rng = np.random.default_rng(8)
    compare_all(TRAILING, tmp_path, [rng.normal(size=5), rng.normal(size=(5, 5))], "trailing")
