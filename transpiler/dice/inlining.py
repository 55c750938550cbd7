"""Inlining of calls to helpers and @dist functions: Python's binding of arguments to parameters, and the
callee's body lowered in a scope of its own (a generator function becomes a stream instead)."""
from __future__ import annotations

import libcst as cst

from .bindings import STREAM, VALUE, Binding, Scope, assigned_names, find_yield, is_ref, is_return
from .values import Stream, Val


class InliningLowering:
    """Inlined calls. A part of `Lowerer` (lower.py)."""

    def bind_arguments(self, fn: cst.FunctionDef, node, positional, keywords, stream: Stream | None = None) -> dict:
        """Python's binding of a call's arguments to `fn`'s parameters (positional-only, plain, keyword-only,
        defaults), each argument lowered once, in the order written."""
        name = fn.name.value
        signature = fn.params
        if isinstance(signature.star_arg, cst.Param) or signature.star_kwarg is not None:
            raise self.error(f"`{name}` takes *args or **kwargs, which the dist language does not have",
                             signature, "name each parameter")
        positional_params = list(signature.posonly_params) + list(signature.params)
        keyword_params = list(signature.params) + list(signature.kwonly_params)
        every = positional_params + list(signature.kwonly_params)
        if len(positional) > len(positional_params):
            raise self.error(f"`{name}` takes {len(positional_params)} positional arguments, {len(positional)} "
                             "given", node)
        args = {}
        for param, arg in zip(positional_params, positional):
            if isinstance(arg.star, str) and arg.star:
                raise self.error("`*` arguments are not part of the dist language here", arg,
                                 "pass each argument by itself")
            args[param.name.value] = stream if (stream is not None and not args) else self.expr(arg.value)
        for key, value in keywords.items():
            if key not in [p.name.value for p in keyword_params]:
                what = "a positional-only parameter" if key in [p.name.value for p in signature.posonly_params] \
                    else "no parameter"
                raise self.error(f"`{name}` has {what} `{key}`", value,
                                 f"pass `{key}` by position" if what != "no parameter" else None)
            if key in args:
                raise self.error(f"`{name}` got two values for `{key}`", value)
            args[key] = self.expr(value)
        for param in every:
            key = param.name.value
            if key not in args:
                if param.default is None:
                    raise self.error(f"`{name}` is missing the argument `{key}`", node,
                                     f"pass `{key}`, or give it a default in `def {name}(...)`")
                args[key] = self.expr(param.default)
        return args

    def enter_function(self, fn: cst.FunctionDef, node, args: dict) -> Scope:
        """A fresh scope for one inlined call of `fn`, its parameters bound to the arguments."""
        inner = Scope(f"{self.fresh(fn.name.value)}.")
        inner.assigned = assigned_names(fn)
        for key, value in args.items():
            if isinstance(value, Stream):
                inner.env[key] = Binding(STREAM, stream=value)
            else:
                inner.env[key] = Binding(VALUE, val=value)
        return inner

    def inline(self, fn: cst.FunctionDef, node, positional, keywords, stream: Stream | None = None):
        name = fn.name.value
        if find_yield(fn) is not None:
            return self.generator_stream(fn, node, positional, keywords)
        args = self.bind_arguments(fn, node, positional, keywords, stream)
        outer_loc = self.call_loc
        targets, self.yield_targets = self.yield_targets, []  # a `yield` in here is not the caller's
        self.call_stack.append(name)
        self.call_loc = self.loc(node) or outer_loc
        try:
            with self.in_scope(self.enter_function(fn, node, args)):
                body = self._statements(fn)
                if not body or not is_return(body[-1]):
                    raise self.error(f"`{name}` must end with a `return` to be called from a @dist function",
                                     fn.name)
                for pair in body[:-1]:
                    self.statement(pair)
                result = self.expr(body[-1][1].value)
                if isinstance(result, Val) and result.random and not is_ref(result.node):
                    # read the value before the callee's columns can be reused or deleted
                    result = self.materialize(result, "_r")
                return result
        finally:
            self.call_stack.pop()
            self.call_loc = outer_loc
            self.yield_targets = targets
