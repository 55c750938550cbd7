"""The NumPy backend: IR functions rendered as a standalone NumPy module through LibCST nodes (function.py;
nodes.py for atoms and moves, reads.py for what a block reads and writes, signature.py for signatures and tree
arguments) and the module template (../templates.py)."""
from .function import RenderedFunction, render_function

__all__ = ["RenderedFunction", "render_function"]
