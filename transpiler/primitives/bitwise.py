"""Bitwise entries (`& | ^ ~ << >>` on integers, np.bitwise_and ... np.right_shift): integer results, no derivative.

NumPy computes them in the promoted dtype (NEP 50: `x32 << 2` stays int32, overflow wraps). Its shifts are defined
for every count: a count outside 0..bits-1 (negative too) gives 0 for `<<`, the sign (0 or -1) for `>>`, where C's
shift would be undefined. The C expressions say so with a guard.
"""
from __future__ import annotations

import operator
from typing import Callable

from ..ir.types import ShapeError, TensorType
from .elementwise import elementwise, infix
from .. import codegen as cg

_INTEGERS = ("bool", "i32", "i64")


def integer_operands(name: str, bools: bool = True) -> Callable:
    """A dtype rule's guard: NumPy has no bitwise (or gcd) loop for floats, and none for booleans where `bools` is
    False (np.gcd); a located refusal, as NumPy raises."""
    def check(types: list[TensorType]) -> None:
        for t in types:
            if t.dtype not in _INTEGERS or (not bools and t.dtype == "bool"):
                kinds = "integers or booleans" if bools else "integers"
                raise ShapeError(f"{name} of a {t.dtype} value: NumPy's {name} takes {kinds} (it raises TypeError "
                                 f"for this)", "convert first: `x.astype(np.int64)`, or compare (`x > 0`) for a mask")
    return check


def add_check(entry, check: Callable) -> None:
    """Run `check` on the argument types before the entry's own dtype rule."""
    infer = entry.infer

    def checked(types: list[TensorType], params) -> TensorType:
        check(types)
        return infer(types, params)

    entry.infer = checked


def _operator(op: str) -> Callable:
    """Python's operator (Python ints stay Python ints, as in the source), or the NumPy function the source spelled
    (`spelled`), which makes a NumPy scalar of Python ints."""
    binary = infix(op)

    def render(args, params):
        spelled = (params or {}).get("spelled")
        if len(args) == 2:
            return binary(args, params)
        return cg.call(spelled, *args) if spelled else cg.unary(op, args[0])

    return render


def _fold_shift(shift: Callable) -> Callable:
    """Python's shift of two Python ints, where it is an int64 (a negative count raises in Python: the frontend
    refuses it; a larger result is left to run time)."""
    def fold(a, b):
        if b < 0:
            return None
        value = shift(a, b)
        return value if -2**63 <= value < 2**63 else None
    return fold


def _bools_stay_bools(infer: Callable) -> Callable:
    """`&`, `|`, `^` of booleans is a boolean, Python's bools too (`True ^ b` is a bool, where `True + b` is 1)."""
    def rule(types: list[TensorType], params) -> TensorType:
        out = infer(types, params)
        return TensorType("bool", out.shape, weak=out.weak) if all(t.dtype == "bool" for t in types) else out
    return rule


# in int64 whatever the dtype: the low bits a narrower result keeps are the same (32..63 shifts out every bit of an
# int32, or leaves its sign); `<<` unsigned (a negative value shifted is undefined in C before C++20), 0 for a count
# out of range; `>>` arithmetic on signed values (GCC and nvcc), the sign for a count out of range
_LEFT_SHIFT = "((uint64_t)({1}) < 64 ? (int64_t)((uint64_t)({0}) << ({1})) : (int64_t)0)"
_RIGHT_SHIFT = "((uint64_t)({1}) < 64 ? (int64_t)({0}) >> ({1}) : (int64_t)(({0}) < 0 ? -1 : 0))"

for _name, _op, _fold in (("bitwise_and", "&", operator.and_), ("bitwise_or", "|", operator.or_),
                          ("bitwise_xor", "^", operator.xor)):
    _entry = elementwise(_name, [None, None], _operator(_op), f"({{0}} {_op} {{1}})", result="promote", bools=None,
                         fold=_fold, diff=False, python_operator=True, temp="bits")
    add_check(_entry, integer_operands(f"np.{_name}"))
    _entry.infer = _bools_stay_bools(_entry.infer)
for _name, _op, _shift, _c in (("left_shift", "<<", operator.lshift, _LEFT_SHIFT),
                               ("right_shift", ">>", operator.rshift, _RIGHT_SHIFT)):
    add_check(elementwise(_name, [None, None], _operator(_op), _c, result="promote", bools="int8",
                          fold=_fold_shift(_shift), diff=False, python_operator=True, temp="bits"),
              integer_operands(f"np.{_name}"))


def _no_bools(types: list[TensorType]) -> None:
    integer_operands("np.invert")(types)
    if types[0].dtype == "bool":  # (the frontend writes np.logical_not for it: C's `~` of a bool is not that)
        raise ShapeError("np.invert of booleans is their logical negation here", "write np.logical_not(mask)")


# `~x` of integers: -x - 1 (two's complement)
add_check(elementwise("invert", [None], _operator("~"), "(~{0})", result="promote", bools=None,
                      fold=operator.invert, diff=False, python_operator=True, temp="bits"), _no_bools)
