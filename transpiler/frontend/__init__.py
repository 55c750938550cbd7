"""Frontend: parse a source file with LibCST and find its kernels and transform declarations."""
from .parse import parse_module
from .parsed import Declaration, KernelSource, ParsedModule

__all__ = ["Declaration", "KernelSource", "ParsedModule", "parse_module"]
