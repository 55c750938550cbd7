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
    ("math.atan2(x, s)", "of an array"),
    ("math.hypot(x[0], 2.0)", "`math.hypot`"),
    ("math.fmod(x[0], 2.0)", "`math.fmod`"),
    ("math.log(x[0], 2.0)", "`math.log`"),
    ("math.gamma(x[0])", "`math.gamma`"),
    ("math.trunc(np.float32(x[0]))", "TypeError"),
    ("round(float(s), 2)", "2 digits"),
    ("round(x > s)", "of an array"),
    ("round(x[0] > s)", "NumPy bool"),
    ("round(s, len(x) * s)", "build time"),
    ("round(s, 0)", "may be a NumPy scalar or a Python float"),
    ("round(x[1], 2)", "may be a NumPy scalar or a Python float"),
    ("round(int(s), -1)", "negative ndigits"),
])
def test_what_is_not_compiled_is_refused_where_written(call, words):
    with pytest.raises(TranspileError) as raised:
        load_source(_text("", call=call), "math_refused.py")
    assert words in raised.value.message and raised.value.loc.line == 8


# twenty-sixth session: math's two-argument functions (libm's, as CPython's), the int-returning ones, fabs, degrees,
# radians, isnan/isinf/isfinite, and the builtin round of run-time numbers
HOSTILE = [0.3, -2.5, 2.5, 3.5, 0.5, -0.5, -0.0, 0.0, 7.0, 1e300, -1e300, 4e18, math.inf, -math.inf, math.nan]
CALLS = ["math.atan2(s, t)", "math.copysign(s, t)", "math.pow(s, t)", "math.floor(s)", "math.ceil(t)",
         "math.trunc(s)", "math.fabs(s)", "math.degrees(s)", "math.radians(t)", "math.isnan(s)", "math.isinf(t)",
         "math.isfinite(s)", "round(s)", "round(float(s), 0)", "round(len(y), 1)", "round(int(t) * 2, 0)",
         "math.floor(len(y))", "math.pow(2, t)", "round(bool(s))"]


def _scalar_text(call: str) -> str:
    return ('import math\nimport numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
            f'def f(y: "f64[3]", s: "f64[]", t: "f64[]"):\n    return {call}\n')


@pytest.mark.parametrize("c", [False, True])
def test_pythons_values_and_errors_over_hostile_numbers(c, tmp_path):
    """Each call of a float64 scalar pair drawn from nan, inf, -0.0, ties, huge values: Python's value and type bit
    for bit, or Python's error and message; the only other outcome is the documented run-time refusal of an int
    past int64 (math.floor(1e300) is a 997-bit Python int)."""
    differences = []
    for n, call in enumerate(CALLS):
        text = _scalar_text(call)
        if c:
            from test_c_backend import c_module
            (tmp_path / str(n)).mkdir()
            module = c_module(text, tmp_path / str(n), f"hostile{n}")[0]
        else:
            module = load_source(text, f"hostile{n}.py")
        python = {}
        exec(text.replace("from lifted import kernel", "kernel = lambda f: f"), python)
        for a in HOSTILE:
            for b in HOSTILE:
                args = (np.ones(3), np.float64(a), np.float64(b))
                try:
                    want, wanted = python["f"](*args), None
                except (ValueError, OverflowError) as error:
                    want, wanted = None, error
                try:
                    got, raised = module.f(*args), None
                except (ValueError, OverflowError) as error:
                    got, raised = None, error
                if wanted is not None or raised is not None:
                    same = type(wanted) is type(raised) and str(wanted) == str(raised) or (
                        isinstance(want, int) and abs(want) >= 2 ** 63 and "past int64" in str(raised))
                else:
                    same = type(got) is type(want) and np.asarray(got).tobytes() == np.asarray(want).tobytes()
                if not same:
                    differences.append((call, a, b, want, wanted, got, raised))
    assert differences == []


@pytest.mark.parametrize("call, inside", [
    ("math.atan2(x[1] * 0.5 + s, x[0])", 1.3), ("math.atan2(x[0], x[1] * 0.5 + s)", -0.7),
    ("math.copysign(x[1] * 0.5 + s, x[0])", 1.3), ("math.pow(x[1] * 0.5 + s, x[0])", 1.3),
    ("math.pow(x[2], x[1] * 0.5 + s)", 0.7), ("math.fabs(x[1] * 0.5 + s)", -1.3),
    ("math.degrees(x[1] * 0.5 + s)", 0.4), ("math.radians(x[1] * 0.5 + s)", 30.0),
    ("math.floor(x[1] * 0.5 + s) * s", 2.3), ("round(x[1] * 0.5 + s) * s", 2.3), ("round(float(s), 0) * x[1]", 2.3),
    ("(1.0 if math.isfinite(x[1] * s) else 2.0) * s", 0.3),
])
@pytest.mark.parametrize("c", [False, True])
def test_derivatives_vmap_and_c_of_the_new_functions(call, inside, c, tmp_path):
    """Value bit for bit, derivatives (those of the NumPy function of the same mathematics; floor's and round's
    zero), vmap against a loop, and the C target."""
    xs = [np.array([0.5, 0.1, 1.5]), np.array([2.0, -0.2, 0.25])]
    all_forms_pass(_text("", call=call), ["x", "s"], [[x, np.float64(inside - x[1] * 0.5)] for x in xs], c=c,
                   tmp_path=tmp_path)
