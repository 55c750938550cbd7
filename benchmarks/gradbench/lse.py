"""GradBench `lse`: log-sum-exp of a vector written from max, exp, sum and log; `primal` and `gradient`."""
import numpy as np

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def primal(x: "f64[n]") -> "f64[]":
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


gradient = grad(primal, wrt="x")
'''


def prepare(function, input):
    return (np.asarray(input["x"], dtype=np.float64),)


def output(function, value):
    return float(value) if function == "primal" else np.asarray(value).tolist()
