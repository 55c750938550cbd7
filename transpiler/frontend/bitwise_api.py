"""NumPy's bitwise and integer-decomposition functions in kernels: np.bitwise_and ... np.right_shift, np.gcd,
np.lcm, np.fmod, np.ldexp, np.frexp and divmod (see primitives/bitwise.py and primitives/integer_arithmetic.py).

A function spelled in the source renders as that function (`spelled`), so Python ints given to it make the NumPy
scalar NumPy makes; booleans go where NumPy sends them (np.invert of a mask is its logical negation).
"""
from __future__ import annotations

from typing import Callable

from .array_literals import array_like
from .call_args import arity

Handler = Callable  # (lowering, node, builder, positional, keywords) -> Value

# entries rendered as Python's operator unless spelled: the NumPy function keeps its name in the generated code
_SPELLED = frozenset({"bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"})


def _operands(lowering, node, builder, name: str, positional, keywords, count: int) -> list:
    arity(lowering, node, name, positional, keywords, count, count,
          hint=f"`{name}` takes {count} array(s); NumPy reads one more positional argument as `out=`, which kernels "
               "do not take")
    return [lowering._atom(array_like(lowering, node, builder, v), node) for v in positional]


_BOUNDS = {"i32": 2**31, "i64": 2**63}


def check_python_ints(lowering, node, atoms: list, result) -> None:
    """NumPy converts a Python int to the dtype it computes in and raises OverflowError where it does not fit
    (`x32 & 2**40`, np.ldexp(x, 2**40): the exponent is a C int); refused at build time."""
    dtype = "i32" if result.type.is_float and not atoms[0].type.weak else result.type.dtype  # (ldexp's exponent)
    bound = _BOUNDS.get(dtype, 2**63)
    for atom in atoms:
        value = getattr(atom, "value", None)
        if atom.type.weak and isinstance(value, int) and not isinstance(value, bool) and not -bound <= value < bound:
            raise lowering.error(node, f"the Python int {value} does not fit the {dtype} NumPy computes in here "
                                 "(NumPy raises OverflowError)", "use a number in range, or an array of a wider "
                                 "dtype (`x.astype(np.int64)`)")


def function(prim: str, count: int, name: str) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        atoms = _operands(lowering, node, builder, name, positional, keywords, count)
        if prim == "invert" and atoms[0].type.dtype == "bool":  # NumPy's `~` of booleans: their negation
            return lowering._bind(builder, node, "logical_not", atoms)
        result = lowering._bind(builder, node, prim, atoms, {"spelled": name} if prim in _SPELLED else None)
        if prim not in ("fmod", "frexp"):
            check_python_ints(lowering, node, atoms, result)
        return result

    return handle


def frexp(lowering, node, builder, positional, keywords):
    """`m, e = np.frexp(x)`: the mantissa (x's float dtype) and the int32 exponent, x = m * 2**e."""
    (x,) = _operands(lowering, node, builder, "np.frexp", positional, keywords, 1)
    return (lowering._bind(builder, node, "frexp_mantissa", [x]), lowering._bind(builder, node, "frexp_exponent", [x]))


def divmod_(name: str) -> Handler:
    """`divmod(a, b)` and np.divmod: NumPy's divmod is its floor_divide and mod (inf and nan for a zero float
    divisor, 0 for an integer one); Python's builtin on Python numbers is Python's `//` and `%` (which raise)."""
    spelled = name == "np.divmod"

    def handle(lowering, node, builder, positional, keywords):
        a, b = _operands(lowering, node, builder, name, positional, keywords, 2)
        quotient = lowering._bind(builder, node, "floor_divide", [a, b], {"spelled": "np.floor_divide"} if spelled
                                  else None)
        return quotient, lowering._bind(builder, node, "mod", [a, b], {"spelled": "np.mod"} if spelled else None)

    return handle


def _bitwise_count(lowering, node, builder, positional, keywords):
    raise lowering.error(node, "`np.bitwise_count` gives uint8, a dtype Lifted does not model",
                         "count with shifts in int64: `((np.abs(x)[..., None] >> np.arange(63)) & 1).sum(axis=-1)`")


FUNCTIONS: dict[str, Handler] = {"numpy.frexp": frexp, "numpy.divmod": divmod_("np.divmod"),
                                 "builtins.divmod": divmod_("divmod"), "numpy.bitwise_count": _bitwise_count}
for _alias, _prim, _count in (
        ("bitwise_and", "bitwise_and", 2), ("bitwise_or", "bitwise_or", 2), ("bitwise_xor", "bitwise_xor", 2),
        ("invert", "invert", 1), ("bitwise_not", "invert", 1), ("bitwise_invert", "invert", 1),
        ("left_shift", "left_shift", 2), ("right_shift", "right_shift", 2),
        ("bitwise_left_shift", "left_shift", 2), ("bitwise_right_shift", "right_shift", 2),
        ("gcd", "gcd", 2), ("lcm", "lcm", 2), ("fmod", "fmod", 2), ("ldexp", "ldexp", 2)):
    FUNCTIONS[f"numpy.{_alias}"] = function(_prim, _count, f"np.{_alias}")
