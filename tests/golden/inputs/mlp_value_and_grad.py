import numpy as np
from lifted import kernel, value_and_grad
from scipy.special import logsumexp


@kernel
def mlp_loss(w1: "f64[h,d]", b1: "f64[h]", w2: "f64[k,h]", x: "f64[n,d]", labels: "f64[n,k]"):
    hidden = np.tanh(x @ w1.T + b1)
    logits = hidden @ w2.T
    log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
    return -np.sum(labels * log_probs) / x.shape[0]


mlp_loss_vg = value_and_grad(mlp_loss, wrt=("w1", "b1", "w2"))
