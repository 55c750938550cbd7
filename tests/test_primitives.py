"""The generic primitive test: every differentiable registry entry, checked against independent oracles.

Each case is a small kernel exercising one registry entry (broadcasting, axes, ranks, index forms). Its body
is NumPy code whose last line is the expression under test, read out two ways: `f` returns
`np.sum(np.sin(<expr>))`, a nonlinear readout, so the cotangent reaching the primitive is not a constant;
`f_lin` returns `np.sum(<expr>)`, so cotangents arrive as broadcast constants, smaller than the values they
belong to (the `-linear` ids). For every case:

* the generated primal equals plain NumPy evaluating the same body;
* the generated `grad` (with respect to every float input, and to each alone) matches central finite
  differences of that plain NumPy function, in float64;
* it matches autograd on the same body evaluated with `np` bound to `autograd.numpy` (or an explicit oracle
  where autograd spells the operation differently or gets it wrong);
* the JVP rules, run by a minimal forward sweep, match directional differences and autograd's reverse mode;
* for cases marked `vjp`, the generated `vjp` of the raw (non-scalar) expression matches autograd under a
  random cotangent (and the public `transpile_source` path computes the same as the staged build);
* no generated function writes into its arguments.

Entries that no kernel source can produce (the helpers that reverse mode itself emits: `setitem`,
`reshape_like`, `broadcast_like`, `unbroadcast`) are built directly as IR with the same symbolic `ops` the
rules use, and go through the same checks. A coverage test fails when a differentiable entry has no case, or
a non-differentiable one is missing from the allow-list with its reason.
"""
from __future__ import annotations

import contextlib
import types
import zlib
from functools import lru_cache

import autograd
import autograd.numpy as anp
import autograd.scipy.linalg
import autograd.scipy.special
import autograd.scipy.stats
import numpy as np
import pytest

from lifted.transpiler import TranspileError, transpile_source
from lifted.transpiler.ir.types import parse_annotation
from lifted.transpiler.backends.numpy import render_function
from lifted.transpiler.backends.templates import render_module
from lifted.transpiler.builder import Builder, NameScope
from lifted.transpiler.ir import Var
from lifted.transpiler.ir.types import ShapeError
from lifted.transpiler.primitives.registry import all_primitives, lookup
from lifted.transpiler.primitives.symbolic import Sym
from lifted.transpiler.transforms.reverse import ReverseSpec, reverse
from primitive_case import AUTOGRAD_ATOL, CASES, DOMAINS, FD_STEP, Case
from primitive_cases_reverse import _ir_custom_vjp
from primitive_harness import (BY_NAME, CASE_PARAMS, FD_PARAMS, GRAD_PARAMS, KERNELS, PARTIAL_PARAMS, VJP_PARAMS,
                               _as_tuple, _exec, _kernels, call_unmutated, check_gradient_shapes,
                               finite_differences, float_positions, generated, inputs, kernel_source, reference)


# Derivatives the registry refuses, with a located error rather than a guess: (id, parameters, expression,
# a word the message must contain).
UNSUPPORTED = [
    ("matmul-unannotated", "a, b", "a @ b", "annotate"),
    ("einsum-diagonal", 'a: "f64[3,3]"', 'np.einsum("ii->i", a)', "diagonal"),
    ("mean-unannotated", "x", "np.mean(x, axis=0)", "annotate"),
]


