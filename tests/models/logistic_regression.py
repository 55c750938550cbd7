"""Logistic regression by gradient descent on four points.

Ported from autograd's examples/logistic_regression.py (https://github.com/HIPS/autograd, MIT license):
`sigmoid`, `logistic_predictions` and `training_loss` as written there. Changes: `@kernel` and annotations; the
data, module-level arrays there, are parameters of `training_loss` (a kernel reads module-level numbers, lists
and functions, not arrays); `check_grads` is left out.
"""
import autograd.numpy as np

from lifted import grad, kernel


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1)


def logistic_predictions(weights, inputs):
    # Outputs probability of a label being true according to logistic model.
    return sigmoid(np.dot(inputs, weights))


@kernel
def training_loss(weights: "f64[d]", inputs: "f64[n,d]", targets: "bool[n]"):
    # Training loss is the negative log-likelihood of the training labels.
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))


training_gradient_fun = grad(training_loss)

if __name__ == "__main__":
    inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True])
    weights = np.array([0.0, 0.0, 0.0])
    print("Initial loss:", training_loss(weights, inputs, targets))
    for i in range(100):
        weights -= training_gradient_fun(weights, inputs, targets) * 0.01
    print("Trained loss:", training_loss(weights, inputs, targets))
