"""A dead gather's index check, and host views read by smaller element work, no longer cut a C kernel in two.

Where a forward sweep keeps only a gather's tangent, the primal gather dies and leaves its `check_index` (NumPy's
IndexError, analysis/dead_reads.py) between the tangent's element work: the check now waits for the region's
launch, which makes it in its place among the gathers' own checks, so the three tangent gathers of a
barycentric combination (GradBench ht's `hand`) are one kernel instead of three that each write and read the
whole (k, 3, n) tangent. Element work over a smaller index space beside the region (`1.0 - us[:, 0] - us[:, 1]`)
takes the waiting column views it reads with it, before its side launch.

Each case is checked against the untouched Python source (value, IndexError message), the Jacobian against
central finite differences of that source and against autograd, and every function against the NumPy backend.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module, compare_all

TEXT = '''
import numpy as np
from lifted import jacfwd, kernel


@kernel
def hand(theta: "f64[k]", m: "f64[3,q,k]", triangles: "i64[t,3]", correspondences: "i64[n]", us: "f64[n,2]",
         points: "f64[n,3]") -> "f64[n,3]":
    vertices = np.sin(m @ theta)
    corners = triangles[correspondences]
    mixed = (us[:, 0] * vertices[:, corners[:, 0]] + us[:, 1] * vertices[:, corners[:, 1]]
             + (1.0 - us[:, 0] - us[:, 1]) * vertices[:, corners[:, 2]])
    return points - np.transpose(mixed)


J = jacfwd(hand, wrt="theta")
'''


def inputs(seed: int = 3) -> list:
    rng = np.random.default_rng(seed)
    k, q, t, n = 4, 9, 6, 11
    triangles = rng.integers(-q, q, size=(t, 3))  # negative corners wrap, as NumPy's do
    return [rng.normal(size=k), rng.normal(size=(3, q, k)), triangles, rng.integers(-t, t, size=n),
            rng.uniform(0, 0.5, size=(n, 2)), rng.normal(size=(n, 3))]


def python_functions() -> dict:
    namespace: dict = {}
    exec(compile(TEXT, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def kernel_texts(kernels: str, prefix: str) -> dict[str, str]:
    """Each `LIFTED_KERNEL`'s body text (its walk template included), by kernel name."""
    names = re.findall(rf"// ({prefix}_k\d+): ", kernels)
    parts = re.split(rf"// (?={prefix}_k\d+: )", kernels)
    return {name: next(p for p in parts if p.startswith(f"{name}: ")) for name in names}


def test_the_tangent_gathers_are_one_kernel():
    out = transpile_c(TEXT, "hand.py")
    gathers = {name: len(re.findall(r"lifted_wrap\(", body)) for name, body in kernel_texts(out.kernels, "J").items()}
    # (before: three kernels over (k, 3, n) with one gather each, the (n,) weights between them)
    assert sorted(gathers.values())[-1] == 3, gathers
    # the dead primal gathers' checks are still made, each before the kernel reads through its index
    host = out.kernels[out.kernels.index("extern \"C\" int J_block"):]
    checks = re.findall(r"lifted_first_outside\(v_(\w+), v_(\w+)\.d\[(\d)\]", host)
    assert [(array, axis) for _, array, axis in checks] == \
        [("triangles", "0")] + [("m", "1"), ("tvertices", "2")] * 3, checks


def test_values_and_jacobian_against_python_and_autograd(tmp_path):
    args = inputs()
    module, _ = c_module(TEXT, tmp_path, "hand")
    python = python_functions()
    assert_close(module.hand(*args), python["hand"](*args), rtol=1e-12, atol=1e-12, what="value vs Python")
    jacobian = module.J(*args)
    assert jacobian.shape == (11, 3, 4)
    differences = np.zeros_like(jacobian)
    for j in range(4):
        plus, minus = [a.copy() for a in args], [a.copy() for a in args]
        plus[0][j] += 1e-6
        minus[0][j] -= 1e-6
        differences[..., j] = (python["hand"](*plus) - python["hand"](*minus)) / 2e-6
    assert_close(jacobian, differences, rtol=1e-6, atol=1e-7, what="jacobian vs finite differences")
    from autograd import jacobian as autograd_jacobian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = autograd_jacobian(autograd_kernels(TEXT)["hand"], 0)(*args)
    assert_close(jacobian, expected, rtol=1e-10, atol=1e-12, what="jacobian vs autograd")
    compare_all(TEXT, tmp_path, args, "hand_numpy")


@pytest.mark.parametrize("columns", [(1,), (2,), (1, 2), (0, 2), (0, 1, 2)])
def test_a_corner_out_of_range_raises_pythons_index_error(columns, tmp_path):
    # the first bad column in Python's order is the one NumPy names: the checks keep that order
    module, _ = c_module(TEXT, tmp_path, "bad_hand")
    python = python_functions()
    for bad in (99, -99):
        args = inputs()
        correspondences = args[3]
        for column in columns:
            args[2][correspondences[column + 2] % args[2].shape[0], column] = bad + column
        with pytest.raises(IndexError) as expected:
            python["hand"](*args)
        for function in (module.hand, module.J):
            with pytest.raises(IndexError) as ours:
                function(*args)
            assert str(ours.value) == str(expected.value), function
