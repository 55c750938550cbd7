"""What user code and generated code import at run time: the DSL markers, transforms, and `load`.

Importing this package is cheap and pulls in neither LibCST nor the transpiler: `kernel` is an identity
marker and `grad(...)` only records what was asked. The transpiler is imported lazily, the first time an
on-the-fly transform is called on un-transpiled source.
"""
from .dice.marker import dist
from .loader import load
from .markers import (Transform, custom_vjp, grad, hessian, jacfwd, jacrev, jvp, kernel, stop_gradient,
                      value_and_grad, vjp, vmap)

__version__ = "0.1.0"

__all__ = ["Transform", "dist", "custom_vjp", "grad", "hessian", "jacfwd", "jacrev", "jvp", "kernel", "load",
           "stop_gradient", "value_and_grad", "vjp", "vmap"]
