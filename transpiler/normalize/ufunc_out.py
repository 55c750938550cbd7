"""A ufunc called as a statement with `out=` (and `where=`): `np.add(a, b, out=c)`, `np.exp(x, out=y)`,
`np.multiply(a, b, out=a, where=m)`, `np.add(a, b, c)` (NumPy reads the positional argument after the inputs as
`out`), `out=(c,)`.

NumPy computes the result in the loop its inputs select (`np.multiply` of int32 arrays into an int64 `out` wraps
in int32 first) and writes it into `out` with casting='same_kind', broadcast to out's shape; where `where=` is
False, out's elements stay as they were. That is np.copyto(out, np.<ufunc>(inputs), where=where)
(array_writes.py): `out[...] = new` through the write machinery, so every name and view of `out` sees it, `out`
among the inputs reads the inputs before the write (NumPy copies overlapping operands), and derivatives follow
`a[...] = v`. The call read as a value (`y = np.add(a, b, out=c)`, `return np.isneginf(x, out)`) is the write,
then `out` itself (NumPy returns the array it wrote into), read after the write as a name is; `out=None` (or a
positional None) is NumPy's default, a new array. Refused with a hint:
a ufunc of more than one output, `casting=`, `dtype=`, `order=`, `subok=`, `signature=`.

`np.isneginf(x, out)` and `np.isposinf(x, out)` are not ufuncs but NumPy writes them as one (`np.logical_and(isinf,
signbit, out)`), so their `out` (positional or keyword) is written the same way; they take no `where=`. So do
`np.clip(a, a_min, a_max, out)` (NumPy's clip ufunc) and `np.around(a, decimals, out)`/`np.round` (ndarray.round's
rint, or multiply, rint, divide, into `out`: of a's shape and the result's dtype, see `_same_shape`), and the
method `a.clip(a_min, a_max, out)` (WRITING_METHODS: the call without `out`, then the write).
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
import numpy

from ..frontend.array_literals import array_like
from ..frontend.call_args import Emitter
from ..ir import Const, Var
from ..values import Module
from .array_writes import copied_into, written_array
from .functions import frozen


@dataclass(frozen=True)
class WritingFunction:
    """A NumPy function that is not a ufunc but writes its one result into `out` as its last ufunc does. `least`:
    the fewest positional inputs (`nin` by default; `out` is the positional argument after `nin` of them);
    `passed`: its keywords passed on to the computed call; `same_shape`: out of the argument's shape and the
    result's dtype (np.around's `out`: NumPy's PyArray_Round rounds in out's dtype, and raises ValueError "invalid
    output shape" where the sizes differ, a broadcast error where the shapes do)."""
    name: str
    nin: int
    nout: int = 1
    where: bool = False
    least: int | None = None
    passed: tuple[str, ...] = ()
    same_shape: bool = False


WRITING_FUNCTIONS = {
    "isneginf": WritingFunction("isneginf", 1), "isposinf": WritingFunction("isposinf", 1),
    "around": WritingFunction("around", 2, least=1, passed=("decimals",), same_shape=True),
    "round": WritingFunction("round", 2, least=1, passed=("decimals",), same_shape=True),
    "clip": WritingFunction("clip", 3),
}
# the method `a.clip(a_min, a_max, out)` of an array named by a parameter or a local: its inputs after `a`
WRITING_METHODS = {"clip": WritingFunction("clip", 2)}


def ufunc_out(lowering, call: cst.Call, builder, env) -> numpy.ufunc | WritingFunction | None:
    """The NumPy ufunc (or WRITING_FUNCTIONS' function) this call is, where it writes into an array (`out=`, or
    one positional argument more than its inputs), or None."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    ufunc = getattr(numpy, name, None) if isinstance(name, str) else None
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and name in WRITING_METHODS:
        method = WRITING_METHODS[name]
        positional = [a for a in call.args if a.keyword is None]
        if not any(a.keyword is not None and a.keyword.value == "out" for a in call.args) and \
                len(positional) <= method.nin:
            return None
        base = lowering.expr(func.value, builder, env)
        if isinstance(base, Var) and base.type.shape not in (None, ()):
            return method
    if not isinstance(ufunc, numpy.ufunc):
        ufunc = WRITING_FUNCTIONS.get(name) if isinstance(name, str) else None
        if ufunc is None:
            return None
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    positional = [a for a in call.args if a.keyword is None]
    if "out" not in keywords and len(positional) <= ufunc.nin:
        return None
    value = lowering.expr(func, builder, env)
    return ufunc if isinstance(value, Module) and value.path == f"numpy.{name}" else None


def without_none_out(lowering, ufunc: numpy.ufunc | WritingFunction, call: cst.Call) -> cst.Call | None:
    """The call without its `out` where that is the literal None (NumPy's default: a new array), else None."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    out = next((a for a in call.args if a.keyword is not None and a.keyword.value == "out"),
               positional[ufunc.nin] if len(positional) > ufunc.nin else None)
    if out is None or not (isinstance(out.value, cst.Name) and out.value.value == "None"):
        return None
    plain = call.with_changes(args=[a for a in call.args if a is not out])
    lowering.locate.place_like(plain, call)
    return plain


