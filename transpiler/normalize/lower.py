"""Lower a kernel's LibCST body to IR: one primitive per equation, sugar removed, calls inlined.

This is also where the kernel language is enforced: every construct outside it raises a located
`TranspileError` with a hint, so nothing is silently mis-compiled.
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..errors import SourceLoc, TranspileError
from ..frontend.parsed import ParsedModule
from ..frontend.partition import Partitioned
from ..ir import Const, Function, Var
from ..ir.types import grows, may_grow, show_shape
from ..values import Frame, Value, is_container
from .alias import Aliasing
from .assignment import Assignments
from .assertions import Assertions
from .calls import Calls
from .control import ControlFlow
from .syntax import RESULT, RETURNED, can_exit, has_return, returned_keys
from .flatten import TreeHelpers
from .expressions import Expressions
from .fill import is_fill, lower_fill
from .sort_in_place import is_sort, lower_sort
from .array_writes import array_write, lower_array_write
from .dot_out import dot_out, lower_dot_out, without_out
from .ufunc_out import lower_ufunc_out, ufunc_out
from .fill_diagonal import is_fill_diagonal, lower_fill_diagonal
from .add_at import is_add_at, lower_add_at
from .put_along_axis import is_put_along_axis, lower_put_along_axis
from .functions import Functions, assigned_locals
from .index import Indexing
from .inplace_writes import InPlaceWrites
from .loops import Loops
from .module_scope import ModuleScope
from .names import BUILTINS
from .shape_checks import refine_to
from .signature import Signatures
from .static import Containers
from .errstate_blocks import inline_errstate
from .static_operations import StaticOperations
from .zero_d import ZeroDArrays

_AUG_PRIMS = {
    cst.AddAssign: "add", cst.SubtractAssign: "subtract", cst.MultiplyAssign: "multiply",
    cst.DivideAssign: "divide", cst.PowerAssign: "power", cst.MatrixMultiplyAssign: "matmul",
    cst.FloorDivideAssign: "floor_divide", cst.ModuloAssign: "mod",
    cst.BitAndAssign: "bitwise_and", cst.BitOrAssign: "bitwise_or", cst.BitXorAssign: "bitwise_xor",
    cst.LeftShiftAssign: "left_shift", cst.RightShiftAssign: "right_shift",
}


class Lowering(Signatures, Assignments, Expressions, ControlFlow, Loops, Indexing, Aliasing, InPlaceWrites, Calls,
               Functions, Containers, StaticOperations, TreeHelpers, ModuleScope, ZeroDArrays, Assertions):
    """Lowers the kernels of one parsed module; kernels calling kernels are inlined at the call."""

    def __init__(self, parsed: ParsedModule, declared=None):
        self.parsed = parsed
        self.declared = declared  # declarations.DeclaredFunctions: transforms this module's kernels may call
        self.locate = parsed.locate
        self._stack: list[str] = []
        self._named: set[int] = set()  # ids of values that already carry a source name
        self.truth_only: set[int] = set()  # ids of and/or and chained comparisons a test alone reads (short_circuits)
        self.errstate_of: dict[int, tuple] = {}  # statement id -> its `np.errstate` modes (errstate_blocks.py)
        self._block_depth = 0  # how many if/for/while bodies enclose the statement being lowered
        self._loop_depth = 0
        self._break_flags: list[str] = []
        self._modules: dict = {}  # path -> Lowering of each imported project module
        self._view_root: dict[int, Var] = {}  # views (slices, reshapes, .T) -> the array they look into
        self._view_op: dict[int, tuple] = {}  # views made by indexing or `always_views` -> (parent, items or Recipe)
        self._zero_d: dict[int, tuple] = {}  # rank-0 values: scalars, 0-d arrays or 0-d views (normalize/zero_d.py)
        self._c_layout: set[int] = set()  # values known C-contiguous whatever the arguments' layouts (view_writes)
        self._f_layout: set[int] = set()  # values known Fortran-contiguous (an order='F' result: layout_orders)
        self._laid_out: dict[int, tuple] = {}  # np.asarray(a, order=)'s view-or-copy -> (function, order, a)
        self._slot_layout: dict[int, bool] = {}  # loop slot or result -> C-contiguous on every iteration (view_writes)
        self._lost_layout: set[int] = set()  # first values of slots an iteration ends not C-contiguous (view_writes)
        self._unreturning: set[int] = set()  # loops holding a `return` none of whose returns is reached
        self._entry_sharing: set[int] = set()  # loop slots whose first value another (uncarried) name holds
        self._replacements: list[tuple[Var, Var]] = []  # every in-place update so far: (old value, new value)
        self._ambiguous: dict[int, tuple] = {}  # values that may or may not share an array (see normalize/alias.py)
        self._successors: dict[int, set[int]] = {}  # ambiguous value -> loop slots, merges, results that may hold it
        self._may_hold: dict[int, list[Var]] = {}  # loop slot, merge, loop result -> the values whose array it may hold
        self._own_params: set[int] = set()  # the kernel's parameters: copied before an in-place update
        self._param_leaves: dict[int, Var] = {}  # the kernel's own IR parameters, by id
        self._updated_params: dict[int, SourceLoc] = {}  # parameter -> where it is first updated (copied)
        self._zero_d_checked: dict[int, tuple] = {}  # rank-0 parameter -> (it, the update): a 0-d array refused
        self._zero_d_watch: dict[str, list] = {}  # names holding an updated rank-0 parameter (normalize/zero_d.py)
        self._calls: list = []  # inlined calls being lowered, innermost last (normalize_functions.CallRecord)
        self._rules: dict[str, Function] = {}  # lowered custom_vjp rule kernels
        self._conditional_names: dict[str, SourceLoc] = {}  # assigned on some paths only (in a branch or loop)
        self._statement_start = 0
        self._frame: Frame | None = None  # the function body being lowered (closures read free names in it)
        self._active: list[int] = []  # closures being inlined (recursion must end at build time)
        self._level = 0  # run-time branches and loops around the statement (lists change only at their own)
        self._module_values: dict | None = None  # module-level names computed at build time (module_scope)
        self._running_module = False  # running the module's top level (a factory's `grad(f)` is a declaration)

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
        that falls through, so code after an exit runs only on the paths that reach it.

        The frame's names are the enclosing block's again when a nested one ends (a loop body's names of an
        abandoned lowering are no live frame: an update that copies a parameter renews the views those hold, and
        the row `row = M[i]` of a loop index defined nowhere went before the loop)."""
        outer, frame = builder.errstate, self._frame
        frame_env = frame.env if frame is not None else None
        try:
            return self._lower_statements(statements, builder, env)
        finally:
            builder.errstate = outer
            if frame is not None and self._frame is frame:
                frame.env = frame_env

    def _lower_statements(self, statements: list, builder: Builder, env: dict[str, Value]) -> tuple | None:
        outer = builder.errstate
        statements = inline_errstate(self, statements, builder, env, outer)  # `with np.errstate(...)`: its body
        for i, statement in enumerate(statements):
            builder.errstate = self.errstate_of.get(id(statement), outer)
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
            elif isinstance(statement, cst.If) and can_exit(statement):
                builder.loc = self.locate(statement)
                return self.lower_exiting_if(statement, statements[i + 1:], builder, env)
            elif isinstance(statement, (cst.For, cst.While)) and has_return(statement):
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

    def _in_place_dtype(self, node, current, result, builder):
        """`a <op>= v` on an array computes in place in `a`'s dtype (NumPy's `out=a`, casting "same_kind": int64
        into int32 wraps, float64 into float32 rounds); a result of another kind (a float into an int array)
        raises UFuncTypeError in NumPy. A scalar (maybe a NumPy scalar, immutable) is rebound, promoted."""
        kinds = {"bool": 0, "i32": 1, "i64": 1, "f32": 2, "f64": 2}
        before, after = current.type, result.type
        if before.rank and grows(before.shape, after.shape):
            raise self.error(node, f"this in-place update makes a {show_shape(after.shape)} array, larger than the "
                             f"{show_shape(before.shape)} array it writes into (NumPy raises ValueError: "
                             "non-broadcastable output operand)", "write `a = a <op> v` for a new array")
        if before.rank and may_grow(before.shape, after.shape):
            result = refine_to(result, current, builder)
        if after.dtype == before.dtype or not before.rank and self.zero_d_kind(current) != "array":
            return result  # (a rank-0 value that is not surely a 0-d array is rebound: zero_d.py)
        if not before.rank and self.zero_d_maybe(current):
            raise self.error(node, f"this in-place update computes {after.dtype} on a value that is a 0-d {before.dtype} "
                             "array on some paths (NumPy casts into it) and a NumPy scalar on others (rebound, "
                             "promoted)", "write `a = a <op> v` for a new value, or give `v` the value's dtype")
        if kinds[after.dtype] != kinds[before.dtype]:
            raise self.error(node, f"this in-place update of a {before.dtype} array computes {after.dtype}, which "
                             "NumPy cannot cast back into it (UFuncTypeError)",
                             "write `a = a <op> v` for a new array, or convert `v` to the array's dtype first")
        return self._bind(builder, node, "astype", [result], {"dtype": before.dtype})

    def _numpy_write(self, call: cst.Call, builder: Builder, env) -> bool:
        """Lower `call` if it is one of NumPy's functions that write into an array and return None (np.copyto,
        np.putmask, np.place, np.put, np.fill_diagonal, np.add.at, np.put_along_axis); False where it is not."""
        if is_fill_diagonal(self, call, builder, env):
            lower_fill_diagonal(self, call, builder, env)  # an update in place of its array
        elif is_add_at(self, call, builder, env):
            lower_add_at(self, call, builder, env)  # and np.add.at
        elif is_put_along_axis(self, call, builder, env):
            lower_put_along_axis(self, call, builder, env)  # so is np.put_along_axis
        else:
            written = array_write(self, call, builder, env)
            if written is None:
                return False
            lower_array_write(self, written, call, builder, env)  # np.copyto, putmask, place, put
        return True

    def _lower_small(self, small, builder: Builder, env):
        if isinstance(small, cst.Return):
            if small.value is None:
                raise self.error(small, "a kernel must return a value", "return the result array")
            value = self.expr(small.value, builder, env)
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, Partitioned):  # (what NumPy leaves unspecified cannot be returned)
                    self._atom(item, small.value)
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
            if len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name) and \
                    isinstance(small.value, cst.Call) and self._numpy_write(small.value, builder, env):
                self._assign(small.targets[0].target, None, builder, env)  # `ret = np.putmask(...)`: ret is None
                return None
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
                self._store(small.target, self.expr(small.value, builder, env), builder, env, combine=prim,
                            base=container)
                return None
            if not isinstance(small.target, cst.Name):
                raise self.error(small.target, "this augmented assignment target is not part of the kernel language")
            current = env.get(small.target.value)
            if isinstance(current, tuple) and prim in ("add", "multiply"):  # `shape += (h, w)`: a new tuple
                value = self.container_operation(small, prim, current, self.expr(small.value, builder, env))
                self._assign(small.target, value, builder, env)
                return None
            if isinstance(current, Const) and isinstance(current.value, Var) and current.type.shape != ():
                raise self.error(small, "a module-level array cannot be changed in place (`+=` on an array is an "
                                 "in-place update: Python would change it for every later call too)",
                                 f"work on a copy: {small.target.value} = {small.target.value}.copy(), or write "
                                 f"{small.target.value} = {small.target.value} + ...")
            if isinstance(current, Var) and current.type.shape != () and self.shared(small.target.value, current, env):
                # `a += b` on an array another name also holds updates that array in place, as NumPy does
                self.store_into(small.target.value, [Ellipsis], self.expr(small.value, builder, env), small, builder,
                                env, combine=prim)
                return None
            current = self._atom(self._name(small.target, env), small.target)
            if isinstance(current, Var):  # (a 0-d array another name holds would change under it)
                self.check_zero_d_update(small, small.target.value, current, env)
            operand = self._atom(self.expr(small.value, builder, env), small.value)
            result = self._in_place_dtype(small, current, self._bind(builder, small, prim, [current, operand]),
                                          builder)
            if isinstance(current, Var):
                self.keep_zero_d(current, result)
            self._bind_name(small.target.value, result, builder, env)
            return None
        if isinstance(small, cst.Pass):
            return None
        if isinstance(small, cst.Assert):
            return self._lower_assert(small, builder, env)
        if isinstance(small, cst.Del):
            targets = small.target.elements if isinstance(small.target, cst.Tuple) else [small.target]
            for t in targets:
                node = t.value if isinstance(t, cst.Element) else t
                if not isinstance(node, cst.Name) or node.value not in env:
                    raise self.error(node, "`del` takes names defined in the kernel")
                del env[node.value]
            return None
        if isinstance(small, cst.Expr):
            if isinstance(small.value, cst.Call) and self._numpy_write(small.value, builder, env):
                return None
            if isinstance(small.value, cst.Call) and dot_out(self, small.value, builder, env):
                if lower_dot_out(self, small.value, builder, env) is None:  # np.dot(a, b, out=c)
                    self.expr(without_out(self, small.value), builder, env)
                return None
            ufunc = ufunc_out(self, small.value, builder, env) if isinstance(small.value, cst.Call) else None
            if ufunc is not None:
                lower_ufunc_out(self, ufunc, small.value, builder, env)  # np.add(a, b, out=c)
                return None
            if isinstance(small.value, cst.Call) and is_fill(small.value, env):
                return lower_fill(self, small.value, builder, env)  # and `a.fill(v)`, as `a[...] = v`
            if isinstance(small.value, cst.Call) and is_sort(small.value, env):
                return lower_sort(self, small.value, builder, env)  # `a.sort()`, as `a[...] = np.sort(a)`
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
            cst.Break: ("`break` is not supported in kernels yet" if self._loop_depth else "`break` outside a loop",
                        "use a `while` loop whose condition says when to stop"),
            cst.Continue: ("`continue` is not supported in kernels yet" if self._loop_depth else
                           "`continue` outside a loop", "put the rest of the body under an `if`"),
        }
        message, hint = names.get(type(small), ("this statement is not part of the kernel language", None))
        return_error = self.error(small, message, hint)
        raise return_error


def _calls_for_effect(call: cst.Call) -> bool:
    """A call statement that may change a list or dict (a method of one, or a function defined here), or print."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in ("append", "extend", "insert", "pop", "update")
    return isinstance(func, cst.Name) and (func.value not in BUILTINS or func.value == "print")


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
