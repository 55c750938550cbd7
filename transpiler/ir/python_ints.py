"""Where a Python int meets a NumPy integer dtype: NumPy converts the int itself and raises OverflowError when it
does not fit (NEP 50), where Lifted's int64 value cast to int32 would wrap silently. One range table and one
message (NumPy's own words) for the frontend (`np.array([k], dtype=np.int32)`, `np.int32(k)`) and the batch
transform (an example's int meeting int32), so both refuse the same ints the same way."""
from __future__ import annotations

from typing import Any, Callable

from . import Atom, Const, const
from .types import NUMPY_DTYPES

INTEGER_RANGES = {"i32": (-2**31, 2**31 - 1), "i64": (-2**63, 2**63 - 1)}

Bind = Callable[[str, list, dict], Atom]  # (primitive, arguments, parameters) -> the bound value


def out_of_bounds(dtype: str, value: int | None = None) -> str:
    """NumPy's message: `Python integer 2147483648 out of bounds for int32` (without the value where it is known
    only at run time)."""
    shown = "" if value is None else f"{value} "
    return f"Python integer {shown}out of bounds for {NUMPY_DTYPES[dtype]}"


def known_int_fits(atom: Any, dtype: str) -> bool:
    """False for a literal Python int past `dtype`'s range (a build-time error); True for anything else."""
    if not (isinstance(atom, Const) and isinstance(atom.value, int) and not isinstance(atom.value, bool)):
        return True
    low, high = INTEGER_RANGES[dtype]
    return low <= atom.value <= high


def check_fits(bind: Bind, ints: Atom, dtype: str, low: bool = True, high: bool = True,
               every: bool = False) -> None:
    """Binds the run-time check that the Python int(s) `ints` fit `dtype` (OverflowError, as NumPy raises it).
    `low`, `high`: which side is checked (np.clip's bounds check one); `every`: `ints` is an array (a batch of
    examples' ints), all of which must fit."""
    bounds = INTEGER_RANGES[dtype]
    sides = ([bind("greater_equal", [ints, const(bounds[0])], {})] if low else []) + \
        ([bind("less_equal", [ints, const(bounds[1])], {})] if high else [])
    fits = sides[0] if len(sides) == 1 else bind("logical_and", sides, {})
    if every:
        fits = bind("all", [fits], {})
    bind("check_assert", [fits], {"message": out_of_bounds(dtype), "error": "OverflowError"})