def scalar_given_as_out(lowering, ufunc: numpy.ufunc | WritingFunction, call: cst.Call, builder, env) -> bool:
    """A positional argument past the inputs that is a number (`np.arctan(x[1], x[0])`): NumPy reads it as `out`
    and raises TypeError; the call's own arity error says so and names what was meant (ufunc_handlers.py)."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) <= ufunc.nin:
        return False
    value = lowering.expr(positional[ufunc.nin].value, builder, env)
    return isinstance(value, (Var, Const)) and value.type.shape == ()


def lower_ufunc_out(lowering, ufunc: numpy.ufunc | WritingFunction, call: cst.Call, builder,
                    env) -> cst.BaseExpression:
    """`out[...] = np.where(where, np.<ufunc>(inputs), out)`, the value cast as np.copyto casts (same_kind); the
    expression `out` names (the call's value, read after the write)."""
    method = isinstance(call.func, cst.Attribute) and ufunc is WRITING_METHODS.get(call.func.attr.value)
    name = f".{ufunc.name}()" if method else \
        f"np.{ufunc.name if isinstance(ufunc, WritingFunction) else ufunc.__name__}"
    keys = ("out", "where") if getattr(ufunc, "where", True) else ("out",)
    hint = f"{name}({', '.join(f'x{i}' for i in range(1, ufunc.nin + 1))}, out=y{', where=m' * (len(keys) > 1)})"
    if ufunc.nout != 1:
        raise lowering.error(call, f"{name} with `out=`: a ufunc of {ufunc.nout} outputs is not supported in "
                             "kernels", "use the returned tuple")
    inputs, found, passed = [], {}, []
    least = ufunc.nin if getattr(ufunc, "least", None) is None else ufunc.least
    for argument in call.args:
        key = argument.keyword.value if argument.keyword is not None else None
        if key is not None and key in getattr(ufunc, "passed", ()):
            passed.append(argument)
            continue
        if argument.star or key not in (None, *keys) or key in found or \
                key is None and (found or len(inputs) > ufunc.nin):
            raise lowering.error(argument, f"{name} with `out=` takes its {ufunc.nin} input(s), "
                                 f"{' and '.join(f'`{k}=`' for k in keys)} in kernels", hint)
        if key is None and len(inputs) < ufunc.nin:
            inputs.append(argument.value)
        else:
            found[key or "out"] = argument.value
    if not least <= len(inputs) <= ufunc.nin or "out" not in found:
        raise lowering.error(call, f"{name} takes {ufunc.nin} input(s), {len(inputs)} given (NumPy raises "
                             "TypeError)", hint)
    target = found["out"]
    if isinstance(target, cst.Tuple):  # (NumPy's `out=(y,)`)
        if len(target.elements) != 1 or isinstance(target.elements[0], cst.StarredElement):
            raise lowering.error(target, f"{name}'s `out=` tuple holds one array per output (NumPy raises "
                                 "ValueError)", "out=(y,)")
        target = target.elements[0].value
    emit = Emitter(lowering, call, builder)
    current = written_array(lowering, emit, target, builder, env, f"{name}'s `out=`")
    computed = call.with_changes(args=[cst.Arg(value) for value in inputs] + passed)
    lowering.locate.place_like(computed, call)
    values = {"src": emit.atom(array_like(lowering, call, builder, lowering.expr(computed, builder, env)))}
    if getattr(ufunc, "same_shape", False):
        values["src"] = _same_shape(lowering, emit, name, values["src"], current, found["out"])
    if "where" in found:
        values["where"] = emit.atom(array_like(lowering, call, builder,
                                               frozen(lowering.expr(found["where"], builder, env), lowering,
                                                      found["where"])))
    new = copied_into(lowering, emit, {"src": call, **found}, current, values, "same_kind", name)
    place = cst.Subscript(target, [cst.SubscriptElement(cst.Index(cst.Ellipsis()))])
    lowering.locate.place_like(place, call)
    lowering._assign(place, new, builder, env)
    return target


def _same_shape(lowering, emit: Emitter, name: str, result, out, out_node):
    """np.around's `out`: of the result's dtype and rank (else refused: NumPy rounds in out's dtype, or raises),
    and of its shape, checked at run time (NumPy's ValueError: of another size "invalid output shape", of the same
    size and rank another shape does not broadcast); the result read with out's shape after the check."""
    if result.type.dtype != out.type.dtype or result.type.shape is None or len(result.type.shape) != \
            len(out.type.shape):
        raise lowering.error(out_node, f"{name}'s `out` of another dtype or rank than its result "
                             f"({result.type.dtype}, rank {result.type.rank}): NumPy computes in out's dtype or "
                             "raises", "round, then write: out[...] = np.round(a, decimals)")
    for ours, theirs in zip(emit.dims(result), emit.dims(out)):
        if ours is not theirs and not (isinstance(ours, Const) and isinstance(theirs, Const)
                                       and ours.value == theirs.value):
            emit("check_assert", emit("equal", ours, theirs), error="ValueError",
                 message=f"{name}: invalid output shape")
    return emit("refine_shape", result, *emit.dims(out))
