"""Sources written for autograd or JAX, transpiled as they are (only `@kernel` and annotations added).

`import autograd.numpy as np`, `import jax.numpy as jnp` and their scipy mirrors read as NumPy and SciPy; the
transforms they import (`grad`, `elementwise_grad`, `jacobian`, `hessian`, JAX's `argnums`) declare Lifted's.
The generated module imports plain NumPy. Oracles: the un-transpiled autograd source itself (its declarations
are autograd's transforms when it runs), finite differences, and for JAX sources (JAX need not be installed:
the transpiler only reads them) the same body run under autograd.
"""
from __future__ import annotations

import types

import autograd
import autograd.numpy as anp
import autograd.scipy.special
import autograd.scipy.stats
import numpy as np
import pytest

from lifted.transpiler import TranspileError, transpile_source
from lifted.transpiler.frontend import parse_module

RNG = np.random.default_rng(13)

AUTOGRAD_SOURCE = '''
import autograd.numpy as np
import autograd.scipy.stats.norm as norm
from autograd import elementwise_grad, grad, hessian, jacobian
from autograd.scipy.special import logsumexp

from lifted import kernel


@kernel
def loss(w: "f64[d]", x: "f64[n,d]", y: "f64[n]"):
    logits = np.stack([x @ w, np.zeros(x.shape[0])], axis=1)
    log_p = logits - logsumexp(logits, axis=1, keepdims=True)
    return -np.mean(y * log_p[:, 0] + (1.0 - y) * log_p[:, 1]) + np.sum(norm.logpdf(w, 0.0, 2.0))


@kernel
def squash(x: "f64[n]"):
    return np.tanh(x) * np.exp(-x * x)


loss_grad = grad(loss)
loss_grad_x = grad(loss, 1)
squash_slopes = elementwise_grad(squash)
squash_jacobian = jacobian(squash)
loss_hessian = hessian(loss)
'''


def _module(code: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(code, f"<{name}>", "exec", dont_inherit=True), module.__dict__)
    return module


@pytest.fixture(scope="module")
def autograd_pair():
    """(generated module, the un-transpiled source run as Python: its declarations are autograd's)."""
    generated = _module(transpile_source(AUTOGRAD_SOURCE, "model.py"), "generated_autograd_model")
    original = _module(AUTOGRAD_SOURCE, "autograd_model")
    return generated, original


def _data():
    return RNG.normal(size=3), RNG.normal(size=(5, 3)), (RNG.random(5) < 0.5).astype(float)


def test_autograd_imports_become_numpy():
    code = transpile_source(AUTOGRAD_SOURCE, "model.py")
    assert "autograd" not in code
    assert "import numpy as np" in code
    assert "import scipy.special" in code  # logsumexp: the source used scipy
    parsed = parse_module(AUTOGRAD_SOURCE, "model.py")
    assert parsed.modules["np"] == "numpy" and parsed.modules["norm"] == "scipy.stats.norm"
    assert parsed.modules["logsumexp"] == "scipy.special.logsumexp"
    assert {d.target: d.transform for d in parsed.declarations} == {
        "loss_grad": "grad", "loss_grad_x": "grad", "squash_slopes": "elementwise_grad",
        "squash_jacobian": "jacrev", "loss_hessian": "hessian"}


def test_autograd_source_values_and_gradients_match_autograd(autograd_pair):
    generated, original = autograd_pair
    w, x, y = _data()
    assert generated.loss(w, x, y) == pytest.approx(original.loss(w, x, y), rel=1e-12)
    np.testing.assert_allclose(generated.loss_grad(w, x, y), original.loss_grad(w, x, y), rtol=1e-10)
    np.testing.assert_allclose(generated.loss_grad_x(w, x, y), original.loss_grad_x(w, x, y), rtol=1e-10)
    np.testing.assert_allclose(generated.loss_hessian(w, x, y), original.loss_hessian(w, x, y), rtol=1e-9)
    v = RNG.normal(size=4)
    np.testing.assert_allclose(generated.squash_slopes(v), original.squash_slopes(v), rtol=1e-12)
    jac = generated.squash_jacobian(v)
    assert jac.shape == (4, 4)
    np.testing.assert_allclose(jac, original.squash_jacobian(v), rtol=1e-12, atol=1e-15)


