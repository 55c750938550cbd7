"""Derivatives over an `if` or a loop whose values have sizes the types leave open or only one branch computes.

The minimal programs of what the view fuzzer found (tests/test_property_views.py, seeds 105, 112, 113, 249 and
293): each crashed the generated code with an UnboundLocalError, never a wrong number, but on every call.
* reverse mode: a size computed for one branch's adjoint (`n_minus_1 = n - 1`, the zeros of a slice's adjoint)
  was read again by the other branch's, where it was never assigned (`Builder.into` scopes such sizes to a block);
* forward mode: the zero tangent of a loop slot (or of a branch's merged value) whose size the types leave open
  (`?`: `x[:3]` meets an `f64[n]`) read that size from the slot itself, before the loop assigns it; it is read
  from the value entering the slot now; so is a reverse loop's zero cotangent for a slot, from the value after the
  loop (an inner loop's slot exists inside it only, and the outer reverse sweep never read it from a tape).

vmap (found by tests/test_property_branches.py, its seed 0): one element read out of an array is a new scalar for
one example, but the batch's column of those elements is a view, which an in-place update of the array after the
read changed (`v = a[1]; a[1] = 0.0`, and the reverse sweep of `a[1] = a[2]` reads so): a wrong number, now a
copy where an update follows the read (transforms/batch/copies.py).

A basic-indexing view of another view (`np.reshape(a, (5, 1))[:, 0]`, `np.flip(a)[1:]`) read after `a` is updated in
place (view seeds 1017 and 1240 read it in a conditional expression): it was recomputed from the reshape, which
kept the old elements, a wrong value; it is refused where it is read now where the reshape may be a copy (of a
parameter), recomputed where it is a view (of an array the kernel made: normalize/view_writes.py), as a flip's is
(`np.flip` gives a view whatever the layout, `always_views`)
(normalize/alias.py). One indexed straight from the array is still recomputed (Python's values).

Each program is checked against Python itself: its value, its gradient against central finite differences of
the untouched source and against autograd (the programs are functional, so autograd runs the source as it
is), `hessian`, `jvp(grad)`, `vjp(grad)` and `grad(grad)` against autograd and finite differences of the checked
gradient, on both sides of the branch; then every generated function on the C CPU target against the NumPy
backend.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python, check_second_order, load_source
from lifted.transpiler import TranspileError
from test_c_backend import assert_agree, c_module
from vmap_oracle import loop

HEAD = '''
import numpy as np
from lifted import grad, kernel


'''
PROGRAMS = {
    # the else branch's adjoint of `v` (a slice, `n-1` long) is a broadcast sized `n - 1`; the then branch's is
    # zeros of that size, made first (seed 105)
    "slice_adjoint_on_one_branch": '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    v = x[1:]
    if s > 0.0:
        r = s * 2.0
    else:
        r = np.sum(v) * np.sin(s)
    return r + np.sum(np.sin(x))
''',
    # `acc` enters the loop as `f64[n]` and leaves it as `?` (it meets `x[:3]`): its zero tangent on entry
    # (`np.ones` has none) is sized like `acc` itself (seeds 112, 113, 249)
    "loop_slot_of_open_size": '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    v = x[:3] * 1.0
    acc = np.ones(len(x))
    for i in range(2):
        acc = acc * s + v
    return np.sum(acc * x)
''',
    # `a` is `f64[n]` on one path and `x[:3]` on the other: each path's tangent is sized like its own value
    # (seed 293)
    "branch_values_of_two_sizes": '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    a = x * 1.0
    if s > 0.0:
        a = a * s
    else:
        a = x[:3] * s
    return np.sum(a * a)
''',
    # an inner `while` whose slot of open size gets no cotangent after it (only a condition reads it there) and
    # one from an early `return`: its zero cotangent was sized from the slot, which the outer loop's reverse sweep
    # never read back from its tape (branch fuzzer seeds 82, 83)
    "inner_while_slot_without_cotangent": '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    r = 0.0
    for i in range(2):
        acc = np.zeros_like(x)
        c = 0
        while c < 3:
            acc = acc * s + np.reshape(x, (3, 1))[:, 0]
            if acc[0] > 0.4:
                return np.sum(acc * acc) + r
            c += 1
        r = r + s * (1.0 if acc[1] > 0.0 else 2.0)
    return r
''',
    # the same in a `while` whose trip count depends on the data, inside `hessian` and `jvp(grad)`
    "while_slot_of_open_size": '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    v = x[:3] * 1.0
    acc = np.ones(len(x))
    k = 0
    while k < 4 and np.sum(acc) < 8.0:
        acc = acc * np.cos(s) + v * v
        k += 1
    return np.sum(acc * x)
''',
}


def _args(s: float) -> list:
    return [np.array([0.3, -0.7, 1.1]), s]


@pytest.mark.parametrize("s", [0.6, -0.6])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradients_match_python(name, s):
    text = HEAD + PROGRAMS[name] + '\n\ng = grad(f, wrt=("x", "s"))\n'
    check_against_python(text, _args(s))


@pytest.mark.parametrize("s", [0.6, -0.6])
@pytest.mark.parametrize("position", [0, 1])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_second_derivatives_match_python(name, position, s):
    check_second_order(HEAD + PROGRAMS[name], _args(s), position)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_function_on_the_cpu_target(name, tmp_path):
    text = HEAD.replace("grad, kernel", "grad, hessian, jvp, kernel, vjp") + PROGRAMS[name] + (
        '\n\ng = grad(f, wrt=("x", "s"))\nf_x = grad(f, wrt="x")\nf_hvp = jvp(f_x, wrt="x")\n'
        'f_hess = hessian(f, wrt="x")\nf_s = grad(f, wrt="s")\nf_ss = grad(f_s, wrt="s")\nf_vjp = vjp(f_x, wrt="x")\n')
    reference = load_source(text, f"{name}.py")
    compiled, _ = c_module(text, tmp_path, name)
    direction = np.array([0.5, -1.0, 2.0])
    for s in (0.6, -0.6):
        for function, extra in (("f", ()), ("g", ()), ("f_x", ()), ("f_hvp", (direction,)), ("f_hess", ()),
                                ("f_s", ()), ("f_ss", ()), ("f_vjp", (direction,))):
            args = _args(s) + list(extra)
            assert_agree(getattr(compiled, function)(*args), getattr(reference, function)(*args),
                         f"{name}.{function} at s={s}")


# vmap: an element read, then its array updated in place; the same in the reverse sweep of `a[1] = a[2]`
VMAP_PROGRAMS = {
    "element_read_before_its_update": '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    a = x * 1.0
    v = a[1]
    a[1] = 0.0
    a[2] += v
    return a[2] + v * s
''',
    "element_moved_in_a_branch": '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    a = x[:3] * 1.0
    if x[3] > 0.0:
        a[1] = a[2]
    return a[1] * x[0] * s
''',
}
VMAPPED = '''

g = grad(f, wrt=("x", "s"))
f_x = grad(f, wrt="x")
f_v = vmap(f, in_axes=(0, None))
f_vx = vmap(f_x, in_axes=(0, None))
f_xv = vmap(grad(f, wrt="x"), in_axes=(0, 0))
'''


def _batch() -> np.ndarray:
    return np.random.default_rng(3).normal(size=(6, 5))  # x[3] of either sign among the examples


@pytest.mark.parametrize("name", sorted(VMAP_PROGRAMS))
def test_vmap_keeps_an_elements_value_after_its_array_is_updated(name, tmp_path):
    text = HEAD.replace("grad, kernel", "grad, kernel, vmap") + VMAP_PROGRAMS[name] + VMAPPED
    xs = _batch()
    check_against_python(text, [xs[0], 0.7])
    module = load_source(text, f"{name}.py")
    compiled, _ = c_module(text, tmp_path, name)
    ss = np.linspace(-1.0, 1.0, len(xs))
    for target in (module, compiled):
        assert_agree(target.f_v(xs, 0.7), loop(module.f, [xs, 0.7], (0, None)), f"{name}.f_v")
        assert_agree(target.f_vx(xs, 0.7), loop(module.f_x, [xs, 0.7], (0, None)), f"{name}.f_vx")
        assert_agree(target.f_xv(xs, ss), loop(module.f_x, [xs, ss], (0, 0)), f"{name}.f_xv")


# a view of `a` indexed again (a basic index of a reshape, a flip), read after `a` is updated in place
VIEW_OF_VIEW = '''
@kernel
def f(x: "f64[n]", s: "f64[]"):
    a = x * 1.0
    v = {view}
    a += 1.0
    return {read}
'''


@pytest.mark.parametrize("view", ["np.reshape(a, (5, 1))[:, 0]", "np.ravel(a)[1:]"])
@pytest.mark.parametrize("read", ["np.sum(v)", "x[4] if s > 1.0 else v[1]"])
def test_an_index_of_another_view_read_after_the_update_is_refused_where_it_is_read(view, read):
    """`a` is the parameter here: whether its reshape is a view depends on the caller's array."""
    text = HEAD + VIEW_OF_VIEW.format(view=view, read=read).replace("a = x * 1.0", "a = x")
    with pytest.raises(TranspileError) as error:
        load_source(text)
    assert error.value.loc is not None and error.value.loc.line == text.splitlines().index(f"    return {read}") + 1
    assert "`v`" in str(error.value) and "view of `a`" in str(error.value)


@pytest.mark.parametrize("view", ["a[::-1][1:]", "a[1:][::2]", "np.flip(a)[1:]", "np.expand_dims(a, 1)[:, 0][1:]",
                                  "np.reshape(a, (-1, 1))[:, 0]", "np.ravel(a)[1:]"])
def test_an_index_of_an_index_read_after_the_update_sees_it(view):
    """(`np.flip` and `np.expand_dims` give views whatever the layout: recomputed as indexing is, the registry's
    `always_views`; a reshape of `x * 1.0`, a new 1-D array, so contiguous, is a view too; a reshape of the
    parameter may copy, above.)"""
    text = HEAD + VIEW_OF_VIEW.format(view=view, read="np.sum(v * v) * s") + '\n\ng = grad(f, wrt=("x", "s"))\n'
    check_against_python(text, _args(0.6))
