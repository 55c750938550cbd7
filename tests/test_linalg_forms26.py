"""np.linalg forms of CuPy's linalg tests (twenty-sixth session): np.dot(a, b, out=c) (normalize/dot_out.py),
np.einsum's dtype=, np.linalg.pinv and np.linalg.lstsq (primitives/least_squares.py). Values bit for bit against
NumPy with every form (benchmarks/corpus/checks.py) and the C target, of named sizes too; derivatives against
central differences (autograd has neither pinv nor lstsq: its full-rank formulas stand in); located refusals."""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.jax.corpus import bit_for_bit
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import all_forms_pass, kernel_module

BATCH_REFUSED = "vmap of np.linalg.lstsq"  # (NumPy's lstsq takes one matrix; its residuals' length may differ)
CUT = "has no derivative where the ma"  # (a rank-deficient matrix: rcond cuts a singular value; run-time, located)


def _lstsq_forms_pass(text: str, params: list[str], inputs: list[list], tmp_path) -> None:
    """all_forms_pass, where vmap of lstsq may be refused with its located reason."""
    with np.errstate(all="ignore"):
        outcomes = check_kernel(text, params, inputs, lambda args: args, c=True, folder=tmp_path)
        assert {form: outcome for form, (outcome, detail) in outcomes.items() if outcome not in ("pass", "skip")
                and not (outcome == "refused" and (BATCH_REFUSED in detail or CUT in detail))} == {}, outcomes
        assert outcomes["f"][0] == "pass" and outcomes["c"][0] == "pass", outcomes
        module, python = load_source(text, "corpus_case.py"), {}
        exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
        for args in inputs:
            bit_for_bit(module, args, python["f"](*[np.copy(a) for a in args]))


def _draws(shapes, dtype=np.float64, seed=0, count=2):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=shape).astype(dtype) for shape in shapes] for _ in range(count)]


def _differences(function, args, index, step=1e-6):
    x = args[index]
    columns = []
    for position in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[position] = step
        up, down = list(args), list(args)
        up[index], down[index] = x + e, x - e
        columns.append((function(*up) - function(*down)) / (2 * step))
    return np.stack(columns, axis=-1).reshape(np.shape(columns[0]) + x.shape)


@pytest.mark.parametrize("signature, shapes, body", [
    ('a: "f64[3,4]", b: "f64[4,2]"', [(3, 4), (4, 2)], "c = np.zeros((3, 2))\n    np.dot(a, b, out=c)\n    return c"),
    ('a: "f64[n,k]", b: "f64[k,m]"', [(3, 4), (4, 2)],
     "c = np.ones((a.shape[0], b.shape[1]))\n    y = np.dot(a, b, c)\n    return y * 2.0 + c"),
    ('a: "f64[2,3,4]", b: "f64[4,2,3]"', [(2, 3, 4), (4, 2, 3)],
     "x = a.transpose(1, 0, 2)\n    y = b.transpose(2, 0, 1)\n    c = np.empty((3, 2, 3, 2))\n    np.dot(x, y, out=c)\n"
     "    return c"),
    ('a: "f64[n0,n1]", b: "f64[n1]"', [(3, 4), (4,)], "c = np.zeros(3)\n    np.dot(a, b, out=c)\n    return c"),
    ('a: "f64[3,3]"', [(3, 3)], "c = a.copy()\n    np.dot(c, a, out=c)\n    return c"),
    ('a: "f64[3,3]"', [(3, 3)], "c = np.zeros((3, 3))\n    return np.dot(a, a, out=None) + c"),
])
def test_dot_with_out_is_numpys_with_every_form_and_c(signature, shapes, body, tmp_path):
    """`np.dot(..., out=)` was refused (CuPy's test_dot_with_out, test_transposed_dot_with_out)."""
    text = kernel_module(signature, "0").replace("    return 0", "    " + body)
    params = [part.split(":")[0].strip() for part in signature.split(", ")]
    all_forms_pass(text, params, _draws(shapes), c=True, tmp_path=tmp_path)


