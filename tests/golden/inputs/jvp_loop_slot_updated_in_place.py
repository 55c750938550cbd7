import numpy as np
from lifted import jvp, kernel


@kernel
def recurrence(x: "f64[n]", y: "f64[n]"):
    a = x.copy()
    for i in range(len(x) - 1):
        a[i + 1] = a[i] * y[i] + np.sin(a[i + 1])
    return a


@kernel
def updated_parameter(x: "f64[n]", k: "f64[]"):
    for i in range(len(x)):
        x[i] = x[i] * k + 1.0
    return x * 2.0


@kernel
def branch_and_nested_loop(x: "f64[n]", y: "f64[n]"):
    a = x * 1.0
    for step in range(2):
        for j in range(len(x)):
            if a[j] > 0.0:
                a[j] = a[j] * a[j] * y[j]
            else:
                a[j] = np.cos(a[j]) + y[j]
        a[0] += np.sum(a) * 0.1
    return np.sum(a * a)


@kernel
def alias_kept_across_steps(x: "f64[n]"):
    a = x.copy()
    b = a
    for i in range(3):
        a[i] = a[i] * 2.0 + b[i + 1]
    return a + b


recurrence_jvp = jvp(recurrence)
updated_parameter_jvp = jvp(updated_parameter)
branch_and_nested_loop_jvp = jvp(branch_and_nested_loop)
alias_kept_across_steps_jvp = jvp(alias_kept_across_steps)
