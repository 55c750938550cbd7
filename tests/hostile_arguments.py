"""Hostile arguments for the random generators' kernels `f(x: f64[n], y: f64[n], M: f64[n,d], s: f64[], idx: i64[k])`.

Each kind turns the generator's plain inputs (`test_property.inputs_for`) into what a caller nobody here wrote might
pass: other layouts (Fortran order, negative and zero strides, strided slices, read-only, unaligned buffers,
arguments that share memory), sizes (0-length and length-1 axes, sizes that disagree), values (NaN, infinities,
signed zeros, subnormals, 1e308, huge indices) and types (Python and NumPy scalars, 0-d arrays, lists, np.matrix,
masked arrays, memmaps, big-endian and narrower dtypes). A kind is a function of the plain inputs that builds fresh
arrays at every call, so the Python reference and each generated function get arguments of the same layout,
sharing included, and neither sees the other's writes.

What each kind must give (`EXPECT`): "same" (accepted, Python's numbers; a refusal is a failure), "refused" (a
TypeError or ValueError naming the parameter, before any work), or "either" (a located refusal naming the
parameter, or Python's numbers). Wherever the kernel is accepted, the caller's arrays must come back bit for bit as
they went in: a kernel never writes into its arguments (docs/kernel-language.md), and where Python's own write would
fail (a read-only array) the generated function refuses at entry.
"""
from __future__ import annotations

import re
import tempfile
from typing import Callable

import numpy as np

from exact_values import same_values

PARAMETERS = ("x", "y", "M", "s", "idx")


