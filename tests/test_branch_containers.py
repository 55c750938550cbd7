"""Lists, tuples and dicts bound differently on the two branches of an `if` decided at run time: merged element
by element where their structure (lengths, keys) agrees, refused with a located error where it does not. Checked
against Python (values), autograd and finite differences."""
from __future__ import annotations

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel\n"

BODIES = {
    "swap": '''
    a, b = np.sin(x), x * 2.0
    if s > 0.0:
        xs = [a, b]
    else:
        xs = [b, a]
    return np.sum(xs[0] * 3.0 + xs[1] ** 2)
''',
    "nested_and_dict": '''
    a = np.tanh(x)
    if s > 0.0:
        p = {"w": (a, x * s), "k": [1.0, a]}
        label = "pos"
    else:
        p = {"w": (x * x, a), "k": [2.0, x]}
        label = "pos"
    out = p["w"][0] @ p["w"][1] + np.sum(p["k"][1]) * p["k"][0]
    return out if label == "pos" else -out
''',
    "appended_after_and_shared": '''
    if np.sum(x) > s:
        xs = [x * 2.0, np.cos(x)]
    else:
        xs = [np.sin(x), x]
    ys = xs
    ys.append(x * s)
    total = 0.0
    for v in xs:
        total = total + np.sum(v * v)
    return total + np.sum(ys[2])
''',
}


@pytest.mark.parametrize("name", list(BODIES))
@pytest.mark.parametrize("s", [0.7, -0.4])
def test_containers_merge_element_by_element(name, s):
    text = HEADER + '\n@kernel\ndef f(x: "f64[3]", s: "f64[]") -> "f64[]":' + BODIES[name] + \
        "\ng = grad(f, wrt=(\"x\", \"s\"))\nfj = jvp(f)\nfh = hessian(f)\n"
    module, oracle = load_source(text, f"{name}.py"), autograd_kernels(text)["f"]
    python: dict = {}
    exec(compile(text, "py", "exec"), python)
    x = np.array([0.3, -0.8, 0.5])
    assert_close(module.f(x, s), python["f"](x, s), rtol=1e-13, atol=1e-13, what="value vs Python")
    dx, ds = module.g(x, s)
    assert_close(dx, autograd_grad(oracle, 0)(x, s), rtol=1e-12, atol=1e-12, what="dx vs autograd")
    assert_close(ds, autograd_grad(oracle, 1)(x, s), rtol=1e-12, atol=1e-12, what="ds vs autograd")
    assert_close(dx, central_difference(module.f, [x, s], 0), rtol=1e-6, atol=1e-8, what="dx vs FD")
    tangent = np.array([1.0, 0.5, -2.0])
    assert_close(module.fj(x, s, tangent)[1], dx @ tangent, rtol=1e-12, atol=1e-12, what="jvp")
    eps = 1e-6
    columns = [(module.g(x + eps * e, s)[0] - module.g(x - eps * e, s)[0]) / (2 * eps) for e in np.eye(3)]
    assert_close(module.fh(x, s), np.array(columns).T, rtol=1e-5, atol=1e-7, what="hessian vs FD of the gradient")


@pytest.mark.parametrize("then, orelse, message", [
    ("xs = [x, x]", "xs = [x]", "of length 2 on one branch .* and of length 1 on the other"),
    ('xs = {"a": x}', 'xs = {"b": x}', "dicts with different keys"),
    ("xs = [x, np.sum]", "xs = [x, np.max]", "on one branch .* on the other"),
])
def test_containers_of_another_structure_are_refused(then, orelse, message):
    text = HEADER + f'''
@kernel
def f(x: "f64[3]", s: "f64[]") -> "f64[]":
    if s > 0.0:
        {then}
    else:
        {orelse}
    return s
'''
    with pytest.raises(TranspileError, match=message) as info:
        load_source(text)
    assert info.value.loc.line == 6


def test_an_element_sharing_an_array_on_one_path_only_is_ambiguous_after_a_write():
    """`xs[0]` is `a` on one path and a copy on the other: a write through it may or may not change `a`."""
    text = HEADER + '''
@kernel
def f(x: "f64[3]", s: "f64[]") -> "f64[]":
    a = x * 1.0
    if s > 0.0:
        xs = [a]
    else:
        xs = [a.copy()]
    v = xs[0]
    v[0] = 5.0
    return np.sum(a)
'''
    with pytest.raises(TranspileError, match="may or may not"):
        load_source(text)
