"""Dist-mode support for generated code: the world table, the weight semirings, and the value library.

NumPy only. Generated dist functions do `from lifted import dice` and build a `dice.Worlds` table.
"""
from . import lib
from .dual import Dual
from .located import source_lines
from .semirings import (Complex128, DualNumbers, Float64, FractionPrecisionError, Fractions, Int64, Log,
                        Semiring, semiring)
from .table import Worlds

__all__ = ["Complex128", "Dual", "DualNumbers", "Float64", "FractionPrecisionError", "Fractions", "Int64", "Log",
           "Semiring", "Worlds", "lib", "semiring", "source_lines"]
