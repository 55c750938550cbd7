"""NumPy's window views: `np.lib.stride_tricks.sliding_window_view` (the registry's `sliding_window`, a read-only
view) and the `as_strided` idioms that are one (rougier's exercises 75, 76, 81, 84, 87; benchmarks/numpy_100).

`as_strided(a, shape, strides)` reads memory at byte offsets the caller names, so its value depends on the
layout of `a`. Only where that layout is known and the strides are those of `a`'s own axes taken twice (the
windows idiom, `strides=a.strides + a.strides`, `(a.strides[0], a.strides[0])`) or zero (a broadcast) is the
result an array the kernel language has: the windows of `a` (`sliding_window`, then an index of them) or
`np.broadcast_to`. A kernel's parameter has the caller's layout, so `a.strides` of one is refused where it is read
(introspection.py); anything else `as_strided` could read (overlapping other elements, past the end) is refused.
"""
from __future__ import annotations

from ..ir.types import numpy_dtype
from .call_args import Emitter, arg, arity, known_rank, static

_WINDOW = "sliding_window_view"


def sliding_window_view(lowering, node, builder, positional, keywords):
    """`sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False)`."""
    arity(lowering, node, _WINDOW, positional, keywords, 1, 3, ("window_shape", "axis", "subok", "writeable"))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(positional[0])
    rank = known_rank(emit, x)
    window_value, window_node = arg(lowering, positional, keywords, 1, "window_shape", node)
    if window_value is None:
        raise lowering.error(node, f"`{_WINDOW}` takes the window's shape (NumPy raises TypeError without it)",
                             f"{_WINDOW}(x, 3)")
    window = static(lowering, window_value, window_node, "`window_shape`")
    window = (window,) if isinstance(window, int) else window
    if not isinstance(window, tuple) or not all(isinstance(w, int) and not isinstance(w, bool) for w in window):
        raise lowering.error(window_node, f"`{_WINDOW}`'s window_shape is an integer or a tuple of integers",
                             f"{_WINDOW}(x, 3) or {_WINDOW}(x, (3, 3))")
    if any(w < 0 for w in window):
        raise lowering.error(window_node, f"`{_WINDOW}`'s window_shape has a negative length (NumPy raises "
                             "ValueError)", "window lengths of 0 or more")
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node)
    axes = static(lowering, axis_value, axis_node, "`axis`")
    if axes is None:
        axes = tuple(range(rank))
        if len(window) != rank:
            raise lowering.error(window_node, f"`{_WINDOW}` without axis= takes one window length per axis of the "
                                 f"array ({rank}), {len(window)} given (NumPy raises ValueError)",
                                 "give axis=, or one length per axis")
    axes = (axes,) if isinstance(axes, int) else axes
    if not isinstance(axes, tuple) or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise lowering.error(axis_node, f"`{_WINDOW}`'s axis is an integer or a tuple of integers", "axis=-1")
    if len(axes) != len(window):
        raise lowering.error(node, f"`{_WINDOW}` takes one window length per axis, {len(window)} lengths for "
                             f"{len(axes)} axes (NumPy raises ValueError)", "as many lengths as axes")
    if not all(-rank <= a < rank for a in axes):
        raise lowering.error(axis_node, f"`{_WINDOW}`'s axis is out of range for an array of rank {rank} (NumPy "
                             "raises AxisError)", "an axis of the array")
    axes = tuple(a % rank for a in axes)
    if len(set(axes)) != len(axes):
        raise lowering.error(axis_node, f"`{_WINDOW}` along one axis twice is not supported in kernels",
                             "take the windows of each axis once")
    _refuse_writeable(lowering, keywords)
    return emit("sliding_window", x, window=window, axes=axes)


def _refuse_writeable(lowering, keywords) -> None:
    value, key_node = keywords.get("writeable", (None, None))
    if value is not None and static(lowering, value, key_node, "`writeable`"):
        raise lowering.error(key_node, f"`{_WINDOW}(..., writeable=True)`: a write through windows that overlap "
                             "changes the elements every window sharing them sees, which kernels do not follow",
                             "leave writeable out (read-only windows) and assign into the array itself")


