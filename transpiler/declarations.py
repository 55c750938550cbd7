"""Each kernel's IR and each transform declaration's IR, built once, on first request.

The pipeline asks for every declaration in order; a kernel that calls a declared transform (`g(p1, x)` where
`g = grad(objective, wrt="p2")`) asks for it while it is being lowered, so the transform it calls is inlined
like a kernel. Both go through here, so a declaration is built once and a kernel that (indirectly) calls a
transform of itself is refused instead of recursing.
"""
from __future__ import annotations

from .errors import SourceLoc, TranspileError
from .frontend.parsed import Declaration, ParsedModule
from .ir import Function
from .frontend.imports import AD_LIBRARIES
from .frontend.transform_declarations import nested_declarations
from .values import KernelRef, PendingTransform, is_function
from .transforms.column_updates import stack_column_updates
from .transforms.compose import apply_transform
from .transforms.hoist import hoist_invariants
from .transforms.inplace import functionalize
from .transforms.split_axes import split_small_axes
from .transforms.trees import apply_tree_transform, tree_vmap, user_params, uses_trees


REVERSE_TRANSFORMS = ("grad", "value_and_grad", "vjp", "jacrev")


class DeclaredFunctions:
    """Lowers kernels and applies declarations lazily, caching each result by name."""

    def __init__(self, parsed: ParsedModule, extra: tuple[Declaration, ...] = ()):
        self.parsed = parsed
        self.declarations = list(parsed.declarations) + list(extra)
        self.by_target = {d.target: d for d in self.declarations}
        self._kernels: dict[tuple[str, bool], Function] = {}
        self._functions: dict[str, Function] = {}
        self._building: list[str] = []
        self._values: dict | None = None
        self._failures: dict = {}
        self._pending: dict = {}
        if parsed.statements and _may_make_transforms(parsed):
            self._declare_factory_transforms()  # `objective, gradient = make(...)`, `gradient = grad(...)` inside

    def kernel(self, name: str, loc: SourceLoc | None = None, through_rule: bool = False) -> Function:
        """The lowered (and loop-invariant-hoisted) IR of the kernel `name`, or of the function a module-level
        name holds (`loss = make_loss(sizes)`: the function the factory returned, its free names bound);
        `through_rule`: differentiated through its custom_vjp rule, if it has one (what reverse-mode transforms
        of it take)."""
        through_rule = through_rule and name in self.parsed.custom_vjps
        key = (name, through_rule)
        if key not in self._kernels:
            from .normalize import Lowering  # normalize calls back here for transforms that kernels call

            with self._guard(name, loc):
                lowering = Lowering(self.parsed, self)
                if name in self.parsed.kernels:
                    fn = lowering.lower_kernel(name, through_rule)
                else:
                    fn = lowering.lower_value(name, self.function_values()[name], loc)
                self._kernels[key] = stack_column_updates(split_small_axes(hoist_invariants(fn)))
        return self._kernels[key]

    def function_values(self) -> dict:
        """Module-level names bound to functions at build time (by a factory, `partial`, an alias)."""
        if self._values is None:
            from .normalize import Lowering

            lowering = Lowering(self.parsed, self)
            values = lowering.module_values()
            self._values = {k: v for k, v in values.items() if is_function(v)}
            self._failures = dict(lowering.module_failures)
            self._pending = {k: v for k, v in values.items() if isinstance(v, PendingTransform)}
        return self._values

    def _declare_factory_transforms(self) -> None:
        """A transform a factory made at build time (`gradient = grad(variational_objective)` inside
        `make(...)`), held by a module-level name: declared under that name, over the module-level name that
        holds the function it transforms (the factory returns both, as Python code using them would)."""
        self.function_values()
        for target, pending in self._pending.items():
            if target in self.by_target or target in self.parsed.kernels:
                continue
            holders = [name for name, value in self._values.items() if value is pending.function]
            if isinstance(pending.function, KernelRef) and pending.function.lowering is None:
                holders.insert(0, pending.function.name)
            locate = pending.parsed.locate
            if not holders:
                raise TranspileError(f"`{target}` transforms a function that no module-level name holds",
                                     locate(pending.call), "return the function from the factory too and bind it "
                                     f"at module level (`loss, {target} = make(...)`)")
            declarations = nested_declarations(target, pending.call, pending.parsed, locate)
            declarations[0].func = holders[0]
            for declaration in declarations:
                self.declarations.append(declaration)
                self.by_target[declaration.target] = declaration

    def function(self, target: str, loc: SourceLoc | None = None) -> Function:
        """The IR generated for the declaration `target = transform(func, wrt=...)`."""
        if target not in self._functions:
            decl = self.by_target[target]
            with self._guard(target, loc):
                base, generated = self._input(decl)
                wrt = resolve_wrt(decl, base)
                if uses_trees(base) and decl.transform == "vmap":
                    fn = tree_vmap(base, decl.target, decl.in_axes, decl.out_axes, decl.options_loc[0] or decl.loc,
                                   decl.options_loc[1])
                    fn.defaults = base.defaults
                    self._functions[target] = fn
                elif uses_trees(base):
                    self._functions[target] = apply_tree_transform(decl.transform, base, decl.target, wrt,
                                                                   decl.wrt_is_tuple, decl.loc, generated=generated)
                else:
                    self._functions[target] = apply_transform(decl.transform, base, decl.target, wrt,
                                                              decl.wrt_is_tuple, decl.loc, generated=generated,
                                                              axes=(decl.in_axes, decl.out_axes, decl.options_loc))
                self._functions[target] = stack_column_updates(self._functions[target])
        return self._functions[target]

    def inlinable(self, target: str, loc: SourceLoc | None = None) -> tuple[Function, list[tuple[str, tuple]]]:
        """The declaration's IR as a kernel calling it inlines it, with its user-facing parameters: in-place
        updates made out of place, so the caller can be differentiated again."""
        fn = functionalize(self.function(target, loc))
        return fn, user_params(fn)

    def wrt(self, target: str) -> tuple[int, ...]:
        decl = self.by_target[target]
        return resolve_wrt(decl, self._input(decl)[0])

    def _input(self, decl: Declaration) -> tuple[Function, bool]:
        """The function a declaration transforms, and whether it is itself a transform's output."""
        if decl.func in self.parsed.kernels:
            reverse = decl.transform in REVERSE_TRANSFORMS  # forward mode has no use for a reverse rule
            return self.kernel(decl.func, decl.func_loc or decl.loc, through_rule=reverse), False
        if decl.func not in self.by_target and decl.func in self.function_values():
            return self.kernel(decl.func, decl.func_loc or decl.loc), False
        position = {d.target: i for i, d in enumerate(self.declarations)}
        if decl.func in position and position[decl.func] < position[decl.target]:
            return self.function(decl.func, decl.func_loc or decl.loc), True
        later = decl.func in position
        if not later and decl.func in self._failures:  # a factory's result: why the factory could not run
            raise TranspileError(f"`{decl.func}` has no value at build time: {self._failures[decl.func]}",
                                 decl.func_loc or decl.loc, "the statement binding it runs at build time, as "
                                 "Python would run it: make what it calls computable there (a transform inside "
                                 "a factory is declared at module level instead: `g = grad(f)` after `f = ...`)")
        raise TranspileError(f"`{decl.func}` is not a @kernel function of this module" if not later else
                             f"`{decl.func}` is declared after `{decl.target}`", decl.func_loc or decl.loc,
                             f"declare `{decl.func}` first" if later else
                             f"decorate `{decl.func}` with @kernel, or transform a kernel defined here")

    def _guard(self, name: str, loc: SourceLoc | None):
        return _Building(self._building, name, loc)


