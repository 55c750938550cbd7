"""GradBench `lstm`: ADBench's LSTM next-character loss (`objective`) and its gradient (`jacobian`).

The model is ADBench's: per layer, gates with elementwise (not matrix) weights, sigmoid and tanh; the prediction
is normalised by log(sum(exp(y)) + 2), as in the reference. Each layer's parameters are one row of the
eval's `main_params` matrix for the weights and one for the biases, each the four gates side by side; the
kernel receives them as an (l, 8, b) array (a view, no copy) and the state as (l, 2, b) (hidden, cell), so a gate
is `main[i, g]`. Two loops, over the characters and over the layers, update the hidden and cell rows in place;
`grad` generates the reverse sweep with a tape. The output is the gradient w.r.t. `main_params` then
`extra_params`, flattened row-major, as the reference writes it.
"""
import numpy as np

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def sigmoid(x: "f64[b]") -> "f64[b]":
    return 1.0 / (1.0 + np.exp(-x))


@kernel
def objective(main: "f64[l,8,b]", extra: "f64[3,b]", state: "f64[l,2,b]", sequence: "f64[c,b]") -> "f64[]":
    layers = main.shape[0]
    steps = sequence.shape[0]
    hidden = state[:, 0, :].copy()
    cell = state[:, 1, :].copy()
    total = 0.0
    for t in range(steps - 1):
        x = sequence[t] * extra[0]
        for i in range(layers):
            forget = sigmoid(x * main[i, 0] + main[i, 4])
            ingate = sigmoid(hidden[i] * main[i, 1] + main[i, 5])
            outgate = sigmoid(x * main[i, 2] + main[i, 6])
            change = np.tanh(hidden[i] * main[i, 3] + main[i, 7])
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * np.tanh(cell[i])
            x = hidden[i]
        prediction = x * extra[1] + extra[2]
        normaliser = np.log(np.sum(np.exp(prediction)) + 2.0)
        total = total + np.sum(sequence[t + 1] * (prediction - normaliser))
    return -total / ((steps - 1) * sequence.shape[1])


jacobian = grad(objective, wrt=("main", "extra"))
'''


def prepare(function, input):
    main = np.asarray(input["main_params"], dtype=np.float64)
    layers, bits = main.shape[0] // 2, main.shape[1] // 4
    return (main.reshape(layers, 8, bits), np.asarray(input["extra_params"], dtype=np.float64),
            np.asarray(input["state"], dtype=np.float64).reshape(layers, 2, bits),
            np.asarray(input["sequence"], dtype=np.float64))


def output(function, value):
    if function == "objective":
        return float(value)
    main, extra = value
    return np.concatenate((main.reshape(-1), extra.reshape(-1))).tolist()
