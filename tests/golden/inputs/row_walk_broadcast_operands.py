import numpy as np
from lifted import grad, kernel


# a flat kernel over operands broadcast along the last axis (`t[:, None]`) and along the others (`e`, `w`): a
# launch whose rows are long enough walks them (LIFTED_BY_ROW_WALK), reading `e` as contiguous vectors and `t`
# once per row; a power's squaring steps walk rows of 16 or more
@kernel
def polynomial_table(t: "f64[n]", e: "f64[m]", w: "f64[p,1,m]") -> "f64[]":
    return np.sum(w * t[:, None] ** e + t[:, None] * e)


polynomial_table_grad = grad(polynomial_table, wrt="t")
