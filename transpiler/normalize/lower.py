"""Lower a kernel's LibCST body to IR: one primitive per equation, sugar removed, calls inlined.

This is also where the kernel language is enforced: every construct outside it raises a located
`TranspileError` with a hint, so nothing is silently mis-compiled.
"""
from __future__ import annotations


import libcst as cst

from ..builder import Builder, const
from ..ir.types import TensorType
from ..errors import SourceLoc, TranspileError
from ..frontend.imports import AD_LIBRARIES, canonical_module
from ..frontend.parse import TRANSFORMS, ParsedModule
from ..ir import Atom, Const, Function, If, Var
from ..values import (Closure, DictValue, Frame, KernelRef, ListValue, Module, TransformRef, Value, describe,
                      Stale, is_container, is_function)
from .alias import Aliasing
from .calls import Calls
from .control import RESULT, RETURNED, ControlFlow, _can_exit, _has_return, returned_keys
from .flatten import TreeHelpers
from .functions import _MISSING, Functions, assigned_locals, frozen
from .index import Indexing
from .loops import Loops
from .module_scope import ModuleScope
from .shape_checks import refined_operands
from .signature import Signatures
from .static import _NOT_HERE, STATIC_BUILTINS, Containers

_BINARY_PRIMS = {
    cst.Add: "add", cst.Subtract: "subtract", cst.Multiply: "multiply", cst.Divide: "divide",
    cst.FloorDivide: "floor_divide", cst.Modulo: "mod", cst.Power: "power", cst.MatrixMultiply: "matmul",
    cst.BitAnd: "logical_and", cst.BitOr: "logical_or",
}
_COMPARE_PRIMS = {
    cst.LessThan: "less", cst.LessThanEqual: "less_equal", cst.GreaterThan: "greater",
    cst.GreaterThanEqual: "greater_equal", cst.Equal: "equal", cst.NotEqual: "not_equal",
}
_AUG_PRIMS = {
    cst.AddAssign: "add", cst.SubtractAssign: "subtract", cst.MultiplyAssign: "multiply",
    cst.DivideAssign: "divide", cst.PowerAssign: "power", cst.MatrixMultiplyAssign: "matmul",
    cst.FloorDivideAssign: "floor_divide", cst.ModuloAssign: "mod",
}


