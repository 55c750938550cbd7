"""The IR's use-before-define check (transpiler/ir/verify.py) and the names check of generated code
(transpiler/ir/names.py): each finds the broken program a pass could make, and passes what the compiler makes."""
from __future__ import annotations

import dataclasses

import pytest

from lifted.transpiler.ir import Eqn, If, Loop
from lifted.transpiler.ir.names import check_names
from lifted.transpiler.ir.verify import ENV_FLAG, IRError, verified, verify
from lifted.transpiler.pipeline import lower_source, transpile_source

SOURCE = '''
import numpy as np
from lifted import kernel, grad

@kernel
def f(x: "f64[n]", k: "i64[]") -> "f64[]":
    y = np.sin(x)
    z = y * 2.0
    if k > 0:
        w = z + 1.0
    else:
        w = z - 1.0
    for i in range(k):
        w = w * 0.5
    return np.sum(w)

g = grad(f)
'''


def _lowered():
    return {fn.name: fn for fn in lower_source(SOURCE, "f.py").functions}


def test_what_the_compiler_makes_passes():
    for fn in _lowered().values():
        verify(fn, "test")
    check_names(transpile_source(SOURCE, "f.py"), "f.py")


def test_a_read_before_its_definition_is_found():
    fn = _lowered()["f"]
    eqns = [s for s in fn.body if isinstance(s, Eqn)]
    first, second = next((a, b) for a in eqns for b in eqns if any(arg is a.out for arg in b.args))
    body = list(fn.body)
    body.remove(first)
    body.insert(body.index(second) + 1, first)  # defined after its use
    with pytest.raises(IRError, match=rf"`{first.out.name}` is read by .* where no path defines it"):
        verify(dataclasses.replace(fn, body=body), "a reordering pass")


def test_a_value_of_one_branch_read_after_the_if_is_found():
    fn = _lowered()["f"]
    branch = next(s for s in fn.body if isinstance(s, If))
    inner = next(s for s in branch.then_body if isinstance(s, Eqn))
    after = dataclasses.replace(inner, args=(inner.out,) + tuple(inner.args[1:]), outs=inner.outs)
    body = list(fn.body)
    body.insert(body.index(branch) + 1, after)  # reads the branch's own value after it
    with pytest.raises(IRError, match=f"`{inner.out.name}` is read"):
        verify(dataclasses.replace(fn, body=body))


def test_a_value_of_a_loop_body_read_after_the_loop_is_found():
    fn = _lowered()["f"]
    loop = next(s for s in fn.body if isinstance(s, Loop))
    inner = next(s for s in loop.body if isinstance(s, Eqn))
    body = list(fn.body)
    body.insert(body.index(loop) + 1, dataclasses.replace(inner, args=(inner.out,) + tuple(inner.args[1:])))
    with pytest.raises(IRError, match="where no path defines it"):
        verify(dataclasses.replace(fn, body=body))


def test_a_pass_is_named_where_the_flag_is_on(monkeypatch):
    fn = _lowered()["f"]

    @verified("the broken pass")
    def broken(fn):
        return dataclasses.replace(fn, body=list(reversed(fn.body)))

    for flag in ("1", None):  # (on by default: the builds check the IR too)
        if flag is None:
            monkeypatch.delenv(ENV_FLAG)
        else:
            monkeypatch.setenv(ENV_FLAG, flag)
        with pytest.raises(IRError, match="after the broken pass"):
            broken(fn)
    monkeypatch.setenv(ENV_FLAG, "0")
    broken(fn)  # (off: not checked)


@pytest.mark.parametrize("code, name", [
    ("def f(x):\n    y = x + 1\n    del y\n    return y\n", "y"),
    ("def f(x, c):\n    y = x + 1\n    if c:\n        del y\n    return y\n", "y"),
    ("def f(x, n):\n    y = x + 1\n    for i in range(n):\n        z = y * 2\n        del y\n    return x\n", "y"),
    ("def f(x, n):\n    for i in range(n):\n        y = x\n    return y\n", "y"),
    ("def f(x, n):\n    while True:\n        if n:\n            break\n        y = x\n    return y\n", "y"),
    ("def f(x):\n    x += z\n    z = 1\n    return x\n", "z"),
    ("def f(x):\n    for i in range(0):\n        y = x\n    return y\n", "y"),  # (a literal range of no trip)
    ("def f(x):\n    for i in range(2):\n        if x:\n            continue\n        y = x\n    return y\n", "y"),
])
def test_generated_code_reading_an_unbound_name_is_found(code, name):
    with pytest.raises(IRError, match=f"reads `{name}`"):
        check_names(code, "m.py")


@pytest.mark.parametrize("code", [
    "def f(x, c):\n    if c:\n        y = 1\n    else:\n        y = 2\n    return y + np.sum(x)\n",
    "def f(x, n):\n    y = x\n    for i in range(n):\n        del y\n        y = x * i\n    return y\n",
    "def f(x, n):\n    while True:\n        y = x\n        if n:\n            break\n    return y\n",
    "def f(x):\n    return [v for v in x] + list(map(lambda u: u, x))\n",
    "def f(x, c):\n    if c:\n        return x\n    else:\n        raise ValueError(x)\n",
    "def f(x):\n    for i in range(2):\n        y = -x\n    return y\n",  # (a literal range runs: the dice backend's)
    "def f(x):\n    for i in range(-1, -3, -1):\n        y = -x\n    return y\n",
])
def test_generated_code_binding_every_read_passes(code):
    check_names(code, "m.py")
