"""Functions as values, resolved at build time: nested `def`s and lambdas (closures over the frame they are
defined in), undecorated module functions, `functools.partial`, functions passed as arguments.

A function value never exists at run time: every call is inlined where it is made, with its arguments bound
to the values the caller has (arrays, lists, dicts, other functions). A closure reads its free names in the
frame it was defined in, as they are when it is called, which is what Python does.
"""
from __future__ import annotations

import libcst as cst

from contextlib import contextmanager
from dataclasses import dataclass, field

from ..builder import Builder, const
from .calls import RECURSION_LIMIT, array_leaves
from ..values import Closure, DictValue, Frame, KernelRef, ListValue, Partial, TransformRef, Unflatten, Value
from .syntax import assigned_names


class Functions:
    """Mixed into `Lowering`. Relies on its `expr`, `error`, `_atom`, `_lower_body`, `_inline`, `_frame`."""

    def _define(self, node: cst.FunctionDef, env: dict) -> None:
        """`def f(...)` inside a function body: `f` names a closure over this frame."""
        for decorator in node.decorators:
            inner = decorator.decorator
            name = inner.value if isinstance(inner, cst.Name) else \
                inner.attr.value if isinstance(inner, cst.Attribute) else None
            if name != "kernel":
                raise self.error(decorator, "a nested function may only be decorated with @kernel",
                                 "apply other decorators at module level")
        if node.asynchronous is not None:
            raise self.error(node, "async functions are not part of the kernel language")
        env[node.name.value] = Closure(node, self._frame, self, node.name.value)

    def _expr_Lambda(self, node: cst.Lambda, builder, env) -> Value:
        return Closure(node, self._frame, self, "<lambda>")

    def call_value(self, func: Value, positional: list, keywords: dict, node: cst.Call, builder: Builder) -> Value:
        """Call a function value: a kernel, a closure, a partial application, a declared transform, a NumPy
        function; `keywords` maps each name to (value, the node it was written at)."""
        if isinstance(func, Partial):
            merged = {k: (v, node) for k, v in func.keywords}
            merged.update(keywords)
            return self.call_value(func.func, list(func.args) + positional, merged, node, builder)
        if isinstance(func, Unflatten):
            return self.unflatten(func, positional, node, builder)
        if not isinstance(func, (KernelRef, TransformRef, Closure)):
            return self.call_module_function(func, positional, keywords, node, builder)
        keywords = {k: v for k, (v, _) in keywords.items()}
        if isinstance(func, KernelRef):
            return self._inline(func, positional, node, builder, keywords)
        if isinstance(func, TransformRef):
            if keywords:
                raise self.error(node, "calls to transforms take positional arguments only")
            return self._call_transform(func, positional, node, builder)
        if isinstance(func, Closure):
            return func.lowering._call_closure(func, positional, keywords, node, builder, self)
    def _call_closure(self, func: Closure, positional: list, keywords: dict, node: cst.Call, builder: Builder,
                      caller) -> Value:
        key = id(func.node)
        if self._active.count(key) >= RECURSION_LIMIT:
            raise caller.error(node, f"recursive call to `{func.name}` does not end at build time",
                               "a function may call itself only where a branch known at build time ends the "
                               f"recursion within {RECURSION_LIMIT} calls; write the computation iteratively")
        env = self.bind_arguments(func.node.params, positional, keywords, node, builder, func.frame,
                                  f"`{func.name}`", caller)
        self._active.append(key)
        self._stack.append(func.name)
        outer_loc, outer_start = builder.loc, caller._statement_start
        try:
            with inlined_call(self, caller, env):
                if isinstance(func.node, cst.Lambda):
                    saved = self._frame
                    self._frame = Frame(env, func.frame, frozenset(env))
                    try:
                        return self.expr(func.node.body, builder, env)
                    finally:
                        self._frame = saved
                return self._lower_body(func.node, builder, env, func.frame, may_fall_off=True)
        finally:
            self._active.pop()
            self._stack.pop()
            builder.loc, caller._statement_start = outer_loc, outer_start

    def bind_arguments(self, params: cst.Parameters, positional: list, keywords: dict, node: cst.CSTNode,
                       builder: Builder, frame: Frame | None, label: str, caller=None) -> dict:
        """The callee's names for a call's arguments, as Python binds them: positions, keywords, defaults
        (evaluated in the frame the function was defined in), `*args` (a tuple), `**kwargs` (a dict)."""
        caller = caller or self
        ordered = list(params.posonly_params) + list(params.params)
        env: dict = {}
        for param, value in zip(ordered, positional):
            env[param.name.value] = value
        extra = positional[len(ordered):]
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = tuple(extra)
        elif extra:
            raise caller.error(node, f"{label} takes {len(ordered)} argument"
                               f"{'s' if len(ordered) != 1 else ''}, {len(positional)} given")
        rest = {}
        by_name = {p.name.value: p for p in ordered[len(positional):] if p not in params.posonly_params}
        kwonly = {p.name.value: p for p in params.kwonly_params}
        for key, value in keywords.items():
            if key in by_name or key in kwonly:
                env[key] = value
            elif key in env:
                raise caller.error(node, f"{label} got two values for `{key}`")
            elif isinstance(params.star_kwarg, cst.Param):
                rest[key] = value
            else:
                raise caller.error(node, f"{label} has no parameter `{key}`")
        if isinstance(params.star_kwarg, cst.Param):
            env[params.star_kwarg.name.value] = DictValue(rest, self._level)
        for param in ordered + list(params.kwonly_params):
            pname = param.name.value
            if pname in env:
                continue
            if param.default is None:
                raise caller.error(node, f"{label} is missing its argument `{pname}`")
            saved = self._frame
            self._frame = Frame({}, frame)
            try:
                env[pname] = self.expr(param.default, builder, {})
            finally:
                self._frame = saved
        return env

    def lookup_enclosing(self, name: str):
        """A free name of a closure: found in the frames it was defined in (innermost first), or `MISSING`."""
        frame = self._frame
        if frame is None or name in frame.local:
            return MISSING
        frame = frame.parent
        while frame is not None:
            if name in frame.env:
                return frame.env[name]
            if name in frame.local:
                return MISSING
            frame = frame.parent
        return MISSING

    def _map(self, node: cst.Call, builder: Builder, positional: list, keywords: dict) -> Value:
        """`map(f, xs, ...)`: a list of `f(x, ...)`, each call inlined (the sequences' lengths are known)."""
        if len(positional) < 2 or keywords:
            raise self.error(node, "`map` takes a function and one or more sequences")
        sequences = [self.static_items(s, node, builder) for s in positional[1:]]
        return ListValue([self.call_value(positional[0], list(args), {}, node, builder)
                          for args in zip(*sequences)], self._level)

    def _partial(self, node: cst.Call, builder: Builder, positional: list, keywords: dict) -> Value:
        if not positional:
            raise self.error(node, "`partial` takes the function first")
        return Partial(positional[0], tuple(positional[1:]), tuple(keywords.items()))


