"""vmap over per-example masks that select nothing: an empty mask axis, a row that is all False, a batch where no
example selects anything, and a batch of no examples.

The reference is a Python loop over the examples calling the un-transpiled function: the same values, the same
exceptions, and no warning Python would not give (every call here runs with warnings as errors). Arithmetic on a
selection runs on *safe inputs* (masks.py): an example's unselected elements take its first selected one, an
example that selects nothing takes those of the first example that does (its numbers per example too), and where
no example selects anything the arithmetic runs under `np.errstate(all="ignore")`, since none of it is read.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import load_source
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n\n"

PROGRAMS = '''@kernel
def root(x: "f64[n]"):
    return np.sum(np.sqrt(x[x > 0.0]) * 2.0)


@kernel
def scaled(x: "f64[n]", s: "f64[]"):
    return np.sum(x[x > 0.0] / s)


@kernel
def logs(x: "f64[n]"):
    return np.sum(np.log(x[x > 5.0]) + 1.0)


@kernel
def bumped(x: "f64[n]", y: "f64[n]", s: "f64[]"):
    b = x.copy()
    b[y > 0.0] += s
    return b


@kernel
def leaky(z: "f64[2,3]"):
    out = z.copy()
    out[z < 0.0] = np.log(-z[z < 0.0]) * 0.5
    return out


@kernel
def trips(x: "f64[n]", k: "i64[]"):
    s = 0.0
    for i in range(k):
        s = s + x[i]
    return s


@kernel
def flat(x: "f64[d]", z: "f64[n]"):
    s = np.where(z[z > 0.0] > 1.0, x, 0.5 * x)
    acc = 0.0
    for v in s.reshape(-1):
        acc = acc + v * v
    return acc


root_v = vmap(root)
scaled_v = vmap(scaled)
logs_v = vmap(logs)
bumped_v = vmap(bumped)
leaky_v = vmap(leaky)
trips_v = vmap(trips)
root_grad_v = vmap(grad(root))
flat_v = vmap(flat, in_axes=(0, None))
'''


def _python(name: str):
    namespace: dict = {}
    exec(compile(HEAD + PROGRAMS, "python_reference", "exec", dont_inherit=True), namespace)
    fn = namespace[name]
    return getattr(fn, "__wrapped__", fn)


@pytest.fixture(scope="module")
def module():
    return load_source(HEAD + PROGRAMS, "empty_masks.py")


def _strict(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


def _looped(name: str, *batches):
    fn = _python(name)
    return [_strict(fn, *(np.array(b[k]) for b in batches)) for k in range(len(batches[0]))]


def _check(module, name: str, *batches):
    got = _strict(getattr(module, name + "_v"), *batches)
    expected = np.stack(_looped(name, *batches))
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-13)


CASES = {  # name: (a batch with an all-False row, a batch whose mask axis is empty, one where nothing is selected)
    "root": ([np.array([[1.0, -4.0, 9.0], [-1.0, -2.0, -3.0]])], [np.ones((3, 0))], [-np.ones((2, 3))]),
    "scaled": ([np.array([[1.0, 2.0], [-1.0, -2.0]]), np.array([2.0, 0.0])], [np.ones((2, 0)), np.zeros(2)],
               [-np.ones((2, 2)), np.zeros(2)]),
    "logs": ([np.array([[6.0, -1.0], [0.0, -2.0]])], [np.ones((4, 0))], [np.array([[0.0, -1.0], [-2.0, 1.0]])]),
    "bumped": ([np.array([[np.inf, 1.0], [np.inf, 1.0]]), np.array([[-1.0, 1.0], [-1.0, -1.0]]),
                np.array([-np.inf, -np.inf])],
               [np.ones((2, 0)), np.ones((2, 0)), np.ones(2)],
               [np.array([[np.inf, 1.0]]), -np.ones((1, 2)), np.array([-np.inf])]),
    "leaky": ([np.array([[[1.0, -2.0, 3.0], [-0.5, 2.0, 1.0]], [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]])], None,
              [np.abs(np.arange(12.0)).reshape(2, 2, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("which", ["all_false_row", "empty_axis", "nothing_selected"])
def test_a_mask_that_selects_nothing_matches_the_loop(module, name, which):
    """Before: an empty mask axis raised "attempt to get argmax of an empty sequence"; an example that selects
    nothing computed on its own first element (np.sqrt(-1.0), -1.0 / 0.0, inf + -inf: a RuntimeWarning the loop
    does not give)."""
    batches = CASES[name][("all_false_row", "empty_axis", "nothing_selected").index(which)]
    if batches is None:
        pytest.skip("a matrix mask needs its lengths at build time (annotated 2x3)")
    _check(module, name, *batches)


def test_the_gradient_of_a_selection_under_vmap(module):
    """vmap(grad(root)): the reverse sweep's arithmetic on the selection (1 / sqrt(x)) at an all-False row and on
    an empty axis."""
    for xs in (np.array([[1.0, -4.0, 9.0], [-1.0, -2.0, -3.0]]), np.ones((2, 0)), -np.ones((2, 3))):
        got = _strict(module.root_grad_v, xs)
        expected = np.where(xs > 0.0, 1.0 / np.sqrt(np.where(xs > 0.0, xs, 1.0)), 0.0)
        np.testing.assert_allclose(got, expected, rtol=1e-13)


@pytest.mark.parametrize("name, batches", [
    ("root", [np.ones((0, 3))]), ("scaled", [np.ones((0, 2)), np.ones(0)]), ("logs", [np.ones((0, 0))]),
    ("bumped", [np.ones((0, 2)), np.ones((0, 2)), np.ones(0)]), ("leaky", [np.ones((0, 2, 3))]),
    ("trips", [np.ones((0, 3)), np.zeros(0, dtype=np.int64)])])
def test_a_batch_of_no_examples_gives_an_empty_batch(module, name, batches):
    """`np.stack` of an empty loop raises (no arrays to stack); vmap gives the batch of no results, each of the
    shape and dtype one example's would have (per-example `range` bounds raised: np.max of no trip counts)."""
    got = _strict(getattr(module, name + "_v"), *batches)
    one = _strict(_python(name), *(np.ones(b.shape[1:], b.dtype) for b in batches))
    assert got.shape == (0,) + np.shape(one) and got.dtype == np.asarray(one).dtype