def as_strided(lowering, node, builder, positional, keywords):
    """`as_strided(x, shape=None, strides=None, subok=False, writeable=True)`: the windows of `x` or a broadcast of
    it, where `x` is laid out C-contiguous (a kernel's own array; layout_known) and the strides say which."""
    arity(lowering, node, "as_strided", positional, keywords, 1, 3, ("shape", "strides", "subok", "writeable"))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(positional[0])
    rank = known_rank(emit, x)
    shape_value, shape_node = arg(lowering, positional, keywords, 1, "shape", node)
    strides_value, strides_node = arg(lowering, positional, keywords, 2, "strides", node)
    shape, strides = (static(lowering, v, n, f"`as_strided`'s {w}")
                      for v, n, w in ((shape_value, shape_node, "shape"), (strides_value, strides_node, "strides")))
    sizes = x.type.shape
    if not all(isinstance(d, int) for d in sizes):
        raise lowering.error(node, "`as_strided` of an array whose sizes are not known at build time: which elements "
                             "it reads depends on them", 'annotate the sizes (e.g. "f64[10]"), or use '
                             "sliding_window_view(x, window_shape)")
    if not lowering.c_contiguous(x):
        raise lowering.error(node, "`as_strided` of an array whose memory layout is the caller's (a parameter, or a "
                             "value made from one): the elements it reads depend on that layout",
                             "use sliding_window_view(x, window_shape), which reads the same windows in any layout")
    item = numpy_dtype(x.type.dtype).itemsize
    own = tuple(item * _product(sizes[k + 1:]) for k in range(rank))  # C-contiguous byte strides
    shape = tuple(sizes) if shape is None else (shape,) if isinstance(shape, int) else shape
    strides = own if strides is None else (strides,) if isinstance(strides, int) else strides
    if len(shape) != len(strides):
        raise lowering.error(node, "`as_strided`'s shape and strides differ in length (NumPy raises ValueError)",
                             "one stride per axis of the shape")
    if strides == own * 2 and len(shape) == 2 * rank and all(
            shape[k] + shape[rank + k] - 1 == sizes[k] for k in range(rank)) and all(s > 0 for s in shape):
        return emit("sliding_window", x, window=tuple(shape[rank:]), axes=tuple(range(rank)))
    if strides == own and tuple(shape) == tuple(sizes):
        return x
    raise lowering.error(node, "`as_strided` with these shape and strides is not supported in kernels: only the "
                         "windows of a C-contiguous array over every axis (shape `(n - w + 1, ..., w, ...)`, "
                         "strides `a.strides + a.strides`) are, elsewhere the elements it reads are memory the "
                         "kernel language does not name", "sliding_window_view(x, window_shape)")


def _product(values) -> int:
    total = 1
    for v in values:
        total *= v
    return total


def view(lowering, node, atom, builder):
    """`x.view(...)`: refused. `x.view(dtype)` reads x's bytes as another type (its values are bit patterns, of
    no derivative, and a write through it changes x's bytes); `x.view()` and `x.view(subclass)` are views whose
    only use is their type or a write into x, which kernels do not have."""
    raise lowering.error(node, "`.view(...)` is not supported in kernels: `x.view(dtype)` reinterprets the bytes of "
                         "`x` as another type (bit patterns, with no derivative; a write through it changes the "
                         "bytes of `x`), `x.view(cls)` makes an array of a subclass",
                         "to convert the values: x.astype(np.int32); to name the same array: y = x")


_NDITER = ("`np.nditer` is not supported in kernels: it iterates over the broadcast elements of its operands as "
           "0-d views, writing into operands it allocates (`z[...] = x + y`)")
_NDITER_HINT = "write the broadcast expression itself (`z = x + y`), or loop: for i in range(n): ..."


def extend_functions(functions: dict) -> None:
    """Add these to numpy_api's table, under each name NumPy exports them by."""
    from .unsupported_calls import refuse

    functions["numpy.nditer"] = refuse(_NDITER, _NDITER_HINT)
    for module in ("numpy.lib.stride_tricks", "numpy.lib._stride_tricks_impl"):
        functions[f"{module}.{_WINDOW}"] = sliding_window_view
        functions[f"{module}.as_strided"] = as_strided


def strides(lowering, node, atom, builder):
    """`x.strides`: the bytes between neighbours along each axis, a tuple of Python ints, where `x` is laid out
    C-contiguous (an array the kernel made; `c_contiguous`). A parameter's are the caller's: refused."""
    from ..builder import const
    from ..ir import Const

    if atom.type.weak:
        raise lowering.error(node, "`.strides` of a Python number: Python numbers have no `.strides` (Python raises "
                             "AttributeError)", "np.asarray(v).strides")
    if atom.type.shape is None:
        raise lowering.error(node, "`.strides` of a value of unknown rank is not known at build time",
                             'annotate the parameters it comes from, e.g. x: "f64[n,d]"')
    if atom.type.shape == ():
        return ()
    if not lowering.c_contiguous(atom):
        raise lowering.error(node, "`.strides` of an array whose memory layout is the caller's (a parameter, a view, "
                             "or a value made from one) is not known at build time",
                             "x.itemsize and x.shape give a C-contiguous copy's: np.ascontiguousarray(x).strides")
    total = const(numpy_dtype(atom.type.dtype).itemsize)
    result = []
    for axis in reversed(range(len(atom.type.shape))):
        result.append(total)
        dim = lowering._dim(atom, axis, builder, node)
        total = const(total.value * dim.value) if isinstance(dim, Const) and isinstance(total, Const) \
            else lowering._bind(builder, node, "multiply", [total, dim])
    return tuple(reversed(result))
