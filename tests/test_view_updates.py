"""A view taken, the array it looks into updated in place afterwards, the view read: Python's values and gradients.

For every primitive marked `views` in the registry that a source can spell (and the spellings that lower to them:
`.T`, `np.rot90`, `np.einsum` of one operand, slices and rows), three updates of the viewed array (`x[0, 1] =
...`, `x += ...`, `x[i] += ...` in a loop):

* read before the update, and again by the reverse sweep after it (`np.sin(v) * v`): reverse mode must copy the
  view before the update (transforms/mutation.py, through the registry's `shares_first`); a missing entry was a
  wrong gradient for `np.flip`, `np.diagonal` and `np.einsum` views;
* read after the update: Python reads the updated elements. A view its primitive gives whatever the array's
  layout (basic indexing, and the registry's `always_views`: `.T`, `np.flip`, `np.diagonal`, ...) is recomputed
  from the updated array; any other view (`np.reshape`, which copies an array that is not contiguous; a
  one-operand `np.einsum`) is refused with a located error, never read stale (`np.einsum('ij->ji', x)` was,
  before it was marked).

Each program runs on the NumPy module (and one spelling of each primitive on the C target, `backend="c"`),
against the untouched source run by Python (values), central differences of it and autograd on a functional
rewrite of the same program (gradients).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError, transpile_source
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, kernel\n\nONE = np.arange(16).reshape(4, 4) == 1\n"
VIEWS = {  # name -> a view of the 4 x 4 array `x`
    "transpose": "x.T", "np_transpose": "np.transpose(x, (1, 0))", "swapaxes": "np.swapaxes(x, 0, 1)",
    "reshape": "np.reshape(x, (2, 8))", "ravel": "np.ravel(x)", "expand_dims": "np.expand_dims(x, 0)",
    "squeeze": "np.squeeze(x[None])", "broadcast_to": "np.broadcast_to(x, (2, 4, 4))", "flip": "np.flip(x, 0)",
    "fliplr": "np.fliplr(x)", "rot90": "np.rot90(x)", "diagonal": "np.diagonal(x)", "diagonal_method": "x.diagonal()",
    "einsum_transpose": "np.einsum('ij->ji', x)",  # (reverse mode refuses `ii->i`)
    "slice": "x[1:]", "row": "x[2]", "column": "x[:, 1]", "strided": "x[::2, ::-1]", "split": "np.split(x, 2)[1]",
    # chains: indexing into a view recomputed too, or into one that may be a copy (read stale on main before)
    "transpose_row": "x.T[1]", "flip_slice": "np.flip(x, 0)[1:]", "reshape_row": "np.reshape(x, (4, 4))[1]",
    "einsum_row": "np.einsum('ij->ji', x)[0]",
}
ORACLE_VIEWS = {  # autograd's spelling where it lacks the function (flip) or its general form
    "broadcast_to": "x[None] * np.ones((2, 1, 1))", "flip": "x[::-1]", "fliplr": "x[:, ::-1]", "rot90": "x[:, ::-1].T",
    "diagonal": "np.diagonal(x, axis1=-1, axis2=-2)", "diagonal_method": "np.diagonal(x, axis1=-1, axis2=-2)",
    "flip_slice": "x[::-1][1:]",
}
RECOMPUTED = ("slice", "row", "column", "strided", "split", "transpose", "np_transpose", "swapaxes", "expand_dims",
              "squeeze", "broadcast_to", "flip", "fliplr", "rot90", "diagonal", "diagonal_method", "transpose_row",
              "flip_slice")  # (read after the update)
UPDATES = {  # name -> (the update in place, its functional rewrite for autograd)
    "element": ("    x[0, 1] = a[1, 1] * 3.0\n", "    x = np.where(ONE, a[1, 1] * 3.0, x)\n"),
    "whole": ("    x += a * a\n", "    x = x + a * a\n"),
    "loop": ("    for i in range(4):\n        x[i] += a[i] * 2.0\n", "    x = x + a * 2.0\n"),
}


def _kernel(name: str, view: str, update: str, after: bool) -> str:
    """`f_<name>`: the view read before the update (and by the sweep), or after it; `g_<name>` its gradient."""
    read = "    return s + np.sum(np.cos(v) * 1.5)\n" if after else "    return s + np.sum(x * x)\n"
    again = f"    v = {view}\n" if after and update.startswith("    x = ") else ""  # (the rewrite: v views the new x)
    return (f'\n\n@kernel\ndef f_{name}(a: "f64[4,4]") -> "f64[]":\n    x = a * 1.0\n    v = {view}\n'
            f"    s = np.sum(np.sin(v) * v)\n{update}{again}{read}\n\ng_{name} = grad(f_{name})\n")


def source(updates, after: bool, names, functional: bool = False) -> str:
    """A module of one kernel `f_<view>_<update>` (and its gradient) per view and update."""
    return HEAD + "".join(_kernel(f"{n}_{u}", ORACLE_VIEWS.get(n, VIEWS[n]) if functional else VIEWS[n],
                                  UPDATES[u][functional], after) for u in updates for n in names)


def _input() -> np.ndarray:
    return np.random.default_rng(3).normal(size=(4, 4))


def check_module(module, updates, names, after: bool) -> None:
    """Values against Python, gradients against central differences of Python and autograd on the rewrite."""
    python: dict = {}
    exec(compile(source(updates, after, names), "python_reference", "exec", dont_inherit=True), python)
    oracles = autograd_kernels(source(updates, after, names, functional=True))
    from autograd import grad as autograd_grad

    a = _input()
    for name in [f"{n}_{u}" for u in updates for n in names]:
        f = python[f"f_{name}"]
        assert_close(getattr(module, f"f_{name}")(a.copy()), f(a.copy()), rtol=1e-12, atol=1e-12, what=name)
        gradient = getattr(module, f"g_{name}")(a.copy())
        assert_close(gradient, central_difference(lambda t: f(t.copy()), [a.copy()], 0), rtol=1e-6, atol=1e-6,
                     what=f"{name}: gradient vs finite differences")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = autograd_grad(oracles[f"f_{name}"])(a.copy())
        assert_close(gradient, expected, rtol=1e-9, atol=1e-10, what=f"{name}: gradient vs autograd")


@pytest.mark.parametrize("update", sorted(UPDATES))
def test_a_view_read_before_its_array_is_updated_keeps_its_values_for_the_sweep(update):
    check_module(load_source(source([update], False, VIEWS)), [update], VIEWS, False)


@pytest.mark.parametrize("update", sorted(UPDATES))
def test_a_view_of_any_layout_read_after_its_array_is_updated_sees_the_update(update):
    check_module(load_source(source([update], True, RECOMPUTED)), [update], RECOMPUTED, True)


# on the C target, one spelling of each primitive (the C build of every spelling took 4.6 minutes at load 9)
C_VIEWS = ("transpose", "swapaxes", "reshape", "expand_dims", "squeeze", "broadcast_to", "flip", "diagonal",
           "einsum_transpose", "slice", "column", "split")


def test_the_c_target_keeps_the_values_of_views_of_updated_arrays(tmp_path):
    """Both kinds of program on the C target (one module each: the C build is the slow part)."""
    check_module(c_module(source(UPDATES, False, C_VIEWS), tmp_path, "before")[0], UPDATES, C_VIEWS, False)
    after = ("slice", "row", "strided", "transpose", "flip", "diagonal", "squeeze")
    check_module(c_module(source(UPDATES, True, after), tmp_path, "after")[0], UPDATES, after, True)


@pytest.mark.parametrize("name", sorted(set(VIEWS) - set(RECOMPUTED)))
@pytest.mark.parametrize("update", sorted(UPDATES))
def test_any_other_view_read_after_its_array_is_updated_is_refused_where_it_is_read(name, update):
    text = source([update], True, [name])
    with pytest.raises(TranspileError) as error:
        transpile_source(text, "case.py")
    line = text.splitlines().index("    return s + np.sum(np.cos(v) * 1.5)") + 1
    assert error.value.loc is not None and error.value.loc.line == line, str(error.value)
    assert "`v`" in str(error.value)


def test_an_einsum_of_one_operand_summing_no_axis_is_a_view_and_one_summing_an_axis_a_copy():
    """`np.einsum('ij->j', x)` sums: a new array, which keeps its values after `x` changes (no refusal)."""
    text = HEAD + '''

@kernel
def f(a: "f64[4,4]") -> "f64[]":
    x = a * 1.0
    v = np.einsum('ij->j', x)
    x[0, 1] = 5.0
    return np.sum(v * v) + np.sum(x)
'''
    module = load_source(text)
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    a = _input()
    assert_close(module.f(a.copy()), python["f"](a.copy()), rtol=1e-12, atol=1e-12, what="einsum sum")
