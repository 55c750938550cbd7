"""Lowering a name: what a kernel's name means where it is read, looked up the way Python looks it up (local,
enclosing, module, builtins) among what the compiler knows at build time, with a located error saying why a name
that Python would find is outside the kernel language."""
from __future__ import annotations

import libcst as cst

from ..builder import const
from ..frontend.imports import AD_LIBRARIES, NUMPY_CONSTANTS
from ..frontend.transform_declarations import TRANSFORMS
from ..values import Closure, KernelRef, Module, Stale, TransformRef, Value
from .alias import SharingError
from .decorated import decorated_function
from .functions import MISSING

_LIFTED = ("stop_gradient",)  # runtime functions with a meaning in kernels
BUILTINS = ("len", "abs", "min", "max", "sum", "float", "int", "bool", "any", "all", "range", "print", "round", "pow", "zip", "enumerate",
             "map", "list", "tuple", "dict", "reversed", "callable", "isinstance", "divmod", "getattr", "slice",
            "issubclass")


class Names:
    """The lowering's name lookup (a mixin of `Lowering`, like the other stages of normalize)."""

    def _name(self, node: cst.Name, env) -> Value:
        name = node.value
        if name in env:
            value = env[name]
        else:
            value = self.lookup_enclosing(name)
        if isinstance(value, Stale):
            raise SharingError(f"`{name}` may or may not have been changed by the assignment into "
                               f"`{value.writer}` at line {value.line} ({value.reason})", self.locate(node),
                               f"make `{name}` or `{value.writer}` a separate array where it is assigned "
                               "(`... = ....copy()`), so the two never share one")
        if name in self._zero_d_watch:
            self.note_zero_d_read(name, value)
        if value is not MISSING:
            return value
        if name in ("True", "False"):
            return const(name == "True")
        if name == "None":
            return None
        if name in self.parsed.modules:
            path = self.parsed.modules[name]
            return NUMPY_CONSTANTS[path] if path in NUMPY_CONSTANTS else Module(path)
        if name in self.parsed.kernels:
            return KernelRef(name)
        if name in self.parsed.imported:
            return self._imported_kernel(name, node)
        if self.declared is not None and name in self.declared.by_target:
            return TransformRef(name)
        if name in self.parsed.helpers:  # an undecorated module function: inlined like a closure
            return Closure(self.parsed.helpers[name], None, self, name)
        if name in self.parsed.python_names:  # (`from math import pi`: the number)
            path = self.parsed.python_names[name]
            return NUMPY_CONSTANTS[path] if path in NUMPY_CONSTANTS else Module(path)
        if name in self.parsed.constants:  # a number's value once the module has run (an `if` may rebind it)
            return const(self.parsed.constants[name])
        module_values = self.module_values()
        if name in module_values and name not in self.parsed.unstable:
            return module_values[name]
        if name in self.parsed.library_functions:
            raise self.error(node, f"`{name}` is `{self.parsed.library_functions[name]}`, library code outside the "
                             "kernel language",
                             "write what it computes in a kernel or a function of this module (an iteration to a "
                             "fixed point: a `while` loop on the distance), or give a kernel its own derivative "
                             "with custom_vjp")
        if name in self.module_failures:
            raise self.error(node, f"`{name}` is computed at module level by code the compiler cannot reproduce: "
                             f"{self.module_failures[name]}", "kernels see module-level values computed from "
                             "literals, lists, dicts, calls of functions defined in the module, and arrays computed "
                             "from those with NumPy (`A = np.eye(3) * 2`); pass anything else in as a parameter")
        if name in self.parsed.unstable and name not in BUILTINS and name not in _LIFTED \
                and name not in self.parsed.transform_names:
            where = self.parsed.unstable[name]
            if name in self.parsed.decorated:
                raise decorated_function(self, node, name, self.parsed.decorated[name], where)
            raise self.error(node, f"`{name}` is rebound at module level (line {where.line}) in a way whose value "
                             "at call time is not known at build time",
                             f"assign `{name}` a number once at module level (or from other constants), or pass it "
                             "in as a parameter")
        if name == "Ellipsis":  # the builtin constant `...` names (einsum's sublists take it)
            return Ellipsis
        if name in BUILTINS:
            return Module(f"builtins.{name}")
        if name in _LIFTED:
            return Module(f"lifted.{name}")
        if name in self._conditional_names:
            where = self._conditional_names[name]
            raise self.error(node, f"`{name}` is only assigned on some paths (in the block at line {where.line})",
                             f"assign `{name}` before the block, or on every path through it")
        library, original = self.parsed.transform_names.get(name, ("", ""))
        if library in AD_LIBRARIES or original in TRANSFORMS:
            raise self.error(node, f"`{name}` ({library}.{original}) cannot be called inside a kernel",
                             "declare the transform at module level (g = grad(f)) and call `g` in the kernel")
        raise self.error(node, f"`{name}` is not defined in this kernel",
                         "kernels see their parameters, local names, module-level numeric constants, numpy "
                         "and other @kernel functions")
