import numpy as np
from lifted import grad, kernel


@kernel
def logistic_loss_by_rows(X: "f64[n,d]", w: "f64[d]", b: "f64[]"):
    loss = 0.0
    for row in X:
        z = row @ w + b
        loss = loss + np.log(1.0 + np.exp(-z))
    return loss / X.shape[0]


logistic_loss_by_rows_grad = grad(logistic_loss_by_rows, wrt=("X", "w", "b"))