def test_dot_out_of_named_sizes_checks_numpys_shape_at_run_time():
    text = kernel_module('a: "f64[n,k]", b: "f64[k,m]"', "0").replace(
        "    return 0", "    c = np.zeros((3, 2))\n    np.dot(a, b, out=c)\n    return c")
    module = load_source(text)
    with pytest.raises(ValueError, match="not acceptable"):
        module.f(np.ones((3, 4)), np.ones((4, 5)))


@pytest.mark.parametrize("signature, shapes, dtype, body", [
    ('a: "f32[3,4]", b: "f32[4]"', [(3, 4), (4,)], np.float32, "np.einsum('ij,j->i', a, b, dtype=np.float64)"),
    ('a: "f32[n,m]"', [(3, 4)], np.float32, "np.einsum('ij->j', a, dtype='float64')"),
    ('a: "f64[3,3]"', [(3, 3)], np.float64, "np.einsum('ij->ji', a, dtype=np.float32)"),
    ('a: "f64[3,3]"', [(3, 3)], np.float64, "np.einsum('ij,ij', a, a, dtype=np.float64)"),
])
def test_einsum_dtype_is_numpys_with_every_form_and_c(signature, shapes, dtype, body, tmp_path):
    """np.einsum's dtype= was refused (CuPy's test_einsum_unary_dtype, test_scalar_int, test_scalar_float); a
    one-operand view (`ij->ji`) ignores it, as NumPy does."""
    params = [part.split(":")[0].strip() for part in signature.split(", ")]
    all_forms_pass(kernel_module(signature, body), params, _draws(shapes, dtype), c=True, tmp_path=tmp_path)


def test_reverse_mode_of_a_repeated_einsum_label_is_refused_with_a_hint():
    """`np.einsum(a, [0, 0])` (CuPy's test_einsum_unary) was 'bad': refused without a hint."""
    text = kernel_module('a: "f64[3,3]"', "np.einsum(a, [0, 0])") + "\n\ng = grad(f)\n"
    with pytest.raises(TranspileError) as error:
        load_source(text)
    assert "repeated index" in str(error.value) and "np.trace(a)" in str(error.value), str(error.value)


def test_einsum_dtype_of_integers_is_numpys():
    module = load_source(kernel_module('a: "i32[3,4]"', "np.einsum('ij->i', a, dtype=np.float64)"))
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    expected = np.einsum('ij->i', a, dtype=np.float64)
    assert module.f(a).dtype == expected.dtype and np.array_equal(module.f(a), expected)


@pytest.mark.parametrize("signature, shapes, body", [
    ('a: "f64[4,3]"', [(4, 3)], "np.linalg.pinv(a)"),
    ('a: "f64[3,5]"', [(3, 5)], "np.linalg.pinv(a, rcond=0.3)"),
    ('a: "f64[2,3,4]"', [(2, 3, 4)], "np.linalg.pinv(a, 1e-10)"),
    ('a: "f64[n,n]"', [(3, 3)], "np.linalg.pinv(a, rtol=1e-6)"),
    ('a: "f64[n,m]"', [(4, 2)], "np.linalg.pinv(a) * 2.0"),
    ('a: "f64[5,3]", b: "f64[5,2]"', [(5, 3), (5, 2)], "np.linalg.lstsq(a, b, -1)"),
    ('a: "f64[5,3]", b: "f64[5]"', [(5, 3), (5,)], "np.linalg.lstsq(a, b)"),
    ('a: "f64[3,5]", b: "f64[3,2]"', [(3, 5), (3, 2)], "np.linalg.lstsq(a, b, rcond=0.5)"),
    ('a: "f64[m,n]", b: "f64[m]"', [(6, 4), (6,)], "np.linalg.lstsq(a, b)[0]"),
    ('a: "f64[n,n]", b: "f64[n,k]"', [(4, 4), (4, 3)], "np.linalg.lstsq(a, b, None)"),
    ('a: "f32[4,3]", b: "f32[4]"', [(4, 3), (4,)], "np.linalg.lstsq(a, b)[0] * 2.0"),
])
def test_pinv_and_lstsq_are_numpys_with_every_form_and_c(signature, shapes, body, tmp_path):
    """np.linalg.pinv and np.linalg.lstsq were refused (CuPy's TestLstsq)."""
    dtype = np.float32 if "f32" in signature else np.float64
    params = [part.split(":")[0].strip() for part in signature.split(", ")]
    _lstsq_forms_pass(kernel_module(signature, body), params, _draws(shapes, dtype, seed=len(shapes[0])), tmp_path)


