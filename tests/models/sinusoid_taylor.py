"""sin(x) by its Taylor series, summed until the terms are small, and its first two derivatives.

Ported from autograd's examples/sinusoid.py (https://github.com/HIPS/autograd, MIT license), second part, with
autograd's own imports, the loop's `print(i, end=" ")` included (the generated functions print the same). Changes:
`@kernel` and the annotation; the plotting is left out.
"""
import autograd.numpy as np

from lifted import grad, kernel


@kernel
def fun(x: "f64[]"):
    currterm = x
    ans = currterm
    for i in range(1000):
        print(i, end=" ")
        currterm = -currterm * x**2 / ((2 * i + 3) * (2 * i + 2))
        ans = ans + currterm
        if np.abs(currterm) < 0.2:
            break  # (Very generous tolerance!)
    return ans


d_fun = grad(fun)  # First derivative
dd_fun = grad(d_fun)  # Second derivative
