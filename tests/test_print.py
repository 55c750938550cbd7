"""`print` in kernels: the primal prints what Python prints (same values, same order); derivative functions
print the same in their forward computation (a gradient's forward sweep, a JVP, a Hessian's), once per call and
never in a reverse sweep; vmap refuses it. Derivatives are checked against autograd and finite differences."""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from autograd import grad as autograd_grad
from autograd import hessian as autograd_hessian

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp, vmap\n"

PROGRAMS = {
    "loop_break_branch": '''
@kernel
def f(x: "f64[3]", n: "i64[]") -> "f64[]":
    total = 0.0
    for i in range(n):
        print(i, end=" ")
        total = total + np.sum(np.sin(x * i))
        if total > 1.0:
            print("big", total)
            break
    print()
    print("x is", x, sep=": ")
    return total
''',
    "unrolled_and_while": '''
@kernel
def f(x: "f64[3]", n: "i64[]") -> "f64[]":
    parts = []
    for k in range(3):
        print("part", k, x[k] * 2.0, flush=True)
        parts.append(np.tanh(x[k] * (k + 1)))
    y = sum(parts)
    c = 0
    while y < 2.0 and c < n:
        y = y + 0.5 * np.cos(y)
        print(c, y, sep=", ", end=";\\n")
        c += 1
    print(None, True, 3, 2.5)
    return y * y
''',
}


def _python(text: str):
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace["f"]


def _printed(call, *args) -> tuple[str, object]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = call(*args)
    return out.getvalue(), value


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_print_matches_python_in_the_primal_and_every_transform(name, capsys):
    text = HEADER + PROGRAMS[name] + "\ng = grad(f)\nfj = jvp(f)\nfv = vjp(f)\nfh = hessian(f)\n"
    module, python = load_source(text, f"{name}.py"), _python(text)
    x = np.array([0.4, -0.3, 0.9])
    expected, value = _printed(python, x, 5)
    assert expected  # the program prints something
    assert _printed(module.f, x, 5) == (expected, value)
    gradient_output, gradient = _printed(module.g, x, 5)
    assert gradient_output == expected  # the forward sweep prints; the reverse sweep does not
    for transform, args in ((module.fj, (x, 5, np.ones(3))), (module.fv, (x, 5, 1.0)), (module.fh, (x, 5))):
        assert _printed(transform, *args)[0] == expected
    oracle = autograd_kernels(text)["f"]
    with contextlib.redirect_stdout(io.StringIO()):  # autograd prints its boxes
        assert_close(gradient, autograd_grad(oracle)(x, 5), rtol=1e-12, atol=1e-12, what="grad vs autograd")
        assert_close(module.fh(x, 5), autograd_hessian(oracle)(x, 5), rtol=1e-9, atol=1e-10, what="hessian")
        quiet = lambda v: _printed(module.f, v, 5)[1]  # noqa: E731
        assert_close(gradient, central_difference(quiet, [x], 0), rtol=1e-6, atol=1e-8, what="grad vs FD")
    value_j, tangent = _printed(module.fj, x, 5, np.array([1.0, 2.0, -1.0]))[1]
    assert_close(tangent, gradient @ np.array([1.0, 2.0, -1.0]), rtol=1e-12, atol=1e-12, what="jvp")
    capsys.readouterr()


def test_print_in_a_called_function_and_a_branch_keeps_python_order():
    text = HEADER + '''
def helper(v, label):
    print(label, np.sum(v))
    return v * 2.0


@kernel
def f(x: "f64[3]", flag: "bool[]") -> "f64[]":
    y = helper(x, "first")
    if flag:
        print("then")
        y = helper(y, "second")
    else:
        print("else")
    return np.sum(y ** 2)


g = grad(f)
'''
    module, python = load_source(text), _python(text)
    x = np.array([0.5, 1.5, -2.0])
    for flag in (True, False):
        expected = _printed(python, x, flag)
        assert _printed(module.f, x, flag) == expected
        assert _printed(module.g, x, flag)[0] == expected[0]


def test_vmap_refuses_print_with_a_located_error():
    text = HEADER + '''
@kernel
def f(x: "f64[3]") -> "f64[]":
    print(x)
    return np.sum(x)


fb = vmap(f)
'''
    with pytest.raises(TranspileError, match="`print` in a batched kernel") as info:
        load_source(text)
    assert info.value.loc is not None and info.value.loc.line == 6


def test_print_of_a_list_or_to_a_file_is_refused():
    for call, message in (("print([x, x])", "takes arrays, numbers and strings"),
                          ("print(x, file=None)", "`print(..., file=...)` is not supported")):
        text = HEADER + f'@kernel\ndef f(x: "f64[3]") -> "f64[]":\n    {call}\n    return np.sum(x)\n'
        with pytest.raises(TranspileError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
            load_source(text)
        assert info.value.loc.line == 5
