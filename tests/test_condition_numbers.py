"""np.linalg.cond for every order NumPy's norm has for matrices (transpiler/frontend/matrix_powers.py, the
singular values and cond's inverse in transpiler/primitives/singular_values.py): bit for bit against NumPy running
the same source, every transform against central differences and autograd (benchmarks/corpus/checks.py via
all_forms_pass), the C target too; the derivative's located refusal at repeated singular values."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from benchmarks.corpus.checks import check_kernel
from test_jax_numpy_api import all_forms_pass, kernel_module

ORDERS = ["None", "2", "-2", "'fro'", "'nuc'", "1", "-1", "np.inf", "-np.inf"]


def _forms_pass(text: str, inputs: list[list], c: bool = False, tmp_path=None) -> None:
    """all_forms_pass under errstate: the second-order forms (hvp, rr) of singular values too (the singular
    vectors' derivatives, primitives/singular_values.py)."""
    with np.errstate(all="ignore"):
        outcomes = check_kernel(text, ["x"], inputs, lambda args: args, c=c, folder=tmp_path)
    assert all(outcome in ("pass", "skip") for outcome, _ in outcomes.values()), outcomes
    assert all(outcomes[form][0] == "pass" for form in ("f", "hvp", "rr") + (("c",) if c else ())
               if form in outcomes), outcomes
    assert "f" in outcomes and (not c or "c" in outcomes), outcomes


def _matrices(shape, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=shape) + 2 * np.eye(shape[-1])] for _ in range(2)]


@pytest.mark.parametrize("p", ORDERS)
def test_cond_is_numpys(p):
    text = kernel_module('x: "f64[3,3]"', f"np.linalg.cond(x, {p})")
    if p in ("None", "2", "-2", "'nuc'"):
        _forms_pass(text, _matrices((3, 3)))
    else:
        all_forms_pass(text, ["x"], _matrices((3, 3)))


@pytest.mark.parametrize("note, p", [('"f64[2,3,3]"', "None"), ('"f64[2,3,3]"', "'fro'"), ('"f64[3,4]"', "2"),
                                     ('"f64[4,2]"', "-2"), ('"f64[n,n]"', "np.inf"), ('"f64[k,n,n]"', "'nuc'")])
def test_cond_of_stacks_and_rectangles(note, p):
    shape = {'"f64[n,n]"': (3, 3), '"f64[k,n,n]"': (2, 3, 3)}.get(note) or tuple(int(d) for d in note[5:-2].split(","))
    rng = np.random.default_rng(1)
    sets = [[rng.normal(size=shape)] for _ in range(2)]
    text = kernel_module(f"x: {note}", f"np.linalg.cond(x, {p}) * 1.5")
    _forms_pass(text, sets) if p in ("None", "2", "-2", "'nuc'") else all_forms_pass(text, ["x"], sets)


@pytest.mark.parametrize("p", ORDERS)
def test_singular_and_integer_and_float32_matrices_are_numpys(p):
    """inf where NumPy's NaN has no NaN in the matrix behind it (a singular matrix; cond's inverse ignores errors);
    integers in float64, float32 cast back; NaN kept where the matrix has one; the types NumPy returns."""
    for note, dtype in (('"f64[2,2]"', np.float64), ('"i64[2,2]"', np.int64), ('"f32[3,2,2]"', np.float32)):
        module = load_source(kernel_module(f"x: {note}", f"np.linalg.cond(x, {p})"))
        shape = (3, 2, 2) if "3," in note else (2, 2)
        for x in (np.zeros(shape), np.ones(shape), np.arange(np.prod(shape)).reshape(shape),
                  np.where(np.arange(np.prod(shape)).reshape(shape) == 1, np.nan, 1.0)):
            if dtype == np.int64 and np.isnan(x).any():
                continue
            x = x.astype(dtype)
            with np.errstate(all="ignore"):
                try:
                    expected = np.linalg.cond(x, eval(p, {"np": np}))
                except np.linalg.LinAlgError:
                    with pytest.raises(np.linalg.LinAlgError):
                        module.f(x)
                    continue
                got = module.f(x)
            assert type(got) is type(expected) and np.array_equal(got, expected, equal_nan=True), (x, got, expected)


def test_cond_c_target(tmp_path):
    text = kernel_module('x: "f64[2,3,3]"', "np.linalg.cond(x) + np.linalg.cond(x, 1)")
    _forms_pass(text, _matrices((2, 3, 3)), c=True, tmp_path=tmp_path)


def test_repeated_singular_values_refuse_the_derivative_at_run_time():
    """cond(x) = s_max / s_min at a matrix whose two largest singular values are equal (an orthogonal block): the
    largest singular value has no derivative there (a max of two), so the gradient raises a ValueError naming the
    call; where the values tied are read alike (the nuclear norm sums them) it is the derivative."""
    text = ("import numpy as np\nfrom lifted import grad, kernel\n\n\n@kernel\ndef f(x: \"f64[3,3]\"):\n"
            "    return np.linalg.cond(x)\n\n\n@kernel\ndef g(x: \"f64[3,3]\"):\n"
            "    return np.linalg.norm(x + 0.0, 'fro') + np.linalg.cond(x, 'nuc')\n\n\n"
            "df = grad(f)\ndg = grad(g)\n")
    module = load_source(text)
    x = np.diag([2.0, 2.0, 0.5])
    with pytest.raises(ValueError, match=r"case.py:7:\d+: np.linalg.cond has no derivative"):
        module.df(x)
    got = module.dg(x)
    differences = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            step = np.zeros((3, 3))
            step[i, j] = 1e-6
            plus, minus = x + step, x - step
            value = lambda y: np.linalg.norm(y, "fro") + np.linalg.cond(y, "nuc")  # noqa: E731
            differences[i, j] = (value(plus) - value(minus)) / 2e-6
    assert np.allclose(got, differences, atol=1e-6)


@pytest.mark.parametrize("signature, body, message", [
    ('x: "f64[0,0]"', "np.linalg.cond(x)", "empty"),
    ('x: "f64[3]"', "np.linalg.cond(x)", "LinAlgError"),
    ('x: "f64[2,3]"', "np.linalg.cond(x, 1)", "square"),
    ('x: "f64[3,3]"', "np.linalg.cond(x, 3)", "Invalid norm order"),
    ('x: "f64[m,n]"', "np.linalg.cond(x)", "min(m, n)"),
])
def test_refusals_are_located(signature, body, message):
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module(signature, body))
    assert ":7:" in str(error.value) and message in str(error.value)


def test_empty_at_run_time_is_numpys_linalgerror():
    module = load_source(kernel_module('x: "f64[n,n]"', "np.linalg.cond(x, 'fro')"))
    with pytest.raises(np.linalg.LinAlgError, match="cond is not defined on empty arrays"):
        module.f(np.zeros((0, 0)))