def test_lstsq_of_a_rank_deficient_matrix_is_numpys_and_its_residuals_are_empty():
    module = load_source(kernel_module('a: "f64[5,3]", b: "f64[5]"', "np.linalg.lstsq(a, b)"))
    a, b = np.ones((5, 3)), np.arange(5.0)
    for got, expected in zip(module.f(a, b), np.linalg.lstsq(a, b)):
        assert np.array_equal(got, expected) and np.shape(got) == np.shape(expected)


LSTSQ = """import numpy as np
from lifted import grad, hessian, kernel


@kernel
def f(a: "f64[5,3]", b: "f64[5,2]"):
    x, r, k, s = np.linalg.lstsq(a, b)
    return np.sum(np.sin(x)) + np.sum(r) * 0.5 + np.sum(s ** 3) + np.sum(np.linalg.pinv(a) ** 2)


ga = grad(f, wrt="a")
gb = grad(f, wrt="b")
"""


def _reference(a, b):
    x = anp.linalg.solve(a.T @ a, a.T @ b)  # lstsq's solution and pinv of a full-rank tall matrix
    r = anp.sum((b - a @ x) ** 2, axis=0)
    s = anp.linalg.svd(a, compute_uv=False)
    return anp.sum(anp.sin(x)) + anp.sum(r) * 0.5 + anp.sum(s ** 3) + \
        anp.sum(anp.linalg.solve(a.T @ a, a.T) ** 2)


def test_lstsq_and_pinv_derivatives_against_differences_and_autograd():
    module = load_source(LSTSQ)
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    for index, (name, generated) in enumerate((("a", module.ga), ("b", module.gb))):
        expected = autograd.grad(_reference, index)(a, b)
        assert np.allclose(_differences(_reference, [a, b], index), expected, rtol=1e-6, atol=1e-6), name
        assert np.allclose(generated(a, b), expected, rtol=1e-8, atol=1e-8), name


def test_derivatives_of_a_rank_deficient_matrix_raise_a_located_error():
    module = load_source(LSTSQ)
    with pytest.raises(ValueError, match=r":[78]:\d+: np.linalg.(lstsq|pinv) has no derivative where the matrix is rank"):
        module.ga(np.ones((5, 3)), np.ones((5, 2)))


@pytest.mark.parametrize("signature, body, message", [
    ('a: "f64[3,4]", b: "f64[4,2]"', "np.dot(a, b, out=np.zeros((3, 2), dtype=np.float32))", "NumPy raises ValueError"),
    ('a: "f64[3,4]", b: "f64[4,2]"', "np.dot(a, b, out=np.zeros((3, 3)))", "NumPy raises ValueError"),
    ('a: "f64[3,4]", b: "f64[4,2]", c: "f64[3,2]"', "np.dot(a, b, out=c)", "C-contiguous"),
    ('a: "f64[3,4]", b: "f64[4,2]"', "np.dot(a, b, out=np.zeros((2, 3)).T)", "C-contiguous"),
    ('a: "f64[3,4]"', "np.einsum('ij->i', a, dtype=np.float32)", "casting='safe'"),
    ('a: "f64[3,4]"', "np.linalg.pinv(a, hermitian=True)", "hermitian"),
    ('a: "f64[3,4]"', "np.linalg.pinv(a, rcond=0.1, rtol=0.1)", "both set"),
    ('a: "f64[4]"', "np.linalg.pinv(a)", "LinAlgError"),
    ('a: "f64[2,4,3]", b: "f64[2,4]"', "np.linalg.lstsq(a, b)", "LinAlgError"),
    ('a: "f64[4,3]", b: "f64[5]"', "np.linalg.lstsq(a, b)", "Incompatible dimensions"),
    ('a: "f64[3,3]"', "np.linalg.eig(a)[0]", "depends on the values"),
    ('a: "f64[3,3]"', "np.linalg.eigvals(a)", "depends on the values"),
])
def test_refusals_are_located(signature, body, message):
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module(signature, body))
    assert ":7:" in str(error.value) and message in str(error.value), str(error.value)
