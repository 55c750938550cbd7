"""Reductions over trailing axes (`rows` kernels) on the C target: a row shorter than the CPU chunk runs in short
chunks (the width is chosen per launch from the row length), with the same values as NumPy at every length; a
launch whose rows have at most SHORT_ROW elements walks them as columns (a second text of the kernel, chosen in
C from the row length), and reductions over transposed and strided views of every rank agree with NumPy.

With 64-lane chunks every row filled and summed 64 accumulator lanes, whatever its length: GradBench gmm's
`np.sum(qdiff * qdiff, axis=2)` over rows of d = 2 cost 5.2 ms at k = 100, n = 1000 against 0.6 ms with 16 lanes.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from lifted.transpiler.backends.c import emit
from lifted.transpiler.pipeline import transpile_c
from gradcheck import load_source
from test_c_backend import assert_agree, c_module

ROWS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def sums(x: "f64[m,d]") -> "f64[m]":
    return np.sum(x * x, axis=1)


@kernel
def extremes(x: "f64[m,d]") -> "f64[m]":
    return np.max(x, axis=-1) - np.min(x, axis=-1) + np.mean(x, axis=-1)


@kernel
def products(x: "f64[m,d]") -> "f64[m]":
    return np.prod(1.0 + 0.01 * x, axis=1)


@kernel
def counts(i: "i64[m,d]") -> "i64[m]":
    return np.sum(i * 3, axis=1)


@kernel
def trailing_pair(x: "f64[a,b,d]") -> "f64[]":
    return np.sum(np.sqrt(np.sum(x * x, axis=2) + 1.0))


trailing_pair_grad = grad(trailing_pair)
'''


def prelude_number(cu: str, name: str) -> int:
    return int(re.search(rf"#define {name} (\d+)", cu).group(1))


def test_a_rows_kernel_picks_its_chunk_width_from_the_row_length():
    cu = transpile_c(ROWS, "rows.py").kernels
    assert prelude_number(cu, "LIFTED_SHORT_ROW_LANES") < prelude_number(cu, "LIFTED_LANE_COUNT")
    # every rows kernel's element loop is one template over the team flag and the width; its body (which the
    # launch and loop kernels call) picks the short width for rows shorter than the lane count, so a row of 2
    # fills and sums 8 lanes, not 64
    bodies = re.findall(r"template <int lifted_row_width> LIFTED_LANE_LOOPS LIFTED_DEVICE void (\w+)_rows\(", cu)
    assert {"sums_k0", "counts_k0"} <= set(bodies)
    for name in bodies:
        assert f"LIFTED_BY_ROW_LENGTH({name}_rows, (" in cu
        assert f"LIFTED_RUN({name}_body, (" in cu
    assert "LIFTED_ROW_FILL(double, " in cu and "LIFTED_LOCAL_FILL(double, " not in cu.split("sums_k0_rows")[1][:800]


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    """The C module (built once) and the NumPy backend's, the reference."""
    compiled, _ = c_module(ROWS, tmp_path_factory.mktemp("rows"), "rows")
    return compiled, load_source(ROWS, "rows.py")


@pytest.mark.parametrize("d", [0, 1, 2, 7, 8, 9, 31, 32, 33, 63, 64, 65, 130])
def test_rows_of_every_length_agree_with_numpy(modules, d):
    compiled, reference = modules
    rng = np.random.default_rng(d)
    x = rng.normal(size=(37, d))
    if d == 9:
        x[::3, 4] = np.nan  # NaN propagates through max, min and sums alike
    calls = [("sums", x), ("products", x), ("counts", rng.integers(-5, 5, size=(37, d))),
             ("trailing_pair", rng.normal(size=(5, 3, d))), ("trailing_pair_grad", rng.normal(size=(5, 3, d)))]
    if d:  # the max and min of an empty row raise in NumPy
        calls.append(("extremes", x))
    for name, arg in calls:
        assert_agree(getattr(compiled, name)(arg), getattr(reference, name)(arg), f"{name} at d={d}")


WALKS = ROWS + '''

@kernel
def exp_sums(x: "f64[m,d]") -> "f64[m]":
    return np.sum(np.exp(x), axis=1)


@kernel
def scaled_and_sums(x: "f64[m,d]"):
    y = x * 2.0
    return y, np.sum(y, axis=1)
'''


