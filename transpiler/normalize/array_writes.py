"""`np.copyto(dst, src, casting='same_kind', where=True)`, `np.putmask(a, mask, values)`, `np.place(arr, mask,
vals)` and `np.put(a, ind, v, mode='raise')` (`lower_put`, below): statements that write into an existing array,
lowered as the update NumPy makes, `dst[...] = new`, through the write machinery (inplace_writes.py, as
`a.fill(v)`: fill.py): every name and view of the array sees it, a view target (`np.copyto(a[0], v)`,
`np.copyto(a.T, v)`) writes into the array it looks into, and `src` overlapping `dst` reads as NumPy reads it
(`dst[...] = src` copies an overlapping source first, as copyto does).

* copyto: `dst[...] = src` (with `where=`, `np.where(where, src, dst)`: the kept elements are dst's own); NumPy's
  `casting=` rule is checked at build time on the two dtypes (a Python number: its kind), NumPy's TypeError refused.
* putmask and place cast an array of values with casting='safe' (NumPy's TypeError otherwise, refused), a Python
  number as NumPy converts a Python object (one that could raise there, a float into an integer array, refused).
* putmask: NumPy reads `values` flat and cycles it over a's flat positions (position i takes `values.flat[i %
  values.size]`), and the mask flat against a's elements (ValueError where the sizes differ): `np.where(mask
  reshaped to a's shape, the cycled values cast to a's dtype, a)`. Empty values leave `a` as it is, as NumPy.
* place: `vals` is cycled over the True positions in order: the k-th True takes `vals.flat[k % vals.size]`,
  k the running count of Trues (`cumsum(mask) - 1`), so the update is `np.where(mask, vals.flat[k % n], arr)`.
  Lengths known only at run time: the same update, NumPy's ValueErrors checked at run time (`_masked_run_time`).
"""
from __future__ import annotations

import libcst as cst
import numpy as np

from ..frontend.array_literals import array, array_like
from ..frontend.call_args import Emitter, static
from ..ir import Const, const
from ..ir.types import numpy_dtype
from .functions import frozen
from .numpy_statements import bound_arguments, named_array, numpy_statement

_NAMES = {"copyto": ("dst", "src", "casting", "where"), "putmask": ("a", "mask", "values"),
          "place": ("arr", "mask", "vals"), "put": ("a", "ind", "v", "mode")}
_PYTHON = {"f64": 0.5, "f32": 0.5, "i64": 1, "i32": 1, "bool": True}


def array_write(lowering, call: cst.Call, builder, env) -> str | None:
    """Which of these functions this call statement is, or None."""
    return numpy_statement(lowering, call, builder, env, _NAMES)


def lower_array_write(lowering, name: str, call: cst.Call, builder, env) -> None:
    """The update `np.copyto`, `np.putmask` or `np.place` makes, as `target[...] = new`."""
    names = _NAMES[name]
    found = bound_arguments(lowering, call, name, names, 2 if name == "copyto" else 3,
                            f"np.{name}({', '.join(names[:3])})")
    emit = Emitter(lowering, call, builder)
    target = found[names[0]]
    if name == "put":
        return lower_put(lowering, emit, found, env)
    current = written_array(lowering, emit, target, builder, env, f"np.{name}")
    values = {key: emit.atom(array_like(lowering, call, builder, frozen(lowering.expr(found[key], builder, env),
                                                                      lowering, found[key])))
              for key in names[1:] if key in found and key != "casting"}
    if name == "copyto":
        casting = static(lowering, lowering.expr(found["casting"], builder, env), found["casting"], "`casting`") \
            if "casting" in found else "same_kind"
        new = copied_into(lowering, emit, found, current, values, casting)
    else:
        new = _masked(lowering, emit, name, found, current, values[names[1]], values[names[2]], found[names[2]])
        if new is None:
            return
    place = cst.Subscript(target, [cst.SubscriptElement(cst.Index(cst.Ellipsis()))])
    lowering.locate.place_like(place, call)
    lowering._assign(place, new, builder, env)


