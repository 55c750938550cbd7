"""`dtype=` and `casting=` of the joining functions (np.concatenate, np.stack, np.hstack, np.vstack), as NumPy reads
them: the result's dtype is `dtype`, or the inputs' common type without it; every input must cast to it under the
rule `casting` (default 'same_kind'), else NumPy raises TypeError, refused here at build time with the place (after
the shapes are checked: NumPy's ValueError of shapes comes first). Each input is cast (`astype`, which carries the
derivatives of a float cast) and joined as without the keywords.

CuPy's test_join writes `xp.concatenate((a, b), dtype=dtype2, casting=casting)` for every pair of dtypes.
"""
from __future__ import annotations

import numpy

from ..ir import Atom, Const
from ..ir.types import lifted_dtype, numpy_dtype
from .array_literals import array_like
from .call_args import Emitter, dtype as read_dtype, given, static

_RULES = ("no", "equiv", "safe", "same_kind", "unsafe")


def with_dtype(handler, name: str):
    """`handler` (a joining function without these keywords) taking `dtype=` and `casting=` as well."""
    def handle(lowering, node, builder, positional, keywords):
        if not ({"dtype", "casting"} & set(keywords)) or not positional:
            return handler(lowering, node, builder, positional, keywords)
        keywords = dict(keywords)
        dtype_value, dtype_node = keywords.pop("dtype", (None, node))
        rule_value, rule_node = keywords.pop("casting", (Const("same_kind", None), node))
        rule = static(lowering, rule_value, rule_node, f"{name}'s `casting`")
        if rule not in _RULES:
            raise lowering.error(rule_node, f"{name}'s casting={rule!r}: NumPy raises ValueError",
                                 "casting is one of " + ", ".join(repr(r) for r in _RULES))
        emit = Emitter(lowering, node, builder)
        sequence = positional[0]
        parts = (sequence,) if isinstance(sequence, Atom.__args__) else None
        if parts is None:
            if not isinstance(sequence, tuple) or not sequence:
                raise lowering.error(node, f"`{name}` takes a tuple or list of arrays", f"{name}((a, b))")
            parts = tuple(array_like(lowering, node, builder, item) for item in sequence)
        atoms = [emit.atom(part) for part in parts]
        dtypes = [numpy_dtype(a.type.dtype) for a in atoms]
        target = numpy_dtype(read_dtype(lowering, dtype_value, dtype_node)) if given(dtype_value) \
            else numpy.result_type(*dtypes)
        lifted = lifted_dtype(target)
        cast = [atom if atom.type.dtype == lifted else emit("astype", atom, dtype=lifted) for atom in atoms]
        joined = cast[0] if isinstance(sequence, Atom.__args__) else tuple(cast)
        result = handler(lowering, node, builder, [joined] + list(positional[1:]), keywords)  # shapes first
        for part_dtype in dtypes:  # then the casts, in NumPy's order (ValueError of shapes before TypeError)
            if not numpy.can_cast(part_dtype, target, casting=rule):
                raise lowering.error(node, f"{name} casts {part_dtype} to {target}, which the rule casting="
                                     f"{rule!r} does not allow: NumPy raises TypeError",
                                     "casting='unsafe' to allow it, or .astype(...) the input first")
        return result

    return handle
