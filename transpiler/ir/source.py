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

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"
