"""`np.dot(a, b, out=c)` (and `np.dot(a, b, c)`: NumPy's third positional argument is `out`), as a statement or
read as a value (NumPy returns `c` itself).

np.dot is no ufunc: NumPy takes `out` only where it is exactly the array dot would make, the result's dtype, its
shape and C-contiguous (`output array is not acceptable`, a ValueError, otherwise: no casting, no broadcasting).
So the write is `c[...] = np.dot(a, b)` through the write machinery (array_writes.py, as a ufunc's `out=` in
ufunc_out.py: every name and view of `c` sees it, `c` among the inputs is read before the write, as NumPy copies
an overlapping operand first), after NumPy's checks: the dtype at build time (a mismatch is NumPy's ValueError,
refused), the sizes at build time or, for named ones, at run time (the ValueError raised there), and the layout at
build time: `c` must be known C-contiguous (made in the kernel, view_writes.py's `c_contiguous`); a parameter's
layout is the caller's, so that `out` is refused with a hint. `out=None` is NumPy's default, a new array.
"""
from __future__ import annotations

import libcst as cst

from ..frontend.array_literals import array_like
from ..frontend.call_args import Emitter
from ..ir import Const
from ..values import Module
from .array_writes import written_array

NOT_ACCEPTABLE = "output array is not acceptable (must have the right datatype, number of dimensions, and be a C-Array)"
HINT = "c[...] = np.dot(a, b)"


def _out_argument(call: cst.Call) -> cst.Arg | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    keyword = next((a for a in call.args if a.keyword is not None and a.keyword.value == "out"), None)
    return keyword or (positional[2] if len(positional) > 2 else None)


def dot_out(lowering, call: cst.Call, builder, env) -> bool:
    """Whether this call is `np.dot` with an `out` argument."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    if name != "dot" or _out_argument(call) is None:
        return False
    value = lowering.expr(func, builder, env)
    return isinstance(value, Module) and value.path == "numpy.dot"


def without_out(lowering, call: cst.Call) -> cst.Call:
    """The call without its `out` argument (for `out=None`)."""
    out = _out_argument(call)
    plain = call.with_changes(args=[a for a in call.args if a is not out])
    lowering.locate.place_like(plain, call)
    return plain


def lower_dot_out(lowering, call: cst.Call, builder, env) -> cst.BaseExpression | None:
    """`out[...] = np.dot(a, b)` after NumPy's checks; the expression `out` names (the call's value), or None
    where `out` is the literal None (the caller lowers the call without it)."""
    out = _out_argument(call)
    if isinstance(out.value, cst.Name) and out.value.value == "None":
        return None
    inputs = [a for a in call.args if a is not out]
    if len(inputs) != 2 or any(a.star or a.keyword is not None for a in inputs):
        raise lowering.error(call, "np.dot with `out` takes its two arrays by position and `out=` (NumPy's "
                             "signature dot(a, b, out=None))", HINT)
    target = out.value
    emit = Emitter(lowering, call, builder)
    current = written_array(lowering, emit, target, builder, env, "np.dot's `out=`")
    computed = call.with_changes(args=[cst.Arg(a.value) for a in inputs])
    lowering.locate.place_like(computed, call)
    new = emit.atom(array_like(lowering, call, builder, lowering.expr(computed, builder, env)))
    if new.type.dtype != current.type.dtype:
        raise lowering.error(target, f"np.dot's `out=` of dtype {current.type.dtype} for a {new.type.dtype} product: "
                             f"NumPy raises ValueError ({NOT_ACCEPTABLE})", "out of the product's dtype, or " + HINT)
    if len(new.type.shape) != len(current.type.shape):
        raise lowering.error(target, f"np.dot's `out=` of rank {len(current.type.shape)} for a product of rank "
                             f"{len(new.type.shape)}: NumPy raises ValueError ({NOT_ACCEPTABLE})", HINT)
    if not lowering.c_contiguous(current):
        raise lowering.error(target, "np.dot's `out=` must be C-contiguous (NumPy raises ValueError otherwise); "
                             "this array's layout is not known to be (a parameter's is the caller's, a view's "
                             "need not be)", HINT)
    sizes = list(zip(emit.dims(new), emit.dims(current)))
    for made, given in sizes:
        if isinstance(made, Const) and isinstance(given, Const):
            if made.value != given.value:
                raise lowering.error(target, f"np.dot's `out=` of shape {list(current.type.shape)} for a product "
                                     f"of shape {list(new.type.shape)}: NumPy raises ValueError ({NOT_ACCEPTABLE})",
                                     HINT)
        else:
            emit("check_assert", emit("equal", made, given), message=NOT_ACCEPTABLE, error="ValueError")
    if tuple(new.type.shape) != tuple(current.type.shape):
        new = emit("reshape", new, *[given for _, given in sizes])
    place = cst.Subscript(target, [cst.SubscriptElement(cst.Index(cst.Ellipsis()))])
    lowering.locate.place_like(place, call)
    lowering._assign(place, new, builder, env)
    return target
