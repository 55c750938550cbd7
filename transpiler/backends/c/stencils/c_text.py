"""The C text of stencil equations (ops.py) inside a kernel, written by ../emit.py: guarded loads at offsets,
windowed updates, and the CPU chunk test that lets a chunk inside every window run without the window tests."""
from __future__ import annotations

import re

from ....ir import Eqn, equations
from ..c_syntax import C_TYPES
from .ops import STENCIL_PRIMS

_WINDOW = re.compile(r"LIFTED_WINDOW\([^()]*\)")

def _terms(windows: tuple, axes: list[str], dims: list[str]) -> list[str]:
    terms = []
    for (start, end), i, d in zip(windows, axes, dims):
        if start > 0:
            terms.append(f"{i} >= {start}")
        if end > 0:
            terms.append(f"{i} < {d} - {end}")
    return terms


def guard_text(windows: tuple, axes: list[str], dims: list[str]) -> str:
    """The C condition that element (axes) lies in the windows ("" where every element does), marked so that
    `inside_copy` can leave it out."""
    terms = _terms(windows, axes, dims)
    return f"LIFTED_WINDOW({' && '.join(terms)})" if terms else ""


def inside_copy(lines: list[str]) -> list[str] | None:
    """The lane block with every window test true (for a chunk inside all windows); None where it has none."""
    if not any("LIFTED_WINDOW(" in line for line in lines):
        return None
    return [_WINDOW.sub("true", line) for line in lines]


def chunk_inside(kernel_windows: list[tuple], rank: int) -> list[str]:
    """Lines computing `lifted_inside`: whether the CPU chunk of LIFTED_LANE_COUNT elements from `i_base` (a flat
    index space of `rank` axes d0, d1, ...) lies inside every window (a sound test: false is always right). The
    chunk must not cross the last axis's rows; then every other coordinate is the chunk's first one's."""
    if rank == 1:
        first = ["i_base"]
    else:
        first = [f"lifted_c{k}" for k in range(rank)]
    terms = set()
    for windows in kernel_windows:
        pad = rank - len(windows)
        for a, (start, end) in enumerate(windows):
            k = pad + a
            if start > 0:
                terms.add(f"{first[k]} >= {start}")
            if end > 0:
                span = " + LIFTED_LANE_COUNT <=" if k == rank - 1 else " <"
                terms.add(f"{first[k]}{span} d{k} - {end}")
    if not terms:
        return []
    if rank > 1:
        terms.add(f"lifted_c{rank - 1} + LIFTED_LANE_COUNT <= d{rank - 1}")
    test = " && ".join(sorted(terms))
    lines = ["#ifdef __CUDACC__", "const bool lifted_inside = false;", "#else"]
    if rank > 1:
        lines.append("int64_t lifted_rest = i_base;")
        lines += [f"const int64_t lifted_c{k} = lifted_unravel_step(lifted_rest, d{k}, lifted_inverse_d{k});"
                  for k in range(rank - 1, 0, -1)]
        lines.append("const int64_t lifted_c0 = lifted_rest;")
    return lines + [f"const bool lifted_inside = {test};", "#endif"]


def kernel_windows(body: list) -> list[tuple]:
    """The windows of a kernel's stencil equations."""
    return [e.params["windows"] for e in equations(body) if e.prim.name in STENCIL_PRIMS]


def shifted_text(eqn: Eqn, pointer: str, strides: list[str], axes: list[str], dims: list[str]) -> str:
    """A load at an offset, inside its windows (0 outside them, where nothing is read)."""
    offsets = eqn.params["offsets"]
    address = " + ".join(f"({i} + {o}) * {s}" if o else f"{i} * {s}" for i, o, s in zip(axes, offsets, strides))
    load = f"{pointer}[{address or 0}]"
    guard = guard_text(eqn.params["windows"], axes, dims)
    return f"(({guard}) ? {load} : ({C_TYPES[eqn.out.type.dtype]})0)" if guard else load


def update_text(eqn: Eqn, acc: str, value: str, axes: list[str], dims: list[str]) -> str:
    ctype = C_TYPES[eqn.out.type.dtype]
    new = f"({ctype})({value})" if eqn.params["op"] == "set" else f"({ctype})({acc} + {value})"
    guard = guard_text(eqn.params["windows"], axes, dims)
    return f"(({guard}) ? {new} : {acc})" if guard else new


def shifted_pattern(shape: tuple, space: tuple) -> tuple:
    """launch_spec.pattern for a source read at offsets: an axis whose size differs from the space's is "shift"
    (the kernel's windows keep its reads inside it; it gives the space no size)."""
    pad = len(space) - len(shape)
    return tuple(None if k < pad else "S" if shape[k - pad] == space[k] else 1 if shape[k - pad] == 1 else "shift"
                 for k in range(len(space)))
