"""What a module's imports make of its names: NumPy and SciPy under any spelling, and the transforms of autograd
and JAX read as Lifted's where they mean the same.

`import autograd.numpy as np`, `import jax.numpy as jnp`, `from autograd.scipy.special import logsumexp` and
`from jax.scipy.stats import norm` name the NumPy and SciPy functions the kernel table knows (autograd and JAX
mirror their APIs), so the generated code imports plain NumPy and SciPy. `grad(f, argnum=1)` from autograd and
`grad(f, argnums=(0, 1))` from JAX declare Lifted's `grad(f, wrt=...)`; a name whose meaning differs
(`jax.jvp` evaluates at a point, where Lifted's `jvp` declares a function) is a located error.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..builder import const
from ..values import Module, Value

# prefixes that stand for NumPy or SciPy themselves
_MIRRORS = {"autograd.numpy": "numpy", "jax.numpy": "numpy", "autograd.scipy": "scipy", "jax.scipy": "scipy"}
# packages whose attributes may reach a mirror (`import jax` then `jax.numpy.sum`, `jax.grad`)
AD_LIBRARIES = ("autograd", "jax")
# functions of Python's standard library that kernels and factories run at build time, on build-time values
PYTHON_FUNCTIONS = ("functools.partial", "itertools.pairwise", "itertools.chain", "itertools.product")
NUMPY_CONSTANTS = {
    "numpy.pi": const(3.141592653589793), "numpy.e": const(2.718281828459045), "numpy.inf": const(float("inf")),
    "numpy.nan": const(float("nan")), "numpy.newaxis": None,
    # Python's math module: its constants are these floats (a Python float, weak as NumPy's are); its functions
    # are Python's (frontend/math_module.py)
    "math.pi": const(3.141592653589793), "math.e": const(2.718281828459045), "math.tau": const(6.283185307179586),
    "math.inf": const(float("inf")), "math.nan": const(float("nan")),
}
MATH_MESSAGE = ("Python's `math` module is not supported in kernels on values known only at run time, beyond its "
                "one-argument functions of a number (sqrt, exp, log, sin...), atan2, copysign, pow, floor, ceil, "
                "trunc, fabs, degrees, radians, isnan, isinf and isfinite: the others (hypot, fmod, gamma, "
                "log(x, base)...) are CPython's own algorithms or errors, which kernels do not compute")
MATH_HINT = ("use NumPy's function where its result is what is meant (np.hypot, np.fmod, np.log(x) / np.log(b)), "
             "or compute the value outside the kernel")


def canonical_module(path: str) -> str | None:
    """The NumPy/SciPy path `path` stands for (`autograd.numpy.linalg` -> `numpy.linalg`); the AD library
    itself for `autograd` and `jax`; None for anything else."""
    for prefix, target in _MIRRORS.items():
        if path == prefix or path.startswith(prefix + "."):
            return target + path[len(prefix):]
    root = path.split(".")[0]
    if root in ("numpy", "scipy") or path in AD_LIBRARIES:
        return path
    return None


def module_attribute(lowering, node, base: Module, attr: str) -> Value:
    """`np.name` (or `getattr(np, "name")`): a NumPy function or constant, a module of one."""
    path = canonical_module(f"{base.path}.{attr}") or f"{base.path}.{attr}"
    if path in NUMPY_CONSTANTS:
        return NUMPY_CONSTANTS[path]
    if path.split(".")[0] in ("numpy", "scipy") + AD_LIBRARIES or path in PYTHON_FUNCTIONS:
        return Module(path)
    if path.startswith("math."):
        import math

        if callable(getattr(math, attr, None)):  # (frontend/math_module.py: Python computes it on build-time numbers)
            return Module(path)
        raise lowering.error(node, f"`{path}`: {MATH_MESSAGE}", MATH_HINT)
    hint = "loop with `for _ in range(n)`" if path == "itertools.repeat" else \
        "call NumPy's functions (or " + ", ".join(PYTHON_FUNCTIONS) + "), or compute the value outside the kernel " \
        "and pass it in"
    raise lowering.error(node, f"`{path}` is not available in kernels", hint)


@dataclass(frozen=True)
class Foreign:
    """How a transform of autograd or JAX reads as a Lifted declaration."""

    kind: str  # the Lifted transform
    position: str | None  # the keyword naming the differentiated argument (`argnum`, `argnums`)


FOREIGN: dict[str, dict[str, Foreign]] = {
    "autograd": {
        "grad": Foreign("grad", "argnum"), "value_and_grad": Foreign("value_and_grad", "argnum"),
        "elementwise_grad": Foreign("elementwise_grad", "argnum"), "jacobian": Foreign("jacrev", "argnum"),
        "hessian": Foreign("hessian", "argnum"),
    },
    "jax": {
        "grad": Foreign("grad", "argnums"), "value_and_grad": Foreign("value_and_grad", "argnums"),
        "jacobian": Foreign("jacrev", "argnums"), "jacrev": Foreign("jacrev", "argnums"),
        "jacfwd": Foreign("jacfwd", "argnums"), "hessian": Foreign("hessian", "argnums"),
    },
}

# names that exist in both libraries with another meaning than Lifted's transform of the same or a similar name
DIFFERENT = {
    ("jax", "jvp"): "jax.jvp(f, primals, tangents) evaluates at a point; Lifted's jvp(f, wrt=...) declares a "
                    "function (args, tangents) -> (value, tangent)",
    ("jax", "vjp"): "jax.vjp(f, *primals) evaluates at a point and returns a function; Lifted's vjp(f, wrt=...) "
                    "declares a function (args, cotangent) -> (value, cotangents)",
    ("autograd", "make_vjp"): "declare vjp(f, wrt=...) from lifted instead",
    ("autograd", "make_jvp"): "declare jvp(f, wrt=...) from lifted instead",
}
