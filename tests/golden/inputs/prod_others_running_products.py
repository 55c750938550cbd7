import numpy as np
from lifted import grad, hessian, kernel


@kernel
def row_products(x: "f64[n,d]"):
    return np.sum(np.sin(x.prod(axis=1)))


row_products_grad = grad(row_products)
row_products_hessian = hessian(row_products)