def _unaligned(a: np.ndarray) -> np.ndarray:
    """`a`'s values in a buffer one byte off the dtype's alignment (`np.frombuffer(..., offset=1)`)."""
    buffer = bytearray(a.nbytes + 1)
    view = np.frombuffer(buffer, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    view[...] = a
    return view


def _strided(a: np.ndarray, step: int = 2) -> np.ndarray:
    """`a`'s values as every `step`-th element of a larger array along each axis (`big[::2]`, `big[:, 1::3]`)."""
    big = np.full(tuple(step * n + 1 for n in a.shape), 7.25, dtype=a.dtype)
    view = big[tuple(slice(1, None, step) for _ in a.shape)]
    view[...] = a
    return view


def _reversed(a: np.ndarray) -> np.ndarray:
    """`a`'s values through negative strides on every axis (`big[::-1]`)."""
    flipped = np.ascontiguousarray(a[tuple(slice(None, None, -1) for _ in a.shape)])
    return flipped[tuple(slice(None, None, -1) for _ in a.shape)]


def _read_only(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.setflags(write=False)
    return a


def _memmap(a: np.ndarray) -> np.ndarray:
    """`a`'s values in a np.memmap of a temporary file (deleted when closed: nothing left behind)."""
    with tempfile.TemporaryFile() as file:
        file.truncate(max(a.nbytes, 1))
        mapped = np.memmap(file, dtype=a.dtype, mode="r+", shape=a.shape)
    mapped[...] = a
    return mapped


class Tagged(np.ndarray):
    """An ndarray subclass that only adds a name: NumPy's operations, accepted like a plain array."""


def _arrays(args: list, change: Callable, names=("x", "y", "M", "idx")) -> list:
    return [change(a) if name in names else a for name, a in zip(PARAMETERS, args)]


def _overlapping(args: list) -> list:
    x, y, M, s, idx = args
    line = np.concatenate([x, y[-1:]])
    return [line[:-1], line[1:], M, s, idx]


def _column_of_m(args: list) -> list:
    x, y, M, s, idx = args
    M = M.copy()
    return [M[:, 0], y, M, s, idx]


def _specials(args: list) -> list:
    x, y, M, s, idx = (a.copy() if isinstance(a, np.ndarray) else a for a in args)
    x.flat[[0, 3]] = [np.nan, -0.0]
    y.flat[[1, 4]] = [np.inf, 5e-324]
    M.flat[[6, 7, 8]] = [-np.inf, 1e308, 0.0]
    return [x, y, M, -0.0, idx]


def _sized(n: int | None = None, d: int | None = None, k: int | None = None) -> Callable:
    def resize(args: list) -> list:
        x, y, M, s, idx = args
        rows = len(x) if n is None else n
        cols = M.shape[1] if d is None else d
        grow = lambda a, size: np.resize(a, size) if size else np.zeros(size, a.dtype)  # noqa: E731
        return [grow(x, rows), grow(y, rows), grow(M, (rows, cols)).reshape(rows, cols), s,
                grow(idx, len(idx) if k is None else k) % max(rows, 1)]
    return resize


def _with(position: int, change: Callable) -> Callable:
    return lambda args: [change(a) if k == position else a for k, a in enumerate(args)]


# kind -> (how the plain inputs become hostile ones, what the generated functions must do)
KINDS: dict[str, tuple[Callable[[list], list], str]] = {
    # layouts
    "fortran M": (_with(2, np.asfortranarray), "same"),
    "negative strides": (lambda args: _arrays(args, _reversed), "same"),
    "strided slices": (lambda args: _arrays(args, _strided), "same"),
    "strided by 3": (lambda args: _arrays(args, lambda a: _strided(a, 3)), "same"),
    "transposed M": (_with(2, lambda m: np.ascontiguousarray(m.T).T), "same"),
    "zero strides": (lambda args: _arrays(args, lambda a: np.broadcast_to(a.reshape(-1)[:1], a.shape)
                                          if a.size else a), "either"),
    "read-only": (lambda args: _arrays(args, _read_only), "either"),
    "unaligned": (lambda args: _arrays(args, _unaligned), "same"),
    "memmap": (lambda args: _arrays(args, _memmap), "same"),
    "x is y": (lambda args: [args[0], args[0]] + args[2:], "either"),
    "overlapping x, y": (_overlapping, "either"),
    "x a column of M": (_column_of_m, "either"),
    # sizes
    "n = 1": (_sized(n=1), "same"),
    "n = 0": (_sized(n=0), "same"),
    "d = 1": (_sized(d=1), "same"),
    "d = 0": (_sized(d=0), "same"),
    "k = 0": (_sized(k=0), "same"),
    "k = 1": (_sized(k=1), "same"),
    "y shorter than x": (_with(1, lambda y: y[:-1].copy()), "refused"),
    "M rows differ from x": (_with(2, lambda m: np.vstack([m, m[:1]])), "refused"),
    # values
    "special floats": (_specials, "same"),
    "s nan": (_with(3, lambda s: float("nan")), "same"),
    "s inf": (_with(3, lambda s: float("-inf")), "same"),
    "huge index": (_with(4, lambda i: np.array([1, 2**62, -3, 0], dtype=np.int64)), "same"),
    "int64 min index": (_with(4, lambda i: np.array([np.iinfo(np.int64).min, 1], dtype=np.int64)), "same"),
    # types
    "s int": (_with(3, lambda s: int(round(s * 3))), "either"),
    "s bool": (_with(3, lambda s: s > 0), "either"),
    "s np.float64": (_with(3, np.float64), "either"),
    "s np.int64": (_with(3, lambda s: np.int64(round(s * 3))), "either"),
    "s np.float32": (_with(3, np.float32), "either"),
    "s 0-d array": (_with(3, lambda s: np.array(s)), "either"),
    "s 0-d float32 array": (_with(3, lambda s: np.array(s, dtype=np.float32)), "either"),
    "s 1-element array": (_with(3, lambda s: np.array([s])), "refused"),
    "x list": (_with(0, list), "either"),
    "x tuple": (_with(0, tuple), "either"),
    "M nested list": (_with(2, lambda m: m.tolist()), "either"),
    "M np.matrix": (_with(2, np.asmatrix), "refused"),
    "M masked": (_with(2, lambda m: np.ma.masked_array(m, mask=m > 1.0)), "refused"),
    "M masked, no mask": (_with(2, np.ma.masked_array), "refused"),
    "a subclass adding attributes": (lambda args: _arrays(args, lambda a: a.view(Tagged)), "same"),
    "big-endian": (lambda args: _arrays(args, lambda a: a.astype(a.dtype.newbyteorder(">"))), "either"),
    "float32 arrays": (lambda args: _arrays(args, lambda a: a.astype(np.float32), ("x", "y", "M")), "either"),
    "int32 idx": (_with(4, lambda i: i.astype(np.int32)), "either"),
    "float idx": (_with(4, lambda i: i.astype(np.float64)), "refused"),
    "bool idx": (_with(4, lambda i: i > 0), "either"),
    "x int64": (_with(0, lambda x: np.round(x * 3).astype(np.int64)), "either"),
    "x None": (_with(0, lambda x: None), "refused"),
}


def snapshot(args: list) -> list:
    """Each argument's bytes (and the values of lists and scalars) as they are now."""
    return [(np.asarray(a).tobytes(), a.flags.writeable) if isinstance(a, np.ndarray) else repr(a) for a in args]


def unchanged(args: list, before: list) -> bool:
    """Every argument as `snapshot` saw it: the same bytes (a masked array's data, masked or not) and flags."""
    for a, b in zip(args, before):
        if isinstance(a, np.ndarray):
            if np.asarray(a).tobytes() != b[0] or a.flags.writeable != b[1]:
                return False
        elif repr(a) != b:
            return False
    return True


def clear_refusal(exc: BaseException) -> bool:
    """A refusal a caller can act on: a TypeError or ValueError naming a parameter in backticks."""
    return isinstance(exc, (TypeError, ValueError)) and bool(
        re.search(r"`(" + "|".join(PARAMETERS) + r")(\[[^`]*\])?`", str(exc)))


def judge(function: Callable, kind: str, plain: list, reference: Callable | None, what: str) -> str:
    """Call `function` on `kind`'s arguments and judge it (`judge_call`): 'checked', 'refused', 'raised as Python'
    (with an exception of the type `reference` raised), 'raised, another error first' (an IndexError or ValueError
    where Python raised another one: the generated code checks some indices earlier than Python reads them), else
    AssertionError (a value where Python raises, a read nobody uses included: analysis/dead_reads.py).
    `reference(args)` gives the expected value on the kind's own arguments (Python on the source, or the NumPy
    backend on plain arrays of the same values)."""
    kind_of, expect = KINDS[kind]
    return judge_call(function, lambda: kind_of([a.copy() if isinstance(a, np.ndarray) else a for a in plain]),
                      expect, reference, f"{what} [{kind}]", excused=_as_python_or_checked_earlier)


def _as_python_or_checked_earlier(exc: BaseException, python_error: BaseException) -> str | None:
    if type(exc) is type(python_error):
        return "raised as Python"
    if isinstance(exc, (IndexError, ValueError)):
        return "raised, another error first"  # (a hoisted index check before a failing reduction Python met)
    return None


def judge_call(function: Callable, arguments: Callable[[], list], expect: str, reference: Callable[[list], object],
               what: str, refusal: Callable[[BaseException], bool] = clear_refusal,
               compare: Callable = same_values,
               excused: Callable[[BaseException, BaseException], str | None] = lambda exc, python_error: None) -> str:
    """What both argument fuzzers judge (this module's and hostile_trees.py's): Python's outcome on one fresh set of
    arguments (`reference(arguments())`; fresh each time, so Python's writes into its arguments reach neither the
    next call nor the caller), then `function` on another. 'checked' (`compare`d with Python's value), 'refused'
    (a `refusal` for a kind `expect` does not require to be the same), the outcome `excused` names for an exception
    where Python raised too, else AssertionError: a value where Python raises, a refusal left unexplained, an
    accepted kind that must be refused, or a write into the caller's arguments."""
    try:
        with np.errstate(all="ignore"):
            expected = reference(arguments())
        python_error = None
    except Exception as exc:  # noqa: BLE001 (Python itself fails on these arguments)
        expected, python_error = None, exc
    args = arguments()
    before = snapshot(args)
    try:
        with np.errstate(all="ignore"):
            got = function(*args)
    except Exception as exc:  # noqa: BLE001
        assert unchanged(args, before), f"{what}: raised {exc!r} after writing into an argument"
        if expect != "same" and refusal(exc):
            return "refused"
        outcome = excused(exc, python_error) if python_error is not None else None
        if outcome is not None:
            return outcome
        raise AssertionError(f"{what}: raised {type(exc).__name__}: {exc}"
                             + (f" (Python: {python_error!r})" if python_error else "")) from exc
    assert expect != "refused", f"{what}: accepted {got!r} (it must be refused)"
    assert python_error is None, f"{what}: returned {got!r} where Python raises {python_error!r}"
    assert unchanged(args, before), f"{what}: wrote into the caller's arguments"
    compare(got, expected, what)
    return "checked"


def plain_copy(value):
    """The same values as a plain C-contiguous native-endian NumPy array (or Python/NumPy scalar as given)."""
    if isinstance(value, np.ndarray):
        return np.array(np.asarray(value), dtype=value.dtype.newbyteorder("="), order="C")
    if isinstance(value, (list, tuple)):
        return np.array(value)
    return value
