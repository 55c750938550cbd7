"""Dist-mode support for generated code: the world table, the weight semirings, and the value library.

NumPy only. Generated dist functions do `from lifted import dice` and build a `dice.Worlds` table.
"""
from . import arith, lib
from .dual import Dual
from .limits import WorldLimitError, set_limits
from .located import source_lines
from .product import SemiringProduct
from .semirings import (Complex128, Counts, DualNumbers, Float64, FractionPrecisionError, Fractions, Log, Semiring,
                        semiring)
from .table import Worlds

__all__ = ["Complex128", "Counts", "Dual", "DualNumbers", "Float64", "FractionPrecisionError", "Fractions", "Log",
           "Semiring", "SemiringProduct", "WorldLimitError", "Worlds", "arith", "lib", "semiring", "set_limits", "source_lines"]
