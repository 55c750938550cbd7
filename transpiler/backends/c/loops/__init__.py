"""Loop kernels and runs: a host loop, or a run of host statements, that the C side runs exactly becomes one C call
(see docs/backends.md)."""
from .kernel import make_loop_kernels

__all__ = ["make_loop_kernels"]