def test_autograd_source_gradient_matches_finite_differences(autograd_pair):
    generated, _ = autograd_pair
    w, x, y = _data()
    step, expected = 1e-6, np.zeros(3)
    for i in range(3):
        e = np.eye(3)[i] * step
        expected[i] = (generated.loss(w + e, x, y) - generated.loss(w - e, x, y)) / (2 * step)
    np.testing.assert_allclose(generated.loss_grad(w, x, y), expected, rtol=1e-6, atol=1e-8)


JAX_SOURCE = '''
import jax
import jax.numpy as jnp
from jax import grad, hessian, jacfwd, jacrev, value_and_grad
from jax.scipy.special import logsumexp

from lifted import kernel


@kernel
def energy(a: "f64[n,n]", b: "f64[n]", s: "f64[]"):
    m = a @ a.T + 3.0 * jnp.eye(a.shape[0])
    sign, logdet = jnp.linalg.slogdet(m)
    z = jnp.linalg.solve(m, b)
    return 0.5 * jnp.dot(b, z) + logdet + s * logsumexp(jax.numpy.tanh(b))


energy_grad = grad(energy, argnums=(0, 1))
energy_grad_b = jax.grad(energy, 1)
energy_value_and_grad = value_and_grad(energy, argnums=2)
energy_hessian = hessian(energy, argnums=1)
energy_jacobian = jacfwd(jacrev(energy, argnums=2), argnums=2)
'''


def _energy_oracle(a, b, s):
    m = a @ a.T + 3.0 * anp.eye(a.shape[0])
    logdet = anp.linalg.slogdet(m)[1]
    z = anp.linalg.solve(m, b)
    return 0.5 * anp.dot(b, z) + logdet + s * autograd.scipy.special.logsumexp(anp.tanh(b))


def test_jax_source_reads_as_numpy_and_lifted_transforms():
    code = transpile_source(JAX_SOURCE, "energy.py")
    assert not [line for line in code.splitlines() if "jax" in line and not line.lstrip().startswith("#")]
    generated = _module(code, "generated_jax_energy")
    a, b, s = RNG.normal(size=(3, 3)), RNG.normal(size=3), 0.7
    assert generated.energy(a, b, s) == pytest.approx(_energy_oracle(a, b, s), rel=1e-12)
    da, db = generated.energy_grad(a, b, s)
    np.testing.assert_allclose(da, autograd.grad(_energy_oracle, 0)(a, b, s), rtol=1e-10)
    np.testing.assert_allclose(db, autograd.grad(_energy_oracle, 1)(a, b, s), rtol=1e-10)
    np.testing.assert_allclose(generated.energy_grad_b(a, b, s), db, rtol=1e-12)
    value, ds = generated.energy_value_and_grad(a, b, s)
    assert value == pytest.approx(_energy_oracle(a, b, s), rel=1e-12)
    assert ds == pytest.approx(autograd.grad(_energy_oracle, 2)(a, b, s), rel=1e-10)
    np.testing.assert_allclose(generated.energy_hessian(a, b, s), autograd.hessian(_energy_oracle, 1)(a, b, s),
                               rtol=1e-9, atol=1e-12)
    assert generated.energy_jacobian(a, b, s) == pytest.approx(0.0, abs=1e-12)  # linear in s


def _error(source: str) -> TranspileError:
    with pytest.raises(TranspileError) as info:
        transpile_source(source, "model.py")
    return info.value


@pytest.mark.parametrize("declaration, words", [
    ("g = jax.jvp(f, (1.0,), (1.0,))", "evaluates at a point"),
    ("g = jax.vjp(f, 1.0)", "evaluates at a point"),
    ("g = jax.grad(f, has_aux=True)", "has no option `has_aux`"),
    ("g = jax.grad(f, argnums=[0, x])", "`argnums` must be"),
], ids=["jvp", "vjp", "has_aux", "argnums"])
def test_jax_names_with_another_meaning_are_located_errors(declaration, words):
    source = f'''import jax
import jax.numpy as jnp
from lifted import kernel


@kernel
def f(x: "f64[]"):
    return jnp.sin(x)


{declaration}
'''
    error = _error(source)
    assert words in str(error)
    assert "model.py:11:" in str(error)