MISSING = object()  # a free name no frame of the closure defines (names.py reads it too)


@dataclass(eq=False)
class CallRecord:
    """An inlined call being lowered: the caller's frame (its names at the call), the block level of the call,
    and the caller's arrays the callee received. An in-place update of one of them at the call's level is seen
    by the caller's names too, as in Python; inside a branch or loop of the callee decided at run time it is
    refused."""

    frame: Frame | None
    level: int
    borrowed: set = field(default_factory=set)


_SHARED = ("_calls", "_view_root", "_own_params", "_param_leaves", "_updated_params", "_named",
           "_conditional_names", "_running_module", "_zero_d", "_zero_d_checked",
           "_zero_d_watch")


@contextmanager
def inlined_call(owner, caller, env: dict):
    """Lower a callee (on `owner`, the Lowering of the module defining it) called from `caller`: the lowering
    state that is about the values being built travels with the call."""
    saved = {name: getattr(owner, name) for name in _SHARED}, owner._level
    if owner is not caller:
        for name in _SHARED:
            setattr(owner, name, getattr(caller, name))
        owner._level = caller._level
    owner._calls.append(CallRecord(caller._frame, caller._level, {id(v) for v in array_leaves(list(env.values()))}))
    try:
        yield
    finally:
        owner._calls.pop()
        if owner is not caller:
            for name, value in saved[0].items():
                setattr(owner, name, value)
            owner._level = saved[1]


def assigned_locals(node) -> frozenset:
    """The names a function body binds (its parameters too): Python never looks these up outside it."""
    names = set(assigned_names(node.body)) if isinstance(node, cst.FunctionDef) else set()
    params = node.params
    for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
        names.add(param.name.value)
    for extra in (params.star_arg, params.star_kwarg):
        if isinstance(extra, cst.Param):
            names.add(extra.name.value)
    if isinstance(node, cst.FunctionDef):
        class Defs(cst.CSTVisitor):
            def visit_FunctionDef(self, inner):
                if inner is not node:
                    names.add(inner.name.value)
                    return False

        node.body.visit(Defs())
    return frozenset(names)


def frozen(value: Value, lowering, node) -> Value:
    """A list as the tuple NumPy functions take (`np.stack([a, b])`), a range of build-time bounds as the tuple of
    its ints (NumPy reads `range(5)` as the sequence it is: np.sum(range(5), -1) after `from numpy import *`);
    dicts are refused with their name; a named result keeps its fields (`getattr(np.unique_all(x), "counts")`)."""
    from ..frontend.unique_forms import NamedResult  # (frontend imports normalize)

    if isinstance(value, range):
        return tuple(const(i) for i in value)
    if isinstance(value, ListValue):
        return tuple(frozen(v, lowering, node) for v in value.items)
    if isinstance(value, NamedResult):
        return NamedResult.of(tuple(frozen(v, lowering, node) for v in value), value.fields)
    if isinstance(value, tuple):
        return tuple(frozen(v, lowering, node) for v in value)
    if isinstance(value, DictValue):
        raise lowering.error(node, "a dict cannot be passed to a NumPy function",
                             "pass its values: list(d.values()), or d[key]")
    return value