def test_the_c_target_agrees_on_masks_that_select_nothing(tmp_path):
    c, _ = c_module(HEAD + PROGRAMS, tmp_path, "empty_masks_c")
    for name, cases in CASES.items():
        for batches in cases:
            if batches is None:
                continue
            expected = np.stack(_looped(name, *batches))
            got = getattr(c, name + "_v")(*batches)
            np.testing.assert_allclose(got, expected, rtol=1e-13, err_msg=name)


def test_a_reshape_to_minus_one_of_a_batch_of_no_examples(module):
    """`s.reshape(-1)` with s's length known at run time only (a selection's): the batched `np.reshape(s, (B, -1))`
    raised for B = 0 (NumPy cannot infer -1 from no elements); the example's length is written out instead."""
    z = np.array([2.0, -1.0, 0.5])
    for xs in (np.ones((0, 2)), np.array([[1.0, 2.0], [-3.0, 0.25]]), np.ones((1, 2))):
        got = _strict(module.flat_v, xs, z)
        expected = np.array([_strict(_python("flat"), x, z) for x in xs], dtype=np.float64)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-13)


EARLY_RETURN = '''import numpy as np
from lifted import grad, kernel, vmap


@kernel
def f(x: "f64[n]", s: "f64[]"):
    v = np.sum(x * x)
    if v >= -0.5:
        c = 0
        while c < 3:
            if x[0] >= 0.5:
                return v
            v = v * 0.5
            c += 1
    w = np.sqrt(1.0 + x * x)[:2] * 3.0
    return v + np.max(w)


f_x = grad(f)
fv = vmap(f_x, in_axes=(0, None))
'''


def test_per_example_gradients_where_every_example_returns_early():
    """`w`, computed after the loop only by examples that did not return, is None where every example returned
    (a guarded part no example took); the reverse sweep's `if v >= -0.5` gave it to its safe inputs,
    `np.where(mask, w, w[first])`: TypeError: 'NoneType' object is not subscriptable (test_property_branches.py's
    seed 1000 at a batch of one example). It is read only under its own test, as a merge that may be None."""
    from gradcheck import central_difference

    module = load_source(EARLY_RETURN, "early_return.py")
    namespace: dict = {}
    exec(compile(EARLY_RETURN, "python_reference", "exec", dont_inherit=True), namespace)
    for xs in (np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]]), np.array([[0.7, -1.0, 0.2]])):
        got = _strict(module.fv, xs, 0.0)
        np.testing.assert_allclose(got, np.stack([module.f_x(x, 0.0) for x in xs]), rtol=1e-13)
        differences = np.stack([central_difference(namespace["f"], [x.copy(), 0.0], 0) for x in xs])
        np.testing.assert_allclose(got, differences, rtol=1e-6, atol=1e-7)


LENGTHS_BY_BRANCH = '''import numpy as np
from lifted import kernel, vmap


@kernel
def g(x: "f64[n]", y: "f64[n]"):
    if x[0] > 0.0:
        u = y[1:] * 2.0
    else:
        u = y[::2] * 3.0
    return np.sum(np.sin(u) * u)


gv = vmap(g, in_axes=(0, None))
'''


def test_a_batch_of_no_examples_is_refused_where_only_a_branch_gives_a_value_its_length():
    """`u` has a length only the branch an example takes gives (n - 1 or ceil(n / 2)): with no examples neither
    branch runs, and the sum after them read None (TypeError: loop of ufunc does not support argument 0 of type
    NoneType). Refused at entry with a ValueError that says why; a batch of one example of each branch runs."""
    module = load_source(LENGTHS_BY_BRANCH, "lengths_by_branch.py")
    with pytest.raises(ValueError, match=r"^lengths_by_branch\.py:11:5: vmap: `gv` cannot run a batch of no examples: "
                       "`u`, read here,"):  # (located at the read after the `if`: file:line:col)
        module.gv(np.ones((0, 4)), np.arange(4.0))
    namespace: dict = {}
    exec(compile(LENGTHS_BY_BRANCH, "python_reference", "exec", dont_inherit=True), namespace)
    for x in (np.array([1.0, 0.0, 0.0, 0.0]), np.array([-1.0, 0.0, 0.0, 0.0])):
        got = _strict(module.gv, x[None], np.arange(4.0))
        np.testing.assert_allclose(got, [namespace["g"](x, np.arange(4.0))], rtol=1e-13)


