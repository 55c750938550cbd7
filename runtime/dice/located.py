"""Run-time errors of generated dist code that name the user's source line, not the generated one.

Generated dist functions run their body inside `with dice.source_lines():`. When an exception leaves the body,
the generated line that raised it is read back (the module is a file on disk), and the nearest `# file.py:N`
comment above it, which the transpiler writes before each source statement, names the statement. The
exception is raised again, of the same type, with `path:line: ` and the statement in front of its message.
"""
from __future__ import annotations

import linecache
import re
import sys

_NOTE = re.compile(r"^\s*# (?P<file>[^\s:]+):(?P<line>\d+)  (?P<text>.*)$")


class source_lines:
    """Context manager around a generated function's body (see the module docstring)."""

    def __enter__(self) -> "source_lines":
        self.frame = sys._getframe(1)
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        frame, self.frame = self.frame, None
        if error is None or getattr(error, "__lifted_located__", False) or not isinstance(error, Exception):
            return False
        generated_line = None
        while traceback is not None:
            if traceback.tb_frame is frame:
                generated_line = traceback.tb_lineno
            traceback = traceback.tb_next
        where = _statement(frame.f_code.co_filename, generated_line, frame.f_globals)
        if where is None:
            return False
        try:
            located = kind(f"{where[0]}: {error}" if str(error) else f"{where[0]}: `{where[1]}` failed")
        except Exception:  # an exception type that wants other arguments: leave it as it is
            return False
        located.__lifted_located__ = True
        raise located from error


def _statement(filename: str, line: int | None, globals_: dict) -> tuple[str, str] | None:
    """(`path:line`, the statement's text) of the source statement that generated line `line` belongs to."""
    if line is None:
        return None
    for number in range(line, 0, -1):
        match = _NOTE.match(linecache.getline(filename, number))
        if match:
            path = str(globals_.get("__lifted_source__") or match["file"])
            if path.rsplit("/", 1)[-1] != match["file"]:
                path = match["file"]
            return f"{path}:{match['line']}", match["text"]
    return None
