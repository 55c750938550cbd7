"""The forward algorithm of a hidden Markov model, in log space: its value and its gradient with respect to the
natural parameters give the E step of EM (Baum-Welch).

Ported from autograd's examples/hmm_em.py (https://github.com/HIPS/autograd, MIT license): the function
`log_partition_function` as written there (a sequence, or a list of sequences through `map` and `partial` of
itself), with autograd's own imports. Changes: `@kernel` and annotations; the EM driver and data loading are left
out.
"""
from functools import partial

import autograd.numpy as np
from autograd.scipy.special import logsumexp

from lifted import kernel, value_and_grad

NATURAL = "(f64[k], f64[k,k], f64[k,m])"


@kernel
def log_partition_function(natural_params: NATURAL, data: "i64[t]"):
    if isinstance(data, list):
        return sum(map(partial(log_partition_function, natural_params), data))

    log_pi, log_A, log_B = natural_params

    log_alpha = log_pi
    for y in data:
        log_alpha = logsumexp(log_alpha[:, None] + log_A, axis=0) + log_B[:, y]

    return logsumexp(log_alpha)


@kernel
def log_partition_of_sequences(natural_params: NATURAL, data: "[i64[t], i64[s], i64[r]]"):
    return log_partition_function(natural_params, data)


vgrad = value_and_grad(log_partition_function)
vgrad_sequences = value_and_grad(log_partition_of_sequences)
