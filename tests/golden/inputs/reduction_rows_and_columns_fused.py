import numpy as np
from lifted import grad, kernel


@kernel
def softmax_rows_loss(logits: "f64[n,k]", scale: "f64[k]", counts: "i64[n,k]") -> "f64[]":
    z = logits * scale
    top = np.max(z, axis=1, keepdims=True)
    lse = top + np.log(np.sum(np.exp(z - top), axis=1, keepdims=True))
    per_class = np.mean((z - lse) ** 2, axis=0)
    spread = np.prod(1.0 + 0.1 * np.tanh(z), axis=1)
    return np.sum(per_class) + np.sum(spread) + np.sum(np.min(counts * 2 - 1, axis=0))


softmax_rows_loss_grad = grad(softmax_rows_loss, wrt=("logits", "scale"))
