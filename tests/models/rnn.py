"""A recurrent neural network character model (log-likelihood of a batch of one-hot sequences).

Ported from autograd's examples/rnn.py (https://github.com/HIPS/autograd, MIT license): `sigmoid`,
`concat_and_multiply`, `rnn_predict` and `rnn_log_likelihood` as written there, with autograd's own imports.
Changes: `@kernel` and annotations (the sequence length is a literal, 5 here, since `rnn_predict` builds a Python
list of outputs, one per time step, unrolled at build time; the batch size `b` is named); data loading, training
and sampling are left out.
"""
import autograd.numpy as np
from autograd.scipy.special import logsumexp

from lifted import grad, kernel

PARAMS = "{'init hiddens': f64[1,s], 'change': f64[c,s], 'predict': f64[q,o]}"


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)  # Output ranges from 0 to 1.


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_predict(params, inputs):
    def update_rnn(input, hiddens):
        return np.tanh(concat_and_multiply(params["change"], input, hiddens))

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params["predict"], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)  # Normalize log-probs.

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]

    for input in inputs:  # Iterate over time steps.
        hiddens = update_rnn(input, hiddens)
        output.append(hiddens_to_output_probs(hiddens))
    return output


@kernel
def rnn_log_likelihood(params: PARAMS, inputs: "f64[5,b,i]", targets: "f64[6,b,o]"):
    logprobs = rnn_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


rnn_log_likelihood_grad = grad(rnn_log_likelihood)