def test_a_rows_kernel_walks_short_rows_as_columns_when_launched_with_them():
    cu = transpile_c(WALKS, "walks.py").kernels
    # the bound is the one for rows of a static length (emit.SHORT_ROW), on the CPU; the GPU keeps its warps
    assert re.findall(r"#define LIFTED_SHORT_RUN (-?\d+)", cu) == ["-1", str(emit.SHORT_ROW)]
    for name in ("sums_k0", "counts_k0", "products_k0", "extremes_k0"):
        assert f"LIFTED_DEVICE void {name}_columns(" in cu
        assert f"if (lifted_n_red <= LIFTED_SHORT_RUN) {name}_columns(" in cu
    # a math-library call (libmvec in a lane, libm in a remainder) or an element result keeps the rows
    walks = set(re.findall(r"LIFTED_DEVICE void (\w+)_columns\(", cu))
    assert "exp_sums_k0" not in walks and "scaled_and_sums_k0" not in walks
    assert "LIFTED_BY_ROW_LENGTH(exp_sums_k0_rows, (" in cu


VIEWS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def transposed_rows(x: "f64[a,b]") -> "f64[b]":
    return np.sum(np.transpose(x) * 2.0, axis=1)


@kernel
def transposed_columns(x: "f64[a,b]") -> "f64[a]":
    return np.max(np.transpose(x), axis=0)


@kernel
def gmm_form(x: "f64[a,b,c]") -> "f64[]":
    q = np.transpose(x, (2, 0, 1))
    return np.sum(np.sqrt(np.sum(q * q, axis=2) + 1.0))


@kernel
def middle_axis(x: "f64[a,b,c]") -> "f64[b,a]":
    return np.min(np.transpose(x, (1, 2, 0)), axis=1)


@kernel
def rank_four(x: "f64[a,b,c,e]") -> "f64[e,b]":
    return np.sum(np.transpose(x, (3, 1, 0, 2)) * 0.5, axis=(2, 3))


@kernel
def every_other_row(x: "f64[a,b]") -> "f64[]":
    y = x[::2]
    return np.sum(np.max(y, axis=1) + np.sum(y * y, axis=1))


@kernel
def every_third_column(x: "f64[a,b]") -> "f64[b]":
    return np.prod(x[:, ::3] * 0.1 + 1.0, axis=1)


gmm_form_grad = grad(gmm_form)
'''


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    compiled, _ = c_module(VIEWS, tmp_path_factory.mktemp("views"), "views")
    return compiled, load_source(VIEWS, "views.py")


@pytest.mark.parametrize("short, long", [(1, 3), (2, 5), (3, 40), (17, 33), (40, 70)])
def test_reductions_of_transposed_and_strided_views_agree_with_numpy(views, short, long):
    """Views are read through their strides, in rows and columns kernels and their short walks, at row lengths on
    both sides of SHORT_ROW; max and min exactly, the rest to round-off."""
    compiled, reference = views
    rng = np.random.default_rng(short * 100 + long)
    calls = [("transposed_rows", rng.normal(size=(short, long))), ("transposed_rows", rng.normal(size=(long, short))),
             ("transposed_columns", rng.normal(size=(long, short))), ("gmm_form", rng.normal(size=(short, 3, long))),
             ("gmm_form", rng.normal(size=(long, 4, short))), ("gmm_form_grad", rng.normal(size=(long, 4, short))),
             ("gmm_form_grad", rng.normal(size=(short, 2, long))), ("middle_axis", rng.normal(size=(short, 3, long))),
             ("middle_axis", rng.normal(size=(long, 2, short))), ("rank_four", rng.normal(size=(short, 2, 3, long))),
             ("rank_four", rng.normal(size=(long, 3, short, 2))), ("every_other_row", rng.normal(size=(long, short))),
             ("every_third_column", rng.normal(size=(short, long))), ("every_third_column", rng.normal(size=(7, short)))]
    for name, x in calls:
        actual, expected = getattr(compiled, name)(x), getattr(reference, name)(x)
        if name in ("transposed_columns", "middle_axis"):
            np.testing.assert_array_equal(actual, expected, err_msg=f"{name} {x.shape}")
        else:
            assert_agree(actual, expected, f"{name} {x.shape}", rtol=1e-12)


def test_coordinates_through_a_reciprocal_are_exact():
    """lifted_unravel_step divides through a product with 1.0 / d (the prelude's note: exact below 2^51); the same
    double arithmetic in NumPy, at the boundaries of each quotient, for small and large d."""
    rng = np.random.default_rng(3)
    for d in [1, 2, 3, 7, 10, 100, 1000, 4097, 65535, 1 << 20, 1000003, (1 << 31) - 1, 1 << 40]:
        quotients = np.unique(np.concatenate([np.arange(1000), rng.integers(0, (1 << 51) // d, 1000)]))
        for offset in (0, 1, d // 2, d - 1):
            rest = quotients * d + offset
            rest = rest[rest < (1 << 51)]
            quotient = ((rest.astype(np.float64) + 0.5) * (1.0 / d)).astype(np.int64)
            np.testing.assert_array_equal(quotient, rest // d, err_msg=f"d={d}")
