"""The examples: each transpiles, its generated primal matches the plain-Python source, its gradients agree with
central finite differences (float64) and with autograd running a hand-written copy of the model, and the
program built on it reaches the answer a person would check."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import logsumexp as alogsumexp

from examples import gaussian, logistic, mlp, rosenbrock
from lifted import Transform
from lifted.loader import import_path
from lifted.transpiler import cli, transpile_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {"logistic": logistic, "rosenbrock": rosenbrock, "mlp": mlp, "gaussian": gaussian}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Every example transpiled into a temporary build folder and imported."""
    outdir = tmp_path_factory.mktemp("build")
    return {name: import_path(transpile_file(ROOT / "examples" / f"{name}.py", outdir)) for name in EXAMPLES}


def central_differences(f, args, index, eps=1e-6):
    args = [np.array(a, dtype=np.float64) for a in args]
    grad = np.zeros_like(args[index])
    for position in np.ndindex(grad.shape):
        plus, minus = [a.copy() for a in args], [a.copy() for a in args]
        plus[index][position] += eps
        minus[index][position] -= eps
        grad[position] = (f(*plus) - f(*minus)) / (2 * eps)
    return grad


def check(generated_grads, f, oracle, args, indices):
    """Generated gradients against finite differences of the source `f` and autograd of `oracle`."""
    for g, index in zip(generated_grads, indices):
        np.testing.assert_allclose(g, central_differences(f, args, index), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(g, autograd.grad(oracle, index)(*args), rtol=1e-10, atol=1e-12)


# --- the oracles: the same models written independently for autograd -----------------------------------------
def logistic_oracle(w, x, y):
    p = 1.0 / (1.0 + anp.exp(-anp.dot(x, w)))
    return -anp.mean(y * anp.log(p) + (1.0 - y) * anp.log(1.0 - p))


def rosenbrock_oracle(x):
    return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def mlp_oracle(w1, b1, w2, b2, x, labels):
    logits = anp.dot(anp.tanh(anp.dot(x, w1.T) + b1), w2.T) + b2
    return -anp.sum(labels * (logits - alogsumexp(logits, axis=1, keepdims=True))) / x.shape[0]


def nll_oracle(w, log_sigma, x, y):
    z = (y - anp.dot(x, w)) / anp.exp(log_sigma)
    return anp.mean(0.5 * z ** 2 + log_sigma + 0.5 * anp.log(2.0 * anp.pi))


# --- gradients ------------------------------------------------------------------------------------------------
def test_all_examples_transpile_with_the_cli(tmp_path):
    assert cli.main([str(ROOT / "examples"), "-o", str(tmp_path)]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.py")) == sorted([*EXAMPLES, "dice"])  # dice: @dist only
    assert cli.main([str(ROOT / "examples"), "-o", str(tmp_path), "--check"]) == 0


def test_logistic_gradients(generated):
    m, rng = generated["logistic"], np.random.default_rng(0)
    x, y, _ = logistic.make_data(n=30)
    w = rng.normal(size=x.shape[1])
    assert np.isclose(m.loss(w, x, y), logistic.loss(w, x, y))
    value, (dw,) = m.loss_vg(w, x, y)
    assert np.isclose(value, logistic.loss(w, x, y))
    check([m.loss_grad(w, x, y), dw], logistic.loss, logistic_oracle, [w, x, y], [0, 0])


def test_rosenbrock_gradient(generated):
    m, rng = generated["rosenbrock"], np.random.default_rng(1)
    for n in (2, 3, 10):
        x = rng.normal(size=n)
        assert np.isclose(m.f(x), rosenbrock.f(x))
        check([m.f_grad(x)], rosenbrock.f, rosenbrock_oracle, [x], [0])


def test_mlp_gradients(generated):
    m = generated["mlp"]
    x, labels = mlp.spirals(per_class=6)
    params = mlp.init(h=5)
    args = [*params, x, labels]
    value, grads = m.loss_vg(*args)
    assert np.isclose(value, mlp.loss(*args)) and np.isclose(value, mlp_oracle(*args))
    np.testing.assert_allclose(m.forward(*params, x), mlp.forward(*params, x))
    check(grads, mlp.loss, mlp_oracle, args, [0, 1, 2, 3])


def test_gaussian_gradients_and_vjp(generated):
    m, rng = generated["gaussian"], np.random.default_rng(2)
    x, y = gaussian.make_data(n=25)
    w, log_sigma = rng.normal(size=x.shape[1]), -0.3
    args = [w, np.float64(log_sigma), x, y]
    value, grads = m.nll_vg(*args)
    assert np.isclose(value, gaussian.nll(*args))
    check(grads, gaussian.nll, nll_oracle, args, [0, 1])
    ct = rng.normal(size=y.shape)
    residual, (dw) = m.residuals_vjp(w, x, y, ct)
    np.testing.assert_allclose(residual, gaussian.residuals(w, x, y))
    np.testing.assert_allclose(dw, autograd.grad(lambda w_: anp.dot(ct, y - anp.dot(x, w_)))(w), rtol=1e-10)
    np.testing.assert_allclose(dw, central_differences(lambda w_: ct @ gaussian.residuals(w_, x, y), [w], 0),
                               rtol=1e-6, atol=1e-7)


# --- the programs ---------------------------------------------------------------------------------------------
def test_logistic_training_reduces_the_loss(generated):
    w, history, accuracy = logistic.train(generated["logistic"], steps=100, report=lambda line: None)
    assert history[0] == pytest.approx(np.log(2.0))
    assert history[-1] < 0.4 and all(b <= a + 1e-12 for a, b in zip(history, history[1:]))
    assert accuracy > 0.8


def test_rosenbrock_bfgs_finds_the_minimum(generated):
    result = rosenbrock.minimize(generated["rosenbrock"], n=10)
    assert result.success
    np.testing.assert_allclose(result.x, np.ones(10), atol=1e-6)
    assert result.fun < 1e-12


def test_mlp_learns_the_spirals(generated):
    _, history, accuracy = mlp.train(generated["mlp"], steps=600, report=lambda line: None)
    assert history[-1] < 0.1 * history[0] and accuracy > 0.95


def test_gaussian_mle_matches_the_closed_form(generated):
    result, w_ls, sigma_ls = gaussian.fit(generated["gaussian"])
    np.testing.assert_allclose(result.x[:-1], w_ls, atol=1e-4)
    assert np.exp(result.x[-1]) == pytest.approx(sigma_ls, rel=1e-4)


def test_example_declarations_work_on_the_fly(tmp_path, monkeypatch):
    """Un-transpiled: the declared transforms in the example source transpile themselves when first called."""
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path))
    # copies of the examples' own declarations, unresolved whatever ran before in this process
    loss_grad, f_grad = (Transform(t.kind, t.func, t.wrt) for t in (logistic.loss_grad, rosenbrock.f_grad))
    x, y, _ = logistic.make_data(n=20)
    w = np.full(x.shape[1], 0.1)
    np.testing.assert_allclose(loss_grad(w, x, y), autograd.grad(logistic_oracle)(w, x, y), rtol=1e-10)
    np.testing.assert_allclose(f_grad(np.arange(4.0)), autograd.grad(rosenbrock_oracle)(np.arange(4.0)))
    assert len(list(tmp_path.glob("*.py"))) == 2


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_as_a_script(name, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), LIFTED_CACHE_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py")], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
