"""A neural ODE: a small ReLU network as the dynamics, integrated by fixed-step fourth-order Runge-Kutta, with an
L1 loss against a trajectory.

Ported from autograd's examples/ode_net.py (https://github.com/HIPS/autograd, MIT license): `nn_predict`,
`ode_pred` and `L1_loss` as written there. Changes: `@kernel` and annotations; autograd's adaptive
`odeint(func, y0, t, args)` is replaced by `odeint_rk4`, a fixed-step RK4 integrator with the same signature (the
dynamics are passed in as a function); plotting and training are left out.
"""
import autograd.numpy as np

from lifted import grad, kernel

N = 30  # Dataset size
D = 2  # Data dimension
max_T = 1.5
PARAMS = "[(f64[2,h], f64[h]), (f64[h,2], f64[2])]"


def odeint_rk4(func, y0, t, args=()):
    """Fixed-step RK4 on the grid `t`: one state per time, stacked."""
    ys = [y0]
    y = y0
    for i in range(len(t) - 1):
        h = t[i + 1] - t[i]
        k1 = func(y, t[i], *args)
        k2 = func(y + h / 2 * k1, t[i] + h / 2, *args)
        k3 = func(y + h / 2 * k2, t[i] + h / 2, *args)
        k4 = func(y + h * k3, t[i] + h, *args)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        ys.append(y)
    return np.stack(ys)


def func(y, t0, A):
    return np.dot(y**3, A)


def nn_predict(inputs, t, params):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.maximum(0, outputs)
    return outputs


def ode_pred(params, y0, t):
    return odeint_rk4(nn_predict, y0, t, tuple((params,)))


def L1_loss(pred, targets):
    return np.mean(np.abs(pred - targets))


@kernel
def train_loss(params: PARAMS, true_y0: "f64[2]", t: "f64[30]", true_y: "f64[30,2]"):
    pred = ode_pred(params, true_y0, t)
    return L1_loss(pred, true_y)


@kernel
def true_trajectory(true_y0: "f64[2]", t: "f64[30]", true_A: "f64[2,2]"):
    return odeint_rk4(func, true_y0, t, args=(true_A,))


train_loss_grad = grad(train_loss)