class Lowering(Signatures, ControlFlow, Loops, Indexing, Aliasing, Calls, Functions, Containers, TreeHelpers,
               ModuleScope):
    """Lowers the kernels of one parsed module; kernels calling kernels are inlined at the call."""

    def __init__(self, parsed: ParsedModule, declared=None):
        self.parsed = parsed
        self.declared = declared  # declarations.DeclaredFunctions: transforms this module's kernels may call
        self.locate = parsed.locate
        self._stack: list[str] = []
        self._named: set[int] = set()  # ids of values that already carry a source name
        self._block_depth = 0  # how many if/for/while bodies enclose the statement being lowered
        self._loop_depth = 0
        self._break_flags: list[str] = []
        self._modules: dict = {}  # path -> Lowering of each imported project module
        self._view_root: dict[int, Var] = {}  # views (slices, reshapes, .T) -> the array they look into
        self._view_op: dict[int, tuple] = {}  # basic-indexing views -> (the array indexed, the index)
        self._entry_sharing: set[int] = set()  # loop slots whose first value another (uncarried) name holds
        self._replacements: list[tuple[Var, Var]] = []  # every in-place update so far: (old value, new value)
        self._ambiguous: dict[int, tuple] = {}  # values that may or may not share an array (see normalize/alias.py)
        self._own_params: set[int] = set()  # the kernel's parameters: copied before an in-place update
        self._calls: list = []  # inlined calls being lowered, innermost last (normalize_functions.CallRecord)
        self._rules: dict[str, Function] = {}  # lowered custom_vjp rule kernels
        self._conditional_names: dict[str, SourceLoc] = {}  # assigned on some paths only (in a branch or loop)
        self._statement_start = 0
        self._frame: Frame | None = None  # the function body being lowered (closures read free names in it)
        self._active: list[int] = []  # closures being inlined (recursion must end at build time)
        self._level = 0  # run-time branches and loops around the statement (lists change only at their own)
        self._module_values: dict | None = None  # module-level names computed at build time (module_scope)

    # -- entry ---------------------------------------------------------------------------------------------
    def error(self, node: cst.CSTNode, message: str, hint: str | None = None) -> TranspileError:
        return TranspileError(message, self.locate(node), hint)

    # -- statements ----------------------------------------------------------------------------------------
    def _lower_body(self, func: cst.FunctionDef, builder: Builder, env: dict[str, Value],
                    parent: Frame | None = None, may_fall_off: bool = False) -> Value:
        """Lower a function body with its parameters bound in `env`; `parent` is the frame it was defined in."""
        statements = list(func.body.body)
        if statements and _is_docstring(statements[0]):
            statements = statements[1:]
        if statements and _is_argument_check(statements[0]):  # a generated function read back as a kernel
            statements = statements[1:]
        saved = self._block_depth, self._loop_depth, self._break_flags, self._frame, self._level
        self._block_depth, self._loop_depth, self._break_flags = 0, 0, []
        self._frame = Frame(env, parent, assigned_locals(func))
        try:
            outcome = self.lower_block(statements, builder, env)
        finally:
            self._block_depth, self._loop_depth, self._break_flags, self._frame, self._level = saved
        if outcome is None and may_fall_off:
            return None  # a nested function may end without `return`, as in Python
        if outcome is None or outcome[0] != "return":
            raise self.error(func.name, f"kernel `{func.name.value}` has no return statement",
                             "end the kernel with `return <value>`")
        return outcome[1]

    def lower_block(self, statements: list, builder: Builder, env: dict[str, Value]) -> tuple | None:
        """Lower statements in order. Returns how the block ends: None (falls through), ("return", value),
        or ("continue",) (the loop iteration ends; `break` also clears the loop's running flag).

        An `if` that can exit is lowered with the rest of the block as its continuation, inside each branch
        that falls through, so code after an exit runs only on the paths that reach it."""
        for i, statement in enumerate(statements):
            if self._frame is not None:
                self._frame.env = env  # what a closure called from here sees of this frame
            if isinstance(statement, cst.FunctionDef):
                self._define(statement, env)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    builder.loc = self.locate(small)
                    outcome = self._lower_small(small, builder, env)
                    if outcome is not None:
                        return outcome
            elif isinstance(statement, cst.If) and _can_exit(statement):
                builder.loc = self.locate(statement)
                return self.lower_exiting_if(statement, statements[i + 1:], builder, env)
            elif isinstance(statement, (cst.For, cst.While)) and _has_return(statement):
                builder.loc = self.locate(statement)
                self.lower_compound(statement, builder, env)
                builder.loc = self.locate(statement)
                return self.after_returning_loop(statement, statements[i + 1:], builder, env)
            else:
                builder.loc = self.locate(statement)
                try:
                    self.lower_compound(statement, builder, env)
                except TranspileError as exc:  # raised by a rule that knows no position: the statement's
                    exc.located(self.locate(statement))
                    raise
        return None

    def _lower_small(self, small, builder: Builder, env):
        if isinstance(small, cst.Return):
            if small.value is None:
                raise self.error(small, "a kernel must return a value", "return the result array")
            value = self.expr(small.value, builder, env)
            if self._loop_depth:  # leave every enclosing loop; the code after them returns the value
                keys = returned_keys(small.value)
                items = value if len(keys) > 1 or keys != [RESULT] else (value,)
                if not isinstance(items, tuple) or any(not isinstance(v, (Var, Const)) for v in items):
                    raise self.error(small.value, "`return` inside a loop returns an array or a tuple written "
                                     "out with arrays", "return a, b")
                env.update(zip(keys, items))
                env[RETURNED] = const(True)
                env[self._break_flags[-1]] = const(False)
                return ("continue",)
            return ("return", value)
        if isinstance(small, (cst.Break, cst.Continue)) and self._loop_depth:
            if isinstance(small, cst.Break):
                env[self._break_flags[-1]] = const(False)
            return ("continue",)
        self._statement_start = len(builder.eqns)
        if isinstance(small, cst.Assign):
            value = self.expr(small.value, builder, env)
            for target in small.targets:  # `a = b = v`: each target in turn, left to right
                value = self._assign_then_renew(target.target, value, value, builder, env)
            return None
        if isinstance(small, cst.AnnAssign):
            if small.value is None:
                raise self.error(small, "a bare annotation declares nothing in a kernel", "assign a value")
            self._assign(small.target, self.expr(small.value, builder, env), builder, env)
            return None
        if isinstance(small, cst.AugAssign):
            prim = _AUG_PRIMS.get(type(small.operator))
            if prim is None:
                raise self.error(small.operator, "this augmented assignment operator is not supported")
            if isinstance(small.target, cst.Subscript):
                container = self.expr(small.target.value, builder, env)
                if is_container(container):
                    self.container_store(container, small.target, self.expr(small.value, builder, env), builder, env,
                                         combine=prim)
                    return None
                self._store(small.target, self.expr(small.value, builder, env), builder, env, combine=prim)
                return None
            if not isinstance(small.target, cst.Name):
                raise self.error(small.target, "this augmented assignment target is not part of the kernel language")
            current = env.get(small.target.value)
            if isinstance(current, Var) and current.type.shape != () and self.shared(small.target.value, current, env):
                # `a += b` on an array another name also holds updates that array in place, as NumPy does
                self.store_into(small.target.value, [Ellipsis], self.expr(small.value, builder, env), small, builder,
                                env, combine=prim)
                return None
            current = self._atom(self._name(small.target, env), small.target)
            operand = self._atom(self.expr(small.value, builder, env), small.value)
            self._bind_name(small.target.value, self._bind(builder, small, prim, [current, operand]), builder, env)
            return None
        if isinstance(small, cst.Pass):
            return None
        if isinstance(small, cst.Del):
            targets = small.target.elements if isinstance(small.target, cst.Tuple) else [small.target]
            for t in targets:
                node = t.value if isinstance(t, cst.Element) else t
                if not isinstance(node, cst.Name) or node.value not in env:
                    raise self.error(node, "`del` takes names defined in the kernel")
                del env[node.value]
            return None
        if isinstance(small, cst.Expr):
            if isinstance(small.value, cst.Call) and _calls_for_effect(small.value):
                self.expr(small.value, builder, env)  # `xs.append(v)`, `update(xs)`: changes a list or dict
                return None
            self.expr(small.value, builder, env)  # `print(x)`, `yield x`: the construct's own error comes first
            raise self.error(small, "an expression statement has no effect in a kernel",
                             "assign the value to a name, or remove the line")
        names = {
            cst.Global: ("`global` is not part of the kernel language", "pass the value in as a parameter and "
                         "return the new value"),
            cst.Nonlocal: ("`nonlocal` is not part of the kernel language", "pass the value in as a parameter"),
            cst.Import: ("imports inside kernels are not part of the kernel language", "import at module level"),
            cst.ImportFrom: ("imports inside kernels are not part of the kernel language", "import at module level"),
            cst.Raise: ("`raise` is not part of the kernel language", "validate inputs before calling the kernel"),
            cst.Assert: ("`assert` is not supported in kernels yet", "check the condition before calling the kernel"),
            cst.Break: ("`break` is not supported in kernels yet" if self._loop_depth else "`break` outside a loop",
                        "use a `while` loop whose condition says when to stop"),
            cst.Continue: ("`continue` is not supported in kernels yet" if self._loop_depth else
                           "`continue` outside a loop", "put the rest of the body under an `if`"),
        }
        message, hint = names.get(type(small), ("this statement is not part of the kernel language", None))
        return_error = self.error(small, message, hint)
        raise return_error

    def _assign(self, target: cst.BaseExpression, value: Value, builder: Builder, env) -> None:
        if isinstance(target, cst.Name):
            self._bind_name(target.value, value, builder, env)
        elif isinstance(target, (cst.Tuple, cst.List)):
            if not isinstance(value, (tuple, ListValue, DictValue)):
                raise self.error(target, "only tuples, lists and dicts (a kernel's tuple result, a literal, x.shape) "
                                 "can be unpacked here", "index the array instead: a = x[0]")
            items = self.static_items(value, target)
            stars = [i for i, e in enumerate(target.elements) if isinstance(e, cst.StarredElement)]
            if len(stars) > 1:
                raise self.error(target, "only one starred name can take the rest")
            if stars:
                star = stars[0]
                after = len(target.elements) - star - 1
                if len(items) < len(target.elements) - 1:
                    raise self.error(target, f"cannot unpack {len(items)} values into {len(target.elements) - 1}+ names")
                rest = ListValue(items[star:len(items) - after], self._level)
                items = items[:star] + [rest] + items[len(items) - after:]
            if len(items) != len(target.elements):
                raise self.error(target, f"cannot unpack {len(items)} values into {len(target.elements)} names")
            for k, element in enumerate(target.elements):  # later values as they are after each assignment
                items[k + 1:] = self._assign_then_renew(element.value, items[k], tuple(items[k + 1:]), builder, env)
        elif isinstance(target, cst.Subscript):
            container = self.expr(target.value, builder, env)
            if is_container(container):
                self.container_store(container, target, value, builder, env)
            else:
                self._store(target, value, builder, env)
        elif isinstance(target, cst.Attribute):
            raise self.error(target, "assignment to an attribute is not part of the kernel language",
                             "kernels compute values; return them instead")
        else:
            raise self.error(target, "this assignment target is not part of the kernel language")

    def _assign_then_renew(self, target, value: Value, rest: Value, builder: Builder, env) -> Value:
        """Assign `value` to `target`, then return `rest` (values Python evaluated before this assignment and
        assigns after it) as they are after it: an update of an array changes the arrays and views it holds."""
        marker = len(self._replacements)
        self._assign(target, value, builder, env)
        for old, new in self._replacements[marker:]:
            rest = self._renew(rest, {id(old): new}, builder, target)
        return rest

    def _bind_name(self, name: str, value: Value, builder: Builder, env) -> None:
        """Give a value computed by this statement its source name (a reassigned name gets a suffix)."""
        if isinstance(value, Var) and id(value) not in self._named and any(
                value in eqn.outs for eqn in builder.eqns[self._statement_start:]):
            builder.rename(value, name)
            self._named.add(id(value))
        env[name] = value

    # -- expressions ---------------------------------------------------------------------------------------
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
            "Yield": ("`yield` is not part of the kernel language", "return an array"),
            "Imaginary": ("complex literals are not supported in kernels", "use real arrays"),
            "StarredElement": ("`*` unpacking is not part of the kernel language", "pass arguments one by one"),
        }
        message, hint = hints.get(type(node).__name__, (
            f"this expression ({type(node).__name__}) is not part of the kernel language", None))
        return self.error(node, message, hint)

    def _expr_Name(self, node: cst.Name, builder, env) -> Value:
        return self._name(node, env)

    def _name(self, node: cst.Name, env) -> Value:
        name = node.value
        if name in env:
            value = env[name]
        else:
            value = self.lookup_enclosing(name)
        if isinstance(value, Stale):
            raise self.error(node, f"`{name}` may or may not have been changed by the assignment into "
                             f"`{value.writer}` at line {value.line} ({value.reason})",
                             f"make `{name}` or `{value.writer}` a separate array where it is assigned "
                             "(`... = ....copy()`), so the two never share one")
        if value is not _MISSING:
            return value
        if name in ("True", "False"):
            return const(name == "True")
        if name == "None":
            return None
        if name in self.parsed.modules:
            path = self.parsed.modules[name]
            return _NUMPY_CONSTANTS[path] if path in _NUMPY_CONSTANTS else Module(path)
        if name in self.parsed.kernels:
            return KernelRef(name)
        if name in self.parsed.imported:
            return self._imported_kernel(name, node)
        if self.declared is not None and name in self.declared.by_target:
            return TransformRef(name)
        if name in self.parsed.helpers:  # an undecorated module function: inlined like a closure
            return Closure(self.parsed.helpers[name], None, self, name)
        if name in self.parsed.python_names:
            return Module(self.parsed.python_names[name])
        if name in self.parsed.constants:  # a number's value once the module has run (an `if` may rebind it)
            return const(self.parsed.constants[name])
        module_values = self.module_values()
        if name in module_values and name not in self.parsed.unstable:
            return module_values[name]
        if name in self.parsed.unstable and name not in _BUILTINS and name not in _LIFTED \
                and name not in self.parsed.transform_names:
            where = self.parsed.unstable[name]
            raise self.error(node, f"`{name}` is rebound at module level (line {where.line}) in a way whose value "
                             "at call time is not known at build time",
                             f"assign `{name}` a number once at module level (or from other constants), or pass it "
                             "in as a parameter")
        if name in _BUILTINS:
            return Module(f"builtins.{name}")
        if name in _LIFTED:
            return Module(f"lifted.{name}")
        if name in self.module_failures:
            raise self.error(node, f"`{name}` is computed at module level by code the compiler cannot run at build "
                             f"time: {self.module_failures[name]}", "kernels see module-level values computed from "
                             "literals, lists, dicts and calls of functions defined in the module")
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

    def _expr_BinaryOperation(self, node: cst.BinaryOperation, builder, env) -> Value:
        prim = _BINARY_PRIMS.get(type(node.operator))
        if prim is None:
            raise self.error(node, "this operator is not part of the kernel language",
                             "use + - * / // % ** @, or & | on booleans")
        left, right = self.expr(node.left, builder, env), self.expr(node.right, builder, env)
        if is_container(left) or is_container(right):
            return self.container_operation(node, prim, left, right)
        left, right = self._atom(left, node.left), self._atom(right, node.right)
        if prim in ("logical_and", "logical_or") and not (left.type.dtype == right.type.dtype == "bool"):
            raise self.error(node, "`&` and `|` are supported on booleans only (bitwise integer operations are not)",
                             "compare first: (x > 0) & (y > 0)")
        return self._bind(builder, node, prim, [left, right])

    def _expr_UnaryOperation(self, node: cst.UnaryOperation, builder, env) -> Value:
        operand = self.expr(node.expression, builder, env)
        if isinstance(node.operator, cst.Plus):
            return self._atom(operand, node.expression)
        if isinstance(node.operator, cst.Minus):
            return self._bind(builder, node, "negative", [self._atom(operand, node.expression)])
        if isinstance(node.operator, cst.Not):
            atom = self._atom(operand, node.expression)
            if atom.type.dtype != "bool" or atom.type.shape not in ((),):
                raise self.error(node, "`not` works on a boolean scalar", "use np.logical_not for arrays")
            return self._bind(builder, node, "logical_not", [atom])
        atom = self._atom(operand, node.expression)
        if atom.type.dtype != "bool":
            raise self.error(node, "`~` is supported on booleans only", "use np.logical_not(mask)")
        return self._bind(builder, node, "logical_not", [atom])

    def _expr_Comparison(self, node: cst.Comparison, builder, env) -> Value:
        if len(node.comparisons) != 1:
            raise self.error(node, "chained comparisons are not supported in kernels",
                             "combine two comparisons with &: (a < x) & (x < b)")
        target = node.comparisons[0]
        prim = _COMPARE_PRIMS.get(type(target.operator))
        static = self.static_comparison(node, builder, env)
        if static is not None:
            return static
        if prim is None:
            raise self.error(target.operator, "`is`, `in` and their negations are not part of the kernel language",
                             "compare values with == or !=")
        left = self._atom(self.expr(node.left, builder, env), node.left)
        right = self._atom(self.expr(target.comparator, builder, env), target.comparator)
        return self._bind(builder, node, prim, [left, right])

    def _expr_BooleanOperation(self, node: cst.BooleanOperation, builder, env) -> Value:
        """`a and b`, `a or b` on boolean scalars. Python evaluates `b` only when `a` does not decide: where `b`
        could fail or cost something (it indexes or calls), it is evaluated under an `if`, as in Python."""
        conjunction = isinstance(node.operator, cst.And)
        left = self._boolean_operand(node.left, self.expr(node.left, builder, env))
        if isinstance(left, Const):  # decided at build time: `b`, or `a` itself
            return self._boolean_operand(node.right, self.expr(node.right, builder, env)) \
                if bool(left.value) == conjunction else left
        if not _may_fail(node.right):
            right = self._boolean_operand(node.right, self.expr(node.right, builder, env))
            return self._bind(builder, node, "logical_and" if conjunction else "logical_or", [left, right])
        loc = builder.loc
        with builder.block() as evaluated:
            right = self._boolean_operand(node.right, self.expr(node.right, builder, env))
        builder.loc = loc
        out = Var(builder.scope.fresh("both" if conjunction else "either"), TensorType("bool", ()), temporary=True)
        then_body, else_body = (evaluated, []) if conjunction else ([], evaluated)
        then_result, else_result = (right, const(False)) if conjunction else (const(True), right)
        builder.emit(If(left, then_body, else_body, (out,), (then_result,), (else_result,), loc))
        return out

    def _boolean_operand(self, node, value: Value) -> Atom:
        atom = self._atom(value, node)
        if atom.type.dtype != "bool" or atom.type.shape != ():
            raise self.error(node, "`and`/`or` combine boolean scalars here (Python would return this operand "
                             "itself, not a boolean)", "compare first (x > 0 and y > 0); use & or | on boolean "
                             "arrays, and a conditional expression `a if c else b` to choose a value")
        return atom

    def _expr_Attribute(self, node: cst.Attribute, builder, env) -> Value:
        base = self.expr(node.value, builder, env)
        attr = node.attr.value
        if isinstance(base, Module):
            path = canonical_module(f"{base.path}.{attr}") or f"{base.path}.{attr}"
            if path in _NUMPY_CONSTANTS:
                return _NUMPY_CONSTANTS[path]
            if path.split(".")[0] in ("numpy", "scipy") + AD_LIBRARIES or path == "functools.partial":
                return Module(path)
            raise self.error(node, f"`{path}` is not available in kernels")
        if is_container(base):
            return ("container_method", attr, base)
        atom = self._atom(base, node.value)
        if attr == "T":
            return self._bind(builder, node, "transpose", [atom])
        if attr == "shape":
            if atom.type.shape is None:
                raise self.error(node, "the shape of a value of unknown rank is not known at build time",
                                 'annotate the parameters it comes from, e.g. x: "f64[n,d]"')
            return tuple(self._dim(atom, axis, builder, node) for axis in range(len(atom.type.shape)))
        if attr == "ndim":
            if atom.type.rank is None:
                raise self.error(node, "the rank of this value is not known", 'annotate its parameter')
            return const(atom.type.rank)
        if attr in _METHODS:
            return ("method", attr, atom)
        raise self.error(node.attr, f"the array attribute `.{attr}` is not supported in kernels",
                         "supported: .T .shape .ndim and the methods " + ", ".join(sorted(_METHODS)))

    def _dim(self, atom: Atom, axis: int, builder: Builder, node) -> Atom:
        dim = atom.type.shape[axis]
        if isinstance(dim, int):
            return const(dim)
        if dim in builder.dim_vars or dim in builder.dim_sources:
            return builder.dim(dim)
        return builder.dim(dim, atom, axis)

    def _expr_Call(self, node: cst.Call, builder, env) -> Value:
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
        if isinstance(func, Module):
            if func.path.rpartition(".")[2] in STATIC_BUILTINS and func.path.startswith(("builtins.", "functools.", "autograd.")):
                result = self.static_call(func.path, node, builder, positional, keywords)
                if result is not _NOT_HERE:
                    return result
            handler = _FUNCTIONS.get(func.path)
            if handler is None:
                raise self.error(node.func, f"`{_code(node.func)}` is not supported in kernels",
                                 unsupported_hint(func.path))
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
            raise self.error(node, "`None` is only allowed inside an index (as np.newaxis)")
        raise self.error(node, "this value cannot be used as an array")

    def _bind(self, builder: Builder, node: cst.CSTNode, prim: str, args, params=None) -> Atom:
        statement_loc = builder.loc
        try:
            out = builder.bind(prim, args, params)
        except TranspileError as exc:
            refined = refined_operands(prim, list(args), builder)  # sizes named differently: checked at run time
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
        # a view shares memory with the array it looks into; an element read out as a scalar (`a = x[0]` on a
        # 1-D array) is a copy in NumPy, and so are gathers through index arrays
        if prim in _VIEWS and isinstance(out, Var) and isinstance(args[0], Var) and out.type.shape != () and not (
                prim == "getitem" and any(a.type.shape != () for a in args[1:])):
            self.record_view(out, prim, args, params)
        return out