CARRIED_BY_A_LOOP = '''import numpy as np
from lifted import kernel, vmap


@kernel
def f(x: "f64[n]", M: "f64[n,d]"):
    u = np.mean(M, axis=1)[::2] * 0.1
    for row in M:
        u[0] += 1.0
        if np.sum(x) > 0.5:
            continue
        u = row - (u + row)
    return np.sum(u) * x


fv = vmap(f, in_axes=(0, None))
'''


def test_a_value_only_a_branch_gives_its_length_carried_into_the_next_trip():
    """`u` after the `if` has the length of the branch an example takes (ceil(n / 2), or d from `row - ...`);
    with no examples it was None and the next trip's `u[0] += 1.0` read it (TypeError: 'NoneType' object is not
    subscriptable: test_property_branches.py's seed 3156 at a batch of no examples). A loop's slot that may carry
    that None makes the batch of no examples refused at entry, as a read after the `if` does; batches run."""
    module = load_source(CARRIED_BY_A_LOOP, "carried_by_a_loop.py")
    M = np.arange(8.0).reshape(4, 2) * 0.1
    with pytest.raises(ValueError, match=r"^carried_by_a_loop\.py:9:9: vmap: `fv` cannot run a batch of no examples: "
                       "`u`, read here,"):  # (the next trip's `u[0] += 1.0`)
        module.fv(np.ones((0, 4)), M)
    namespace: dict = {}
    exec(compile(CARRIED_BY_A_LOOP, "python_reference", "exec", dont_inherit=True), namespace)
    xs = np.array([[1.0, 0.0, 0.5, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.2, 0.1, 0.1, 0.0]])
    for batch in (xs, xs[:1], xs[1:2]):
        got = _strict(module.fv, batch, M)
        expected = np.stack([namespace["f"](x, M.copy()) for x in batch])
        np.testing.assert_allclose(got, expected, rtol=1e-13)


UNDER_A_SHARED_TEST = '''import numpy as np
from lifted import kernel, vmap


@kernel
def h(x: "f64[n]", y: "f64[n]"):
    if y[0] > -10.0:
        if x[0] > 0.0:
            u = y[1:] * 2.0
        else:
            u = y[::2] * 3.0
    else:
        u = y * 1.0
    return np.sum(np.sin(u) * u)


hv = vmap(h, in_axes=(0, None))
'''


def test_a_value_only_a_branch_gives_its_length_under_a_test_every_example_shares():
    """The masked `if` inside an `if` on `y` (the same for every example): its `u` left the outer `if` as a new
    value that did not remember it may be None, so the batch of no examples was not refused and the sum after it
    read None (test_property_branches.py's seed 4052 at B = 0: AttributeError: 'NoneType' object has no attribute
    'shape'). Refused at entry as a read right after the inner `if` is; batches of examples run."""
    module = load_source(UNDER_A_SHARED_TEST, "under_a_shared_test.py")
    y = np.array([0.5, -1.0, 2.0, 0.25])
    with pytest.raises(ValueError, match=r"^under_a_shared_test\.py:14:5: vmap: `hv` cannot run a batch of no "
                       "examples: `u`, read here,"):
        module.hv(np.ones((0, 4)), y)
    namespace: dict = {}
    exec(compile(UNDER_A_SHARED_TEST, "python_reference", "exec", dont_inherit=True), namespace)
    for batch in (np.array([[1.0, 0, 0, 0], [2.0, 0, 0, 0]]), np.array([[-1.0, 0, 0, 0]])):
        got = _strict(module.hv, batch, y)
        np.testing.assert_allclose(got, [namespace["h"](x, y) for x in batch], rtol=1e-13)


def test_a_placeholder_reads_no_size_off_a_value_that_may_be_none():
    """test_property_branches.py's seed 4091: the reverse sweep's guarded part made its placeholder zeros with a
    size read off a value from before the branch (`t.shape[1]`) that an `if` left None on one path (the forward
    branch no example took), so every batch raised AttributeError: 'NoneType' object has no attribute 'shape'.
    Such a value gives no size; the batch agrees with the transpiled gradient of each example."""
    from test_property import inputs_for
    from test_property_branches import BATCHED, branch_program

    module = load_source(branch_program(4091)[0] + BATCHED, "seed_4091.py")
    args = inputs_for(4091)
    rng = np.random.default_rng(0)
    xs = np.stack([args[0] + 0.3 * rng.normal(size=np.shape(args[0])) for _ in range(3)])
    for batch in (xs[:1], xs, np.abs(xs) + 0.5):
        got = _strict(module.f_vx, batch, *args[1:])
        expected = np.stack([module.f_x(x, *args[1:]) for x in batch])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
