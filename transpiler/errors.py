"""Build-time errors that point at the user's source, formatted for editors and terminals."""
from __future__ import annotations

from .ir.source import SourceLoc  # carried by the IR; defined beside it


class TranspileError(Exception):
    """A user-facing error: location, message, the offending line with a caret, and a hint."""

    __lifted_user_error__ = True  # on the on-the-fly path: shown without the compiler's frames

    def __init__(self, message: str, loc: SourceLoc | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.hint = hint

    def located(self, loc: SourceLoc | None) -> "TranspileError":
        """Attach a location if the error has none yet (raised deep inside a rule)."""
        if self.loc is None and loc is not None:
            self.loc = loc
        return self

    def format(self) -> str:
        lines = []
        if self.loc is None:
            lines.append(f"error: {self.message}")
        else:
            lines.append(f"{self.loc}: error: {self.message}")
            if self.loc.text:
                source = self.loc.text.rstrip("\n")
                start = self.loc.col - 1
                stop = self.loc.end_col - 1 if self.loc.end_line == self.loc.line else len(source)
                width = max(1, stop - start)
                lines.append("    " + source)
                lines.append("    " + " " * start + "^" * width)
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()
