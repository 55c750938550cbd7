"""What SciPy's global-optimization benchmark functions (benchmarks/scipy_go/, docs/corpora.md) needed of Lifted,
each written here in our own words: np.size, np.round, the builtin max/min of a vector, a list beside an array in
arithmetic, a hint on a broadcast error; the same constructs in the property generator; and the driver itself on
a folder shaped like SciPy's, with classes of our own writing."""
from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import autograd_kernels, load_source
from hostile import same_values
from lifted.transpiler import TranspileError
from test_property import Unusable, check_program, inputs_for, program_for_seed


def both(text: str, declarations: str = ""):
    """The generated module and the untouched source run by Python."""
    python: dict = {}
    exec(compile(text, "reference", "exec"), python)
    return load_source(text + declarations, "scipy_go_case.py"), python


HEAD = "import numpy as np\nfrom lifted import grad, kernel\n\n"


def central(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(x)
    for k in range(x.size):
        step = np.zeros_like(x)
        step[k] = eps
        out[k] = (f(x + step) - f(x - step)) / (2 * eps)
    return out


# -- np.size, np.round -------------------------------------------------------------------------------------------
def test_np_size_is_the_number_of_elements_or_an_axis_length():
    module, python = both(HEAD + textwrap.dedent('''
        @kernel
        def f(m: "f64[n,k]") -> "f64[]":
            return np.sum(m) / np.size(m) + np.size(m, 1) - np.size(m, axis=-2)
        '''))
    m = np.arange(6.0).reshape(2, 3) - 1.5
    same_values(module.f(m), python["f"](m), "np.size")


def test_np_size_of_a_missing_axis_is_a_located_refusal():
    with pytest.raises(TranspileError, match="np.size's `axis` 2"):
        load_source(HEAD + '@kernel\ndef f(v: "f64[n]") -> "i64[]":\n    return np.size(v, 2)\n', "size_axis.py")


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
def test_np_round_gives_numpys_bits_halves_to_even(decimals):
    module, python = both(HEAD + textwrap.dedent(f'''
        @kernel
        def f(v: "f64[n]") -> "f64[n]":
            return np.round(v, {decimals}) + np.around(v * 3.0, decimals={decimals})
        '''))
    v = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.135, 1.005, 25.0, 35.0, -0.0, np.nan, np.inf, 1e300,
                  0.45, 2.675, -1234.5678])
    same_values(module.f(v), python["f"](v), f"np.round(v, {decimals})")


def test_np_round_of_integers_is_a_copy_and_refused_below_the_units():
    module, python = both(HEAD + '@kernel\ndef f(j: "i64[n]") -> "i64[n]":\n    return np.round(j)\n')
    j = np.array([3, -7, 12])
    same_values(module.f(j), python["f"](j), "np.round of ints")
    with pytest.raises(TranspileError, match="decimals < 0"):
        load_source(HEAD + '@kernel\ndef f(j: "i64[n]") -> "i64[n]":\n    return np.round(j, -1)\n', "r.py")


def test_np_round_has_a_zero_derivative_between_its_jumps():
    module, python = both(HEAD + '@kernel\ndef f(v: "f64[n]") -> "f64[]":\n    return np.sum(np.round(v * 4.0) * v)\n',
                          "g = grad(f)\n")
    v = np.array([0.3, -1.1, 2.6])
    assert np.allclose(module.g(v), central(python["f"], v), rtol=1e-7, atol=1e-9)


# -- builtin max / min of a vector -------------------------------------------------------------------------------
MAX_MIN = HEAD + textwrap.dedent('''
    @kernel
    def largest(v: "f64[n]") -> "f64[]":
        return max(v)


    @kernel
    def smallest(v: "f64[n]") -> "f64[]":
        return min(np.abs(v) - 1.0)
    ''')


@pytest.mark.parametrize("v", [[0.5, 3.0, -2.0, 3.0], [np.nan, 1.0, 2.0], [1.0, np.nan, 4.0, np.nan],
                               [-0.0, 0.0], [0.0, -0.0], [-np.inf, np.nan], [7.0], [np.inf, 1.0, np.inf]])
def test_builtin_max_and_min_of_a_vector_walk_it_as_python_does(v):
    module, python = both(MAX_MIN)
    v = np.array(v)
    for name in ("largest", "smallest"):
        same_values(getattr(module, name)(v), python[name](v), f"{name}({v!r})")


def test_builtin_max_of_an_empty_vector_raises_as_python_does():
    module, python = both(MAX_MIN)
    with pytest.raises(ValueError):
        python["largest"](np.zeros(0))
    with pytest.raises((ValueError, IndexError)):
        module.largest(np.zeros(0))


def test_builtin_max_and_min_of_a_vector_differentiate_to_the_chosen_element():
    module, python = both(MAX_MIN, "g_largest = grad(largest)\ng_smallest = grad(smallest)\n")
    oracle = autograd_kernels(MAX_MIN)
    v = np.array([0.5, 3.0, -2.0, 1.25])
    for name in ("largest", "smallest"):
        got = getattr(module, f"g_{name}")(v)
        assert np.allclose(got, central(python[name], v), atol=1e-8), name
        assert np.allclose(got, autograd_grad(oracle[name])(v)), name


def test_builtin_max_of_a_matrix_stays_a_located_refusal():
    with pytest.raises(TranspileError, match="rank 2 iterates over its rows"):
        load_source(HEAD + '@kernel\ndef f(m: "f64[n,k]") -> "f64[k]":\n    return max(m)\n', "max_matrix.py")


