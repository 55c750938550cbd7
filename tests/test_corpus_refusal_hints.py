"""The corpora's refusals that stay refusals (docs/corpora.md), each located with a hint that says what to write:
a `try` statement (SciPy's Csendes and Damavandi guard float division with `except ZeroDivisionError`), `list(x)`
of an array whose length is known only at run time (Cola's `[0.0, x[0]] + list(x[1::2])`), and branches that
return tuples of different lengths. Where the hint proposes a rewrite, the rewrite compiles and computes what
Python computes with the original source."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError

HEAD = "import numpy as np\nfrom lifted import grad, kernel\n\n\n"


def _refusal(body: str, signature: str = 'x: "f64[n]"') -> TranspileError:
    with pytest.raises(TranspileError) as caught:
        load_source(HEAD + f"@kernel\ndef f({signature}):\n" + body, "refused.py")
    error = caught.value
    assert error.loc is not None and error.loc.line >= 6 and error.hint, (str(error), error.hint)
    return error


@pytest.mark.parametrize("caught", ["ZeroDivisionError", "(ZeroDivisionError, FloatingPointError)",
                                    "np.core.FloatingPointError"])
def test_a_try_around_arithmetic_says_numpy_does_not_raise_there(caught):
    error = _refusal(f"    try:\n        return np.sum(1.0 / x)\n    except {caught}:\n        return np.nan\n")
    assert "`try` statements are not part of the kernel language" in str(error)
    assert (error.loc.line, error.loc.col) == (7, 5)
    assert "does not raise" in error.hint and "drop the `try`" in error.hint


def test_a_try_around_anything_else_says_to_test_the_condition():
    error = _refusal("    try:\n        return np.sum(x)\n    except (KeyError, ValueError):\n        return 0.0\n")
    assert "`if den == 0" in error.hint and "check inputs" in error.hint
    error = _refusal("    try:\n        return np.sum(x)\n    except:\n        return 0.0\n")
    assert "no exceptions to catch" in error.hint


def test_the_try_hints_rewrite_is_what_python_computes():
    """Damavandi's form: with NumPy values the handler never runs, so the body alone is Python's function."""
    source = '''    num = np.sin(np.pi * (x[0] - 2.0)) * np.sin(np.pi * (x[1] - 2.0))
    den = (np.pi ** 2) * (x[0] - 2.0) * (x[1] - 2.0)
    return (1.0 - (abs(num / den)) ** 5.0) * (2 + (x[0] - 7.0) ** 2.0)
'''
    guarded = "    try:\n" + "".join("    " + line + "\n" for line in source.splitlines()) + \
        "    except ZeroDivisionError:\n        return np.nan\n"
    python: dict = {}
    exec(compile(HEAD + '@kernel\ndef f(x: "f64[2]"):\n' + guarded, "python_reference", "exec"), python)
    module = load_source(HEAD + '@kernel\ndef f(x: "f64[2]"):\n' + source, "damavandi.py")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in (np.array([2.0, 2.0]), np.array([7.0, 7.0]), np.array([0.5, -1.25])):
            assert np.array_equal(module.f(x), python["f"](x), equal_nan=True), x


@pytest.mark.parametrize("body", ["    a = list(x[1::2])\n    return a[0]\n",
                                  "    return np.sum(np.asarray([0.0, x[0]] + list(x[1::2])))\n",
                                  "    s = 0.0\n    for v in tuple(x):\n        s = s + v\n    return s\n"])
def test_a_list_of_an_array_of_run_time_length_says_to_keep_an_array(body):
    error = _refusal(body)
    assert "known only at run time" in str(error) and "np.concatenate" in error.hint
    assert "literal length" in error.hint


def test_the_list_hints_rewrite_is_what_python_computes():
    python: dict = {}
    exec(compile(HEAD + '@kernel\ndef f(x: "f64[n]"):\n    return np.sum(np.asarray([0.0, x[0]] + '
                 'list(x[1::2])) ** 2)\n', "python_reference", "exec"), python)
    module = load_source(HEAD + '@kernel\ndef f(x: "f64[n]"):\n    return np.sum(np.concatenate(([0.0, x[0]], '
                         'x[1::2])) ** 2)\n\n\ng = grad(f)\n', "cola.py")
    for x in (np.arange(5.0) - 1.5, np.array([0.25, -2.0, 3.0, 1.0, 4.5, -0.5])):
        assert module.f(x) == python["f"](x)
    # the same list of a literal length is supported as written
    literal = load_source(HEAD + '@kernel\ndef f(x: "f64[6]"):\n    return np.sum(np.asarray([0.0, x[0]] + '
                          'list(x[1::2])) ** 2)\n', "cola6.py")
    x = np.array([0.25, -2.0, 3.0, 1.0, 4.5, -0.5])
    assert literal.f(x) == python["f"](x)


def test_branches_returning_tuples_of_different_lengths_say_so_with_a_hint():
    error = _refusal("    if x > 0:\n        return x, x\n    return (x,)\n", 'x: "f64[]"')
    assert "(2 and 1)" in str(error) and "as many values on every path" in error.hint


def test_a_list_of_numbers_joined_by_concatenate_on_the_c_target(tmp_path):
    from test_c_backend import assert_agree, c_module

    source = HEAD.replace("grad, kernel", "grad, kernel, vmap") + '@kernel\ndef f(x: "f64[n]"):\n    return ' \
        'np.sum(np.concatenate(([0.0, x[0]], x[1::2])) ** 2) + np.sum(np.hstack(([1.5], x)) * 0.5)\n\n\n' \
        'g = grad(f)\nfv = vmap(f)\n'
    python: dict = {}
    exec(compile(source, "python_reference", "exec"), python)
    reference = load_source(source, "concat_list.py")
    compiled, _ = c_module(source, tmp_path, "concat_list")
    for x in (np.arange(5.0) - 1.5, np.array([0.25, -2.0, 3.0, 1.0, 4.5, -0.5])):
        assert reference.f(x) == python["f"](x)
        steps = np.eye(len(x)) * 1e-6
        differences = [(python["f"](x + s) - python["f"](x - s)) / 2e-6 for s in steps]
        np.testing.assert_allclose(reference.g(x), differences, rtol=1e-6, atol=1e-6)
        assert_agree(compiled.f(x), python["f"](x), "f")
        assert_agree(compiled.g(x), reference.g(x), "g")
        batch = np.stack([x, x[::-1] * 2.0])
        assert_agree(compiled.fv(batch), np.array([python["f"](row) for row in batch]), "fv")


def _seeds_with(pattern: str, count: int) -> list[int]:
    from test_property import program_for_seed

    return [seed for seed in range(600) if pattern in program_for_seed(seed, edges=True, corpus_forms=True)[0]][:count]


@pytest.mark.parametrize("seed", _seeds_with("int(np.tanh(", 4) + _seeds_with("np.concatenate(([0.5], ", 4)
                         + _seeds_with("list(", 3))
def test_random_kernels_with_int_of_a_float_and_a_joined_list(seed):
    """The property generator's corpus forms `int(np.tanh(s) * 3.0) * s`, `np.concatenate(([0.5], v[1:]))` and
    `list(np.asarray([0.5, s, -1.0, 2.0])[1::2] * s)[0]`:
    values against Python, gradients against central differences and autograd (tests/test_property.py)."""
    from test_property import Unusable, check_program, inputs_for, program_for_seed

    text, wrt, as_tuple = program_for_seed(seed, edges=True, corpus_forms=True)
    try:
        check_program(text, wrt, as_tuple, inputs_for(seed))
    except Unusable:
        pytest.skip("the oracles cannot judge this program")