# Entries without a derivative rule, each with why it needs none.
NON_DIFFERENTIABLE = {
    "dim": "reads a shape entry: an integer",
    "print": "an effect: prints primal values, has no value (tests/test_print.py)",
    "last_writes": "which entries of an index array an assignment kept: a boolean mask",
    "check_index": "a backend's run-time check before a kernel reads through an index array: has no value",
    "check_nonempty": "the size check that stands for a dead reduction without identity: has no value",
    "check_unshared": "a run-time check at entry that no argument shares an updated parameter's memory: no value",
    "check_scalar_argument": "a run-time check at entry that a rank-0 argument is not a 0-d array: no value",
    "check_writeable": "a run-time check at entry that an updated argument is writeable: no value",
    "tuple_get": "unpacks the cotangent tuple of a vjp; never on a primal path",
    "zeros": "creation: a constant",
    "ones": "creation: a constant",
    "zeros_like": "creation: a constant (depends only on the argument's shape)",
    "ones_like": "creation: a constant (depends only on the argument's shape)",
    "floor_divide": "piecewise constant: zero derivative almost everywhere",
    "sign": "piecewise constant: zero derivative almost everywhere",
    "floor": "piecewise constant: zero derivative almost everywhere",
    "ceil": "piecewise constant: zero derivative almost everywhere",
    "trunc": "piecewise constant: zero derivative almost everywhere",
    "rint": "piecewise constant: zero derivative almost everywhere",
    "less": "comparison: a boolean",
    "less_equal": "comparison: a boolean",
    "greater": "comparison: a boolean",
    "greater_equal": "comparison: a boolean",
    "equal": "comparison: a boolean",
    "not_equal": "comparison: a boolean",
    "logical_and": "logic: a boolean",
    "logical_or": "logic: a boolean",
    "logical_not": "logic: a boolean",
    "not": "logic: a boolean (Python's `not`)",
    "tape_new": "reverse mode's loop tape: bookkeeping emitted only by reverse mode",
    "eye": "creation: a constant (also the basis vectors a dense Jacobian seeds its batched sweep with)",
    "array": "creation: an array literal of numbers",
    "slogdet_sign": "the sign of a determinant: piecewise constant",
    "lstsq_rank": "np.linalg.lstsq's rank: an integer",
    "argmax": "a position: an integer (also the first example that takes a branch, emitted by vmap)",
    "isnan": "a test: a boolean",
    "isinf": "a test: a boolean",
    "isfinite": "a test: a boolean",
    "signbit": "a test: a boolean",
    "argmin": "a position: an integer",
    "stop_gradient": "the value itself with a zero derivative, by definition",
    "python_int": "an integer (a `range` bound as the Python int the loop index starts from)",
    "any": "a boolean: does any example take a branch (emitted by vmap for control flow)",
    "batch_size": "an integer: the batch size vmap's arguments share",
    "size_at_least": "an integer: a slice's length max(n - 1, 0), bound by the builder for sizes (ir/dims.py)",
    "argsort": "a permutation: integers",
    "searchsorted": "positions in a sorted array: integers",
    "isin": "a test: a boolean",
    "all": "a boolean: is every element true (`assert np.all(x > 0)`)",
    "check_assert": "a run-time `assert`: an effect in the forward computation, has no value",
    "spacing": "piecewise constant: zero derivative almost everywhere",
    "logical_xor": "logic: a boolean",
    "imag": "the imaginary part of a real number: 0",
    "iscomplex": "a test: a boolean (False for real numbers)",
    "isreal": "a test: a boolean (True for real numbers)",
    "python_bool": "a Python bool (what np.allclose and np.array_equal return)",
    "nanargmax": "a position: an integer",
    "nanargmin": "a position: an integer",
    "masked_all": "a boolean: is every element the mask keeps true",
    "masked_any": "a boolean: is any element the mask keeps true",
    **{name: "bitwise: integers in, integers out" for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "invert",
                                                               "left_shift", "right_shift")},
    "gcd": "integers in, an integer out", "lcm": "integers in, an integer out",
    "frexp_exponent": "an exponent: an int32",
}


# --- the tests -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASE_PARAMS)
def test_primal_matches_numpy(name):
    c = BY_NAME[name]
    m, args = generated(name), inputs(c)
    for kernel, readout in KERNELS.items():
        expected = reference(c, np, readout)(*args)
        got = getattr(m, kernel)(*args)
        assert np.shape(got) == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14, err_msg=kernel)


@pytest.mark.parametrize("name, kernel", FD_PARAMS)
def test_grad_matches_finite_differences(name, kernel):
    c = BY_NAME[name]
    args = inputs(c)
    grads = _as_tuple(call_unmutated(getattr(generated(name), f"{kernel}_grad"), *args))
    check_gradient_shapes(c, args, grads)
    plain = reference(c, np, KERNELS[kernel])
    for i, g in zip(float_positions(c), grads):
        expected = finite_differences(plain, args, i)
        np.testing.assert_allclose(g, expected, rtol=c.fd_tol, atol=c.fd_tol, err_msg=f"d{c.params[i].name}")


