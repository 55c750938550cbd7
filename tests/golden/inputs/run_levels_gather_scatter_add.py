import numpy as np
from lifted import grad, kernel


@kernel
def levels(a: "f64[l,l]", columns: "i64[s,l]", children: "i64[s,l]", signs: "f64[s,l]",
           offsets: "i64[b]") -> "f64[]":
    minors = np.ones(columns.shape[0])
    for m in range(offsets.shape[0] - 1):
        lo = offsets[m]
        hi = offsets[m + 1]
        minors[lo:hi] = np.sum(signs[lo:hi] * a[m % a.shape[0]][columns[lo:hi]] * minors[children[lo:hi]], axis=1)
    return minors[-1]


levels_grad = grad(levels, wrt="a")
