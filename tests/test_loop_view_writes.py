"""A loop writing through a view of an array that no name holds (`y = np.zeros((3, n)).T`, `v = np.flip(0.5 * x)`).

The loop carries what names hold; a view the body writes through is recomputed afterwards from the array it looks
into. An array no name holds was not carried, so the writes were lost and the kernel returned the view as it was
before the loop (found by the user-forms generator, seed 1145). Such a loop is refused at its line with a hint; the
same program with the array named computes Python's values.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError, transpile_source

HEAD = 'import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[n]"):\n'
LOOP = "    for i in range(2):\n        {view}[{view} > 0.3] -= 1.0\n    return {view}\n"
WHILE = "    k = 0\n    while k < 2:\n        {view}[{view} > 0.3] -= 1.0\n        k += 1\n    return {view}\n"
FILL = "    for i in range(3):\n        {view}[:, i] = x * i\n    return {view}\n"

UNNAMED = [("    v = np.flip(0.5 * x, axis=0)\n", LOOP, "v"), ("    v = (0.5 * x)[::-1]\n", LOOP, "v"),
           ("    v = (0.5 * x)[1:]\n", WHILE, "v"), ("    y = np.zeros((3, x.shape[0])).T\n", FILL, "y"),
           ("    v = np.flip(0.5 * x, axis=0)[1:]\n", LOOP, "v")]
NAMED = [("    b = 0.5 * x\n    v = np.flip(b, axis=0)\n", LOOP, "v"), ("    b = 0.5 * x\n    v = b[1:]\n", WHILE, "v"),
         ("    z = np.zeros((3, x.shape[0]))\n    y = z.T\n", FILL, "y")]


@pytest.mark.parametrize("head, body, view", UNNAMED)
def test_writes_through_a_view_of_an_unnamed_array_in_a_loop_are_refused_at_the_loop(head, body, view):
    source = HEAD + head + body.format(view=view)
    with pytest.raises(TranspileError, match="no name holds") as raised:
        transpile_source(source, "loop_view.py")
    loop_line = 7 + head.count("\n") - (0 if "while" not in body else -1)
    assert str(raised.value).startswith(f"loop_view.py:{loop_line}:5:"), str(raised.value)
    assert "name the array first" in str(raised.value)


@pytest.mark.parametrize("head, body, view", NAMED)
def test_the_same_loop_with_the_array_named_is_pythons(head, body, view):
    source = HEAD + head + body.format(view=view)
    python: dict = {}
    exec(compile(source.replace("from lifted import kernel", "kernel = lambda f: f"), "python_reference", "exec"),
         python)
    module = load_source(source, "loop_view_named.py")
    for x in (np.linspace(0.0, 1.0, 6), np.array([0.9, -0.2, 0.7, 0.31])):
        expected, got = python["f"](x.copy()), module.f(x.copy())
        assert got.dtype == expected.dtype and got.shape == expected.shape and got.tobytes() == expected.tobytes()
