"""numpy-ml's models (benchmarks/numpy_ml, docs/corpora.md "numpy-ml's models"): the driver's smoke test, which
skips without a numpy-ml checkout ($LIFTED_NUMPY_ML or /tmp/numpy-ml), and the reduced programs of what the corpus
found, which never skip."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from hostile import same_values
from lifted.transpiler import TranspileError

CHECKOUT = Path(os.environ.get("LIFTED_NUMPY_ML", "/tmp/numpy-ml"))


@pytest.mark.skipif(not (CHECKOUT / "numpy_ml" / "neural_nets").is_dir(), reason="no numpy-ml checkout")
# (numpy-ml's own warnings name its modules, which pytest-xdist's controller cannot import to show them: it
# stops the whole run with an INTERNALERROR)
@pytest.mark.filterwarnings("ignore")
def test_driver_runs_numpy_ml_cases(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.numpy_ml.__main__ import main

    results = main(["--numpy-ml", str(CHECKOUT), "--only", "Sigmoid,GELU,CrossEntropy(softmax),FullyConnected[Tanh]",
                    "--json", str(tmp_path / "out.json")])
    assert set(results) == {"Sigmoid", "GELU", "CrossEntropy(softmax)", "FullyConnected[Tanh]"}
    for label, outcomes in results.items():
        assert "not converted" not in outcomes, label
        assert all(outcome not in ("bad", "WRONG") for outcome, _ in outcomes.values()), (label, outcomes)
    assert results["Sigmoid"]["nm2"][0] == "pass"  # Lifted's second derivative is numpy-ml's grad2
    # numpy-ml's GELU.grad (approximate) mixes the exact erf' into the tanh form: off, and found so
    assert results["GELU"]["nm1"][1].startswith("numpy-ml's own derivative is off")


# -- reduced programs: numpy-ml's CrossEntropy.loss and its helpers (utils/testing.py's is_binary) -----------------
CROSS_ENTROPY = '''
import numpy as np
from lifted import grad, kernel


def is_binary(x):
    msg = "Matrix must be binary"
    assert np.array_equal(x, x.astype(bool)), msg
    return True


@kernel
def f(z: "f64[4, 3]", y: "i64[4, 3]"):
    is_binary(y)
    eps = np.finfo(float).eps
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    y_pred = e / e.sum(axis=-1, keepdims=True)
    return -np.sum(y * np.log(y_pred + eps))


g = grad(f, wrt=0)
'''


def test_cross_entropy_with_finfo_eps_and_astype_bool():
    """`np.finfo(float).eps` was "not supported" and `x.astype(bool)` "`bool` is not defined": numpy-ml's
    CrossEntropy.loss was refused. The value against Python, the gradient against differences and autograd."""
    rng = np.random.default_rng(3)
    y = np.eye(3, dtype=np.int64)[[0, 2, 1, 2]]
    module = check_against_python(CROSS_ENTROPY, [rng.standard_normal((4, 3)), y])
    with pytest.raises(AssertionError, match="binary"):
        module.f(rng.standard_normal((4, 3)), 2 * y)


FINFO = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f32[3]"):
    return x + np.finfo(np.float64).eps, x * np.finfo(x.dtype).eps, np.finfo(x[0]).max, np.finfo(2.0).tiny


@kernel
def h(x: "f64[3]"):
    info = np.finfo(np.float32)
    return info.eps, info.bits, np.finfo(float).resolution * x, np.zeros(2, dtype=bool), bool(2.0), bool(0)
'''


def test_finfo_values_and_types_are_numpys():
    """Each attribute is NumPy's scalar of the named type (a float64 eps promotes a float32 array, as in NumPy),
    bits an int; `bool` names the dtype, and `bool()` of a build-time number is Python's."""
    module = load_source(FINFO, "finfo_case.py")
    python: dict = {}
    exec(compile(FINFO.replace("@kernel\n", ""), "finfo_reference", "exec"), python)
    x32 = np.array([0.0, 1.0, 2.5], np.float32)
    same_values(module.f(x32.copy()), python["f"](x32.copy()), "f")
    x = np.array([0.5, -1.0, 3.0])
    same_values(module.h(x.copy()), python["h"](x.copy()), "h")


