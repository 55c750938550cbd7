"""A loop writing through a view of an array that no name holds (`y = np.zeros((3, n)).T`, `v = np.flip(0.5 * x)`).

The loop carries what names hold, and a view the body writes through is recomputed afterwards from the array it
looks into. An array no name held was not carried: the writes were lost and the kernel returned the view as it was
before the loop (found by the user-forms generator, seed 1145); the nineteenth session refused such loops. The array
now gets a compiler key before the loop (`<base0>`) and is carried like a named one: the value is Python's, bit for
bit, on the NumPy backend and the C target; the gradient agrees with central differences (and autograd where it can
run the source); vmap agrees with the loop over the examples.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n\n@kernel\ndef f(x: \"f64[n]\"):\n"
LOOP = "    for i in range(2):\n        {view}[{view} > 0.3] -= 1.0\n"
WHILE = "    k = 0\n    while k < 2:\n        {view}[{view} > 0.3] -= 1.0\n        k += 1\n"
FILL = "    for i in range(3):\n        {view}[:, i] = x * i\n"
NESTED = "    for i in range(2):\n        for j in range(3):\n            {view}[j, :] += {view}[j, :] * 0.5 + i\n"

UNNAMED = [("    v = np.flip(0.5 * x, axis=0)\n", LOOP, "v"), ("    v = (0.5 * x)[::-1]\n", LOOP, "v"),
           ("    v = (0.5 * x)[1:]\n", WHILE, "v"), ("    y = np.zeros((3, x.shape[0])).T\n", FILL, "y"),
           ("    v = np.flip(0.5 * x, axis=0)[1:]\n", LOOP, "v"),
           ("    y = np.outer(x, np.ones(3)).T\n", NESTED, "y"),
           ("    v = (0.5 * x)[::-1]\n    w = (x * x)[1:]\n", LOOP + "        w[w > 0.3] *= 0.5\n", "v"),
           ("    v = (0.5 * x)[::-1]\n    u = v[1:]\n", LOOP + "        u[0] += 2.0\n", "v")]
NAMED = [("    b = 0.5 * x\n    v = np.flip(b, axis=0)\n", LOOP, "v"), ("    b = 0.5 * x\n    v = b[1:]\n", WHILE, "v"),
         ("    z = np.zeros((3, x.shape[0]))\n    y = z.T\n", FILL, "y")]
INPUTS = (np.linspace(0.0, 1.0, 6), np.array([0.9, -0.2, 0.7, 0.31]), np.array([0.55]))


def program(head: str, body: str, view: str, result: str, derived: str = "\n\ng = grad(f)\nfv = vmap(f)\n") -> str:
    return HEAD + head + body.format(view=view) + f"    return {result}\n" + derived


def python_f(source: str):
    namespace: dict = {}
    exec(compile(source.replace("from lifted import grad, kernel, vmap",
                                "kernel = grad = vmap = lambda f: f"), "python_reference", "exec"), namespace)
    return namespace["f"]


def same_bits(got, expected) -> None:
    assert got.dtype == expected.dtype and got.shape == expected.shape, (got, expected)
    assert got.tobytes() == expected.tobytes(), (got, expected)


@pytest.mark.parametrize("head, body, view", UNNAMED + NAMED)
def test_the_loop_writes_reach_the_array_as_in_python(head, body, view, tmp_path):
    source = program(head, body, view, view, derived="")
    reference = python_f(source)
    numpy_module = load_source(source, "loop_view.py")
    c_host, _ = c_module(source, tmp_path, "loop_view")
    for x in INPUTS:
        try:
            expected = reference(x.copy())
        except IndexError:  # (`u[0]` of an empty `u`): the kernels raise as Python does
            for module in (numpy_module, c_host):
                with pytest.raises(IndexError):
                    module.f(x.copy())
            continue
        same_bits(numpy_module.f(x.copy()), expected)
        same_bits(c_host.f(x.copy()), expected)


@pytest.mark.parametrize("head, body, view", UNNAMED)
def test_the_gradient_through_the_carried_array(head, body, view):
    source = program(head, body, view, f"np.sum(np.sin({view}) * {view})")
    for x in (np.array([0.1, 0.25, 0.7, 0.9, -0.4]), np.array([0.45, 0.8])):  # (no element at a mask's edge)
        check_against_python(source, [x])


@pytest.mark.parametrize("head, body, view", UNNAMED)
def test_vmap_agrees_with_the_loop_over_examples(head, body, view):
    source = program(head, body, view, f"np.sum(np.sin({view}) * {view})")
    reference, module = python_f(source), load_source(source, "loop_view_vmap.py")
    xs = np.random.default_rng(7).uniform(-1.0, 1.0, (5, 4))
    expected = np.array([reference(x.copy()) for x in xs])
    np.testing.assert_allclose(module.fv(xs.copy()), expected, rtol=1e-13, atol=1e-14)