@pytest.mark.parametrize("name, kernel", GRAD_PARAMS)
def test_grad_matches_autograd(name, kernel):
    c = BY_NAME[name]
    args = inputs(c)
    grads = _as_tuple(getattr(generated(name), f"{kernel}_grad")(*args))
    check_gradient_shapes(c, args, grads)
    oracle = reference(c, anp, KERNELS[kernel], oracle=True)
    for i, g in zip(float_positions(c), grads):
        expected = autograd.grad(oracle, i)(*args)
        np.testing.assert_allclose(g, expected, rtol=c.rtol, atol=AUTOGRAD_ATOL, err_msg=f"d{c.params[i].name}")


@pytest.mark.parametrize("name, kernel", PARTIAL_PARAMS)
def test_grad_with_respect_to_one_input(name, kernel):
    """Each input alone gets the same gradient as in the full grad (checked above) while the rest are inactive."""
    c = BY_NAME[name]
    m, args = generated(name), inputs(c)
    full = _as_tuple(getattr(m, f"{kernel}_grad")(*args))
    for input_name, expected in zip(c.wrt, full):
        (got,) = getattr(m, f"{kernel}_grad_{input_name}")(*args)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14, err_msg=f"d{input_name} alone")


@pytest.mark.parametrize("name", VJP_PARAMS)
def test_vjp_matches_autograd(name):
    c = BY_NAME[name]
    args = inputs(c)
    value = reference(c, np, None)(*args)
    assert np.ndim(value) > 0, "vjp cases are for non-scalar outputs"
    ct = np.random.default_rng(zlib.crc32(b"ct" + name.encode())).normal(size=np.shape(value))
    got_value, cts = call_unmutated(generated(name).g_vjp, *args, ct)
    np.testing.assert_allclose(got_value, value, rtol=1e-13, atol=1e-14)
    check_gradient_shapes(c, args, _as_tuple(cts))
    raw = reference(c, anp, None, oracle=True)
    for i, got in zip(float_positions(c), _as_tuple(cts)):
        expected = autograd.grad(lambda *xs: anp.sum(raw(*xs) * ct), i)(*args)
        np.testing.assert_allclose(got, expected, rtol=c.rtol, atol=AUTOGRAD_ATOL, err_msg=f"d{c.params[i].name}")


@pytest.mark.parametrize("name", [pytest.param(c.name, id=c.name) for c in CASES if c.forward])
def test_jvp_matches_directional_differences_and_vjp(name):
    """The JVP rules: against central differences along a random direction, and exactly against autograd's
    reverse mode through <ct, J t> = <J^T ct, t>."""
    c = BY_NAME[name]
    args = inputs(c)
    positions = float_positions(c)
    rng = np.random.default_rng(zlib.crc32(b"tangent" + name.encode()))
    # (a tangent in its primal's dtype, as the entry checks ask: JAX's rule)
    directions = [rng.normal(size=np.shape(args[i])).astype(np.asarray(args[i]).dtype) for i in positions]
    value, tangent = call_unmutated(generated(name).g_jvp, *args, *directions)
    plain = reference(c, np, None)
    np.testing.assert_allclose(value, plain(*args), rtol=1e-13, atol=1e-14)
    assert np.shape(tangent) == np.shape(value)

    def moved(step):
        shifted = list(args)
        for i, t in zip(positions, directions):
            shifted[i] = args[i] + step * t.astype(np.float64)
        return plain(*shifted)

    if c.fd_tol is not None:
        expected = (moved(FD_STEP) - moved(-FD_STEP)) / (2 * FD_STEP)
        np.testing.assert_allclose(tangent, expected, rtol=c.fd_tol, atol=c.fd_tol)
    ct = rng.normal(size=np.shape(value))
    raw = reference(c, anp, None, oracle=True)
    pairing = sum(np.sum(autograd.grad(lambda *xs: anp.sum(raw(*xs) * ct), i)(*args) * t)
                  for i, t in zip(positions, directions))
    np.testing.assert_allclose(np.sum(ct * tangent), pairing, rtol=c.rtol, atol=1e-10)


