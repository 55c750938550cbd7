"""Arrays grown at their edges: `np.append` and `np.pad` (constant, edge, reflect, symmetric and wrap modes), as
concatenations.

NumPy's np.pad fills a new array axis by axis, each axis's pads spanning the pads of the axes before it (so a
later axis's constant wins in a corner); concatenating the pads onto the array one axis at a time, in the same
order, gives the same array, and the derivatives come from concatenate's, getitem's and broadcast_to's rules.
The reflect, symmetric and wrap modes copy elements along the axis: which element lands where is NumPy's own
`np.pad` of the positions `np.arange(size)` (its legacy cases included: a pad longer than the axis reflects again,
a length-1 axis repeats its element), read as runs of consecutive positions, each one slice of the array.
"""
from __future__ import annotations

import numpy as np

from ..ir import Const
from .array_literals import array
from . import pad_modes
from .call_args import Emitter, arg, arity, known_rank, ravel, static, static_axis

_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp") + tuple(pad_modes.STAT_MODES)
_COPIES = ("reflect", "symmetric", "wrap")  # modes whose pads copy elements of the axis


def append(lowering, node, builder, positional, keywords):
    """`np.append(arr, values, axis=None)`: both flattened and joined, or joined along `axis`."""

    arity(lowering, node, "np.append", positional, keywords, 2, 3, ("axis",))
    emit = Emitter(lowering, node, builder)
    arr, values = (emit.atom(array(lowering, node, builder, [v], {}) if isinstance(v, tuple) else v)
                   for v in positional[:2])
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node)
    axis = static_axis(lowering, axis_value, axis_node)
    if axis is None:
        return emit("concatenate", ravel(emit, arr), ravel(emit, values), axis=0)
    return emit("concatenate", arr, values, axis=axis)


def _pairs(emit: Emitter, value, rank: int, what: str, numbers: type | tuple) -> list[tuple]:
    """`pad_width` or `constant_values` as one (before, after) pair per axis, broadcast as NumPy's `_as_pairs`
    broadcasts it (a number, `(n,)`, `(before, after)`, `((before, after),)` or one pair per axis)."""
    table = np.asarray(value, dtype=object)
    if not all(isinstance(v, numbers) and not isinstance(v, bool) for v in table.flat):
        raise emit.error(f"np.pad's `{what}` must be numbers known at build time", "np.pad(x, ((1, 2), (0, 1)))")
    try:
        return [tuple(row) for row in np.broadcast_to(table, (rank, 2)).tolist()]
    except ValueError:
        raise emit.error(f"np.pad's `{what}` does not fit an array of rank {rank}",
                         "one number, one (before, after) pair, or one pair per axis") from None


