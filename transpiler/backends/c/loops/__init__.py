"""Loop kernels: a host loop whose body the C side runs exactly becomes one C call (see docs/backends.md)."""
from .kernel import make_loop_kernels

__all__ = ["make_loop_kernels"]
