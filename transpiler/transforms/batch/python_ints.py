"""An example's Python number in a batch: the batch holds the examples' numbers as an int64 or float64 array,
which NumPy would treat as strong, where one example's number is weak (NEP 50).

Where an example's number meets a NumPy operand, NumPy converts it to the dtype the operation computes in, and
a Python int past int32 meeting int32 raises OverflowError; the batch's cast would wrap silently, so it is
checked first. The places are the operations' (arithmetic, `np.clip`'s bounds, a value written into an int32
array, `np.full(..., dtype=np.int32)`, `np.int32(k)`); comparisons compare exactly whatever the int's size.
"""
from __future__ import annotations

from ...ir import Atom, Const, Eqn, Var
from ...ir.python_ints import INTEGER_RANGES, check_fits
from ...ir.types import TensorType, promote
from ...primitives.logic import COMPARISONS

INT32 = INTEGER_RANGES["i32"]
WRITES = ("setitem", "index_add")  # `out[0] = k`, `out[0] += k`: the example's int converted to out's dtype


def _i64(value: int) -> Const:
    return Const(value, TensorType("i64", (), weak=True))


class BatchedPythonInts:
    """Mixed into `batch._Batching`: relies on its `builder`, `batched`."""

    def _python_numbers_converted(self, eqn: Eqn, args: list, flags: list) -> list:
        """An example's Python number (weak: `i` of `range`, `t = 0.1` merged or carried per example) is an int64 or
        float64 array in the batch, which NumPy would promote as strong. Where it meets a NumPy operand, NumPy
        converts the example's number to the dtype the operation computes in (`x32 * i` multiplies float32 by
        float32(i)): the batch is converted so, before the operation."""
        self._python_ints_written(eqn, args, flags)
        if eqn.prim.family != "elementwise" or len(eqn.args) < 2 or all(a.type.weak for a in eqn.args):
            return args
        values = eqn.args[1:] if eqn.prim.name == "where" else eqn.args  # (`where`'s condition is no operand)
        computes_in = promote([a.type for a in values])
        clip = eqn.prim.name == "clip"
        converted = list(args)
        for k, (old, new, batched) in enumerate(zip(eqn.args, args, flags)):
            if clip and k == 0:
                continue  # (np.clip(k, lo, hi) makes an array of k first: int64, which the batch already is)
            if batched and old.type.weak and any(old is v for v in values) and new.type.dtype != computes_in:
                if computes_in == "i32" and eqn.prim.name in COMPARISONS:
                    continue  # (NumPy compares a Python int with int32 exactly, whatever its size: as int64)
                if computes_in == "i32" and clip:
                    new = self._clip_bound_int32(new, lower=k == 1)
                elif computes_in == "i32" and eqn.prim.name != "where":  # (np.where casts, wrapping as the batch)
                    self._check_int32(new)
                converted[k] = self.builder.bind("astype", [new], {"dtype": computes_in})
                self.batched.add(id(converted[k]))
        return converted

    def _python_ints_written(self, eqn: Eqn, args: list, flags: list) -> None:
        """A Python int written into an int32 array (`out[0] = k`, `np.full(3, k, dtype=np.int32)`) or made an int32
        scalar (`np.int32(k)`): NumPy raises OverflowError where it does not fit, where the batch's int64 array
        would be cast (wrapping)."""
        name = eqn.prim.name
        if name in WRITES and len(args) > 1:
            target, position = eqn.args[0].type.dtype, 1
        elif name == "full":
            target, position = eqn.params.get("dtype"), len(args) - 1
        elif name == "astype" and eqn.params.get("scalar"):  # `np.int32(k)`: NumPy's scalar of the int
            target, position = eqn.params.get("dtype"), 0
        else:
            return
        value = eqn.args[position]
        if target == "i32" and flags[position] and value.type.weak and value.type.dtype == "i64":
            self._check_int32(args[position])

    def _check_int32(self, ints: Atom, low: bool = True, high: bool = True) -> None:
        """NumPy raises OverflowError where a Python int past int32 meets an int32 operand (NEP 50), as the loop over
        the examples would for the first such example; the batch's cast would wrap instead. `low`, `high`: which
        side is checked."""
        check_fits(self.builder.bind, ints, "i32", low=low, high=high, every=True)

    def _clip_bound_int32(self, bound: Var, lower: bool) -> Atom:
        """np.clip(x32, lo, hi) with Python ints: NumPy 2 takes a lower bound below int32 (an upper one above it)
        as no bound, and raises OverflowError for a lower bound above int32 (an upper one below it). The batch's
        bounds are checked on that side and brought into int32's range on the other, where the cast would wrap."""
        self._check_int32(bound, low=not lower, high=lower)
        clamped = self.builder.bind("maximum" if lower else "minimum", [bound, _i64(INT32[0] if lower else INT32[1])])
        self.batched.add(id(clamped))
        return clamped
