import numpy as np
from lifted import grad, kernel


@kernel
def rows_weighed(table: "f64[n,d]", rows: "i64[k]", w: "f64[k,d]") -> "f64[]":
    picked = table[rows]
    return np.sum(np.tanh(picked) * w)


@kernel
def pairs_weighed(table: "f64[n,d]", rows: "i64[k]", cols: "i64[k]", v: "f64[k]") -> "f64[]":
    return np.sum(np.sin(table[rows, cols]) * v + table[-1, cols])


rows_weighed_grad = grad(rows_weighed, wrt="table")
pairs_weighed_grad = grad(pairs_weighed, wrt="table")
