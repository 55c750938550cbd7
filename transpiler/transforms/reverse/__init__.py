"""Reverse mode: the driver (function.py), the sweep over equations (sweep.py) and over control flow (control.py)."""
from .function import ReverseSpec, reverse

__all__ = ["ReverseSpec", "reverse"]
