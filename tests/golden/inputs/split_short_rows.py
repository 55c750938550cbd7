"""Points as `[n, 3]` rows, split into per-column values (transforms/split_axes.py): the forward and reverse
sweeps run on columns; the returned rows are stacked once; `np.sum(..., axis=1)` is a chain of additions."""
import numpy as np
from lifted import kernel, vjp


@kernel
def rotate(axis: "f64[n,3]", x: "f64[n,3]") -> "f64[n,3]":
    squared = np.sum(axis * axis, axis=1)
    unit = axis / np.sqrt(1.0 + squared)[:, None]
    cross = np.stack((unit[:, 1] * x[:, 2] - unit[:, 2] * x[:, 1],
                      unit[:, 2] * x[:, 0] - unit[:, 0] * x[:, 2],
                      unit[:, 0] * x[:, 1] - unit[:, 1] * x[:, 0]), axis=1)
    return x + cross * np.cos(squared)[:, None]


rotate_vjp = vjp(rotate, wrt=("axis", "x"))
