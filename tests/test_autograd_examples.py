"""What autograd's examples (docs/corpora.md, "autograd's examples") found, as regression tests written here, and
the driver benchmarks.autograd_examples on examples of our own writing (no autograd checkout needed)."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from benchmarks.autograd_examples.__main__ import run, summary
from benchmarks.autograd_examples.examples import Target
from gradcheck import check_against_python, load_source
from lifted.transpiler import TranspileError
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n"

BATCHES = HEAD + '''
def batch_indices(it, count, size):
    which = it % count
    return slice(which * size, (which + 1) * size)


@kernel
def f(w: "f64[d]", it: "i64[]", images: "f64[n,d]"):
    rows = images[batch_indices(it, 3, 2)]
    tail = slice(it, None, 2)
    v = w * 1.0
    v[slice(0, it)] = 0.5                          # writes through a slice object too
    j = it % 3
    v[slice(j, None)] += w[slice(None, w.shape[0] - j)]
    return np.sum(np.tanh(rows @ w)) + np.sum(images[tail, 0] * w[0]) + np.sum(images[slice(it)][:, slice(it)] ** 2) \
        + np.sum(v * w) + np.sum(images[slice(1, it), None] * w)


g = grad(f)
fv = vmap(f, in_axes=(0, None, None))
'''


@pytest.mark.parametrize("it", [0, 1, 2, 4, 7])
def test_a_slice_object_of_run_time_bounds_indexes_as_the_slice_syntax(it, tmp_path):
    """`slice(i * n, (i + 1) * n)` of integer scalars known at run time only (autograd's `batch_indices` in
    neural_net.py, variational_autoencoder.py, generative_adversarial_net.py) was refused; it now indexes as
    `x[i * n:(i + 1) * n]` does: Python's values (an empty slice past the end too), gradients against finite
    differences and autograd, vmap and the C target."""
    rng = np.random.default_rng(it)
    w, images = rng.normal(size=3), rng.normal(size=(6, 3))
    module = check_against_python(BATCHES, [w, it, images])
    batch = np.stack([w, 2 * w, -w])
    np.testing.assert_allclose(module.fv(batch, it, images), [module.f(v, it, images) for v in batch], rtol=1e-13)
    compiled, _ = c_module(BATCHES, tmp_path, f"slices_{it}")
    np.testing.assert_allclose(compiled.f(w, it, images), module.f(w, it, images), rtol=1e-12)
    np.testing.assert_allclose(compiled.g(w, it, images), module.g(w, it, images), rtol=1e-12)


@pytest.mark.parametrize("body, message", [
    ('x[slice(a, None)]', "integer scalars"),   # a float bound
    ('np.delete(x, slice(i, 3))', "np.delete's positions are a slice of ints known at build time"),
])
def test_a_slice_the_kernel_cannot_take_is_a_located_error(body, message):
    text = HEAD + f'@kernel\ndef f(x: "f64[4]", a: "f64[]", i: "i64[]"):\n    return np.sum({body})\n'
    with pytest.raises(TranspileError) as raised:
        load_source(text, "slice_refused.py")
    assert raised.value.loc.line == 6 and message in raised.value.message and raised.value.hint


def test_a_decorated_helper_says_what_the_decorator_is():
    """autograd's define_gradient.py: `@primitive def logsumexp(x)` with `defvjp(logsumexp, ...)`, called by a
    kernel. The error named a module-level rebinding and hinted at assigning a number; it now names the decorator,
    and for autograd's `@primitive` Lifted's `custom_vjp`."""
    text = HEAD + textwrap.dedent('''
        from autograd.extend import defvjp, primitive


        @primitive
        def lse(x):
            return np.log(np.sum(np.exp(x)))


        defvjp(lse, lambda ans, x: lambda g: g * np.exp(x - ans))


        @kernel
        def f(y: "f64[4]"):
            return lse(y ** 2)
        ''')
    with pytest.raises(TranspileError) as raised:
        load_source(text, "primitive.py")
    error = raised.value
    assert error.loc.line == 18 and "`@primitive`" in error.message and "custom_vjp(lse, lse_vjp)" in error.hint


# -- the driver on examples of our own writing ------------------------------------------------------------------
LINEAR = '''
import autograd.numpy as np
import autograd.numpy.random as npr
from autograd import grad, value_and_grad
from autograd.scipy.special import logsumexp
from helpers import squash


def init_params(sizes, rs):
    return [(rs.randn(m, n), rs.randn(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def predict(params, inputs):
    for W, b in params:
        inputs = squash(np.dot(inputs, W) + b)
    return inputs - logsumexp(inputs, axis=1, keepdims=True)


def energy(x, scale=2.0):
    return scale * np.sum(np.sin(x) ** 2)


energy_grad = grad(energy)
print(energy_grad(np.ones(3)))

if __name__ == "__main__":
    data = npr.randn(100, 4)
    labels = npr.randn(100, 2)
    penalty = 0.5

    def regularizer(params):
        return penalty * sum(np.sum(W ** 2) for W, _ in params)

    def objective(params, step):
        return -np.sum(predict(params, data) * labels) + regularizer(params)

    rs = npr.RandomState(0)

    def noisy(params, step):
        return np.sum(predict(params, data + rs.randn(*data.shape)))

    print(grad(objective)(init_params([4, 3, 2], rs), 0), value_and_grad(noisy)(None, 0))
'''

HELPERS = '''
import autograd.numpy as np


def squash(x):
    return np.tanh(x)
'''


def test_the_driver_converts_and_checks_every_form(tmp_path):
    """A module-level function with a defaulted parameter, a closure over data and a constant calling a nested
    helper and a sibling module's function, and one that draws random numbers (not converted, with the reason)."""
    (tmp_path / "linear.py").write_text(LINEAR)
    (tmp_path / "helpers.py").write_text(HELPERS)
    targets = [
        Target("linear.py", "energy", "grad", own=lambda ns, rs: [rs.randn(3)]),
        Target("linear.py", "objective", "grad", siblings=("helpers",),
               own=lambda ns, rs: [ns["init_params"]([4, 3, 2], rs), 0],
               data={"data": lambda ns, rs: rs.randn(5, 4), "labels": lambda ns, rs: rs.randn(5, 2)},
               constants={"penalty": "0.5"}),
        Target("linear.py", "noisy", "value_and_grad", own=lambda ns, rs: [None, 0]),
        Target("linear.py", "lost", "grad", reason="a reason of the table"),
    ]
    results = run(tmp_path, targets=targets)
    energy, objective = results["linear:energy"], results["linear:objective"]
    assert energy["converted"] and objective["converted"]
    assert {form for form, (outcome, _) in energy["outcomes"].items() if outcome != "pass"} == set(), energy
    assert {"f", "g", "vg", "hvp", "fj", "fv"} <= set(energy["outcomes"])
    assert {form for form, (outcome, _) in objective["outcomes"].items() if outcome != "pass"} == set(), objective
    assert {"f", "g", "vg", "fj", "vjp", "fv"} <= set(objective["outcomes"])  # (a tree: benchmarks/.../tree_forms.py)
    assert "derivative checks where autograd was not compared" in summary(results)
    assert not results["linear:noisy"]["converted"] and "random draws" in results["linear:noisy"]["reason"]
    assert results["linear:lost"] == {"converted": False, "reason": "a reason of the table", "outcomes": {}}
    assert "4 differentiated functions: 2 converted, 2 not" in summary(results)