def written_array(lowering, emit: Emitter, target, builder, env, what: str):
    """The array `what` writes into (`target`): of a known rank, and not a scalar (NumPy raises TypeError)."""
    current = emit.atom(lowering.expr(target, builder, env))
    if current.type.shape is None:
        raise lowering.error(target, f"{what} needs the rank of the array it writes into",
                             'annotate it, e.g. a: "f64[n]"')
    if current.type.shape == ():
        raise lowering.error(target, f"{what} writes into an array; this is a scalar (NumPy raises TypeError)",
                             "rebind the name to the new value instead")
    return current


def copied_into(lowering, emit: Emitter, found: dict, dst, values: dict, casting, name: str = "np.copyto"):
    """`dst`'s new value: `src` cast by `casting`, kept where `where` (`name`: the function it is, for refusals:
    a ufunc's `out=`, ufunc_out.py)."""
    src = values["src"]
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise lowering.error(found["casting"], f"{name}'s casting={casting!r} (NumPy raises ValueError)",
                             "casting='same_kind' (the default) or 'unsafe'")
    sample = _PYTHON[src.type.dtype] if src.type.weak else np.zeros(1, numpy_dtype(src.type.dtype))
    if isinstance(src, Const) and src.type.weak:
        sample = src.value
    try:
        np.copyto(np.zeros(1, numpy_dtype(dst.type.dtype)), sample, casting=casting)
    except (TypeError, OverflowError) as raised:
        raise lowering.error(found["src"], f"{name} of {src.type.dtype} values into a {dst.type.dtype} array "
                             f"with casting={casting!r}: NumPy raises {type(raised).__name__}",
                             "cast first (src.astype(dst.dtype)), or pass casting='unsafe'")
    if not src.type.weak and src.type.dtype != dst.type.dtype:  # (copyto's cast, NumPy's astype: the same loop)
        src = emit("astype", src, dtype=dst.type.dtype)
    if "where" not in values:
        return src
    mask = values["where"]
    if mask.type.dtype != "bool":
        raise lowering.error(found["where"], f"{name}'s where= is a boolean array here (NumPy casts others "
                             "with casting='safe' only from booleans: TypeError)", "where=x > 0")
    return emit("where", mask, src, dst)


def _masked(lowering, emit: Emitter, name: str, found: dict, a, mask, values, values_node):
    """np.putmask's or np.place's new array, or None where it leaves `a` as it is."""
    shape, dtype = a.type.shape, a.type.dtype
    fits = {"bool": ("f64", "f32", "i64", "i32", "bool"), "i64": ("f64", "f32", "i64"), "f64": ("f64", "f32")}
    if values.type.weak and dtype not in fits.get(values.type.dtype, ()):
        raise lowering.error(values_node, f"np.{name} of a Python {values.type.dtype} number into a {dtype} array "
                             "(NumPy converts it as a Python object: ValueError for NaN, OverflowError out of range)",
                             f"give an array of the target's dtype, e.g. np.{name}(a, m, np.array([v]))")
    if not values.type.weak and not np.can_cast(numpy_dtype(values.type.dtype), numpy_dtype(dtype), "safe"):
        raise lowering.error(values_node, f"np.{name} of {values.type.dtype} values into a {dtype} array: NumPy casts "
                             "an array of values with casting='safe' (TypeError)", "cast first: values.astype(a.dtype)")
    if values.type.shape is None or mask.type.shape is None:
        raise lowering.error(values_node, f"np.{name} needs the ranks of its mask and values",
                             'annotate them, e.g. m: "bool[n]"')
    if not all(isinstance(n, int) for s in (shape, mask.type.shape, values.type.shape) for n in s):
        return _masked_run_time(emit, name, a, mask, values)
    size, count = int(np.prod(shape)), int(np.prod(values.type.shape))
    if int(np.prod(mask.type.shape)) != size:
        raise lowering.error(found["mask"], f"np.{name}'s mask of shape {mask.type.shape} and array of shape {shape} "
                             "differ in size (NumPy raises ValueError)", "a mask of the array's shape")
    if mask.type.dtype != "bool":
        mask = emit("astype", mask, dtype="bool")
    mask = mask if mask.type.shape == shape else emit("reshape", mask, *shape)
    if values.type.dtype != dtype and not values.type.weak:  # (a Python number: np.where keeps a's dtype)
        values = emit("astype", values, dtype=dtype)
    if count == 0:
        if name == "putmask":
            return None
        raise lowering.error(values_node, "np.place of empty values: NumPy raises ValueError where the mask has a "
                             "True", "give at least one value")
    flat = values if len(values.type.shape) == 1 else emit("reshape", values, -1)
    if name == "putmask":
        if values.type.shape == ():
            return emit("where", mask, values, a)
        picked = flat if count == size else _gather(lowering, emit, flat, array(
            lowering, emit.node, emit.builder, [tuple(int(k) for k in np.arange(size) % count)], {}))
    else:
        ranks = emit("subtract", emit("cumsum", emit("reshape", mask, -1), axis=0), 1)
        picked = _gather(lowering, emit, flat, emit("mod", ranks, count))
    return emit("where", mask, emit("reshape", picked, *shape) if len(shape) != 1 else picked, a)