@lru_cache(maxsize=None)
def second_order(name: str) -> types.ModuleType:
    """`f`'s Hessian, its Hessian-vector product `jvp(grad(f))` and `vjp(grad(f))` (reverse over reverse)."""
    c = BY_NAME[name]
    source = (kernel_source(c) + "from lifted import hessian, jvp\n\n"
              + "f_hessian = hessian(f)\nf_hvp = jvp(grad(f))\nf_grad_vjp = vjp(grad(f))\n")
    return _exec(transpile_source(source, f"{name}.py"), f"second_order_{name}")


@pytest.mark.parametrize("name", [pytest.param(c.name, id=c.name) for c in CASES if c.hessian])
def test_second_order_matches_autograd_and_finite_differences(name):
    """Second derivatives of the nonlinear readout: the Hessian against autograd's and against central
    differences of the generated gradient; `jvp(grad(f))` and `vjp(grad(f))` against the Hessian times a vector."""
    c = BY_NAME[name]
    (x,) = args = inputs(c)
    assert len(c.wrt) == 1, "second-order cases take one float input"
    m = second_order(name)
    hess = m.f_hessian(x)
    expected = autograd.hessian(reference(c, anp, "sin", oracle=True))(x)
    assert np.all(np.isfinite(hess))
    np.testing.assert_allclose(hess, expected, rtol=c.rtol, atol=AUTOGRAD_ATOL)
    grad_fn = lambda moved: _as_tuple(generated(name).f_grad(moved))[0]  # noqa: E731
    flat = hess.reshape(x.size, x.size)
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = FD_STEP
        column = (grad_fn(x + step.reshape(x.shape)) - grad_fn(x - step.reshape(x.shape))) / (2 * FD_STEP)
        np.testing.assert_allclose(flat[:, k], column.ravel(), rtol=1e-6, atol=1e-6, err_msg=f"column {k}")
    direction = np.random.default_rng(zlib.crc32(b"hvp" + name.encode())).normal(size=x.shape)
    _, hvp = m.f_hvp(*args, direction)
    np.testing.assert_allclose(hvp.ravel(), flat @ direction.ravel(), rtol=1e-10, atol=1e-12)
    gradient, cotangent = m.f_grad_vjp(*args, direction)
    (cotangent,) = _as_tuple(cotangent)
    np.testing.assert_allclose(gradient, grad_fn(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(cotangent.ravel(), flat.T @ direction.ravel(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", [pytest.param(c.name, id=c.name) for c in CASES if c.vjp and c.ir is None])
def test_public_pipeline(name):
    """`transpile_source` on the case's source (declarations and all) computes what the staged build does."""
    c = BY_NAME[name]
    public = _exec(transpile_source(kernel_source(c), f"{name}.py"), f"public_{name}")
    staged, args = generated(name), inputs(c)
    for got, expected in zip(_as_tuple(public.f_grad(*args)), _as_tuple(staged.f_grad(*args))):
        np.testing.assert_array_equal(got, expected)
    ct = np.ones(np.shape(staged.g(*args)))
    for got, expected in zip(public.g_vjp(*args, ct)[1], staged.g_vjp(*args, ct)[1]):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("params, expr, word", [pytest.param(*u[1:], id=u[0]) for u in UNSUPPORTED])
def test_unsupported_derivative_is_a_located_error(params, expr, word):
    source = (f"import numpy as np\nfrom lifted import kernel, grad\n\n\n@kernel\ndef f({params}):\n"
              f"    return np.sum(np.sin({expr}))\n\n\nf_grad = grad(f)\n")
    with pytest.raises(TranspileError) as info:
        transpile_source(source, "unsupported.py")
    assert word in str(info.value)
    assert "unsupported.py:7" in str(info.value)


# entries that only derivative rules make (no source spells them): checked through the entry whose rule they are
DERIVATIVES_ONLY = {
    "cofactors": "det's first derivative: the det cases' gradients, jvps and second orders exercise it, and "
                 "tests/test_python_fidelity.py at singular matrices",
    "det_second": "det's second derivative (the det cases' second order); its own derivative is refused",
    "i1": "i0's derivative (the generated module's `_i1`): the i0 cases' gradients, and their second order its own",
}


def test_every_differentiable_primitive_has_a_case():
    covered = {c.prim for c in CASES}
    registry = all_primitives()
    # the tape's push and pop keep state across a whole sweep, so their rules are checked on whole programs
    # (tests/test_tape_derivatives.py), not one call at a time
    missing = sorted(n for n, p in registry.items() if p.differentiable and n not in covered and p.family != "tape"
                     and n not in DERIVATIVES_ONLY)
    assert not missing, f"differentiable primitives without a case in tests/test_primitives.py: {missing}"
    unknown = sorted(covered - set(registry))
    assert not unknown, f"cases name primitives that are not registered: {unknown}"


def test_every_non_differentiable_primitive_is_allowed_with_a_reason():
    registry = all_primitives()
    unlisted = sorted(n for n, p in registry.items() if not p.differentiable and n not in NON_DIFFERENTIABLE)
    assert not unlisted, f"non-differentiable primitives missing from NON_DIFFERENTIABLE: {unlisted}"
    stale = sorted(n for n in NON_DIFFERENTIABLE if n not in registry or registry[n].differentiable)
    assert not stale, f"NON_DIFFERENTIABLE lists entries that are gone or now differentiable: {stale}"
    assert all(reason.strip() for reason in NON_DIFFERENTIABLE.values())


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


def test_custom_vjp_refuses_forward_mode():
    builder = Builder(NameScope(["x", "y"]))
    x, y = (Sym(builder, Var(n, parse_annotation("f64[3,4]"))) for n in "xy")
    out = _ir_custom_vjp(x, y)
    with pytest.raises(ShapeError, match="forward mode"):
        lookup("custom_vjp_call").jvp([x, None], out, out, x, y, rule=None, kernel="sin_times")


# --- batching rules: vmap of every entry against a loop over examples -------------------------------------------
BATCH = 3


def _batched_inputs(c: Case) -> list:
    """`BATCH` examples of every input, stacked on a leading axis (index arrays permuted per example)."""
    rng = np.random.default_rng(zlib.crc32(b"batch" + c.name.encode()))
    values = []
    for p in c.params:
        if p.name in c.fixed:
            fixed = np.asarray(c.fixed[p.name])
            values.append(np.stack([fixed if fixed.ndim == 0 else rng.permutation(fixed.ravel()).reshape(fixed.shape)
                                    for _ in range(BATCH)]))
        elif p.dtype == "bool":
            values.append(rng.random((BATCH,) + p.shape) < 0.5)
        elif p.dtype in ("i32", "i64"):
            values.append(rng.integers(-3, 4, size=(BATCH,) + p.shape).astype(np.dtype(p.dtype.replace("i", "int"))))
        else:
            value = DOMAINS[c.domain.get(p.name, "normal")](rng, (BATCH,) + p.shape)
            values.append(np.asarray(value, dtype=np.float32 if p.dtype == "f32" else np.float64))
    return values


@lru_cache(maxsize=None)
def batched_module(name: str) -> types.ModuleType:
    """`g` (the raw expression) batched over all inputs and over each alone, and `f`'s gradient batched (per-example
    gradients), built stage by stage with the batching transform."""
    from lifted.transpiler.transforms.batch import BatchSpec, vmap

    c = BY_NAME[name]
    kernels = _kernels(c)
    functions = list(kernels.values())
    n = len(c.params)
    floats = tuple(0 if p.is_float else None for p in c.params)
    positions = {p.name: i for i, p in enumerate(c.params)}
    grad = reverse(kernels["f"], ReverseSpec("f_grad", "grad", tuple(positions[w] for w in c.wrt), True))
    functions.append(grad)
    variants = [(grad, "f_grad_vmap", floats), (kernels["g"], "g_vmap_floats", floats)] + [
        (kernels["g"], f"g_vmap_{i}", tuple(0 if j == i else None for j in range(n))) for i in range(n)]
    for fn, target, axes in variants:
        try:
            functions.append(vmap(fn, BatchSpec(target, axes)))
        except TranspileError as exc:  # a mask, an index or a bound that differs between examples: shapes would
            assert "differ" in str(exc), str(exc)  # differ too, which vmap refuses by design
    rendered = [render_function(fn, f"{name}.py") for fn in functions]
    code = render_module("numpy_module.py.j2", version="test", source_path=f"{name}.py", source_hash="0" * 64,
                         functions=rendered, transforms=[], imports=sorted(set().union(*[f.imports for f in rendered])),
                         helpers=set().union(*[f.helpers for f in rendered]))
    return _exec(code, f"batched_{name}")


BATCH_PARAMS = [pytest.param(c.name, id=c.name) for c in CASES
                if all(p.annotation is not None for p in c.params) and c.prim != "unbroadcast"]


@pytest.mark.parametrize("name", BATCH_PARAMS)
def test_batching_rule_matches_a_loop_over_examples(name):
    c = BY_NAME[name]
    m, batched = batched_module(name), _batched_inputs(c)
    tol = dict(rtol=max(c.rtol, 1e-10), atol=1e-12)
    floats = tuple(0 if p.is_float else None for p in c.params)
    variants = [("floats", "g_vmap_floats", floats)] + [
        (p.name, f"g_vmap_{i}", tuple(0 if j == i else None for j in range(len(batched))))
        for i, p in enumerate(c.params)]
    for label, target, axes in variants:
        if not hasattr(m, target):
            continue
        fn = getattr(m, target)
        args = [b if a == 0 else inputs(c)[j] for j, (b, a) in enumerate(zip(batched, axes))]
        # inputs fixed at extremes (1e300 next to 1e-300) overflow in some examples whether batched or looped:
        # the values are compared all the same, the floating-point warnings are expected
        with np.errstate(all="ignore") if c.fixed else contextlib.nullcontext():
            got = call_unmutated(fn, *args)
            expected = [m.g(*[a[k] if ax == 0 else a for a, ax in zip(args, axes)]) for k in range(BATCH)]
        for k in range(BATCH):
            np.testing.assert_allclose(got[k], expected[k], err_msg=f"batched over {label}, example {k}", **tol)
            assert np.asarray(got[k]).dtype == np.asarray(expected[k]).dtype, f"batched over {label}, example {k}"
    if not hasattr(m, "f_grad_vmap"):
        return
    args = [b if a == 0 else inputs(c)[j] for j, (b, a) in enumerate(zip(batched, floats))]
    with np.errstate(all="ignore") if c.fixed else contextlib.nullcontext():
        grads = _as_tuple(m.f_grad_vmap(*args))
        per_example = [_as_tuple(m.f_grad(*[a[k] if ax == 0 else a for a, ax in zip(args, floats)]))
                       for k in range(BATCH)]
    for k in range(BATCH):
        for got, expected in zip(grads, per_example[k]):
            np.testing.assert_allclose(got[k], expected, err_msg=f"per-example gradient, example {k}", **tol)


def test_every_primitive_has_a_batching_rule():
    missing = sorted(n for n, p in all_primitives().items() if p.batch is None and n != "tape_new")
    assert not missing, f"primitives without a batching rule: {missing}"


def test_c_facts_of_entries_are_consistent():
    """`scalar_c` (the loop kernels evaluate the entry on scalars) and `cuda_uniform` (NumPy's other function for
    a uniform argument, such as an array's `** 0.5`) are facts about an entry's C expression: it must have one."""
    from lifted.transpiler.primitives.registry import all_primitives

    for name, prim in all_primitives().items():
        assert prim.scalar_c in (None, "any", "float", "one_dtype"), name
        if prim.scalar_c is not None or prim.cuda_uniform:
            assert prim.cuda, name
        for position, value, expression in prim.cuda_uniform:
            assert isinstance(position, int) and isinstance(value, float) and "{0}" in expression, name
