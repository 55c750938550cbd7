"""Ported public models (tests/models/, see their docstrings for the source and the changes each needed):
each generated function against the untouched source run by autograd (value and gradient) and against central
finite differences. A port that needs a NumPy/SciPy function the table does not have is skipped, naming it."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import autograd_kernels, load_source
from lifted.transpiler import TranspileError
from treecheck import assert_trees_close, fd_gradient, random_value

MODELS = Path(__file__).resolve().parent / "models"


def _load(name: str):
    import sys

    if str(MODELS) not in sys.path:  # ports import each other (`from rnn import sigmoid`), as in autograd's folder
        sys.path.insert(0, str(MODELS))
    text = (MODELS / f"{name}.py").read_text()
    try:
        module = load_source(text, f"tests/models/{name}.py")
    except TranspileError as exc:
        missing = re.search(r"`([\w.]+)` is not supported in kernels", exc.message)
        if missing:
            pytest.skip(f"needs `{missing.group(1)}` in the NumPy/SciPy table")
        raise
    return module, autograd_kernels(text)


def _check(module, oracle, kernel: str, declared: str, args: list, wrt: tuple[int, ...], fd: bool = True,
           rtol: float = 1e-6, with_value: bool = False):
    """`declared` is grad(kernel, wrt=...) (or value_and_grad): value and gradients against the oracles."""
    expected_value = oracle[kernel](*args)
    assert_trees_close(getattr(module, kernel)(*args), expected_value, rtol=rtol, what=f"{kernel}: value") \
        if hasattr(module, kernel) else None
    got = getattr(module, declared)(*args)
    if with_value:
        value, got = got
        assert_trees_close(value, expected_value, rtol=rtol, what=f"{declared}: value")
    grads = got if len(wrt) > 1 else (got,)
    for index, gradient in zip(wrt, grads):
        expected = autograd_grad(oracle[kernel], index)(*args)
        assert_trees_close(gradient, expected, rtol=rtol, atol=1e-9, what=f"{declared}: argument {index} vs autograd")
        if fd:
            assert_trees_close(gradient, fd_gradient(oracle[kernel], args, index), rtol=1e-4, atol=1e-6,
                               what=f"{declared}: argument {index} vs finite differences")


def test_neural_net_mnist_mlp():
    module, oracle = _load("neural_net")
    rng = np.random.default_rng(0)
    params = random_value("[(f64[4,5], f64[5]), (f64[5,3], f64[3]), (f64[3,2], f64[2])]", rng)
    inputs = rng.normal(size=(6, 4))
    targets = np.eye(2)[rng.integers(0, 2, size=6)]
    _check(module, oracle, "log_posterior", "log_posterior_grad", [params, inputs, targets, 0.1], (0,))


def test_rosenbrock_value_and_grad():
    module, oracle = _load("rosenbrock")
    _check(module, oracle, "rosenbrock", "rosenbrock_with_grad", [np.array([0.3, -0.7])], (0,),
           with_value=True)
    from scipy.optimize import minimize

    result = minimize(module.rosenbrock_with_grad, x0=np.array([0.0, 0.0]), jac=True, method="CG")
    assert np.allclose(result.x, [1.0, 1.0], atol=1e-4)


@pytest.mark.parametrize("x", [-2.5, 0.3, 1.7, 4.0])
def test_sinusoid_taylor_series_with_break_two_derivatives(x):
    module, oracle = _load("sinusoid_taylor")
    _check(module, oracle, "fun", "d_fun", [x], (0,))
    d_fun = autograd_grad(oracle["fun"])
    assert np.isclose(module.dd_fun(x), autograd_grad(d_fun)(x), rtol=1e-9)
    assert np.isclose(module.dd_fun(x), (module.d_fun(x + 1e-5) - module.d_fun(x - 1e-5)) / 2e-5, rtol=1e-4)


def test_negative_binomial_loglike_and_newton_derivatives():
    module, oracle = _load("negative_binomial")
    x = np.array([3.0, 7.0, 1.0, 4.0, 0.0, 9.0])
    _check(module, oracle, "loglike", "loglike_r", [2.5, 0.4, x], (0,))
    assert np.isclose(module.loglike_rr(2.5, 0.4, x), autograd_grad(autograd_grad(oracle["loglike"]))(2.5, 0.4, x))


def test_hmm_forward_algorithm_one_sequence_and_a_list_of_them():
    module, oracle = _load("hmm")
    rng = np.random.default_rng(1)
    natural = tuple(np.log(rng.uniform(0.1, 1.0, size=s)) for s in [(3,), (3, 3), (3, 4)])
    data = rng.integers(0, 4, size=7)
    _check(module, oracle, "log_partition_function", "vgrad", [natural, data], (0,), with_value=True)
    sequences = [rng.integers(0, 4, size=n) for n in (5, 3, 6)]
    _check(module, oracle, "log_partition_of_sequences", "vgrad_sequences", [natural, sequences], (0,),
           with_value=True)


def test_neural_ode_fixed_step_rk4():
    module, oracle = _load("neural_ode")
    rng = np.random.default_rng(2)
    t = np.linspace(0.0, 1.5, 30)
    y0 = np.array([2.0, 0.0])
    true_y = module.true_trajectory(y0, t, np.array([[-0.1, 2.0], [-2.0, -0.1]]))
    assert_trees_close(true_y, oracle["true_trajectory"](y0, t, np.array([[-0.1, 2.0], [-2.0, -0.1]])))
    params = random_value("[(f64[2,5], f64[5]), (f64[5,2], f64[2])]", rng)
    _check(module, oracle, "train_loss", "train_loss_grad", [params, y0, t, true_y], (0,))


# --- recurrent nets, mixtures, factories, a fluid ------------------------------------------------------------
RNN_PARAMS = {"init hiddens": (1, 4), "change": (3 + 4 + 1, 4), "predict": (4 + 1, 3)}
LSTM_PARAMS = dict(RNN_PARAMS, **{"init cells": (1, 4), "forget": (8, 4), "ingate": (8, 4), "outgate": (8, 4)})


def _sequences(rng):
    inputs = np.eye(3)[rng.integers(0, 3, size=(5, 2))]
    targets = np.eye(3)[rng.integers(0, 3, size=(6, 2))]
    return inputs, targets


def test_rnn_character_model():
    module, oracle = _load("rnn")
    rng = np.random.default_rng(4)
    params = {k: rng.normal(size=s) * 0.5 for k, s in RNN_PARAMS.items()}
    _check(module, oracle, "rnn_log_likelihood", "rnn_log_likelihood_grad", [params, *_sequences(rng)], (0,))


def test_lstm_character_model():
    module, oracle = _load("lstm")
    rng = np.random.default_rng(5)
    params = {k: rng.normal(size=s) * 0.5 for k, s in LSTM_PARAMS.items()}
    _check(module, oracle, "lstm_log_likelihood", "lstm_log_likelihood_grad", [params, *_sequences(rng)], (0,))


def test_gaussian_mixture_model():
    module, oracle = _load("gmm")
    rng = np.random.default_rng(6)
    params = {"log proportions": rng.normal(size=3), "means": rng.normal(size=(3, 2)),
              "lower triangles": np.eye(2) + 0.1 * rng.normal(size=(3, 2, 2))}
    _check(module, oracle, "gmm_log_likelihood", "gmm_log_likelihood_grad", [params, rng.normal(size=(8, 2))],
           (0,))


def test_ica_factory_logprob():
    module, oracle = _load("ica")
    rng = np.random.default_rng(7)
    args = [rng.normal(size=(6, 2)), rng.normal(size=(2, 5)), 0.7, rng.normal(size=(5, 6))]
    _check(module, oracle, "logprob", "logprob_grad", args, (0, 1, 2))


def test_gaussian_process_marginal_likelihood():
    module, oracle = _load("gaussian_process")
    rng = np.random.default_rng(8)
    args = [rng.normal(size=4) * 0.3, rng.normal(size=(7, 1)), rng.normal(size=7)]
    _check(module, oracle, "log_marginal_likelihood", "objective_value_and_grad", args, (0,), with_value=True)


def test_fluid_simulation():
    """`vx -= ...` in project() updates the caller's array, a reshape of advect's temporary that nothing else can
    see: the update goes to a copy, which the caller's names see (the reverse sweep keeps the temporary)."""
    module, oracle = _load("fluidsim")
    rng = np.random.default_rng(9)
    args = [rng.normal(size=(6, 6)) * 0.5, rng.normal(size=(6, 6)) * 0.5, rng.uniform(size=(6, 6)),
            rng.uniform(size=(6, 6))]
    _check(module, oracle, "distance_from_target_image", "objective_grad", args, (0, 1))


