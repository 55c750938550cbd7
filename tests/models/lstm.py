"""A long short-term memory character model (log-likelihood of a batch of one-hot sequences).

Ported from autograd's examples/lstm.py (https://github.com/HIPS/autograd, MIT license): `lstm_predict` and
`lstm_log_likelihood` as written there, with autograd's own imports and rnn.py's `sigmoid` and
`concat_and_multiply` (`from rnn import ...` reads them from rnn.py next to this file). Changes: `@kernel` and
annotations (the sequence length is a literal, 5 here, since `lstm_predict` builds a Python list of outputs, one per
time step, unrolled at build time; the batch size `b` is named); data loading, training and sampling are left out.
"""
import autograd.numpy as np
from autograd.scipy.special import logsumexp

from lifted import grad, kernel

from rnn import concat_and_multiply, sigmoid

PARAMS = ("{'init cells': f64[1,s], 'init hiddens': f64[1,s], 'change': f64[c,s], 'forget': f64[c,s], "
          "'ingate': f64[c,s], 'outgate': f64[c,s], 'predict': f64[q,o]}")


def lstm_predict(params, inputs):
    def update_lstm(input, hiddens, cells):
        change = np.tanh(concat_and_multiply(params["change"], input, hiddens))
        forget = sigmoid(concat_and_multiply(params["forget"], input, hiddens))
        ingate = sigmoid(concat_and_multiply(params["ingate"], input, hiddens))
        outgate = sigmoid(concat_and_multiply(params["outgate"], input, hiddens))
        cells = cells * forget + ingate * change
        hiddens = outgate * np.tanh(cells)
        return hiddens, cells

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params["predict"], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)  # Normalize log-probs.

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
    cells = np.repeat(params["init cells"], num_sequences, axis=0)

    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:  # Iterate over time steps.
        hiddens, cells = update_lstm(input, hiddens, cells)
        output.append(hiddens_to_output_probs(hiddens))
    return output


@kernel
def lstm_log_likelihood(params: PARAMS, inputs: "f64[5,b,i]", targets: "f64[6,b,o]"):
    logprobs = lstm_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


lstm_log_likelihood_grad = grad(lstm_log_likelihood)
