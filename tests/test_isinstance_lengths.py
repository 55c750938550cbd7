"""`isinstance` of a length read as such (`len(x)`, `x.shape[0]`, `np.shape(x)[1]`, `x.size`, `np.size(x)`):
a Python int in Python whatever the kernel's dimension is, so decided at build time (transpiler/normalize/
flatten.py). Found by the user-forms generator (tests/user_forms_programs.py): the kernel refused
`isinstance(len(x), int)` saying it was a NumPy scalar. Other integer scalars stay refused: `np.add(len(x), 1)`
and `np.int64(len(x))` are NumPy integers, which Python's `isinstance(_, int)` says are not ints."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import TranspileError
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n"

PROGRAM = HEAD + '''
@kernel
def f(x: "f64[n]", M: "f64[n,d]"):
    total = np.sum(x * x)
    if isinstance(len(x), int) and isinstance(M.shape[1], int):
        total = total * 2.0
    if isinstance(np.shape(M)[0], (float, bool)) or not isinstance(x.size, int):
        total = total - 1.0
    return total + (np.sum(M) if isinstance(np.size(M), int) else 0.0)


g = grad(f, wrt=("x", "M"))
b = vmap(f, in_axes=(0, None))
'''


def _args(n: int = 4) -> list:
    rng = np.random.default_rng(n)
    return [rng.normal(size=n), rng.normal(size=(n, 2))]


def test_isinstance_of_a_length_is_pythons():
    check_against_python(PROGRAM, _args())


def test_isinstance_of_a_length_batched_and_on_the_c_target(tmp_path):
    module = load_source(PROGRAM)
    python: dict = {}
    exec(compile(PROGRAM, "python_reference", "exec", dont_inherit=True), python)
    xs, M = np.random.default_rng(1).normal(size=(3, 4)), _args()[1]
    np.testing.assert_allclose(module.b(xs, M), [python["f"](x, M) for x in xs], rtol=1e-12)
    compiled, _ = c_module(PROGRAM, tmp_path, "isinstance_lengths")
    for n in (0, 1, 4):
        np.testing.assert_allclose(compiled.f(*_args(n)), python["f"](*_args(n)), rtol=1e-12)


@pytest.mark.parametrize("value", ["np.add(len(x), 1)", "np.int64(len(x))", "x[0]"])
def test_isinstance_of_a_numpy_scalar_is_still_refused(value):
    text = HEAD + f'''
@kernel
def f(x: "f64[n]"):
    return np.sum(x) if isinstance({value}, int) else 0.5
'''
    with pytest.raises(TranspileError, match="not a Python float or int"):
        load_source(text)