class _Building:
    """Marks `name` as being built; asking for it again meanwhile is a cycle (a kernel calling its own
    derivative), reported at the call that closes it."""

    def __init__(self, stack: list[str], name: str, loc: SourceLoc | None):
        self.stack, self.name, self.loc = stack, name, loc

    def __enter__(self):
        if self.name in self.stack:
            chain = " -> ".join(self.stack[self.stack.index(self.name):] + [self.name])
            raise TranspileError(f"`{self.name}` depends on itself ({chain})", self.loc,
                                 "a kernel cannot call a transform of itself")
        self.stack.append(self.name)

    def __exit__(self, *exc):
        self.stack.pop()
        return False


def _may_make_transforms(parsed: ParsedModule) -> bool:
    """Whether running the module's top level may bind a transform a factory made: one of its undecorated
    functions calls a transform, or it imports functions of project modules (whose factories may). Other modules
    run their top level only when a kernel reads a name it binds, as before."""
    import libcst as cst

    if parsed.imported:
        return True
    names = set(parsed.transform_names)

    class Finder(cst.CSTVisitor):
        found = False

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if isinstance(func, cst.Name) and func.value in names or \
                    isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and \
                    (func.value.value == "lifted" or parsed.modules.get(func.value.value) in AD_LIBRARIES):
                self.found = True

    finder = Finder()
    for function in parsed.helpers.values():
        function.visit(finder)
    return finder.found


def resolve_wrt(decl: Declaration, fn: Function) -> tuple[int, ...]:
    """The declaration's `wrt` (names or positions as written) as parameter positions of `fn`."""
    names = [name for name, _ in user_params(fn)]
    if not names:
        raise TranspileError(f"`{decl.func}` has no parameters to differentiate", decl.loc)
    if decl.wrt is None:
        return (0,)
    indices = []
    for item in decl.wrt:
        if isinstance(item, int):
            if not 0 <= item < len(names):
                raise TranspileError(f"wrt position {item} is out of range: `{decl.func}` has {len(names)} "
                                     f"parameter{'s' if len(names) != 1 else ''}", decl.wrt_loc or decl.loc,
                                     "positions count from 0: " + ", ".join(f"{i}={n}" for i, n in enumerate(names)))
            indices.append(item)
        elif item in names:
            indices.append(names.index(item))
        else:
            raise TranspileError(f"`{decl.func}` has no parameter `{item}`", decl.wrt_loc or decl.loc,
                                 "wrt takes parameter names: " + ", ".join(names))
    if len(set(indices)) != len(indices):
        raise TranspileError("wrt names the same parameter twice", decl.wrt_loc or decl.loc)
    return tuple(indices)
