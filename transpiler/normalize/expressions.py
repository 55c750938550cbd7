"""Lowering expressions: names (looked up in names.py), literals, operators (operators.py), attributes and calls,
each to IR atoms (or to the build-time values lists, dicts and functions are), with a located error for what the
kernel language lacks."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..errors import TranspileError
from ..frontend import dtype_objects
from ..frontend.imports import module_attribute
from ..frontend.transform_declarations import declared_transform
from ..ir import Atom, Const, Var
from ..primitives.registry import lookup
from ..values import DictValue, DType, IntInfo, ListValue, Module, PendingTransform, Value, describe, is_container, is_function
from ..frontend.partition import Partitioned, partition_refusal
from .functions import frozen
from .names import Names
from .operators import Operators
from .python_ints import check_python_int_operands
from .shape_checks import refined_operands
from .static_operations import NOT_HERE, STATIC_BUILTINS
from .dot_out import dot_out, lower_dot_out, without_out
from .ufunc_out import lower_ufunc_out, scalar_given_as_out, ufunc_out, without_none_out


def _code(node: cst.CSTNode) -> str:
    """A node's source text as written (`np.linalg.inv`, `numpy.fft.fft`)."""
    return cst.Module([]).code_for_node(node)


class Expressions(Names, Operators):
    """Mixed into `Lowering`: expressions. Relies on its statements, aliasing and call inlining."""

    def expr(self, node: cst.BaseExpression, builder: Builder, env) -> Value:
        method = getattr(self, f"_expr_{type(node).__name__}", None)
        if method is None:
            raise self._expression_error(node)
        return method(node, builder, env)

    def _expression_error(self, node) -> TranspileError:
        hints = {
            "SetComp": ("set comprehensions are not part of the kernel language", None),
            "Set": ("sets are not part of the kernel language", None),
            "IfExp": ("conditional expressions are not supported in kernels yet", "use np.where(cond, a, b)"),
            "NamedExpr": ("the walrus operator is not part of the kernel language", "assign on its own line"),
            "FormattedString": ("f-strings are not part of the kernel language", None),
            "Await": ("`await` is not part of the kernel language", None),
            "Yield": ("`yield` is not part of the kernel language (a generator)",
                      "append what it yields to a list and return the list (`out.append(v)` ... `return out`)"),
            "Imaginary": ("complex literals are not supported in kernels", "use real arrays"),
            "StarredElement": ("`*` unpacking is not part of the kernel language", "pass arguments one by one"),
        }
        message, hint = hints.get(type(node).__name__, (
            f"this expression ({type(node).__name__}) is not part of the kernel language", None))
        return self.error(node, message, hint)

    def _expr_Name(self, node: cst.Name, builder, env) -> Value:
        return self._name(node, env)

    def _expr_Integer(self, node: cst.Integer, builder, env) -> Value:
        return const(int(node.value.replace("_", ""), 0))

    def _expr_Float(self, node: cst.Float, builder, env) -> Value:
        return const(float(node.value.replace("_", "")))

    def _expr_SimpleString(self, node: cst.SimpleString, builder, env) -> Value:
        return node.evaluated_value

    def _expr_ConcatenatedString(self, node, builder, env) -> Value:
        return node.evaluated_value

    def _expr_Ellipsis(self, node, builder, env) -> Value:
        return Ellipsis

    def _expr_Attribute(self, node: cst.Attribute, builder, env) -> Value:
        return self.read_attribute(self.expr(node.value, builder, env), node.attr.value, node, node.attr, node.value,
                                   builder)

    def read_attribute(self, base: Value, attr: str, node, attr_node, value_node, builder) -> Value:
        """`base.attr`, written so or as `getattr(base, "attr")` (frontend/introspection.py); `attr_node` and
        `value_node` are where its errors point."""
        if isinstance(base, DType):  # x.dtype.kind, np.dtype(t).itemsize (frontend/dtype_objects.py)
            return dtype_objects.dtype_attribute(self, node, builder, base, attr)
        if isinstance(base, IntInfo):  # np.iinfo(t).max
            return dtype_objects.iinfo_attribute(self, node, builder, base, attr)
        if isinstance(base, Module):
            return module_attribute(self, node, base, attr)
        if isinstance(base, FloatInfo):  # np.finfo(float).eps (frontend/float_info.py)
            return float_info_attribute(self, node, builder, base, attr)
        if isinstance(base, NamedResult):  # np.unique_all(x).counts
            if attr not in base.fields:
                raise self.error(attr_node, f"this result has no attribute `.{attr}`",
                                 "its fields: " + ", ".join(f".{field}" for field in base.fields))
            return base[base.fields.index(attr)]
        if is_container(base):
            return ("container_method", attr, base)
        atom = self._atom(base, value_node)
        if attr == "T":
            return self._bind(builder, node, "transpose", [atom])
        if attr == "shape":
            if atom.type.shape is None:
                raise self.error(node, "the shape of a value of unknown rank is not known at build time",
                                 'annotate the parameters it comes from, e.g. x: "f64[n,d]"')
            return tuple(self._dim(atom, axis, builder, node) for axis in range(len(atom.type.shape)))
        if attr == "size":  # a Python int, as NumPy's: the product of the dimensions
            if atom.type.shape is None:
                raise self.error(node, "the size of a value of unknown rank is not known at build time",
                                 'annotate the parameters it comes from, e.g. x: "f64[n,d]"')
            size = const(1)
            for axis in range(len(atom.type.shape)):
                dim = self._dim(atom, axis, builder, node)
                size = const(size.value * dim.value) if isinstance(size, Const) and isinstance(dim, Const) \
                    else self._bind(builder, node, "multiply", [size, dim])
            return size
        if attr == "ndim":
            if atom.type.rank is None:
                raise self.error(node, "the rank of this value is not known", 'annotate its parameter')
            return const(atom.type.rank)
        if attr in ARRAY_ATTRIBUTES:  # .dtype .itemsize .nbytes (frontend/introspection.py)
            return ARRAY_ATTRIBUTES[attr](self, node, atom, builder)
        if attr in _METHODS:
            return ("method", attr, atom)
        if attr in RANDOM_DRAWS:  # `rs.randn(...)` on a RandomState passed in or captured
            raise self.error(node, f"`{_code(node)}(...)`: {RANDOM_MESSAGE}", RANDOM_HINT)
        raise self.error(attr_node, f"the array attribute `.{attr}` is not supported in kernels",
                         "supported: .T .shape .ndim .size .dtype .itemsize .nbytes and the methods " + ", ".join(sorted(_METHODS)))

    def _dim(self, atom: Atom, axis: int, builder: Builder, node) -> Atom:
        dim = atom.type.shape[axis]
        if isinstance(dim, int):
            return const(dim)
        if dim in builder.dim_vars or dim in builder.dim_sources:
            return builder.dim(dim)
        return builder.dim(dim, atom, axis)

    def _expr_Call(self, node: cst.Call, builder, env) -> Value:
        if self._running_module and self._names_transform(node.func, env) and \
                declared_transform(node, self.parsed, self.locate) is not None:
            return self._pending_transform(node, builder, env)
        if dot_out(self, node, builder, env):  # `y = np.dot(a, b, out=c)`: the write, then `c`
            target = lower_dot_out(self, node, builder, env)
            return self.expr(without_out(self, node) if target is None else target, builder, env)
        ufunc = ufunc_out(self, node, builder, env)
        if ufunc is not None and not scalar_given_as_out(self, ufunc, node, builder, env):  # `y = np.add(a, b, out=c)`: the write, then the array written (NumPy's value)
            plain = without_none_out(self, ufunc, node)  # (`np.isneginf(x, None)`: no write)
            if plain is not None:
                return self.expr(plain, builder, env)
            return self.expr(lower_ufunc_out(self, ufunc, node, builder, env), builder, env)
        func = self.expr(node.func, builder, env)
        positional, keywords = [], {}
        for arg in node.args:
            value = self.expr(arg.value, builder, env)
            if arg.star == "*":
                positional.extend(self.static_items(value, arg.value, builder))
            elif arg.star == "**":
                if not isinstance(value, DictValue) or not all(isinstance(k, str) for k in value.items):
                    raise self.error(arg.value, f"`**` takes a dict with string keys, not {describe(value)}")
                keywords.update((k, (v, arg.value)) for k, v in value.items.items())
            elif arg.keyword is None:
                positional.append(value)
            else:
                keywords[arg.keyword.value] = (value, arg.value)
        return self.call_value(func, positional, keywords, node, builder)

    def _names_transform(self, func: cst.BaseExpression, env) -> bool:
        """`grad` imported from lifted, autograd or jax and not rebound here, or `lifted.grad`, `jax.grad`..."""
        if isinstance(func, cst.Name):
            return func.value in self.parsed.transform_names and func.value not in env
        return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and \
            (func.value.value == "lifted" or func.value.value in self.parsed.modules) and func.value.value not in env

    def _pending_transform(self, node: cst.Call, builder, env) -> PendingTransform:
        """`grad(f)` (or `jvp(grad(f))`) run at build time, inside a factory the module calls: the function `f`
        names now, for the declaration the module-level name holding the result becomes."""
        inner = node
        while True:
            positional = [a.value for a in inner.args if a.keyword is None]
            if not positional:
                raise self.error(inner, "a transform takes the function to transform as its first argument")
            if isinstance(positional[0], cst.Call) and declared_transform(positional[0], self.parsed, self.locate):
                inner = positional[0]
                continue
            break
        if not isinstance(positional[0], cst.Name):
            raise self.error(positional[0], "a transform in a factory takes a function by its name",
                             "define the function in the factory (`def loss(...)`) and pass `loss`")
        function = self.expr(positional[0], builder, env)
        if not is_function(function):
            raise self.error(positional[0], f"{describe(function)} is not a function to transform")
        return PendingTransform(node, function, self.parsed)

    def call_module_function(self, func: Value, positional: list, keywords: dict, node: cst.Call,
                             builder: Builder) -> Value:
        """A call of a NumPy function, an array method or a builtin; `keywords` maps name -> (value, node)."""
        if isinstance(func, tuple) and len(func) == 3 and func[0] == "container_method":
            _, method, container = func
            return self.container_method(container, method, positional, {k: v for k, (v, _) in keywords.items()},
                                         node, builder)
        if isinstance(func, tuple) and len(func) == 3 and func[0] == "method":
            _, method, atom = func
            return _METHODS[method](self, node, builder, atom, [frozen(p, self, node) for p in positional],
                                    {k: (frozen(v, self, n), n) for k, (v, n) in keywords.items()})
        if isinstance(func, DType):
            raise self.error(node.func, f"{describe(func)} cannot be called (Python raises TypeError: a dtype "
                             "object is not callable)", "call its type: t.type(0)")
        if isinstance(func, Module):
            if func.path.rpartition(".")[2] in STATIC_BUILTINS and \
                    func.path.startswith(("builtins.", "functools.", "autograd.", "itertools.")):
                result = self.static_call(func.path, node, builder, positional, keywords)
                if result is not NOT_HERE:
                    return result
            handler = _FUNCTIONS.get(func.path)
            if handler is None:
                raise self.error(node.func, *unsupported_message(func.path, _code(node.func)))
            return handler(self, node, builder, [frozen(p, self, node) for p in positional],
                           {k: (frozen(v, self, n), n) for k, (v, n) in keywords.items()})
        raise self.error(node.func, f"{describe(func)} cannot be called",
                         "call NumPy functions, supported methods, @kernel functions or functions defined here")

    def _atom(self, value: Value, node: cst.CSTNode) -> Atom:
        if isinstance(value, (Var, Const)):
            return value
        if is_container(value):
            what = describe(value)
            hint = "index it with a key known at build time: d[\"w\"]" if isinstance(value, DictValue) else \
                "stack its elements into one array: np.stack(xs)" if isinstance(value, ListValue) else \
                "use np.stack or np.array parts"
            raise self.error(node, f"{what} cannot be used as an array here", hint)
        if isinstance(value, Module) or is_function(value):
            raise self.error(node, f"{describe(value)} cannot be used as an array", "call it, or pass it to a "
                             "function that calls it")
        if value is None:
            raise self.error(node, "`None` is only allowed inside an index (as np.newaxis)",
                             "pass a number or an array here (or leave the argument out)")
        if isinstance(value, Partitioned):
            raise self.error(node, *partition_refusal(value))
        raise self.error(node, "this value cannot be used as an array",
                         "pass an array, a number, or a list or tuple of them")

    def _bind(self, builder: Builder, node: cst.CSTNode, prim: str, args, params=None) -> Atom:
        statement_loc = builder.loc
        try:
            out = builder.bind(prim, args, params)
        except TranspileError as exc:
            refined = refined_operands(prim, list(args), builder, params)  # sizes named differently: run-time check
            if refined is None:
                exc.loc = self.locate(node)
                raise
            builder.loc = statement_loc
            try:
                out = builder.bind(prim, refined, params)
            except TranspileError:
                exc.loc = self.locate(node)
                raise exc from None
        finally:
            builder.loc = statement_loc
        if isinstance(out, Var) and lookup(prim).family == "elementwise":
            check_python_int_operands(self, node, prim, args, out)
        if isinstance(out, Var) and out.type.shape == ():
            self.note_zero_d(out, prim, args, params)
        # a view shares memory with the array it looks into (the registry's `views`: gathers through index arrays
        # give copies); an element read out as a scalar (`a = x[0]` on a 1-D array) is a copy in NumPy
        if isinstance(out, Var):
            self.note_layout(out, builder, node)  # (normalize/view_writes.py: whether a reshape of it is a view)
        if isinstance(out, Var) and args and isinstance(args[0], Var) and out.type.shape != () and \
                lookup(prim).may_view(args, params):
            self.record_view(out, prim, args, params)
        return out


# The function and method tables live in their own module to keep this one about the language.
from ..frontend.introspection import ATTRIBUTES as ARRAY_ATTRIBUTES  # noqa: E402
from ..frontend.float_info import FloatInfo, attribute as float_info_attribute  # noqa: E402
from ..frontend.unique_forms import NamedResult  # noqa: E402
from ..frontend.array_methods import METHODS as _METHODS  # noqa: E402
from ..frontend.numpy_api import FUNCTIONS as _FUNCTIONS, RANDOM_DRAWS, RANDOM_HINT, RANDOM_MESSAGE, \
    unsupported_message  # noqa: E402
