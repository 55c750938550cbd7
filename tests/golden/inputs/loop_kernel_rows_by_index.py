import numpy as np
from lifted import grad, kernel


@kernel
def rows_by_index(w: "f64[l,b]", seq: "f64[c,b]") -> "f64[]":
    state = w * 1.0
    total = 0.0
    for t in range(seq.shape[0]):
        x = seq[t]
        for i in range(state.shape[0]):
            state[i] = np.tanh(state[i] * x + w[i])
            x = state[i]
        total = total + np.log(np.sum(np.exp(x)))
    return total


rows_by_index_grad = grad(rows_by_index, wrt="w")
