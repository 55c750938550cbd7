"""Where a value or statement came from in the user's source: carried by every IR equation, shown by errors."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLoc:
    """A span in a source file; lines and columns are 1-based, `end_col` is exclusive."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    text: str = ""  # the whole source line, for the caret display
    # the floating-point error modes `with np.errstate(...)` set where it stands, as ((key, mode), ...) sorted
    # (keys among divide, over, under, invalid): code generated from it runs under the same modes
    errstate: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


ERRSTATE_KEYS = ("divide", "over", "under", "invalid")


def merge_errstate(outer: tuple, inner: dict | tuple) -> tuple[tuple[str, str], ...]:
    """The modes in force inside `np.errstate(**inner)` entered under `outer`: `all=` sets every key the
    call does not name itself, as NumPy's `seterr` does; keys it leaves out keep the outer mode."""
    inner = dict(inner)
    modes = dict(outer)
    if "all" in inner:
        modes.update((key, inner["all"]) for key in ERRSTATE_KEYS)
    modes.update((key, mode) for key, mode in inner.items() if key != "all")
    return tuple(sorted(modes.items()))
