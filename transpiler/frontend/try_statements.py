"""What a `try` statement in a kernel hears: there are no exceptions to catch in compiled code, so the refusal
says, from the handlers the source wrote, what computes the same thing without one.

SciPy's Csendes and Damavandi (docs/corpora.md) guard arithmetic with `except ZeroDivisionError: return np.nan`:
NumPy's float division gives inf or nan there and does not raise (only Python numbers do), so with NumPy values the
handler never runs and the body alone is what Python computes; where the handler's value is meant, it is a test.
"""
from __future__ import annotations

from typing import Callable

import libcst as cst

from ..errors import SourceLoc, TranspileError

_ARITHMETIC = frozenset({"ZeroDivisionError", "FloatingPointError", "OverflowError", "ArithmeticError"})


def try_error(statement: cst.Try | cst.TryStar, locate: Callable[[cst.CSTNode], SourceLoc]) -> TranspileError:
    """The located refusal of a `try`, its hint chosen by the exceptions the handlers name."""
    caught = set()
    for handler in statement.handlers:
        caught |= _names(handler.type) if handler.type is not None else {"BaseException"}
    if caught and caught <= _ARITHMETIC:
        hint = ("NumPy's float arithmetic does not raise (x / 0.0 is inf or nan, with a warning; Python numbers "
                f"raise {' or '.join(sorted(caught))}), so on arrays and NumPy scalars the handler never runs: "
                "drop the `try` and keep its body; where the handler's value is wanted, test for its case: "
                "`if den == 0: return np.nan`, or np.where(np.isfinite(r), r, np.nan)")
    else:
        hint = ("a kernel has no exceptions to catch: test the condition that would raise with `if` "
                "(`if den == 0: ...`, `if not np.all(np.isfinite(x)): ...`), or check inputs before calling "
                "the kernel")
    return TranspileError("`try` statements are not part of the kernel language", locate(statement), hint)


def _names(node: cst.BaseExpression) -> set[str]:
    """The exception names an `except` clause lists (`ZeroDivisionError`, `(A, B)`, `np.core.X` as `X`)."""
    if isinstance(node, cst.Tuple):
        return set().union(*(_names(element.value) for element in node.elements)) if node.elements else set()
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.Attribute):
        return {node.attr.value}
    return {"BaseException"}
