import numpy as np
from lifted import grad, kernel


@kernel
def rnn(h: "f64[d]", W: "f64[d,d]", xs: "f64[3,d]"):
    states = []
    for x in xs:
        h = np.tanh(W @ h + x)
        states.append(h)
    return np.sum(np.stack(states) ** 2) + sum(np.sum(s) for s in states[1:])


rnn_grad = grad(rnn, wrt="W")