def test_transform_called_in_a_kernel_says_so():
    source = '''import autograd.numpy as np
from autograd import grad
from lifted import kernel


@kernel
def f(x: "f64[3]"):
    return np.sum(grad(np.sin)(x))
'''
    error = _error(source)
    assert "`grad` (autograd.grad) cannot be called inside a kernel" in str(error)
    assert "model.py:8:19" in str(error)


def test_numpy_names_from_any_mirror():
    source = '''from autograd.numpy import exp, sum as total
from jax import numpy as jnp
import autograd
from lifted import kernel, grad


@kernel
def f(x: "f64[3]"):
    return total(exp(x)) + jnp.sum(autograd.numpy.tanh(x)) + jnp.pi


df = grad(f)
'''
    generated = _module(transpile_source(source, "model.py"), "generated_mirror")
    x = RNG.normal(size=3)
    assert generated.f(x) == pytest.approx(np.sum(np.exp(x)) + np.sum(np.tanh(x)) + np.pi, rel=1e-12)
    np.testing.assert_allclose(generated.df(x), np.exp(x) + 1.0 - np.tanh(x) ** 2, rtol=1e-12)


def test_unknown_attribute_of_an_ad_library_is_a_located_error():
    source = '''import jax
from lifted import kernel


@kernel
def f(x: "f64[3]"):
    return jax.nn.gelu(x)
'''
    error = _error(source)
    assert "`jax.nn.gelu` is not supported in kernels" in str(error)
    assert "model.py:7:12" in str(error)


@pytest.mark.parametrize("body, modules", [
    ("np.linalg.norm(np.linalg.solve(a, x))", []),
    ("np.sum(scipy.linalg.solve_triangular(a, x, lower=True))", ["scipy.linalg"]),
    ("np.sum(scipy.stats.norm.logpdf(x))", []),
    ("np.sum(scipy.stats.t.logpdf(x, 3.0))", ["scipy.special"]),
    ("np.sum(scipy.special.expit(x)) + np.sum(scipy.linalg.solve_triangular(a, x))", ["scipy.linalg", "scipy.special"]),
], ids=["numpy_linalg", "scipy_linalg", "norm_logpdf", "t_logpdf", "both"])
def test_generated_code_imports_the_scipy_modules_it_names(body, modules):
    source = f'''import numpy as np
import scipy.linalg
import scipy.special
import scipy.stats
from lifted import kernel, grad


@kernel
def f(a: "f64[3,3]", x: "f64[3]"):
    return {body}


df = grad(f, wrt=1)
'''
    code = transpile_source(source, "model.py")
    assert sorted(line for line in code.splitlines() if line.startswith("import scipy")) == \
        [f"import {m}" for m in modules]


def test_jax_nn_activations():
    source = '''import jax
import jax.numpy as jnp
from jax import grad
from lifted import kernel


@kernel
def net(w: "f64[3,4]", x: "f64[5,3]"):
    h = jax.nn.relu(x @ w) + jax.nn.softplus(x @ w) + jax.nn.silu(x @ w) * jax.nn.sigmoid(x @ w)
    return jnp.sum(jax.nn.log_softmax(h) * jax.nn.softmax(h, axis=0)) + jnp.sum(jax.nn.logsumexp(h, axis=1))


net_grad = grad(net)
'''
    code = transpile_source(source, "net.py")
    assert "import scipy.special" in code
    generated = _module(code, "generated_jax_net")
    expit = autograd.scipy.special.expit
    logsumexp = autograd.scipy.special.logsumexp

    def oracle(w, x):
        z = x @ w
        h = anp.where(z > 0, z, 0.0) + anp.logaddexp(z, 0.0) + z * expit(z) * expit(z)
        log_softmax = h - logsumexp(h, axis=-1, keepdims=True)
        softmax = anp.exp(h - logsumexp(h, axis=0, keepdims=True))
        return anp.sum(log_softmax * softmax) + anp.sum(logsumexp(h, axis=1))

    w, x = RNG.normal(size=(3, 4)), RNG.normal(size=(5, 3))
    assert generated.net(w, x) == pytest.approx(oracle(w, x), rel=1e-12)
    np.testing.assert_allclose(generated.net_grad(w, x), autograd.grad(oracle)(w, x), rtol=1e-10)
