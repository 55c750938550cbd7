"""What the arguments of a draw may be: a whole count (`d(n)`'s sides, a range's bounds), and a weight that is
whole, or real where the semiring has real weights (one fixed number, or one per world)."""
from __future__ import annotations

import numpy as np

from .dual import Dual
from .semirings import Semiring


def count(value, what: str) -> int:
    array = np.asarray(value)
    if array.dtype.kind == "O" and any(isinstance(v, Dual) for v in array.ravel().tolist()):
        raise ValueError(f"{what} needs a whole number, got a Dual: a count has no derivative (weighted(xs, ws) "
                         "draws d(sum(ws)); for weights that depend on a parameter, draw the index with "
                         "d[0:0:w0, 1:1:w1, ...] and read xs at it)")
    if array.ndim != 0:
        raise ValueError(f"{what} needs a fixed number, got an array of shape {array.shape}")
    if array.dtype.kind not in "iub":
        if float(array) != int(array):
            raise ValueError(f"{what} needs a whole number, got {value!r}")
    return int(array)


def counts_per_world(value, n: int) -> np.ndarray:
    """A bound of `d[a:b:w]` in every world (a column, or one fixed number): whole numbers."""
    array = np.asarray(value)
    if array.ndim == 0:
        return np.full(n, count(value, "d[]"), dtype=np.int64)
    if array.shape != (n,):
        raise ValueError(f"d[] needs one number per world as a bound, got an array of shape {array.shape[1:]} "
                         "in each world")
    if array.dtype.kind not in "iub":
        if array.dtype.kind != "f" or np.any(array != np.round(array)):
            raise ValueError(f"d[] needs whole numbers as bounds, got {array.dtype} values")
    return array.astype(np.int64)


def weight(value, semiring: Semiring):
    """A weight of `d[a:b:w]`: a whole number (an int), or, where the semiring allows, a real number or Dual."""
    if isinstance(value, Dual) or np.asarray(value).dtype.kind == "f":
        array = np.asarray(value, dtype=object if isinstance(value, Dual) else np.float64)
        if array.ndim != 0:
            raise ValueError(f"d[] needs a fixed number, got an array of shape {array.shape}")
        if not isinstance(value, Dual) and float(array) == int(array):
            return int(array)
        if not semiring.real_weights:
            raise ValueError(f"d[] needs a whole number, got {value!r} (real weights need semiring='float64', "
                             "'log', 'complex' or 'dual')")
        if isinstance(value, Dual) and semiring.name != "dual":
            float(value)  # raises the Dual's error naming semiring="dual"
        return value
    return count(value, "d[]")


def weights_per_world(value, semiring: Semiring, n: int) -> np.ndarray:
    """A weight of `d[a:b:w]` in every world (a column, or one fixed number): whole numbers, or real ones where
    the semiring has real weights."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"d[] weights that differ between worlds must be real numbers, got {array.dtype} values")
    if array.ndim == 0:
        array = np.broadcast_to(array, (n,))
    if array.shape != (n,):
        raise ValueError(f"d[] needs one number per world as a weight, got an array of shape {array.shape[1:]} "
                         "in each world")
    if array.dtype.kind != "f":
        return array.astype(np.int64)
    if np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        return array.astype(np.int64)
    if not semiring.real_weights:
        whole = array != np.round(array)
        raise ValueError(f"d[] needs a whole number, got {array[np.argmax(whole)]!r} (real weights need "
                         "semiring='float64', 'log', 'complex' or 'dual')")
    return array.astype(np.float64)


def real_part(weight) -> float:
    return weight.value if isinstance(weight, Dual) else float(weight)


def real_part_array(semiring: Semiring, weight) -> np.ndarray:
    if hasattr(weight, "parts"):  # a SemiringProduct: its first algebra decides
        return real_part_array(semiring.semirings[0], weight.parts[0])
    if semiring.name == "dual":
        return np.asarray(weight)[..., 0]
    if semiring.name == "log":
        return np.exp(weight)
    return np.real(weight)
