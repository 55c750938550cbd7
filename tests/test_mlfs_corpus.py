"""ML-From-Scratch's models (benchmarks/mlfs, docs/corpora.md "ML-From-Scratch's models"): the driver's smoke test,
which skips without a checkout ($LIFTED_MLFS or /tmp/mlfs), and the reduced programs of what the corpus found,
which never skip."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from hostile import same_values
from lifted.transpiler import TranspileError

CHECKOUT = Path(os.environ.get("LIFTED_MLFS", "/tmp/mlfs"))


@pytest.mark.skipif(not (CHECKOUT / "mlfromscratch" / "deep_learning").is_dir(), reason="no ML-From-Scratch checkout")
@pytest.mark.filterwarnings("ignore")
def test_driver_runs_mlfs_cases(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.mlfs.__main__ import main

    chosen = {"Sigmoid", "SquareLoss", "Dense", "RNN[tanh]", "l1_regularization", "rbf_kernel",
              "KMeans._closest_centroid"}
    results = main(["--mlfs", str(CHECKOUT), "--only", ",".join(sorted(chosen)), "--json", str(tmp_path / "o.json")])
    assert set(results) == chosen
    for label, outcomes in results.items():
        assert "not converted" not in outcomes, label
        assert all(outcome not in ("bad", "WRONG") for outcome, _ in outcomes.values()), (label, outcomes)
    for label in ("Sigmoid", "SquareLoss", "Dense"):  # Lifted's derivative is the file's own gradient
        assert results[label]["nm1"][0] == "pass", label
    # the RNN's backward pass leaves out what later steps send back through the state; l1's `grad` is sign(w)
    # beside a value alpha * ||w||_2: both found off, by differences
    for label in ("RNN[tanh]", "l1_regularization"):
        assert results[label]["nm1"][1].startswith("ML-From-Scratch's own derivative is off"), label
    # utils' euclidean_distance: `pow(...)` and `math.sqrt` of its run-time sum compile (Python's values)
    assert results["KMeans._closest_centroid"]["f"][0] == "pass"


# -- reduced programs: utils/data_operation.py's euclidean_distance (the builtin pow) ------------------------------
POW = '''
import numpy as np
from lifted import grad, kernel


def euclidean_distance(x1, x2):
    distance = 0
    for i in range(len(x1)):
        distance += pow((x1[i] - x2[i]), 2)
    return np.sqrt(distance)


@kernel
def f(x: "f64[3]", k: "i64[]"):
    return euclidean_distance(x, x[::-1] * 0.5) + pow(x[0], k) + pow(2, -2) + pow(base=x[1], exp=3) \\
        + np.sum(pow(x, 2))


g = grad(f, wrt=0)
'''


@pytest.mark.parametrize("k", [3, -2, 0])
def test_builtin_pow_is_the_power_operator(k):
    """`pow(a, b)` was "the builtin `pow` is not supported": it is `a ** b` (Python defines it so), with the
    operator's rules (an int to a negative int a float). Values against Python, the gradient against central
    differences and autograd."""
    check_against_python(POW, [np.array([0.3, -1.2, 2.0]), k])


@pytest.mark.parametrize("body, message", [("pow(x[0], 2, 3)", "modular form"), ("pow(x[0])", "base and an exponent")])
def test_builtin_pow_refusals_are_located(body, message):
    text = f'import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n    return {body}\n'
    with pytest.raises(TranspileError, match=message) as raised:
        load_source(text, "refused_pow.py")
    assert raised.value.loc is not None and raised.value.loc.line == 7


# -- reduced program: MaxPooling2D._pool_forward (a range in an index) ---------------------------------------------
RANGE_INDEX = '''
import numpy as np
from lifted import grad, kernel


def pool(X_col):
    arg_max = np.argmax(X_col, axis=0).flatten()
    return X_col[arg_max, range(arg_max.size)]


@kernel
def f(x: "f64[4, 3]"):
    n = x.shape[0]
    return np.sum(pool(x) * x[range(1, n), :][:, 0]) + np.sum(x[range(3, 0, -2)]) + np.sum(x[range(0)])


@kernel
def h(x: "f64[4, 3]"):
    return pool(x), x[range(2), range(1, 3)], x[range(0)], x[:, range(3)][range(-1, -4, -1)]


g = grad(f, wrt=0)
'''


def test_range_as_an_index_is_numpys_int_array():
    """`X_col[arg_max, range(arg_max.size)]` was refused ("this value cannot be used as an array", or "range(...)
    with bounds known only at run time"): NumPy reads a range in an index as the int array of its items (an empty
    one too). Values and dtypes against Python; the gradient against differences and autograd."""
    x = np.array([[0.5, 2.0, -1.0], [3.0, 0.1, 0.2], [-2.0, 4.0, 1.5], [1.0, 1.0, 0.0]])
    check_against_python(RANGE_INDEX, [x])
    module = load_source(RANGE_INDEX, "range_index.py")
    python: dict = {}
    exec(compile(RANGE_INDEX.replace("@kernel\n", ""), "range_reference", "exec"), python)
    same_values(module.h(x.copy()), python["h"](x.copy()), "h")


# -- reduced programs: Python's math module (layers' determine_padding, the Gaussian mixture's likelihood) ----------
MATH_CONSTANTS = '''
import math
import math as m
from math import inf, pi, tau
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[3]"):
    return np.sum(x * math.pi) + m.e * x[0] + pi + tau * x[1] + (x[2] < inf) + (math.nan != math.nan)


g = grad(f, wrt=0)
'''


def test_math_constants_are_pythons_floats():
    """`import math` made `math` "rebound at module level ... not known at build time"; its constants are Python's
    floats (weak, as NumPy's np.pi)."""
    check_against_python(MATH_CONSTANTS, [np.array([0.3, -1.2, 2.0])])


@pytest.mark.parametrize("head, body, named", [
    ("import math", "math.gamma(x[0])", "`math.gamma`"),
    ("import math as m", "m.hypot(x[0], 1.0)", "`math.hypot`"),
    ("from math import fmod", "fmod(x[1], 2.0)", "`math.fmod`"),
    ("from math import log", "log(x[0], 2.0)", "`math.log`"),
])
def test_math_functions_of_run_time_values_are_refused_by_name(head, body, named):
    """Python's math functions raise where NumPy's give nan or inf and math.floor returns an int: on a run-time
    value refused, named, with the NumPy spelling as the hint (was "`math` is rebound at module level"); the
    one-argument functions (math.sqrt, math.exp...) compile since, and floor, pow, atan2... since the twenty-sixth
    session (tests/test_math_run_time.py)."""
    text = f'{head}\nimport numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n' \
           f'    return x * {body}\n'
    with pytest.raises(TranspileError, match="Python's `math` module is not supported") as raised:
        load_source(text, "refused_math.py")
    assert named in raised.value.message and "np.hypot" in raised.value.hint
    assert raised.value.loc is not None and raised.value.loc.line == 8


MATH_AT_BUILD_TIME = '''
import math
from math import floor, pow as mpow
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[3]"):
    h = x.shape[0]
    p1 = int(math.floor((h - 1) / 2))
    p2 = int(math.ceil((h - 1) / 2))
    c = 1.0 / (mpow(2.0 * math.pi, h / 2) * math.sqrt(4.0))
    return np.sum(x[p1:p2 + 1]) * c + floor(2.7) + math.frexp(8.0)[1] + math.isnan(1.0) + math.hypot(3, 4)


@kernel
def h(x: "f64[3]"):
    return math.floor(2.5), math.frexp(8.0), math.isnan(1.0), math.pow(2, 3), math.factorial(5), math.comb(5, 2)


g = grad(f, wrt=0)
'''


def test_math_functions_of_build_time_numbers_are_pythons():
    """ML-From-Scratch's determine_padding (`int(math.floor((filter_height - 1) / 2))`) and the Gaussian mixture's
    `math.pow(2.0 * math.pi, d / 2)`: on numbers known at build time Python computes them then. Values and types
    against Python, the gradient against differences and autograd."""
    x = np.array([0.3, -1.2, 2.0])
    check_against_python(MATH_AT_BUILD_TIME, [x])
    module = load_source(MATH_AT_BUILD_TIME, "math_build_time.py")
    python: dict = {}
    exec(compile(MATH_AT_BUILD_TIME.replace("@kernel\n", ""), "math_reference", "exec"), python)
    same_values(module.h(x.copy()), python["h"](x.copy()), "h")


@pytest.mark.parametrize("body, raised", [("math.sqrt(-1.0)", "ValueError"), ("math.floor(float('nan'))", "ValueError"),
                                          ("math.exp(1000.0)", "OverflowError")])
def test_math_functions_that_raise_in_python_are_refused(body, raised):
    text = f'import math\nimport numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n' \
           f'    return x * {body}\n'
    with pytest.raises(TranspileError, match=f"raises {raised} in Python") as error:
        load_source(text, "raising_math.py")
    assert error.value.loc is not None and error.value.loc.line == 8


@pytest.mark.parametrize("source, args", [
    (POW, [np.array([0.3, -1.2, 2.0]), 3]),
    (RANGE_INDEX, [np.array([[0.5, 2.0, -1.0], [3.0, 0.1, 0.2], [-2.0, 4.0, 1.5], [1.0, 1.0, 0.0]])]),
    (MATH_CONSTANTS, [np.array([0.3, -1.2, 2.0])]),
    (MATH_AT_BUILD_TIME, [np.array([0.3, -1.2, 2.0])]),
], ids=["pow", "range_index", "math_constants", "math_at_build_time"])
def test_the_constructs_on_the_c_target(source, args, tmp_path):
    """The same programs' f, jvp and vmap on the C target against the NumPy backend (tests/hostile.py)."""
    from hostile import check_hostile

    text = "\n".join(line for line in source.splitlines() if not line.startswith("g = grad("))
    outcomes = check_hostile(text, args, c=True, folder=tmp_path)
    assert outcomes.get("c") == "checked", outcomes
