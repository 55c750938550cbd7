"""`break` and `continue` in loops the compiler unrolls (over a list, or a constant range whose body needs each
iteration): a running flag as in a run-time loop; each later iteration runs under `if running:`. Checked against
Python (values, the loop variable after the loop), autograd and finite differences; `return` there stays a
located error."""
from __future__ import annotations

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel\n"

BODIES = {
    "break_over_list": '''
    scales = [0.5, 1.5, -2.0, 3.0]
    total = 0.0
    for k, c in enumerate(scales):
        total = total + np.sum(np.sin(x * c))
        if total > s:
            break
    return total * (k + 1)
''',
    "continue_over_params": '''
    layers = [(x * 1.0, 0.5), (x * x, -1.0), (np.cos(x), 2.0)]
    acc = x * 0.0
    for v, w in layers:
        if np.sum(v) < s:
            continue
        acc = acc + np.tanh(v * w)
    return np.sum(acc ** 2)
''',
    "constant_break_and_list": '''
    outs = []
    for i in range(5):
        if i == 3:
            break
        outs.append(x[i] * s)
    return sum(outs) + np.sum(np.stack(outs) ** 2)
''',
}


@pytest.mark.parametrize("name", list(BODIES))
@pytest.mark.parametrize("s", [0.3, -0.6, 2.5])
def test_unrolled_loops_stop_as_python_does(name, s):
    text = HEADER + '\n@kernel\ndef f(x: "f64[4]", s: "f64[]") -> "f64[]":' + BODIES[name] + \
        "\ng = grad(f)\nfj = jvp(f)\nfh = hessian(f)\n"
    module, oracle = load_source(text, f"{name}.py"), autograd_kernels(text)["f"]
    python: dict = {}
    exec(compile(text, "py", "exec"), python)
    x = np.array([0.3, -0.8, 0.5, 1.1])
    assert_close(module.f(x, s), python["f"](x, s), rtol=1e-13, atol=1e-13, what="value vs Python")
    gradient = module.g(x, s)
    assert_close(gradient, autograd_grad(oracle)(x, s), rtol=1e-12, atol=1e-12, what="grad vs autograd")
    assert_close(gradient, central_difference(module.f, [x, s], 0), rtol=1e-6, atol=1e-8, what="grad vs FD")
    tangent = np.array([1.0, 0.5, -2.0, 0.25])
    assert_close(module.fj(x, s, tangent)[1], gradient @ tangent, rtol=1e-12, atol=1e-12, what="jvp")
    eps = 1e-6
    columns = [(module.g(x + eps * e, s) - module.g(x - eps * e, s)) / (2 * eps) for e in np.eye(4)]
    assert_close(module.fh(x, s), np.array(columns).T, rtol=1e-5, atol=1e-6, what="hessian vs FD")


def test_a_list_appended_after_a_run_time_break_is_refused():
    text = HEADER + '''
@kernel
def f(x: "f64[4]", s: "f64[]") -> "f64[]":
    outs = []
    for c in [1.0, 2.0, 3.0]:
        if np.sum(x * c) > s:
            break
        outs.append(x * c)
    return np.sum(np.stack(outs))
'''
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc.line == 10


def test_return_in_an_unrolled_loop_is_a_located_error():
    text = HEADER + '''
@kernel
def f(x: "f64[4]", s: "f64[]") -> "f64[]":
    for c in [1.0, 2.0]:
        if np.sum(x) > s:
            return x[0] * c
    return s
'''
    with pytest.raises(TranspileError, match="`return` is not supported in a loop over a list") as info:
        load_source(text)
    assert info.value.loc.line == 6