def pad(lowering, node, builder, positional, keywords):
    """`np.pad(array, pad_width, mode="constant", constant_values=0)` and `mode="edge"`."""
    arity(lowering, node, "np.pad", positional, keywords, 2, 3,
          ("mode", "constant_values", "reflect_type", "stat_length", "end_values"))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    rank = known_rank(emit, atom)
    if rank == 0:
        raise emit.error("np.pad of a scalar returns it unchanged", "use the scalar itself")
    widths = _pairs(emit, static(lowering, positional[1], node, "`pad_width`"), rank, "pad_width", int)
    if any(w < 0 for pair in widths for w in pair):
        raise emit.error("np.pad's `pad_width` cannot be negative")
    mode_value, mode_node = arg(lowering, positional, keywords, 2, "mode", node, "constant")
    mode = static(lowering, mode_value, mode_node, "`mode`")
    if mode not in _MODES:
        raise lowering.error(mode_node, f"np.pad with mode={mode!r} is not supported in kernels",
                             "supported modes: 'constant' (with constant_values), 'edge', 'reflect', 'symmetric', "
                             "'wrap', 'maximum', 'minimum', 'mean' (with stat_length) and 'linear_ramp' (with "
                             "end_values); other pads can be written with np.concatenate of slices")
    reflect_type = "even"
    for key, modes in (("reflect_type", ("reflect", "symmetric")), ("stat_length", tuple(pad_modes.STAT_MODES)),
                       ("end_values", ("linear_ramp",))):
        if key in keywords and mode not in modes:
            raise lowering.error(keywords[key][1], f"np.pad's `{key}` goes with mode=" + " or ".join(
                repr(m) for m in modes) + f", not {mode!r} (NumPy raises ValueError)", f"leave `{key}` out")
    if "reflect_type" in keywords:
        type_value, type_node = keywords["reflect_type"]
        reflect_type = static(lowering, type_value, type_node, "`reflect_type`")
        if reflect_type not in ("even", "odd"):
            raise lowering.error(type_node, f"np.pad's `reflect_type` is 'even' or 'odd', not {reflect_type!r}",
                                 "reflect_type='even' (the default) or 'odd'")
    fill_value, fill_node = keywords.get("constant_values", (Const(0, None), node))
    if mode != "constant" and "constant_values" in keywords:
        raise lowering.error(fill_node, "`constant_values` goes with mode='constant'")
    fills = _pairs(emit, static(lowering, fill_value, fill_node, "`constant_values`"), rank, "constant_values",
                   (int, float)) if mode == "constant" else None
    if all(w == 0 for pair in widths for w in pair):
        return emit("copy", atom)  # NumPy returns a new array
    if mode in pad_modes.STAT_MODES:
        length_value, length_node = keywords.get("stat_length", (None, node))
        lengths = _pairs(emit, static(lowering, length_value, length_node, "`stat_length`"), rank, "stat_length",
                         (int, type(None)))
        if any(n is not None and n < 0 for pair in lengths for n in pair):
            raise lowering.error(length_node, "np.pad's `stat_length` cannot be negative (NumPy raises ValueError)")
        return pad_modes.statistics(emit, atom, widths, lengths, mode)
    if mode == "linear_ramp":
        end_value, end_node = keywords.get("end_values", (Const(0, None), node))
        ends = _pairs(emit, static(lowering, end_value, end_node, "`end_values`"), rank, "end_values", (int, float))
        return pad_modes.linear_ramps(emit, atom, widths, ends)
    if reflect_type == "odd":
        return pad_modes.odd_reflections(emit, atom, widths, mode)
    if mode in _COPIES:
        return _copies(emit, atom, widths, mode)
    for axis, (before, after) in enumerate(widths):
        dims = emit.dims(atom)
        if mode == "edge" and (before or after) and isinstance(dims[axis], Const) and dims[axis].value == 0:
            raise emit.error("np.pad can't extend an empty axis with mode='edge'")
        parts = []
        for side, width in ((0, before), (1, after)):
            if not width:
                continue
            shape = dims[:axis] + [width] + dims[axis + 1:]
            if mode == "constant":
                part = emit("full", *shape, fills[axis][side], dtype=atom.type.dtype)
            else:
                edge = (slice(None),) * axis + ((slice(0, 1),) if side == 0 else (slice(-1, None),))
                part = emit("broadcast_to", emit("getitem", atom, index=edge), *shape)
            parts.append(part)
        if parts:
            atom = emit("concatenate", *(parts[:1] if before else []), atom, *(parts[-1:] if after else []),
                        axis=axis)
    return atom


def _copies(emit: Emitter, atom, widths: list, mode: str):
    """Each padded axis as the concatenation of the runs of NumPy's own pad of its positions."""
    for axis, (before, after) in enumerate(widths):
        if not (before or after):
            continue
        size = atom.type.shape[axis]
        if not isinstance(size, int):
            raise emit.error(f"np.pad with mode={mode!r} needs the length of each axis it pads known at build time "
                             "(which element lands where depends on it)", 'annotate it, e.g. "f64[8]"')
        if size == 0:
            raise emit.error(f"np.pad can't extend an empty axis with mode={mode!r} (NumPy raises ValueError)")
        positions = np.pad(np.arange(size), (before, after), mode=mode).tolist()
        parts = [emit("getitem", atom, index=(slice(None),) * axis + (run,)) for run in _runs(positions, size)]
        atom = emit("concatenate", *parts, axis=axis)
    return atom


def _runs(positions: list[int], size: int) -> list[slice]:
    """`positions` as few slices as possible: runs of consecutive positions, up or down."""
    runs, start = [], 0
    while start < len(positions):
        end, step = start + 1, 1
        if end < len(positions) and abs(positions[end] - positions[start]) == 1:
            step = positions[end] - positions[start]
            while end < len(positions) and positions[end] - positions[end - 1] == step:
                end += 1
        first, last = positions[start], positions[end - 1]
        runs.append(slice(first, last + 1) if step == 1 else slice(first, last - 1 if last else None, -1))
        if first == 0 and last == size - 1 and step == 1:
            runs[-1] = slice(None)
        start = end
    return runs
