import numpy as np
from lifted import grad, kernel

SIZES = [3, 4, 2]


def make_loss(sizes, l2=0.1):
    shapes = list(zip(sizes[:-1], sizes[1:]))

    def loss(w: "f64[m]", x: "f64[n,3]"):
        for m, n in shapes:
            W = w[:m * n].reshape((m, n))
            w = w[m * n:]
            x = np.tanh(x @ W)
        return np.sum(x ** 2)

    return loss


loss = make_loss(SIZES)
loss_grad = grad(loss)
