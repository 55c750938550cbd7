"""The C backend: fused kernels as one `.cu` text, plus a Python host module that launches them.

Two targets share the kernel text: `c` (the CPU: the system C++ compiler with OpenMP builds a shared library,
loaded through ctypes by `lifted.cpu`) and `cuda` (nvcc; launched through pycuda by `lifted.cuda`).
"""
from .module import TARGETS, render_c

__all__ = ["TARGETS", "render_c"]
