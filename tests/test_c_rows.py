"""Reductions over trailing axes (`rows` kernels) on the C target: a row shorter than the CPU chunk runs in short
chunks (the width is chosen per launch from the row length), with the same values as NumPy at every length.

With 64-lane chunks every row filled and summed 64 accumulator lanes, whatever its length: GradBench gmm's
`np.sum(qdiff * qdiff, axis=2)` over rows of d = 2 cost 5.2 ms at k = 100, n = 1000 against 0.6 ms with 16 lanes.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from lifted.transpiler.backends.c import transpile_c
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
    bodies = re.findall(r"template <bool lifted_team, int lifted_row_width> LIFTED_DEVICE void (\w+)_rows\(", cu)
    assert {"sums_k0", "counts_k0"} <= set(bodies)
    for name in bodies:
        assert f"LIFTED_BY_ROW_LENGTH({name}_rows, lifted_team, (" in cu
        assert f"LIFTED_RUN({name}_body, (" in cu
    assert "LIFTED_ROW_FILL(double, " in cu and "LIFTED_LOCAL_FILL(double, " not in cu.split("sums_k0_rows")[1][:800]


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    """The C module (built once) and the NumPy backend's, the reference."""
    compiled, _ = c_module(ROWS, tmp_path_factory.mktemp("rows"), "rows")
    return compiled, load_source(ROWS, "rows.py")


@pytest.mark.parametrize("d", [0, 1, 2, 7, 8, 9, 63, 64, 65, 130])
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
