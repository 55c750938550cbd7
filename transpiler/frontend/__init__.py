"""Frontend: parse a source file with LibCST and find its kernels and transform declarations."""
from .parse import Declaration, KernelSource, ParsedModule, parse_module

__all__ = ["Declaration", "KernelSource", "ParsedModule", "parse_module"]
