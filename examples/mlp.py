"""A two-layer tanh network classifying three interleaved spirals, trained with Lifted's value_and_grad.

Shows kernels calling kernels (`forward` is inlined into `loss`), broadcasting biases, `.T`, and a
softmax cross-entropy written with scipy.special.logsumexp; one generated function returns the loss and the
gradients of all four parameters.
"""
import sys
from pathlib import Path

import numpy as np
from scipy.special import logsumexp

from lifted import kernel, load, value_and_grad


@kernel
def forward(w1: "f64[h,d]", b1: "f64[h]", w2: "f64[k,h]", b2: "f64[k]", x: "f64[n,d]"):
    hidden = np.tanh(x @ w1.T + b1)
    return hidden @ w2.T + b2


@kernel
def loss(w1: "f64[h,d]", b1: "f64[h]", w2: "f64[k,h]", b2: "f64[k]", x: "f64[n,d]", labels: "f64[n,k]"):
    logits = forward(w1, b1, w2, b2, x)
    log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
    return -np.sum(labels * log_probs) / x.shape[0]


loss_vg = value_and_grad(loss, wrt=("w1", "b1", "w2", "b2"))


def spirals(per_class: int = 100, classes: int = 3, seed: int = 0):
    """The classic toy problem: points on `classes` noisy spiral arms, one-hot labels."""
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.05, 1.0, per_class), classes)
    arm = np.repeat(np.arange(classes), per_class)
    angle = arm * 2 * np.pi / classes + radius * 4.0 + rng.normal(scale=0.2, size=radius.size)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return x, np.eye(classes)[arm]


def init(d: int = 2, h: int = 32, k: int = 3, seed: int = 1):
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=1.0, size=(h, d)), np.zeros(h), rng.normal(scale=0.3, size=(k, h)), np.zeros(k)]


def train(m, steps: int = 2000, lr: float = 0.5, momentum: float = 0.9, report=print):
    """Gradient descent with momentum; returns the parameters, the loss history and the training accuracy."""
    x, labels = spirals()
    params = init(x.shape[1], 32, labels.shape[1])
    velocity = [np.zeros_like(p) for p in params]
    history = []
    for step in range(steps + 1):
        value, grads = m.loss_vg(*params, x, labels)
        history.append(float(value))
        if step % 500 == 0:
            report(f"  step {step:4d}  loss {value:.4f}")
        velocity = [momentum * v - lr * g for v, g in zip(velocity, grads)]
        params = [p + v for p, v in zip(params, velocity)]
    predictions = np.argmax(m.forward(*params, x), axis=1)
    accuracy = float(np.mean(predictions == np.argmax(labels, axis=1)))
    return params, history, accuracy


def generated():
    """The built module if `transpile examples -o generated` made one, else this very module (on the fly)."""
    built = Path(__file__).resolve().parents[1] / "generated" / "mlp.py"
    return load(built) if built.is_file() else sys.modules[__name__]


def main() -> None:
    _, history, accuracy = train(generated())
    print(f"spirals MLP: loss {history[0]:.3f} -> {history[-1]:.3f}, training accuracy {accuracy:.1%} "
          "(chance: 33%)")


if __name__ == "__main__":
    main()
