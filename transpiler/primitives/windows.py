"""`np.lib.stride_tricks.sliding_window_view(x, window_shape, axis=)`: every window of `x` along some axes, a
read-only view (rougier's exercises 75, 76, 84, 87; benchmarks/numpy_100).

The result has `x`'s axes, each windowed one shortened to `n - w + 1` positions, followed by one axis per window
(in the order the axes were given): `out[..., p, ..., k] = x[..., p + k, ...]`. Every element of `x` is read by
up to `w` windows, so the cotangent adds each window offset's slice of `g` back into its place (one
`dx[..., k:k + n - w + 1, ...] += g[..., k]` per offset). As a view that NumPy makes read-only, a write through it
is refused (normalize/view_writes.py), and a value taken before its array's update is made again after it.
"""
from __future__ import annotations

import itertools

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, offset_dim
from .registry import Primitive, register
from .symbolic import ops

FUNCTION = "np.lib.stride_tricks.sliding_window_view"


def _infer(types, params) -> TensorType:
    (x,) = types
    if x.shape is None:
        raise ShapeError("sliding_window_view needs the rank of its argument; annotate it")
    shape = list(x.shape)
    for axis, w in zip(params["axes"], params["window"]):
        if isinstance(shape[axis], int):
            if w > shape[axis]:
                raise ShapeError(f"sliding_window_view's window of {w} is longer than axis {axis} of length "
                                 f"{shape[axis]} (NumPy raises ValueError: window shape cannot be larger than "
                                 "input array shape)", "a window no longer than the axis")
            shape[axis] = shape[axis] - w + 1
        else:  # (a named length shorter than the window: NumPy's call raises ValueError at run time)
            shape[axis] = offset_dim(shape[axis], 1 - w)
    return TensorType(x.dtype, tuple(shape) + tuple(params["window"]))


def _vjp(g, out, x, active=None, window=(), axes=()):
    """Each window offset's slice of the cotangent added back where that offset reads `x`."""
    total = ops.zeros_like(x)
    for offsets in itertools.product(*(range(w) for w in window)):
        part = ops.getitem(g, index=(Ellipsis,) + offsets)
        index = [slice(None)] * x.rank
        for axis, w, k in zip(axes, window, offsets):  # `n - w + 1` elements from k, whatever n is
            index[axis] = slice(k, k - w + 1 or None)
        total = ops.index_add(total, part, index=tuple(index))
    return [total]


def _batch(ctx, prim, args, batched, window=(), axes=()):
    return ops.sliding_window(args[0], window=window, axes=tuple(a + 1 for a in axes))


def _render(args, p):
    window, axes = p["window"], p["axes"]
    return cg.call(FUNCTION, args[0], window[0] if len(window) == 1 else tuple(window),
                   axis=axes[0] if len(axes) == 1 else tuple(axes))


register(Primitive(
    name="sliding_window", infer=_infer, family="structured", render=_render, views=True, always_views=True,
    vjp=_vjp, batch=_batch, temp_name="w",
    jvp=lambda tangents, out, x, window=(), axes=(): ops.sliding_window(tangents[0], window=window, axes=axes),
))
