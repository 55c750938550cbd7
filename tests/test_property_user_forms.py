"""The user-forms generator (tests/user_forms_programs.py): random kernels written with the constructs the corpora's
compiled kernels use and no other generator wrote (docs/testing.md), judged as tests/test_property_semantics.py
judges its programs (Python's value, gradients against finite differences of Python and autograd, compositions).

Default suite: a fixed sample of seeds. Long run: `LIFTED_USER_FORMS_PROGRAMS=400 pytest -m slow
tests/test_property_user_forms.py -s` (seeds from $LIFTED_PROPERTY_FIRST_SEED on). The C target runs the same
programs in tests/test_c_random_programs.py (`user_forms`).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from test_property import inputs_for
from test_property_semantics import check_program
from user_forms_programs import user_forms_program

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")

CONSTRUCTS = ("np.array([", ".ravel()", "np.arange(", "np.column_stack(", " for row in np.stack(", " for i in range(3)]",
              "np.fmod(", "np.power(", " = M.shape", " = (M * 1.0).shape", "np.matmul(", "np.fill_diagonal(",
              ".ndim", "np.logical_and(", "np.newaxis", "np.empty(", "np.empty_like(", " is not None:", " is None:",
              "np.fabs(", "np.repeat(", "np.atleast_2d(", "np.eye(", "np.pad(", "constant_values=", "np.arctan(",
              "np.arctan2(", "np.modf(", "np.vstack(", "np.hstack(", "np.linalg.norm(", "in enumerate(", "in zip(",
              "dtype=np.float64)", "scaled(", ", c=", "(+", "raise ValueError(", ".format(",
              "shifted(", ".max()", "np.mod(", "np.arcsin(", "np.arccos(", "np.tan(", "np.triu(", "k=", "np.tril(",
              "ord=", ".flatten()", "np.sinh(", "np.cosh(", "np.absolute(", "np.multiply(", "np.atleast_1d(",
              "np.argmax(", "np.argsort(", "isinstance(", ".dot(", "np.std(", ".var(axis=1, ddof=", "keepdims=True",
              "np.flip(", "np.expand_dims(", "pad_width=", "dtype=np.float64)", ".fill(")


def check_seed(seed: int) -> tuple[str, str]:
    return check_program(user_forms_program, inputs_for, seed)


def test_generator_writes_the_constructs():
    corpus = "\n".join(user_forms_program(seed)[0] for seed in range(400))  # (.flatten() first at 374)
    missing = [construct for construct in CONSTRUCTS if construct not in corpus]
    assert not missing, missing
    assert " = v" in corpus and any(line.count(" = ") == 2 and "[" not in line.split(" = ")[0]
                                    for line in corpus.splitlines())  # `a = b = value`


def test_generator_is_deterministic_per_seed():
    assert user_forms_program(5) == user_forms_program(5)


@pytest.mark.parametrize("seed", range(16))
def test_random_user_form_programs_match_python(seed):
    outcome, message = check_seed(seed)
    assert outcome != "failed", f"seed {seed}: {message}\n{user_forms_program(seed)[0]}"


def _with_add_at(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return user_forms_program(seed, add_at=True)


def test_add_at_flag_writes_np_add_at_and_leaves_old_seeds_alone():
    """The `add_at` flag (rougier's exercises: benchmarks/numpy_100) adds `np.add.at` statements; without it every
    seed writes the program it wrote before the flag existed."""
    assert "np.add.at(" in "\n".join(_with_add_at(seed)[0] for seed in range(40))
    assert all("np.add.at(" not in user_forms_program(seed)[0] for seed in range(40))


@pytest.mark.parametrize("seed", [s for s in range(60) if "np.add.at(" in _with_add_at(s)[0]][:10])
def test_random_programs_with_add_at_match_python(seed):
    outcome, message = check_program(_with_add_at, inputs_for, seed)
    assert outcome != "failed", f"seed {seed}: {message}\n{_with_add_at(seed)[0]}"


def _with_windows(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return user_forms_program(seed, windows=True)


def test_windows_flag_writes_windows_and_leaves_old_seeds_alone():
    """The `windows` flag (rougier's exercises 75 and 87) adds sliding_window_view and reduceat statements; without
    it every seed writes the program it wrote before the flag existed (the add_at flag's programs too)."""
    written = "\n".join(_with_windows(seed)[0] for seed in range(60))
    assert "sliding_window_view(" in written and ".reduceat(" in written
    assert all("sliding_window_view(" not in user_forms_program(seed)[0] and
               "sliding_window_view(" not in _with_add_at(seed)[0] for seed in range(40))


@pytest.mark.parametrize("seed", [s for s in range(80) if "_view(" in _with_windows(s)[0] or
                                  ".reduceat(" in _with_windows(s)[0]][:10])
def test_random_programs_with_windows_match_python(seed):
    outcome, message = check_program(_with_windows, inputs_for, seed)
    assert outcome != "failed", f"seed {seed}: {message}\n{_with_windows(seed)[0]}"


def _with_corpora26(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return user_forms_program(seed, corpora26=True)


def test_corpora26_flag_writes_gradients_and_leaves_old_seeds_alone():
    """The `corpora26` flag (NumPy's docstring examples: np.gradient and np.fill_diagonal along named lengths) adds
    their statements; without it every seed writes the program it wrote before the flag existed."""
    written = "\n".join(_with_corpora26(seed)[0] for seed in range(100))
    assert "np.gradient(" in written and "np.fill_diagonal(G" in written
    assert all("np.gradient(" not in user_forms_program(seed)[0] and
               "np.gradient(" not in user_forms_program(seed, add_at=True, windows=True)[0] for seed in range(40))


@pytest.mark.parametrize("seed", [s for s in range(120) if "np.gradient(" in _with_corpora26(s)[0] or
                                  "np.fill_diagonal(G" in _with_corpora26(s)[0]][:10])
def test_random_programs_with_corpora26_match_python(seed):
    outcome, message = check_program(_with_corpora26, inputs_for, seed)
    assert outcome != "failed", f"seed {seed}: {message}\n{_with_corpora26(seed)[0]}"


@pytest.mark.slow
def test_many_random_user_form_programs_match_python():
    count = int(os.environ.get("LIFTED_USER_FORMS_PROGRAMS", "400"))
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    tally: dict[str, int] = {}
    failures = []
    for seed in range(first, first + count):
        outcome, message = check_seed(seed)
        tally[outcome] = tally.get(outcome, 0) + 1
        if outcome == "failed":
            failures.append((seed, message[:300]))
    print(f"\nuser-forms programs, seeds {first}-{first + count - 1}: {tally}")
    assert not failures, failures[:10]


HVP_THROUGH_A_ZERO_NORM = '''import numpy as np
from lifted import grad, jvp, kernel


@kernel
def f(x: "f64[n]", M: "f64[n,d]"):
    acc = np.zeros_like(M)
    b = x * 1.0
    for i in range(len(x)):
        b = b + np.linalg.norm(acc, axis=1)
        acc = np.tanh(acc - M - np.tanh(b[i]))
    return np.sum(b * x)


h = jvp(grad(f, wrt="x"), wrt="x")
'''


def test_hvp_through_the_norm_of_a_loop_carried_zero():
    """Reduced from the user-forms generator's seed 393 (first version of the grammar, np.linalg.norm of a loop
    accumulator that starts at np.zeros_like(M)): jvp(grad(f)) was NaN everywhere, where autograd's jacobian of its
    gradient and central differences of central differences agree on finite values. The NaN was Lifted's: on the
    first trip `acc` is a constant (Python's `f` does not depend on `x` through it), but the loop carried its
    tangent as a run-time zero array, and sqrt's rule gave `0 / (2 * 0)`. The first trip now runs on its own,
    where `acc` has no tangent (transforms/peel.py; sqrt's rule is the plain quotient again)."""
    from autograd import grad as autograd_grad, jacobian

    from gradcheck import autograd_kernels, load_source

    module = load_source(HVP_THROUGH_A_ZERO_NORM, "hvp_zero_norm.py")
    oracle = autograd_kernels(HVP_THROUGH_A_ZERO_NORM)["f"]
    rng = np.random.default_rng(0)
    x, M, v = rng.normal(size=4), rng.normal(size=(4, 3)), np.ones(4)
    expected = jacobian(autograd_grad(oracle))(x, M) @ v
    with np.errstate(all="ignore"):
        got = module.h(x, M, v)[1]
    np.testing.assert_allclose(got, expected, rtol=1e-8)
