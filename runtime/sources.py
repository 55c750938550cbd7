"""Read a Python source file as Python reads it: a UTF-8 BOM or a PEP 263 coding line decides the encoding,
and `\\r\\n` or `\\r` line ends read as `\\n`. Shared by the transpiler (what it parses and hashes), `load`
(the stale-source check) and the on-the-fly cache, so all three see the same text.

Cheap on purpose (the warm start of an on-the-fly transform reads sources): `tokenize` is imported only for a
file that declares its encoding.
"""
from __future__ import annotations

import os

_BOM = b"\xef\xbb\xbf"


def decode_source(data: bytes) -> str:
    """The text of a source file's bytes, with universal newlines and without a BOM."""
    head = data[:400]
    if data.startswith(_BOM):
        text = data[len(_BOM):].decode("utf-8")
    elif b"coding" in b"\n".join(head.split(b"\n", 2)[:2]):
        import io
        import tokenize

        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
        if text.startswith("\ufeff"):
            text = text[1:]
    else:
        text = data.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: str | os.PathLike[str]) -> str:
    """The text of the source file at `path` (see `decode_source`)."""
    with open(path, "rb") as handle:
        return decode_source(handle.read())


def physical_lines(text: str) -> list[str]:
    """The source's lines as Python numbers them: only `\\n` ends a line (a form feed or U+2028 in a comment
    does not, though `str.splitlines` would split there)."""
    return text.split("\n")
