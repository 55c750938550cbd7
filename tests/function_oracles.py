"""autograd's NumPy runs neither np.insert, np.piecewise nor np.apply_along_axis with derivatives: the modules autograd
runs for tests/test_insert_lexsort.py and test_function_arguments.py, with each written out in autograd's terms from
NumPy 2.4's own definitions (numpy/lib/_function_base_impl.py, _shape_base_impl.py), independently of Lifted's
rules: np.insert as a gather from the array and the inserted block joined, in NumPy's new order; np.piecewise as
NumPy's loop, each function on the selected elements, its values placed back by a gather and np.where;
np.apply_along_axis as NumPy's loop over the slices, stacked and transposed by NumPy's `buff_permute`."""
from __future__ import annotations

ORACLE_HEADER = '''import autograd.numpy as np
import numpy as onp
from autograd.tracer import getval


def _cast(value, dtype):
    """NumPy's assignment casts to the array's dtype (a constant, or a traced value of that dtype already)."""
    raw = onp.asarray(getval(value))
    return value if raw.dtype == dtype else raw.astype(dtype)


def _broadcast(value, shape):
    """np.broadcast_to (autograd's takes no added leading axes: ones put in front first)."""
    value = np.reshape(value, (1,) * (len(shape) - np.ndim(value)) + np.shape(value))
    return np.broadcast_to(value, tuple(shape))


def _insert(arr, obj, values, axis=None):
    if axis is None:
        arr, axis = np.ravel(arr), 0
    nd = np.ndim(arr)
    axis %= nd
    n, dtype = np.shape(arr)[axis], onp.asarray(getval(arr)).dtype
    positions = onp.arange(n + 1)[obj] if isinstance(obj, slice) else onp.array(obj, dtype=onp.int64)
    vals = _cast(values, dtype)
    shape = list(np.shape(arr))
    if positions.size == 1:
        index = int(positions.reshape(-1)[0])
        index += n if index < 0 else 0
        vals = np.reshape(vals, (1,) * (nd - np.ndim(vals)) + np.shape(vals))
        if positions.ndim == 0:
            vals = np.transpose(vals, list(range(1, axis + 1)) + [0] + list(range(axis + 1, np.ndim(vals))))
        count = np.shape(vals)[axis]
        while np.ndim(vals) > nd:
            vals = vals[0]
        order = list(range(index)) + [n + k for k in range(count)] + list(range(index, n))
    else:
        positions = onp.where(positions < 0, positions + n, positions)
        count = len(positions)
        moved = positions.copy()
        moved[onp.argsort(positions, kind="mergesort")] += onp.arange(count)
        order = onp.empty(n + count, dtype=onp.int64)
        kept = onp.ones(n + count, dtype=bool)
        kept[moved] = False
        order[moved], order[kept] = n + onp.arange(count), onp.arange(n)
    shape[axis] = count
    joined = np.concatenate([arr, _broadcast(vals, shape)], axis=axis)
    new = joined[(slice(None),) * axis + (onp.asarray(order, dtype=onp.int64),)]
    return np.reshape(np.ravel(new), np.shape(new))  # (C order, as NumPy's new array: its sum's order)


def _piecewise(x, condlist, funclist, *args, **kw):
    dtype = onp.asarray(getval(x)).dtype
    if onp.isscalar(condlist) or (not isinstance(condlist[0], (list, onp.ndarray)) and np.ndim(x) != 0):
        condlist = [condlist]
    conds = onp.asarray([getval(c) for c in condlist], dtype=bool)
    if len(conds) == len(funclist) - 1:
        conds = onp.concatenate([conds, ~onp.any(conds, axis=0, keepdims=True)], axis=0)
    y = onp.zeros(np.shape(x), dtype)
    for cond, func in zip(conds, funclist):
        if callable(func):
            if not cond.any():
                continue
            vals = func(x[cond], *args, **kw)
        else:
            vals = func
        vals = _broadcast(_cast(vals, dtype), (int(cond.sum()),))
        where = onp.clip(onp.cumsum(cond.reshape(-1)) - 1, 0, None).reshape(cond.shape)
        y = np.where(cond, vals[where], y)
    return y


def _apply_along_axis(func1d, axis, arr, *args, **kwargs):
    nd = np.ndim(arr)
    axis %= nd
    view = np.transpose(arr, [d for d in range(nd) if d != axis] + [axis])
    outer = tuple(np.shape(view)[:-1])
    results = [func1d(view[ind], *args, **kwargs) for ind in onp.ndindex(*outer)]
    first = results[0]
    dtype, shape = onp.asarray(getval(first)).dtype, np.shape(first)
    rows = [_broadcast(_cast(r, dtype), shape) for r in results]
    buff = np.reshape(np.stack(rows), outer + tuple(shape))
    rank, total = len(shape), len(outer) + len(shape)
    return np.transpose(buff, list(range(axis)) + list(range(total - rank, total)) + list(range(axis, total - rank)))
'''


def oracle_for(text: str) -> str:
    """The kernel module's source for autograd: its NumPy, the three functions written out above."""
    body = text[text.index("\n\n"):].replace("@kernel\n", "")
    for name in ("insert", "piecewise", "apply_along_axis"):
        body = body.replace(f"np.{name}(", f"_{name}(")
    return ORACLE_HEADER + body