# -- a list beside an array -----------------------------------------------------------------------------------
LISTS = HEAD + textwrap.dedent('''
    @kernel
    def f(x: "f64[n]") -> "f64[]":
        centres = [3, 5, 2]
        weights = [1.0, 2.0, 0.5]
        shifted = (x[0] - centres) ** 2 + (x[1:4] - (0.5, 0.25, 1.0)) ** 2
        return np.sum(weights * np.exp(-shifted)) + np.sum([2, 1, 0] - x[:3])
    ''')


def test_a_list_beside_an_array_or_an_element_is_numpys_array():
    module, python = both(LISTS, "g = grad(f)\n")
    oracle = autograd_kernels(LISTS)["f"]
    for x in (np.array([2.5, 4.0, 1.0, 0.0]), np.array([-1.0, 0.5, 2.0, 3.0, 9.0])):
        same_values(module.f(x), python["f"](x), "a list operand")
        assert np.allclose(module.g(x), central(python["f"], x), rtol=1e-6, atol=1e-8)
        assert np.allclose(module.g(x), autograd_grad(oracle)(x))


@pytest.mark.parametrize("body", ["return s - [1.0, 2.0]", "return 2.0 * [1.0, 2.0]"])
def test_a_list_beside_a_scalar_that_may_be_a_python_number_stays_refused(body):
    """`s: "f64[]"` may be given a Python float, with which Python's `s - [1.0]` raises TypeError."""
    with pytest.raises(TranspileError, match="does not apply to"):
        load_source(HEAD + f'@kernel\ndef f(s: "f64[]") -> "f64[2]":\n    {body}\n', "list_scalar.py")


# -- broadcast errors name what to write ---------------------------------------------------------------------------
def test_a_named_length_against_a_number_in_a_write_has_a_hint():
    source = HEAD + textwrap.dedent('''
        @kernel
        def f(x: "f64[n]") -> "f64[]":
            padded = np.zeros(4)
            padded[1:-1] = x
            return np.sum(padded)
        ''')
    with pytest.raises(TranspileError) as raised:
        load_source(source, "pad_write.py")
    assert raised.value.loc is not None and raised.value.loc.text.strip() == "padded[1:-1] = x"
    assert raised.value.hint and "np.zeros(len(x) + 2)" in raised.value.hint and "(n)" in raised.value.hint


# -- the property generator ----------------------------------------------------------------------------------------
CORPUS_FORMS = r"(?<![.\w])max\(|(?<![.\w])min\(|np\.size\(|np\.round\(| - \[|\[1, 2, 3\] \*|\(0\.5, 0\.25, -1\.0\)|" \
               r"\* \[0\.5, 1\.0, 2\.0\]" \
    r"|(?<![.\w])int\(np\.tanh|np\.concatenate\(\(\[0\.5\]|(?<![.\w])list\("


def test_corpus_forms_generator_covers_its_constructs():
    corpus = "\n".join(program_for_seed(seed, edges=True, corpus_forms=True)[0] for seed in range(400))
    for construct in ("max(", "min(np.abs(", "np.size(", "np.round(", " - [0.5, -1.0, 2.0]", "[0] - [1.0, 2.0",
                      "[1, 2, 3] * ", " + (0.5, 0.25, -1.0)", " * [0.5, 1.0, 2.0]", "int(np.tanh(",
                      "np.concatenate(([0.5], ", "list("):
        assert construct in corpus, construct


def corpus_form_seeds(count: int) -> list[int]:
    return [seed for seed in range(400) if re.search(CORPUS_FORMS, program_for_seed(seed, edges=True,
                                                                                      corpus_forms=True)[0])][:count]


@pytest.mark.parametrize("seed", corpus_form_seeds(12))
def test_random_kernels_with_corpus_forms(seed):
    """The corpus's spellings in random programs: gradients against autograd and finite differences."""
    text, wrt, as_tuple = program_for_seed(seed, edges=True, corpus_forms=True)
    try:
        check_program(text, wrt, as_tuple, inputs_for(seed))
    except Unusable:
        pytest.skip("the oracles cannot judge this program")


# -- the C target ----------------------------------------------------------------------------------------------------
C_CASE = HEAD.replace("grad, kernel", "grad, kernel, vmap") + textwrap.dedent('''
    @kernel
    def f(x: "f64[n]") -> "f64[]":
        centres = [3.0, 5.0, 2.0]
        spread = max(np.abs(x)) - min(x[:3] - centres)
        return spread * np.size(x) + np.sum(np.round(x * 2.5, 1) * x) + np.sum((x[0] - centres) ** 2)


    g = grad(f)
    fv = vmap(f)
    ''')


def test_the_corpus_constructs_on_the_c_target(tmp_path):
    from test_c_backend import assert_agree, c_module

    reference = load_source(C_CASE, "scipy_go_c.py")
    compiled, _ = c_module(C_CASE, tmp_path, "scipy_go_c")
    for x in (np.array([0.25, -3.0, 1.5, 2.0]), np.array([np.nan, 1.0, -0.0]), np.array([-0.0, 0.0, 7.5, -7.5])):
        assert_agree(compiled.f(x), reference.f(x), f"f({x!r})")
        assert_agree(compiled.g(x), reference.g(x), f"g({x!r})")
        batch = np.stack([x, x[::-1]])
        assert_agree(compiled.fv(batch), reference.fv(batch), f"fv({x!r})")