@pytest.mark.parametrize("body, message", [
    ("np.finfo(np.int64).eps", "not an inexact type"),
    ("np.finfo(x).eps", "of an array"),
    ("np.finfo(float).nonsense", "not supported"),
])
def test_finfo_refusals_are_located(body, message):
    """What NumPy raises on (np.finfo of an int type or an array) is a located error."""
    text = f'import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n    return {body}\n'
    with pytest.raises(TranspileError, match=message) as raised:
        load_source(text, "refused_case.py")
    assert raised.value.loc is not None and raised.value.loc.line == 7


# -- the property generator's forms of these constructs (tests/test_property.py corpus_form) ----------------------
def _seeds_with(pattern: str, count: int) -> list[int]:
    from test_property import program_for_seed

    return [seed for seed in range(400) if pattern in program_for_seed(seed, edges=True, corpus_forms=True)[0]][:count]


@pytest.mark.parametrize("seed", _seeds_with("np.finfo(float).eps", 3) + _seeds_with(".astype(bool), ", 3)
                         + _seeds_with("if any([", 3) + _seeds_with("(M.shape and ", 3))
def test_random_kernels_with_numpy_ml_constructs(seed):
    """Random programs holding `np.finfo(float).eps`, `np.where(v.astype(bool), v, 0.5)`, `any([...])`, `bool(s)`,
    `() or 0.5`, `M.shape and s` and `all(v > -9.0)`: values against Python, gradients against central differences
    and autograd."""
    from test_property import Unusable, check_program, inputs_for, program_for_seed

    text, wrt, as_tuple = program_for_seed(seed, edges=True, corpus_forms=True)
    try:
        check_program(text, wrt, as_tuple, inputs_for(seed))
    except Unusable:
        pytest.skip("the oracles cannot judge this program")


# -- reduced programs: numpy-ml's neural_nets/utils padding helpers (pad2D, _im2col_indices) -----------------------
PADDING = '''
import numpy as np
from lifted import grad, kernel


def pads(X, pad, kernel_shape=None, stride=None):
    p = pad
    if isinstance(p, int):
        p = (p, p)
    if p == "same" and kernel_shape and stride is not None:
        p = (kernel_shape[0] // 2, kernel_shape[1] // 2)
    rows = X.shape[0] + p[0] + p[1]
    if any([rows <= 0, X.shape[1] <= 0]):
        raise ValueError("empty")
    return p


@kernel
def f(x: "f64[4, 3]", s: "f64[]"):
    a = pads(x, 1)
    b = pads(x, "same", (3, 5), 1)
    c = () or (2, 1)
    e = (1, 2) and 0.5
    return np.sum(x * x) * (a[0] + b[1] + c[0] + e) + (0 or s) * bool(s) * any(x[0] > 0.5)


@kernel
def h(x: "f64[4, 3]", s: "f64[]"):
    d = None and x
    return (d is None, bool(s), bool(s - s), any(x[0] > 0.5), all([s > 0, x[0, 0] < 1]), all(x[1]), any([]),
            0 or s, all(x[0] != 0))


g = grad(f, wrt=(0, 1))
'''


@pytest.mark.parametrize("x, s", [(np.arange(12.0).reshape(4, 3) / 7, 0.3), (np.zeros((4, 3)), np.nan),
                                  (np.ones((4, 3)), 0.0)])
def test_and_or_of_build_time_values_any_all_and_bool(x, s):
    """`p == "same" and kernel_shape and ...` (a tuple operand of `and`: "combine boolean scalars here") and the
    builtin `any([...])` ("`any` is not defined") refused numpy-ml's conv2D/conv1D/im2col. `and`/`or` return the
    deciding operand itself where the left one is known at build time; `any`/`all` of numbers and of a vector and
    `bool()` of a run-time number are Python bools. Values and their types against Python."""
    module = load_source(PADDING, "padding_case.py")
    python: dict = {}
    exec(compile(PADDING.replace("@kernel\n", ""), "padding_reference", "exec"), python)
    same_values(module.f(x.copy(), s), python["f"](x.copy(), s), "f")
    same_values(module.h(x.copy(), s), python["h"](x.copy(), s), "h")


