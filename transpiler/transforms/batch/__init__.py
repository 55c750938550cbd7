"""Batching (`vmap`): the driver (function.py) and its parts for copies, branches, loops and masks."""
from .function import BatchSpec, vmap

__all__ = ["BatchSpec", "vmap"]