def _size(emit: Emitter, x):
    """`x.size` as an integer atom (a literal where every length is)."""
    size = const(1)
    for dim in emit.dims(x):
        size = const(size.value * dim.value) if isinstance(size, Const) and isinstance(dim, Const) else \
            emit("multiply", size, dim)
    return size


def _masked_run_time(emit: Emitter, name: str, a, mask, values):
    """`_masked` where a length is known only at run time: NumPy's ValueError where the mask's size is not the
    array's, and for np.place of no values where the mask has a True, checked at run time; the values, padded with
    one element so that no values still gather, cycled by `position % max(count, 1)`, kept only where there are
    values (np.putmask of none writes nothing)."""
    size, count = _size(emit, a), _size(emit, values)
    emit("check_assert", emit("equal", _size(emit, mask), size), message=f"{name}: mask and data must be the same "
         "size", error="ValueError")
    flat_mask = emit("reshape", mask if mask.type.dtype == "bool" else emit("astype", mask, dtype="bool"), -1)
    if values.type.dtype != a.type.dtype and not values.type.weak:
        values = emit("astype", values, dtype=a.type.dtype)
    flat = emit("reshape", values, -1)
    padded = emit("concatenate", flat, emit("full", 1, 0, dtype=a.type.dtype), axis=0)
    some = emit("greater", count, 0)
    if name == "place":
        emit("check_assert", emit("logical_or", some, emit("logical_not", emit("any", flat_mask))),
             message="Cannot insert from an empty array!", error="ValueError")
        positions = emit("subtract", emit("cumsum", flat_mask, axis=0), 1)
    else:
        positions = emit("arange", size)
    picked = _gather(emit.lowering, emit, padded, emit("mod", positions, emit("maximum", count, 1)))
    keep = emit("logical_and", flat_mask, some)
    dims = emit.dims(a)
    return emit("where", emit("reshape", keep, *dims), emit("reshape", picked, *dims), a)


def _gather(lowering, emit: Emitter, flat, positions):
    """`flat[positions]` of an integer index array."""
    args, index = lowering._index(flat, [lowering._atom(positions, emit.node)])
    return lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})


def lower_put(lowering, emit: Emitter, found: dict, env) -> None:
    """`np.put(a, ind, v, mode='raise')`: `a.flat[ind] = v` with `v` read flat and cycled over the indices (NumPy
    writes them in order: a repeated index keeps the last value, as `a[ind] = v` does), cast to a's dtype (unsafe,
    as NumPy's put). A vector takes indices known at run time (`a[ind] = v`: NumPy's IndexError out of bounds,
    'wrap' and 'clip' as `ind % n` and `np.clip`); an array of higher rank takes indices known at build time, its
    positions unravelled here."""
    target, builder = found["a"], emit.builder
    named_array(lowering, target, env, "np.put", "np.put(m, i, v)")
    mode = static(lowering, lowering.expr(found["mode"], builder, env), found["mode"], "`mode`") \
        if "mode" in found else "raise"
    if mode not in ("raise", "wrap", "clip"):
        raise lowering.error(found["mode"], f"np.put's mode={mode!r} (NumPy raises ValueError)",
                             "mode='raise', 'wrap' or 'clip'")
    raw = frozen(lowering.expr(found["ind"], builder, env), lowering, found["ind"])
    values = frozen(lowering.expr(found["v"], builder, env), lowering, found["v"])
    put_flat(lowering, emit, target, raw, found["ind"], values, found["v"], mode, env)


