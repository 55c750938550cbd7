"""The world-count guard: a step that would make more worlds (or bytes) than allowed stops before allocating.

A dist program with many dice alive at once multiplies its worlds at every draw; without a guard it grows until
the machine runs out of memory. Every step that multiplies worlds (a draw, `dd()`, combining independent
values) asks `check` first, and past a limit raises `WorldLimitError`, which generated code reports at the
`@dist` source line with the count.

Limits: `LIFTED_DIST_MAX_WORLDS` (default 2**31 worlds) and `LIFTED_DIST_MAX_BYTES` (default half of the
machine's physical memory), read when a check first runs; `set_limits(max_worlds=, max_bytes=)` changes them
in the running process (None leaves a limit as it is, 0 lifts it).
"""
from __future__ import annotations

import os

_DEFAULT_WORLDS = 1 << 31
_limits: dict[str, int] | None = None


class WorldLimitError(MemoryError):
    """A dist program would need more worlds (or memory) than the configured limit."""


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system: assume a modest machine
        return 8 << 30


def _from_environment() -> dict[str, int]:
    values = {"max_worlds": _DEFAULT_WORLDS, "max_bytes": _physical_memory() // 2}
    for key, variable in (("max_worlds", "LIFTED_DIST_MAX_WORLDS"), ("max_bytes", "LIFTED_DIST_MAX_BYTES")):
        text = os.environ.get(variable)
        if text:
            try:
                values[key] = int(float(text))
            except ValueError:
                raise ValueError(f"{variable}={text!r}: expected a whole number (0 for no limit)") from None
    return values


def current() -> dict[str, int]:
    """The limits in force: {"max_worlds": ..., "max_bytes": ...} (0 = no limit)."""
    global _limits
    if _limits is None:
        _limits = _from_environment()
    return dict(_limits)


def set_limits(max_worlds: int | None = None, max_bytes: int | None = None) -> dict[str, int]:
    """Change the limits for this process; returns the previous ones (pass them back to restore)."""
    global _limits
    previous = current()
    _limits = dict(previous)
    if max_worlds is not None:
        _limits["max_worlds"] = int(max_worlds)
    if max_bytes is not None:
        _limits["max_bytes"] = int(max_bytes)
    return previous


def check(worlds: int, bytes_per_world: int, what: str) -> None:
    """Raise WorldLimitError if a step making `worlds` worlds of `bytes_per_world` bytes each passes a limit."""
    limits = _limits if _limits is not None else current()
    max_worlds, max_bytes = limits["max_worlds"], limits["max_bytes"]
    needed = worlds * bytes_per_world
    if max_worlds and worlds > max_worlds:
        raise WorldLimitError(f"{what} would make {worlds:,} worlds, more than the limit of {max_worlds:,} "
                              "(LIFTED_DIST_MAX_WORLDS or lifted.dice.set_limits(max_worlds=...)); fold or drop "
                              "random values sooner so that worlds merge, or raise the limit")
    if max_bytes and needed > max_bytes:
        raise WorldLimitError(f"{what} would make {worlds:,} worlds of {bytes_per_world} bytes each ({_size(needed)}), "
                              f"more than the limit of {_size(max_bytes)} (LIFTED_DIST_MAX_BYTES or "
                              "lifted.dice.set_limits(max_bytes=...)); fold or drop random values sooner so that "
                              "worlds merge, or raise the limit")


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"