def test_the_driver_checks_only_the_forms_asked_for(tmp_path):
    """`--forms g` checks `f` and `g` only (wing's eight forms and their one C module take longer than a run's
    limit, so the twenty-first session checked them in pieces)."""
    (tmp_path / "linear.py").write_text(LINEAR)
    targets = [Target("linear.py", "energy", "grad", own=lambda ns, rs: [rs.randn(3)])]
    results = run(tmp_path, targets=targets, forms={"g"})
    assert results["linear:energy"]["outcomes"].keys() == {"f", "g"}, results


def test_the_tree_forms_catch_a_wrong_tangent_cotangent_and_batch():
    """benchmarks/autograd_examples/tree_forms.py: jvp, vjp and vmap of a tree parameter against Python, each
    raising Wrong on a number that differs; autograd comparisons not made are counted by reason."""
    from collections import Counter
    from types import SimpleNamespace

    import pytest
    from autograd import numpy as anp

    from benchmarks.autograd_examples.tree_forms import TreePoint, stack_trees
    from benchmarks.corpus.oracles import Wrong

    def f(params, x):
        (w, b), = params
        return np.sum(np.tanh(x @ w + b) ** 2)

    def oracle(params, x):
        (w, b), = params
        return anp.sum(anp.tanh(anp.dot(x, w) + b) ** 2)

    rs = np.random.RandomState(0)
    args = [[(rs.randn(3, 2), rs.randn(2))], rs.randn(4, 3)]
    skips: Counter = Counter()
    point = TreePoint(f, oracle, args, skips)
    step = 1e-7
    fd = (f(*point.at(step)) - f(*point.at(-step))) / (2 * step)
    right = SimpleNamespace(fj=lambda p, x, d: (f(p, x), fd), fv=lambda p, x: np.array([f(t, x) for t in
                                                                                          point.examples()]))
    assert point.tangent(right) == "pass" and point.batched(right) == "pass" and not skips
    wrong = SimpleNamespace(fj=lambda p, x, d: (f(p, x), fd * 1.01),
                            fvjp=lambda p, x, g: (f(p, x), [(np.zeros((3, 2)), np.zeros(2))]),
                            fv=lambda p, x: np.array([f(point.examples()[0], x)] * 3))
    for check in (point.tangent, point.cotangent, point.batched):
        with pytest.raises(Wrong):
            check(wrong)
    assert stack_trees(point.examples())[0][0].shape == (3, 3, 2)
    TreePoint(f, None, args, skips).tangent(right)
    assert skips == {"fj: autograd cannot run the source": 1}
