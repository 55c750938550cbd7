"""Stencils: step-1 slices, their adjoints and concatenation shifts as offset reads in one kernel (see
docs/backends.md)."""
from .rewrite import rewrite_stencils

__all__ = ["rewrite_stencils"]
