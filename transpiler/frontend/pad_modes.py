"""np.pad's modes that compute their pads from the array (frontend/padding.py has those that copy it): `maximum`,
`minimum` and `mean` with `stat_length=`, `linear_ramp` with `end_values=`, and `reflect_type='odd'` of `reflect`
and `symmetric`, each as NumPy 2.x's numpy/lib/_arraypad_impl.py computes it.

NumPy fills the padded array axis by axis, each axis's statistics and ramps read from the array as padded so far
(the pads of earlier axes included, the later axes' original area only: `_view_roi`); concatenating each axis's
pads onto the array in the same order reads the same elements. Per axis:

* statistics (`_get_stats`): NumPy's own reduction (`np.max`, `np.min`, `np.mean`, keepdims) of the first and of the
  last `stat_length` elements of the original area (all of it where left out or longer); an integer array's mean is
  rounded half to even (`arr.round()`) before NumPy casts it into the array;
* ramps (`_get_linear_ramps`): `np.linspace(end_value, edge, width, endpoint=False, dtype=a.dtype, axis=axis)` as
  linspace computes it (in float64: `_as_pairs` makes the end values NumPy scalars, which promote float32; the step
  `(edge - end) / width`, or, where any step of the axis is 0, `arange / width * delta`; floored for an integer
  array), the right one reversed;
* odd reflections (`_set_reflect_both`): NumPy's loop of chunks, each `2 * edge - chunk`, its edge the outermost
  element so far, so a pad longer than the axis reflects the reflection as NumPy's does.

Derivatives, batching and the C target come from the parts (max, min, mean, slices, where, concatenate).
"""
from __future__ import annotations

from .call_args import Emitter

STAT_MODES = {"maximum": "max", "minimum": "min", "mean": "mean"}


def _slice(axis: int, part: slice) -> tuple:
    return (slice(None),) * axis + (part,)


def _axis_length(emit: Emitter, atom, axis: int, mode: str) -> int:
    size = atom.type.shape[axis]
    if not isinstance(size, int):
        raise emit.error(f"np.pad with mode={mode!r} needs the length of each axis it pads known at build time",
                         'annotate it, e.g. x: "f64[8]"')
    if size == 0:
        raise emit.error(f"np.pad can't extend an empty axis with mode={mode!r} (NumPy raises ValueError)",
                         "pad a non-empty axis, or use mode='constant'")
    return size


def statistics(emit: Emitter, atom, widths: list, lengths: list, mode: str):
    """`mode='maximum'|'minimum'|'mean'`: each side's pad is the statistic of the nearest `stat_length` elements."""
    reduce, dtype = STAT_MODES[mode], atom.type.dtype
    for axis, ((before, after), (left_length, right_length)) in enumerate(zip(widths, lengths)):
        if not (before or after):
            continue
        size = _axis_length(emit, atom, axis, mode)
        left_length = size if left_length is None or left_length > size else left_length
        right_length = size if right_length is None or right_length > size else right_length
        if 0 in (left_length, right_length):
            raise emit.error("np.pad's stat_length of 0 yields no value for padding (NumPy raises for maximum and "
                             "minimum; the mean of nothing is NaN)", "a stat_length of 1 or more, or None")
        stats = []
        for part in (slice(0, left_length), slice(size - right_length, size)):
            chunk = atom if part == slice(0, size) else emit("getitem", atom, index=_slice(axis, part))
            stat = emit(reduce, chunk, axis=axis, keepdims=True)
            if dtype in ("i32", "i64") and stat.type.dtype != dtype:
                stat = emit("rint", stat)  # `_round_if_needed`: ndarray.round(), half to even
            stats.append(stat if stat.type.dtype == dtype else emit("astype", stat, dtype=dtype))
        atom = _joined(emit, atom, axis, before, after, stats)
    return atom


def _joined(emit: Emitter, atom, axis: int, before: int, after: int, edges: list):
    """The array with `edges[0]` broadcast over `before` places in front along `axis`, `edges[1]` over `after`."""
    dims = emit.dims(atom)
    parts = []
    for width, edge in ((before, edges[0]), (after, edges[1])):
        shape = dims[:axis] + [width] + dims[axis + 1:]
        parts.append(emit("broadcast_to", edge, *shape) if width else None)
    pieces = [p for p in (parts[0], atom, parts[1]) if p is not None]
    return emit("concatenate", *pieces, axis=axis)


