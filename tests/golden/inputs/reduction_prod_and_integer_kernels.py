import numpy as np
from lifted import grad, kernel


@kernel
def scaled_product(x: "f64[n,d]") -> "f64[]":
    return np.prod(1.0 + 0.01 * x) + np.sum(np.prod(x * x + 1.0, axis=0))


@kernel
def integer_counts(k: "i64[n,d]", x: "f64[n,d]"):
    positive = x > 0.0
    return np.prod(k * 2 + 1), np.max(k, axis=0), np.sum(positive, axis=1), np.prod(positive, axis=1)


scaled_product_grad = grad(scaled_product)
