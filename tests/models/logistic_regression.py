"""Logistic regression by gradient descent on four points.

Ported from autograd's examples/logistic_regression.py (https://github.com/HIPS/autograd, MIT license):
`sigmoid`, `logistic_predictions`, `training_loss` and the toy dataset as written there (module-level arrays,
which the generated module computes again at its top). Changes: `@kernel` and annotations; `check_grads` is left
out.
"""
import autograd.numpy as np

from lifted import grad, kernel


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1)


def logistic_predictions(weights, inputs):
    # Outputs probability of a label being true according to logistic model.
    return sigmoid(np.dot(inputs, weights))


# Build a toy dataset.
inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
targets = np.array([True, True, False, True])


@kernel
def training_loss(weights: "f64[3]"):
    # Training loss is the negative log-likelihood of the training labels.
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))


training_gradient_fun = grad(training_loss)

if __name__ == "__main__":
    weights = np.array([0.0, 0.0, 0.0])
    print("Initial loss:", training_loss(weights))
    for i in range(100):
        weights -= training_gradient_fun(weights) * 0.01
    print("Trained loss:", training_loss(weights))
