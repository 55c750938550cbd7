"""Python's `math` functions of one number known only at run time: Python's value (libm's, a Python float),
math's ValueError and OverflowError, derivatives as NumPy's function of the same mathematics, on both targets."""
import math

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from lifted.transpiler.primitives.math_functions import NUMPY_OF
from test_jax_numpy_api import all_forms_pass

# an argument inside each function's domain, and one where math raises (None: it never raises on a number)
INSIDE = {"acos": 0.3, "asin": -0.4, "atanh": 0.6, "acosh": 1.7, "log1p": 0.4}
OUTSIDE = {"sqrt": -1.0, "log": 0.0, "log2": -2.0, "log10": 0.0, "log1p": -1.0, "exp": 1000.0, "expm1": 800.0,
           "exp2": 1100.0, "sinh": 720.0, "cosh": -720.0, "acos": 1.5, "asin": -2.0, "acosh": 0.5, "atanh": 1.0,
           "sin": math.inf, "cos": -math.inf, "tan": math.inf}


def _text(name: str, head: str = "import math", call: str = "") -> str:
    call = call or f"math.{name}(x[1] * 0.5 + s)"
    return (f'{head}\nimport numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]", s: "f64[]"):\n'
            f'    return x * {call}\n')


@pytest.mark.parametrize("name", sorted(NUMPY_OF))
@pytest.mark.parametrize("c", [False, True])
def test_a_run_time_math_function_is_pythons(name, c, tmp_path):
    """Value bit for bit (libm's, as math's: NumPy's own exp, tanh, log10... differ by an ulp on some arguments),
    derivatives, vmap, the C target; x[1] * 0.5 + s stays inside the domain."""
    inside = INSIDE.get(name, 1.3)
    xs = [np.array([0.5, 0.1, -1.0]), np.array([2.0, -0.2, 0.25])]
    all_forms_pass(_text(name), ["x", "s"], [[x, np.float64(inside - x[1] * 0.5)] for x in xs], c=c,
                   tmp_path=tmp_path)


@pytest.mark.parametrize("name", sorted(OUTSIDE))
@pytest.mark.parametrize("c", [False, True])
def test_maths_errors_at_run_time(name, c, tmp_path):
    """ValueError("math domain error") where libm gives NaN of a number or inf of a finite number at a pole,
    OverflowError("math range error") where math's function overflows: what Python raises, on both targets."""
    text = _text(name)
    x = np.array([0.5, 0.0, 1.0])
    with pytest.raises((ValueError, OverflowError)) as expected:
        getattr(math, name)(OUTSIDE[name])
    if c:
        from test_c_backend import c_module
        module = c_module(text, tmp_path, f"math_{name}")[0]
    else:
        module = load_source(text, f"math_{name}.py")
    with pytest.raises(type(expected.value), match=str(expected.value)):
        module.f(x, np.float64(OUTSIDE[name]))
    assert np.asarray(module.f(x, np.float64(INSIDE.get(name, 0.7)))).shape == (3,)


def test_a_float32_or_int_argument_is_a_python_float():
    """math converts its argument to a Python float: a float32 scalar's exact double, an int's float; the result
    is a Python float, weak beside float32 arrays."""
    text = ('import math\nimport numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
            'def f(x: "f32[3]", n: "i64[]"):\n    return x * math.sqrt(x[0]) + math.log(n)\n')
    module, python = load_source(text, "math_kinds.py"), {}
    exec(text.replace("from lifted import kernel", "kernel = lambda f: f"), python)
    x = np.array([2.0, 0.5, 3.0], np.float32)
    got, want = module.f(x, np.int64(7)), python["f"](x, np.int64(7))
    assert got.dtype == want.dtype == np.float32 and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("call, words", [
    ("math.sqrt(x)", "of an array"),
    ("math.exp(x[:1])", "of an array"),
    ("math.pow(x[0], 2.0)", "`math.pow`"),
    ("math.floor(x[0])", "`math.floor`"),
    ("math.log(x[0], 2.0)", "`math.log`"),
])
def test_what_is_not_compiled_is_refused_where_written(call, words):
    with pytest.raises(TranspileError) as raised:
        load_source(_text("", call=call), "math_refused.py")
    assert words in raised.value.message and raised.value.loc.line == 8