def linear_ramps(emit: Emitter, atom, widths: list, ends: list):
    """`mode='linear_ramp'`: each pad runs from its end value towards the edge, as np.linspace computes it."""
    dtype = atom.type.dtype
    computed = "f64"  # linspace's dtype: `_as_pairs` made the end values NumPy int64 or float64 scalars (strong)
    for axis, ((before, after), (left_end, right_end)) in enumerate(zip(widths, ends)):
        if not (before or after):
            continue
        size = _axis_length(emit, atom, axis, "linear_ramp")
        ramps = []
        for width, end, part, right in ((before, left_end, slice(0, 1), False),
                                        (after, right_end, slice(size - 1, size), True)):
            if not width:
                ramps.append(None)
                continue
            edge = emit("getitem", atom, index=_slice(axis, part))
            ramp = _ramp(emit, end, edge if dtype == computed else emit("astype", edge, dtype=computed), width, axis,
                         computed)
            if dtype in ("i32", "i64"):
                ramp = emit("floor", ramp)
            ramp = ramp if dtype == computed else emit("astype", ramp, dtype=dtype)
            ramps.append(emit("getitem", ramp, index=_slice(axis, slice(None, None, -1))) if right else ramp)
        pieces = [p for p in (ramps[0], atom, ramps[1]) if p is not None]
        atom = emit("concatenate", *pieces, axis=axis)
    return atom


def _ramp(emit: Emitter, start, stop, num: int, axis: int, dtype: str):
    """`np.linspace(start, stop, num, endpoint=False, axis=axis)`, `stop` an array with length 1 along `axis`."""
    delta = emit("subtract", stop, start)
    positions = emit("arange", num)
    positions = emit("reshape", emit("astype", positions, dtype=dtype),
                     *[num if a == axis else 1 for a in range(stop.type.rank)])
    step = emit("divide", delta, num)
    stepped = emit("multiply", positions, step)
    scaled = emit("multiply", emit("divide", positions, num), delta)  # (linspace's way where a step is 0: denormals)
    any_zero = emit("any", emit("equal", step, 0), axis=None)
    return emit("add", emit("where", any_zero, scaled, stepped), start)


def odd_reflections(emit: Emitter, atom, widths: list, mode: str):
    """`reflect_type='odd'` of `mode='reflect'|'symmetric'`: NumPy's `_set_reflect_both` loop, chunk by chunk."""
    include_edge = mode == "symmetric"
    for axis, (left_pad, right_pad) in enumerate(widths):
        if not (left_pad or right_pad):
            continue
        period = _axis_length(emit, atom, axis, mode)
        if period == 1:  # NumPy's legacy case: a singleton axis is extended with its element
            atom = _joined(emit, atom, axis, left_pad, right_pad, [atom, atom])
            continue
        while left_pad > 0 or right_pad > 0:
            atom, left_pad, right_pad = _reflect_both(emit, atom, axis, left_pad, right_pad, period, include_edge)
    return atom


def _reflect_both(emit: Emitter, core, axis: int, left_pad: int, right_pad: int, period: int, include_edge: bool):
    """One round of `_set_reflect_both` on the filled area `core` (NumPy's `padded[left_pad:-right_pad]`)."""
    length = core.type.shape[axis]
    if include_edge:
        old_length, edge_offset = length // period * period, 1
    else:
        old_length, edge_offset = (length - 1) // (period - 1) * (period - 1), 0
    if left_pad > 0:
        chunk_length = min(old_length, left_pad)
        first = chunk_length - edge_offset  # core positions first, first - 1, ..., 1 - edge_offset
        chunk = _descending(emit, core, axis, first, chunk_length)
        edge = emit("getitem", core, index=_slice(axis, slice(0, 1)))
        core = emit("concatenate", _odd(emit, edge, chunk, core.type.dtype), core, axis=axis)
        left_pad -= chunk_length
    if right_pad > 0:
        length = core.type.shape[axis]
        chunk_length = min(old_length, right_pad)
        first = length + edge_offset - 2
        chunk = _descending(emit, core, axis, first, chunk_length)
        edge = emit("getitem", core, index=_slice(axis, slice(length - 1, length)))
        core = emit("concatenate", core, _odd(emit, edge, chunk, core.type.dtype), axis=axis)
        right_pad -= chunk_length
    return core, left_pad, right_pad


def _descending(emit: Emitter, core, axis: int, first: int, count: int):
    stop = first - count
    return emit("getitem", core, index=_slice(axis, slice(first, stop if stop >= 0 else None, -1)))


def _odd(emit: Emitter, edge, chunk, dtype: str):
    """`2 * edge - chunk`, cast back into the array's dtype as NumPy's assignment into the padded array casts."""
    reflected = emit("subtract", emit("multiply", 2, edge), chunk)
    return reflected if reflected.type.dtype == dtype else emit("astype", reflected, dtype=dtype)