def test_padding_helpers_gradient():
    """The gradient through the helpers against differences and autograd."""
    check_against_python(PADDING, [np.arange(12.0).reshape(4, 3) / 7, 0.3])


@pytest.mark.parametrize("body, message", [
    ("any(np.ones((2, 2)) > 0)", "list or tuple of numbers"),
    ("all([x, x])", "list or tuple of numbers"),
])
def test_any_all_of_arrays_refused(body, message):
    """Python asks each row's (each array's) truth, which NumPy refuses for more than one element."""
    text = f'import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n    return {body}\n'
    with pytest.raises(TranspileError, match=message) as raised:
        load_source(text, "refused_any.py")
    assert raised.value.loc is not None and raised.value.loc.line == 7


# -- reduced program: numpy-ml's LeakyReLU.fn under vmap (a masked write by a per-example matrix mask) --------------
LEAKY = '''
import numpy as np
from lifted import kernel, vmap


@kernel
def f(z: "f64[4, 3]"):
    _z = z.copy()
    _z[z < 0] = _z[z < 0] * 0.3
    return _z


@kernel
def g(x: "f64[2, 4, 3]", m: "bool[4, 3]"):
    y = x.copy()
    y[:, m] = np.log(y[:, m]) * 2.0
    return y


fv = vmap(f, in_axes=(0,))
gv = vmap(g, in_axes=(None, 0))
'''


def test_vmap_of_a_write_through_a_matrix_mask():
    """`_z[z < 0] = _z[z < 0] * alpha` on a matrix was refused under vmap ("arithmetic on a selection by a
    multi-dimensional mask"); the mask's axes are now flattened to find each example's stand-in element. Against a
    loop over the examples, bit for bit; the unselected elements compute on a selected one (no log of a negative,
    NumPy's errors raised), and an example selecting nothing."""
    module = load_source(LEAKY, "leaky_case.py")
    python: dict = {}
    exec(compile(LEAKY.replace("@kernel\n", "").replace("fv = vmap", "# ").replace("gv = vmap", "# "),
                 "leaky_reference", "exec"), python)
    rng = np.random.default_rng(5)
    batch = rng.standard_normal((3, 4, 3))
    batch[1] = np.abs(batch[1])
    same_values(module.fv(batch.copy()), np.stack([python["f"](z) for z in batch]), "fv")
    x = rng.standard_normal((2, 4, 3))
    x[1] = 2 * x[0]
    masks = (rng.random((3, 4, 3)) < 0.6) & (x[0] > 0)  # log only of positive elements; the others negative
    masks[:, 0, 0] = x[0, 0, 0] > 0
    masks[1] |= x[0] > 0
    with np.errstate(all="raise"):  # the unselected (negative) elements compute on a selected one's value
        got = module.gv(x.copy(), masks)
    same_values(got, np.stack([python["g"](x.copy(), m) for m in masks]), "gv")
    masks[0] = False  # an example that selects nothing (it may compute on its unselected elements: no errstate)
    with np.errstate(all="ignore"):
        got = module.gv(x.copy(), masks)
    same_values(got, np.stack([python["g"](x.copy(), m) for m in masks]), "gv, an empty selection")


def test_vmap_of_a_matrix_mask_of_symbolic_shape_refused():
    text = LEAKY.replace('"f64[4, 3]"', '"f64[n, 3]"').split("@kernel\ndef g")[0] + "fv = vmap(f, in_axes=(0,))\n"
    with pytest.raises(TranspileError, match="known at build time") as raised:
        load_source(text, "leaky_symbolic.py")
    assert raised.value.loc is not None and raised.value.hint
