"""Dist mode: `@dist` functions (the dice-nine model) compiled to world-table code for exact distributions.

`lower` turns a function's LibCST body into the structured dist IR (`ir`), tracking which values are fixed
(plain Python) and which are random (columns of the world table); `liveness` inserts the deletions that merge
worlds; `emit` renders the IR as LibCST statements for the module template.
"""
from .compile import compile_dist_functions, compile_dist_vmap

__all__ = ["compile_dist_functions", "compile_dist_vmap"]
