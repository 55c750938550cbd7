"""GradBench's nested-AD evals, `particle` and `saddle`, in all four mode combinations (outer x inner:
forward/reverse): the answers the evals publish, and the derivatives the descents use checked against central
finite differences in float64 and against autograd differentiating the same computation (its own nested grad)."""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from benchmarks.gradbench import particle, saddle
from gradcheck import load_source

EPS = 1e-6
MODES = ("rr", "rf", "fr", "ff")
# a whole descent takes seconds per mode: the default suite runs `rr`, the other modes run with -m slow (their
# derivatives are checked in the default suite all the same)
ANSWER_MODES = [pytest.param(mode, marks=() if mode == "rr" else pytest.mark.slow) for mode in MODES]


@pytest.fixture(scope="module")
def particle_module():
    return load_source(particle.SOURCE, "particle_kernel.py")


@pytest.fixture(scope="module")
def saddle_module():
    return load_source(saddle.SOURCE, "saddle_kernel.py")


# --- the same computations, differentiated by autograd ----------------------------------------------------------
def _accel(w, x):
    return (1.0 / anp.sqrt((10.0 - x[0]) ** 2 + (10.0 - w - x[1]) ** 2)
            + 1.0 / anp.sqrt((10.0 - x[0]) ** 2 + x[1] ** 2))


def _euler(w):
    x, xdot = anp.array([0.0, 8.0]), anp.array([0.75, 0.0])
    while True:
        xddot = -autograd.grad(_accel, 1)(w, x)
        x = x + 0.1 * xdot
        if x[1] <= 0.0:
            x_t_f = x + (-x[1] / xdot[1]) * xdot
            return x_t_f[0] * x_t_f[0]
        xdot = xdot + 0.1 * xddot


def _objective(p1, p2):
    return (p1[0] * p1[0] + p1[1] * p1[1]) - (p2[0] * p2[0] + p2[1] * p2[1])


def _max(p1, start):
    """R1(p1): the inner ascent (GradBench's rule) with autograd's gradient, then the objective there."""
    x = start
    fx, gx = -_objective(p1, x), -autograd.grad(_objective, 1)(p1, x)
    i, eta = 0, 1e-5
    while True:
        if anp.sqrt(anp.sum(gx * gx)) <= 1e-5:
            break
        if i == 10:
            eta, i = eta * 2.0, 0
            continue
        xp = x - eta * gx
        if anp.sqrt(anp.sum((x - xp) * (x - xp))) <= 1e-5:
            break
        fxp = -_objective(p1, xp)
        if fxp < fx:
            x, fx, i = xp, fxp, i + 1
            gx = -autograd.grad(_objective, 1)(p1, x)
        else:
            eta, i = eta / 2.0, 0
    return _objective(p1, x)


# --- derivatives ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def particle_oracle():
    w = 0.3
    return w, _euler(w), autograd.grad(_euler)(w)


@pytest.mark.parametrize("mode", MODES)
def test_particle_gradient_matches_finite_differences_and_autograd(particle_module, particle_oracle, mode):
    m = particle_module
    w, value, derivative = particle_oracle
    objective = m.euler_r if mode[1] == "r" else m.euler_f
    assert objective(w) == pytest.approx(value, rel=1e-12)
    got = getattr(m, f"gradient_{mode}")(w)
    fd = (objective(w + EPS) - objective(w - EPS)) / (2 * EPS)
    assert got == pytest.approx(fd, rel=1e-6, abs=1e-8)
    assert got == pytest.approx(derivative, rel=1e-10)


@pytest.mark.parametrize("mode", MODES)
def test_saddle_gradient_matches_finite_differences_and_autograd(saddle_module, mode):
    m = saddle_module
    objective = m.max_r if mode[1] == "r" else m.max_f
    p1, start = np.array([0.6, -0.4]), np.array([1.0, 1.0])
    assert objective(p1, start) == pytest.approx(_max(p1, start), rel=1e-12)
    got = getattr(m, f"gradient_{mode}")(p1, start)
    fd = [(objective(p1 + EPS * e, start) - objective(p1 - EPS * e, start)) / (2 * EPS) for e in np.eye(2)]
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, autograd.grad(_max)(p1, start), rtol=1e-10)


def test_inner_gradients_match_each_other_and_finite_differences(particle_module, saddle_module):
    w, x = 0.2, np.array([1.5, 3.0])
    fd = [(particle_module.accel(w, x + EPS * e) - particle_module.accel(w, x - EPS * e)) / (2 * EPS)
          for e in np.eye(2)]
    for inner in (0, 1):
        np.testing.assert_allclose(particle_module.accel_grad(inner, w, x), fd, rtol=1e-6)
    p1, p2 = np.array([0.3, 0.2]), np.array([-0.5, 0.7])
    for inner in (0, 1):
        np.testing.assert_allclose(saddle_module.inner_grad(inner, p1, p2), -2 * p2, rtol=1e-12)


# --- the answers the evals publish (GradBench's particle/run.py and saddle/run.py) ----------------------------------
@pytest.mark.parametrize("mode", ANSWER_MODES)
def test_particle_finds_the_published_w0(particle_module, mode):
    w0 = particle.entry(particle_module, mode)(*particle.prepare(mode, {"w": 0.0}))
    assert w0 == pytest.approx(0.2071918746486116, abs=1e-10)


@pytest.mark.parametrize("mode", ANSWER_MODES)
def test_saddle_finds_the_published_point(saddle_module, mode):
    point = saddle.entry(saddle_module, mode)(*saddle.prepare(mode, {"start": [1.0, 1.0]}))
    np.testing.assert_allclose(saddle.output(mode, point), [8.246324826140356e-06] * 4, rtol=1e-9)