def test_logistic_regression_four_points():
    """The data are module-level arrays, as in the original: the generated module computes them again."""
    module, oracle = _load("logistic_regression")
    _check(module, oracle, "training_loss", "training_gradient_fun", [np.array([0.3, -0.2, 0.5])], (0,))
    weights = np.zeros(3)
    for _ in range(100):
        weights -= module.training_gradient_fun(weights) * 0.01
    assert module.training_loss(weights) < module.training_loss(np.zeros(3))


# --- models written for Lifted after autograd's sampling, convolutional and Bayesian-optimisation examples -----
def test_black_box_svi_factory_gradient_and_natural_gradient():
    """The factory declares `gradient = grad(elbo_loss)` inside; a module-level kernel calls that gradient."""
    module, oracle = _load("svi_natural_gradient")
    rng = np.random.default_rng(10)
    args = [rng.normal(size=4) * 0.3, rng.normal(size=(30, 2))]
    _check(module, oracle, "elbo_loss", "elbo_gradient", args, (0,))
    assert_trees_close(module.elbo_gradient(*args), oracle["elbo_gradient"](*args), rtol=1e-10,
                       what="the factory's own gradient vs autograd's")
    _check(module, oracle, "natural_step_size", "step_size_grad", args, (0,))


def test_variational_autoencoder_with_the_noise_passed_in():
    module, oracle = _load("vae")
    rng = np.random.default_rng(11)
    decoder = random_value("[(f64[2,4], f64[4]), (f64[4,5], f64[5])]", rng)
    encoder = random_value("[(f64[5,4], f64[4]), (f64[4,4], f64[4])]", rng)
    images = np.sign(rng.normal(size=(6, 5)))
    _check(module, oracle, "elbo", "elbo_grad", [decoder, encoder, images, rng.normal(size=(6, 2))], (0, 1))


def test_lenet_convolutions_by_slices_and_pooling_by_reshape():
    module, oracle = _load("lenet")
    rng = np.random.default_rng(12)
    params = random_value("[(f64[1,2,3,3], f64[1,2,1,1]), (f64[2,3,3,3], f64[1,3,1,1]), (f64[12,5], f64[5]), "
                          "(f64[5,3], f64[3])]", rng)
    images, labels = rng.normal(size=(2, 1, 14, 14)), np.eye(3)[[0, 2]]
    _check(module, oracle, "loss", "loss_grad", [params, images, labels, 0.1], (0,))


def test_expected_improvement_acquisition():
    module, oracle = _load("expected_improvement")
    rng = np.random.default_rng(13)
    args = [rng.normal(size=(3, 1)), rng.normal(size=4) * 0.3, rng.normal(size=(5, 1)), rng.normal(size=5)]
    _check(module, oracle, "acquisition", "acquisition_grad", args, (0, 1))
