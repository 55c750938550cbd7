"""`from numpy import *` (math, numpy.linalg ...) binds the names Python binds, in statement order: the builtins it
shadows are NumPy's functions with NumPy's signatures, later bindings win, and what Lifted does not compile is
refused where a kernel uses it."""
import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from lifted.transpiler.pipeline import transpile_c
from test_jax_numpy_api import all_forms_pass

HEAD = "from numpy import *\nfrom lifted import kernel\n\n\n"
X = [np.array([0.25, -0.75, 1.5, 2.0]), np.array([3.0, 0.5, -2.25, 1.0])]


def _kernel(body: str, head: str = HEAD, note: str = '"f64[n]"') -> str:
    return f"{head}@kernel\ndef f(x: {note}):\n    {body}\n"


@pytest.mark.parametrize("body", [
    "return sum(range(5), -1) + x",  # np.sum along axis -1 (10), not the builtin with start -1 (9)
    "return sum(x) + sum(x * x, 0)",
    "return abs(x - 0.5)",
    "return min(x) + max(x, 0) * 2",
    "return min(x, axis=0) - max(x, keepdims=True)",
    "return round(x * 10, 1) + round(x[0] * 3)",
    "return all(x > 0) + any(x > 1.9)",
    "return where(all(x > -1), x, -x) + where(any(x > 5), 1.0, 0.0)",
    "return pow(x, 2) + pow(2.0, x)",
    "q, r = divmod(x * 7, 2.0)\n    return q + r",
    "return bool(x[0] > 0) + x",
    "return e + pi * x + exp(x) + sqrt(abs(x))",
])
@pytest.mark.parametrize("c", [False, True])
def test_every_shadowed_builtin_is_numpys_function(body, c, tmp_path):
    """The builtins NumPy's `__all__` rebinds (sum, abs, min, max, round, all, any, pow, divmod, bool), with
    NumPy's signatures (`max(x, 0)` is np.max along axis 0), against Python running the same module."""
    all_forms_pass(_kernel(body), ["x"], [[a] for a in X], c=c, tmp_path=tmp_path)


def test_a_later_binding_wins():
    """Statement order: math's star after NumPy's rebinds `pow`, `e` and `sqrt` to math's; an assignment after a
    star rebinds the name; a star after an explicit import rebinds it."""
    head = "from numpy import *\nfrom math import *\nfrom lifted import kernel\n\n\n"
    module = load_source(_kernel("return x * pow(2, 3) + e", head), "math_after.py")
    assert module.f(np.ones(2)).tolist() == [8.0 + np.e] * 2
    head = "from math import *\nfrom numpy import *\nfrom lifted import kernel\n\n\n"
    module = load_source(_kernel("return pow(x, 2) + sum(x)", head), "numpy_after.py")
    assert module.f(np.array([1.0, 2.0])).tolist() == [4.0, 7.0]
    head = "from numpy import *\nfrom lifted import kernel\ne = 2.0\n\n\n"
    assert load_source(_kernel("return x + e", head), "assigned_after.py").f(np.zeros(1)).tolist() == [2.0]


def test_a_star_of_numpy_linalg_and_scipy_special():
    head = "from numpy.linalg import *\nfrom scipy.special import *\nfrom lifted import kernel\n\n\n"
    module = load_source(_kernel("return norm(x) + logsumexp(x) + expit(x)", head), "submodules.py")
    x = np.array([0.5, -1.0, 2.0])
    from scipy.special import expit, logsumexp
    np.testing.assert_allclose(module.f(x), np.linalg.norm(x) + logsumexp(x) + expit(x), rtol=1e-14)


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_a_name_lifted_does_not_compile_is_refused_where_used(backend):
    """`max(x, 0.5)` is np.max with axis 0.5: Python raises TypeError, the compiler refuses it where it is
    written; a star name the compiler has no function for is refused at its call."""
    for body, line in [("return max(x, 0.5)", 7), ("y = x + 1.0\n    return busday_count(y, y)", 8)]:
        text = _kernel(body)
        with pytest.raises(TranspileError) as caught:
            load_source(text, "refused.py") if backend == "numpy" else transpile_c(text, "refused.py")
        assert caught.value.loc.line == line, caught.value


def test_a_star_the_compiler_cannot_list_is_refused_at_the_import():
    """An AD library's mirror (its namespace is not NumPy's) or a module missing here: refused, located."""
    for module in ("autograd.numpy", "numpy.no_such_module"):
        with pytest.raises(TranspileError, match=rf"from {module} import \*") as caught:
            load_source(_kernel("return x", f"import numpy as np\nfrom {module} import *\nfrom lifted import "
                                "kernel\n\n\n"), "mirror.py")
        assert caught.value.loc.line == 2
