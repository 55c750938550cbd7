import numpy as np
from lifted import kernel, vjp


@kernel
def first_crossing(x: "f64[n]", level: "f64[]"):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i] * x[i]
        if total > level:
            return total, x * total
    return total, x


first_crossing_vjp = vjp(first_crossing, wrt="x")
