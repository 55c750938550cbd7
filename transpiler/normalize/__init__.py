"""The normalize stage: a kernel's LibCST body lowered to IR, one primitive per equation (lower.py), with
calls (calls.py), control flow (control.py) and indexing (index.py) each in a module of its own."""
from .lower import Lowering

__all__ = ["Lowering"]
