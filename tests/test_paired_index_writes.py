"""Assignment through paired index arrays (`a[i, j] = v`, `a[i, j] += v`, `a[:, i, j] = v`): NumPy's meaning
(a repeated pair: the last write wins; `+=` does not accumulate repeats), in values and in every transform,
checked against Python and finite differences (autograd cannot run in-place writes)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, central_difference, load_source

HEADER = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp\n"

BODIES = {
    "set_then_add": ("A: \"f64[4,3]\"", '''
    b = A * 1.0
    b[i, j] = v * 2.0
    b[i, j] += np.sin(v) * A[j, i % 3]
    return np.sum(b * b)
''', (4, 3)),
    "trailing_axis": ("A: \"f64[4,3,2]\"", '''
    b = np.tanh(A)
    b[i, j] = v[:, None] * b[j, i % 3]
    return np.sum(b ** 3)
''', (4, 3, 2)),
    "leading_slice": ("A: \"f64[2,4,3]\"", '''
    b = A * A
    b[:, i, j] = np.cos(v)
    b[0, i, j] -= v * A[1, i, j]
    return np.sum(np.sin(b))
''', (2, 4, 3)),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_paired_index_writes_match_python_and_finite_differences(name):
    param, body, shape = BODIES[name]
    text = HEADER + f'''
@kernel
def f({param}, v: "f64[5]", i: "i64[5]", j: "i64[5]") -> "f64[]":''' + body + '''
g = grad(f, wrt=("A", "v"))
fj = jvp(f, wrt="v")
fv = vjp(f, wrt=("A", "v"))
fh = hessian(f, wrt="v")
'''
    module = load_source(text, f"{name}.py")
    python: dict = {}
    exec(compile(text, "py", "exec"), python)
    rng = np.random.default_rng(5)
    A, v = rng.normal(size=shape), rng.normal(size=5)
    i, j = np.array([0, 2, 0, 3, 0]), np.array([1, 2, 1, 0, 1])  # the pair (0, 1) three times: the last wins
    fresh = lambda: [A.copy(), v.copy(), i, j]  # noqa: E731
    assert_close(module.f(*fresh()), python["f"](*fresh()), rtol=1e-13, atol=1e-13, what="value vs Python")
    dA, dv = module.g(*fresh())
    reference = lambda *args: python["f"](*[a.copy() for a in args])  # noqa: E731
    assert_close(dA, central_difference(reference, fresh(), 0), rtol=1e-6, atol=1e-7, what="dA vs FD")
    assert_close(dv, central_difference(reference, fresh(), 1), rtol=1e-6, atol=1e-7, what="dv vs FD")
    tangent = rng.normal(size=5)
    assert_close(module.fj(*fresh(), tangent)[1], dv @ tangent, rtol=1e-10, atol=1e-10, what="jvp")
    value, (cA, cv) = module.fv(*fresh(), 2.0)
    assert_close(cv, 2.0 * dv, rtol=1e-12, atol=1e-12, what="vjp")
    eps = 1e-6
    columns = [(module.g(A, v + eps * e, i, j)[1] - module.g(A, v - eps * e, i, j)[1]) / (2 * eps)
               for e in np.eye(5)]
    assert_close(module.fh(*fresh()), np.array(columns).T, rtol=1e-5, atol=1e-6, what="hessian vs FD")


def test_a_mask_with_an_index_array_in_a_write_is_refused():
    text = HEADER + '''
@kernel
def f(A: "f64[4,3]", i: "i64[2]") -> "f64[]":
    b = A * 1.0
    b[i, b[0] > 0] = 0.0
    return np.sum(b)
'''
    from lifted.transpiler import TranspileError

    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc.line == 7
