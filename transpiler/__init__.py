"""Lifted's transpiler: NumPy-flavoured kernels in, standalone generated modules out.

Build time only: generated modules and the runtime never import this package (it needs LibCST).
"""
from .errors import SourceLoc, TranspileError
from .pipeline import VERSION as __version__
from .pipeline import Options, transpile_file, transpile_source

__all__ = ["Options", "SourceLoc", "TranspileError", "__version__", "transpile_file", "transpile_source"]
