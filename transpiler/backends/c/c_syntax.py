"""C spelling shared by the kernel emitter: types, reserved names, literals."""
from __future__ import annotations

import math

from ...errors import TranspileError

C_TYPES = {"f64": "double", "f32": "float", "i64": "int64_t", "i32": "int32_t", "bool": "bool"}
ACCUMULATOR = {"f64": "f64", "f32": "f64", "i64": "i64", "i32": "i64", "bool": "i64"}
RESERVED = set("""auto break case char const continue default do double else enum extern float for goto if int
long register return short signed sizeof static struct switch typedef union unsigned void volatile while bool true
false class new delete this template typename namespace using operator public private protected virtual friend
inline try catch throw and or not xor bitand bitor compl int64_t int32_t size_t i n lane rest i_base i_count i_end
i_length i_per_row i_step i_next i_row i_col i_left lifted_walk
lifted_thread lifted_alone lifted_o lifted_o_base lifted_o_count lifted_o_end lifted_r lifted_n_out
lifted_n_red rest_o rest_r i0 i1 i2 i3 i4 i5 i6 i7 d0 d1 d2 d3 d4 d5 d6 d7 exp log log1p expm1 sqrt sin cos
tan tanh atan asin acos sinh cosh atan2 pow fabs floor ceil fmod fmin fmax copysign abs min max std""".split())


def c_literal(value, dtype: str | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and not -2**63 <= value < 2**63:  # (a Python int met in a float: its double)
        return c_literal(float(value), dtype)
    if isinstance(value, int):
        text = f"{value}LL" if abs(value) > 2**31 - 1 else str(value)
        return f"({text})" if value < 0 else text
    if isinstance(value, float):
        if math.isnan(value):  # (the sign bit kept: `-np.nan`)
            return "(-NAN)" if math.copysign(1.0, value) < 0 else "NAN"
        if math.isinf(value):
            return "INFINITY" if value > 0 else "(-INFINITY)"
        text = repr(value)
        text = text if any(c in text for c in ".e") else text + ".0"
        text = f"{text}f" if dtype == "f32" else text
        return f"({text})" if value < 0 or text.startswith("-") else text
    raise TranspileError(f"the C backend cannot write the constant {value!r}")



def indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]