def put_flat(lowering, emit: Emitter, target: cst.Name, raw, ind_node, raw_values, v_node, mode: str, env,
             name: str = "np.put") -> None:
    """`a.flat[ind] = v` as np.put writes it (`raw` the lowered indices, `raw_values` the lowered values; the
    nodes locate errors): `lower_put`'s and the `.flat` writes' (assignment.py) one update."""
    builder = emit.builder
    found = {"ind": ind_node, "v": v_node}
    a = env[target.value]
    shape, dtype = a.type.shape, a.type.dtype
    if shape is None or shape == ():
        raise lowering.error(target, f"{name} needs an array of known rank, 1 or more", 'a: "f64[n]"')
    ind = emit.atom(array_like(lowering, emit.node, builder, raw))
    values = emit.atom(array_like(lowering, emit.node, builder, raw_values))
    if ind.type.dtype not in ("i32", "i64") or ind.type.shape is None or \
            not all(isinstance(n, int) for n in ind.type.shape):
        raise lowering.error(found["ind"], f"{name} takes integer indices whose count is known at build time (NumPy "
                             "casts others with casting='safe': TypeError)", "np.put(a, [0, 2], v)")
    fits = {"bool": ("f64", "f32", "i64", "i32", "bool"), "i64": ("f64", "f32", "i64"), "f64": ("f64", "f32")}
    if values.type.weak and dtype not in fits.get(values.type.dtype, ()):
        raise lowering.error(found["v"], f"{name} of a Python {values.type.dtype} number into a {dtype} array (NumPy "
                             "converts it as a Python object: ValueError for NaN)", "np.put(a, i, np.array([v]))")
    if values.type.shape is None or not all(isinstance(n, int) for n in values.type.shape):
        raise lowering.error(found["v"], f"{name} needs the size of its values at build time", 'v: "f64[3]"')
    count, size = int(np.prod(ind.type.shape)), int(np.prod(values.type.shape))
    if count == 0 or size == 0:
        return  # (NumPy writes nothing)
    if values.type.dtype != dtype and not values.type.weak:  # (a Python number is stored as `a[i] = v` stores it;
        values = emit("astype", values, dtype=dtype)           # `fits` let only those NumPy converts exactly pass)
    if values.type.shape != ():
        flat = values if len(values.type.shape) == 1 else emit("reshape", values, -1)
        values = flat if size == count else _gather(lowering, emit, flat, array(
            lowering, emit.node, builder, [tuple(k % size for k in range(count))], {}))
    flat_ind = ind if len(ind.type.shape) == 1 else emit("reshape", ind, -1)
    if len(shape) == 1:
        n = emit.dims(a)[0]
        if mode == "wrap":
            flat_ind = emit("mod", flat_ind, n)
        elif mode == "clip":
            flat_ind = emit("clip", flat_ind, 0, emit("subtract", n, 1))
        return lowering.store_into(target.value, [flat_ind], values, emit.node, builder, env)
    positions = _literal(raw)
    if positions is None or not all(isinstance(n, int) for n in shape):
        raise lowering.error(found["ind"], f"{name} into an array of rank 2 or more takes indices known at build time "
                             "(a literal) and the array's shape too", "np.put(a, [0, 5], v)")
    whole = int(np.prod(shape))
    positions = np.asarray(positions).reshape(-1)
    if mode == "wrap":
        positions = positions % whole
    elif mode == "clip":
        positions = np.clip(positions, 0, whole - 1)
    elif ((positions < -whole) | (positions >= whole)).any():
        raise lowering.error(found["ind"], f"{name}'s index out of bounds for an array of size {whole} (NumPy raises "
                             "IndexError)", "indices within the array, or mode='wrap'")
    items = [lowering._atom(array(lowering, emit.node, builder, [tuple(int(i) for i in axis)], {}), emit.node)
             for axis in np.unravel_index(positions % whole, shape)]
    lowering.store_into(target.value, items, values, emit.node, builder, env)


def _literal(value):
    """The integers of a literal index (an int, or nested tuples of them), or None."""
    if isinstance(value, tuple):
        items = [_literal(v) for v in value]
        return None if any(i is None for i in items) else items
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None