def _may_fail(node: cst.CSTNode) -> bool:
    """Whether evaluating an expression may raise or do real work (an index, a call): Python's short circuit
    then matters. Names, literals, arithmetic and comparisons on scalars are evaluated eagerly."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Subscript(self, node):
            found.append(node)

        def visit_Call(self, node):
            found.append(node)

        def visit_Attribute(self, node):
            found.append(node)

    node.visit(Finder())
    return bool(found)


def _code(node: cst.CSTNode) -> str:
    """A node's source text as written (`np.linalg.inv`, `numpy.fft.fft`)."""
    return cst.Module([]).code_for_node(node)


def _calls_for_effect(call: cst.Call) -> bool:
    """A call statement that may change a list or dict: a method of one, or a function defined here."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in ("append", "extend", "insert", "pop", "update")
    return isinstance(func, cst.Name) and func.value not in _BUILTINS


def _is_docstring(statement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _is_argument_check(statement) -> bool:
    """`_check_args("f", x, ...)`, the first line of a generated function: checks the caller's arguments, so
    a kernel inlining that function has nothing to compute for it."""
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.Call)
            and isinstance(statement.body[0].value.func, cst.Name)
            and statement.body[0].value.func.value == "_check_args")


# results that may share memory with their first argument (basic indexing; index arrays give copies)
_VIEWS = {"getitem", "reshape", "transpose", "swapaxes", "expand_dims", "squeeze", "broadcast_to", "flip", "diag"}
_LIFTED = ("stop_gradient",)  # runtime functions with a meaning in kernels
_BUILTINS = ("len", "abs", "min", "max", "sum", "float", "int", "range", "print", "round", "pow", "zip", "enumerate",
             "map", "list", "tuple", "dict", "reversed", "callable", "isinstance")
_NUMPY_CONSTANTS = {
    "numpy.pi": const(3.141592653589793), "numpy.e": const(2.718281828459045), "numpy.inf": const(float("inf")),
    "numpy.newaxis": None,
}

# The function and method tables live in their own module to keep this one about the language.
from ..frontend.numpy_api import FUNCTIONS as _FUNCTIONS, METHODS as _METHODS, unsupported_hint  # noqa: E402
