"""np.delete of positions known at run time, of a boolean mask, or along an axis whose length has a name
(transpiler/frontend/delete_masks.py): NumPy's values (a copy of the kept elements), its IndexError and ValueError
at run time, every transform against differences and autograd, vmap against a loop, the C target."""
from __future__ import annotations

import numpy as np
import pytest

from test_common_functions import all_forms_pass, kernel_module

SIGNATURE = 'x: "f64[n,m]", i: "i64[k]"'


def _inputs() -> list[list]:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3, 4))
    x[0, 1], x[1, 2] = np.nan, -0.0
    return [[x, np.array([0, -1, 2, 2])], [x, np.array([3])], [x[:2], np.zeros(0, np.int64)],
            [x.T.copy(), np.array([-4, 1])]]


@pytest.mark.parametrize("body", [
    "np.delete(x, i, axis=1)", "np.delete(x, i, 1) * 2.0", "np.delete(x, i)", "np.delete(x, i[:1], axis=0)",
    "np.delete(x, x[0] > 0, axis=1)", "np.delete(x, x[:, 0] < 0.5, 0)", "np.delete(x, 1)",
    "np.delete(x, [0, -1], axis=0)", "np.delete(x, -1, axis=1) @ x[0, :3]", "np.delete(x, i.astype(np.int32), 1)",
    "np.delete(x, np.array([1, 0]), axis=-1)", "np.sum(np.delete(x * x, i, axis=1) ** 2)",
])
def test_delete_of_run_time_positions_is_numpys(body):
    """NumPy's values on every input (out-of-range positions raise IndexError in both; an empty array IndexError
    where a position is given), and every transform."""
    all_forms_pass(kernel_module(SIGNATURE, body), ["x", "i"], _inputs())


def test_delete_of_a_mask_of_another_length_raises_value_error():
    from gradcheck import load_source
    module = load_source(kernel_module(SIGNATURE, "np.delete(x, i > 0, axis=1)"))
    with pytest.raises(ValueError, match="boolean array argument obj"):
        module.f(np.ones((2, 4)), np.ones(3, np.int64))
    with pytest.raises(ValueError, match="boolean array argument obj"):
        np.delete(np.ones((2, 4)), np.ones(3) > 0, axis=1)


def test_delete_of_run_time_positions_on_the_c_target(tmp_path):
    all_forms_pass(kernel_module(SIGNATURE, "np.delete(x, i, axis=1) * 2.0 + np.delete(x, x[0] > 0, 1).sum()"),
                   ["x", "i"], _inputs()[:2], c=True, tmp_path=tmp_path)
