"""Softmax cross-entropy of a two-layer tanh MLP, gradient with respect to all four parameters."""
import numpy as np

NAME = "mlp"
TITLE = "two-layer tanh MLP, softmax cross-entropy over k=10 classes, d/d(w1, b1, w2, b2)"
SIZES = [{"n": 64, "d": 32, "h": 64}, {"n": 512, "d": 128, "h": 256}, {"n": 4096, "d": 256, "h": 512}]
QUICK = [{"n": 64, "d": 32, "h": 64}, {"n": 512, "d": 128, "h": 256}]
TINY = {"n": 5, "d": 3, "h": 4}
CLASSES = 10
WRT = (0, 1, 2, 3)


def label(size):
    return f"{size['n']}x{size['d']}x{size['h']}"


def inputs(size, rng):
    n, d, h, k = size["n"], size["d"], size["h"], CLASSES
    x = rng.normal(size=(n, d))
    labels = np.eye(k)[rng.integers(0, k, size=n)]
    return (rng.normal(size=(d, h)) / np.sqrt(d), 0.1 * rng.normal(size=h),
            rng.normal(size=(h, k)) / np.sqrt(h), 0.1 * rng.normal(size=k), x, labels)


LIFTED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(w1: "f64[d,h]", b1: "f64[h]", w2: "f64[h,k]", b2: "f64[k]", x: "f64[n,d]", labels: "f64[n,k]") -> "f64[]":
    hidden = np.tanh(x @ w1 + b1)
    logits = hidden @ w2 + b2
    top = np.max(logits, axis=1, keepdims=True)
    lse = top + np.log(np.sum(np.exp(logits - top), axis=1, keepdims=True))
    return -np.sum(labels * (logits - lse)) / x.shape[0]


f_grad = grad(f, wrt=("w1", "b1", "w2", "b2"))
'''


def xp_f(xp, w1, b1, w2, b2, x, labels):
    hidden = xp.tanh(x @ w1 + b1)
    logits = hidden @ w2 + b2
    top = xp.max(logits, axis=1, keepdims=True)
    lse = top + xp.log(xp.sum(xp.exp(logits - top), axis=1, keepdims=True))
    return -xp.sum(labels * (logits - lse)) / x.shape[0]


def torch_f(torch, w1, b1, w2, b2, x, labels):
    hidden = torch.tanh(x @ w1 + b1)
    logits = hidden @ w2 + b2
    top = torch.amax(logits, dim=1, keepdim=True)
    lse = top + torch.log(torch.sum(torch.exp(logits - top), dim=1, keepdim=True))
    return -torch.sum(labels * (logits - lse)) / x.shape[0]


def tangent_f(w1, b1, w2, b2, x, labels):
    hidden = np.tanh(np.dot(x, w1) + b1)
    logits = np.dot(hidden, w2) + b2
    top = np.max(logits, axis=1, keepdims=True)
    lse = top + np.log(np.sum(np.exp(logits - top), axis=1, keepdims=True))
    return -np.sum(labels * (logits - lse)) / x.shape[0]


def numpy_grad(w1, b1, w2, b2, x, labels):
    hidden = np.tanh(x @ w1 + b1)
    logits = hidden @ w2 + b2
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    dlogits = (e / np.sum(e, axis=1, keepdims=True) * np.sum(labels, axis=1, keepdims=True) - labels) / x.shape[0]
    dhidden = (dlogits @ w2.T) * (1.0 - hidden * hidden)
    return (x.T @ dhidden, np.sum(dhidden, axis=0), hidden.T @ dlogits, np.sum(dlogits, axis=0))
