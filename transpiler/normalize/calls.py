"""Lowering calls to kernels: inlined at the call, from this module or an imported project module, and
through a user's reverse rule (`custom_vjp`) when one is declared."""
from __future__ import annotations

import os
from pathlib import Path

import libcst as cst

from ...cache import file_digest
from ...sources import decode_source
from ..builder import Builder
from ..errors import TranspileError
from ..frontend.parsed import ParsedModule
from ..ir import Const, Eqn, Function, Var, result_atoms
from ..trees import build
from ..values import Closure, DictValue, KernelRef, ListValue, TransformRef, Value

RECURSION_LIMIT = 32  # calls inlined into themselves: recursion must end through branches decided at build time



class Calls:
    """Mixed into `Lowering`. Relies on its `error`, `_atom`, `_bind`, `_param_type`, `_lower_body`."""

    def _imported_kernel(self, name: str, node: cst.CSTNode) -> KernelRef:
        """A kernel imported from another module of the project (`from physics import rhs`), read from the
        file next to this one and inlined like a local kernel."""
        module, original, _ = self.parsed.imported[name]
        path = _find_module(module, self.parsed, self.parsed.dependencies)
        if path is None:
            raise self.error(node, f"`{name}` comes from module `{module}`, which was not found next to "
                             f"{self.parsed.path}", "kernels can call @kernel functions of project modules")
        lowering = self._modules.get(path)
        if lowering is None:
            from ..frontend.parse import parse_module

            data = path.read_bytes()
            parsed = parse_module(decode_source(data), str(path))
            parsed.source_file = str(path)
            parsed.import_only = True
            parsed.dependencies = self.parsed.dependencies
            parsed.dependencies[str(path)] = file_digest(data)
            lowering = type(self)(parsed)
            lowering._named, lowering._stack, lowering._modules = self._named, self._stack, self._modules
            self._modules[path] = lowering
        if original in lowering.parsed.helpers:  # an undecorated function there: inlined like one defined here
            return Closure(lowering.parsed.helpers[original], None, lowering, original)
        if original not in lowering.parsed.kernels:
            raise self.error(node, f"`{name}` (from `{module}`) is not a function defined there",
                             "kernels can call functions defined at module level in project modules")
        return KernelRef(original, lowering)

    def _inline(self, func: KernelRef, args: list[Value], node: cst.Call, builder: Builder,
                keywords: dict | None = None) -> Value:
        """Lower a kernel's body in place of a call to it (the callee may live in another module)."""
        owner, name = func.lowering or self, func.name
        if self._stack.count(name) >= RECURSION_LIMIT:
            last = len(self._stack) - 1 - self._stack[::-1].index(name)
            chain = " -> ".join(self._stack[last:] + [name])
            raise self.error(node, f"recursive call to kernel `{name}` ({chain}) does not end at build time",
                             "a kernel may call itself only where a branch known at build time ends the recursion "
                             f"within {RECURSION_LIMIT} calls; write the computation iteratively")
        callee = owner.parsed.kernels[name].node
        env = owner.bind_arguments(callee.params, args, keywords or {}, node, builder, None, f"kernel `{name}`", self)
        for param in callee.params.params:
            value = env[param.name.value]
            if not isinstance(value, (Var, Const)):
                continue  # a list, dict or function argument: the callee reads it as the caller has it
            declared = owner._param_type(param)
            if declared is None:
                raise self.error(node, f"argument `{param.name.value}` of `{name}` is an array, but its annotation "
                                 "describes a list, tuple or dict")
            if declared.rank is not None and value.type.rank is not None and declared.rank != value.type.rank:
                raise self.error(node, f"argument `{param.name.value}` of `{name}` has rank {value.type.rank}, "
                                 f"but its annotation {declared} says rank {declared.rank}")
        rule = owner._custom_rule(name)
        if rule is not None:  # derivatives flow through the user's rule, not through the body
            inputs = [self._atom(v, node) for v in env.values()]
            env = {k: self._bind(builder, node, "stop_gradient", [v]) if v.type.is_float else v
                   for k, v in env.items()}
        outer_loc, outer_start = builder.loc, self._statement_start
        self._stack.append(name)
        from .functions import inlined_call  # (functions.py imports this module)

        try:
            with inlined_call(owner, self, env):
                result = owner._lower_body(callee, builder, env, may_fall_off=False)
        finally:
            self._stack.pop()
            builder.loc, self._statement_start = outer_loc, outer_start
        if rule is not None:
            if not isinstance(result, (Var, Const)):
                raise self.error(node, f"a kernel with a custom_vjp rule returns a single array; `{name}` does not")
            return self._bind(builder, node, "custom_vjp_call", [result] + inputs, {"rule": rule, "kernel": name})
        return result

    def _call_transform(self, func: TransformRef, args: list[Value], node: cst.Call, builder: Builder) -> Value:
        """A declared transform called in a kernel (`g(p1, x)` with `g = grad(f, wrt="x")`): its generated IR,
        in-place updates made out of place (so the caller can be differentiated again), inlined at the call."""
        if self.declared is None:
            raise self.error(node.func, "transforms can only be called in kernels of the module declaring them")
        fn, params = self.declared.inlinable(func.target, self.locate(node.func))
        if len(args) != len(params):
            raise self.error(node, f"`{func.target}` takes {len(params)} argument"
                             f"{'s' if len(params) != 1 else ''} ({', '.join(name for name, _ in params)}), "
                             f"{len(args)} given")
        atoms: list = [None] * len(fn.params)
        for (pname, tree), arg in zip(params, args):
            for index, leaf in _match_tree(tree, arg, lambda what: self.error(
                    node, f"argument `{pname}` of `{func.target}` is {what}")):
                param = fn.params[index]
                atom = self._atom(leaf, node)
                if param.type.rank is not None and atom.type.rank is not None and param.type.rank != atom.type.rank:
                    raise self.error(node, f"argument `{param.name}` of `{func.target}` has rank {atom.type.rank}, "
                                     f"but `{func.target}` takes rank {param.type.rank}")
                atoms[index] = atom
        builder.loc = self.locate(node)
        start = len(builder.eqns)
        result = builder.inline(fn, atoms)
        # a result that shares its name with other values (a loop slot, a branch merge, an in-place update of
        # an array) keeps it: only a plain equation's result may take the caller's name
        plain = {id(v) for stmt in builder.eqns[start:] if isinstance(stmt, Eqn)
                 and not stmt.prim.extra.get("in_place") for v in stmt.outs}
        self._named.update(id(v) for v in result_atoms(result) if isinstance(v, Var) and id(v) not in plain)
        if fn.out_tree is not None:
            return build(fn.out_tree, result_atoms(result), lambda items: ListValue(items, self._level),
                         lambda items: DictValue(items, self._level))
        return result

    def _custom_rule(self, name: str) -> Function | None:
        """The lowered rule kernel of `custom_vjp(name, rule)`, if the module declares one."""
        if name not in self.parsed.custom_vjps:
            return None
        rule_name, loc = self.parsed.custom_vjps[name]
        if rule_name not in self.parsed.kernels:
            raise TranspileError(f"the custom_vjp rule `{rule_name}` is not a @kernel of this module", loc,
                                 f"decorate `{rule_name}` with @kernel; it takes (*args, out, g)")
        expected = len(self.parsed.kernels[name].node.params.params) + 2
        given = len(self.parsed.kernels[rule_name].node.params.params)
        if given != expected:
            raise TranspileError(f"the custom_vjp rule `{rule_name}` takes {given} parameter{'s' if given != 1 else ''}"
                                 f", but a rule of `{name}` takes {expected}: `{name}`'s arguments, its output, then "
                                 "the output's cotangent", loc,
                                 f"def {rule_name}({', '.join(_param_names(self.parsed, name) + ['out', 'g'])}): "
                                 "return one cotangent per parameter")
        if rule_name not in self._rules:
            saved = list(self._stack)
            self._rules[rule_name] = self.lower_kernel(rule_name)
            self._stack[:] = saved
        return self._rules[rule_name]

    # -- helpers -------------------------------------------------------------------------------------------


def _param_names(parsed: ParsedModule, kernel: str) -> list[str]:
    return [p.name.value for p in parsed.kernels[kernel].node.params.params]


def _find_module(module: str, parsed: ParsedModule, looked_for: dict[str, str | None]):
    """The file of `module`: next to the importing file, or under the current directory; a relative module
    (`.helpers`, `..lib.act`) only relative to the importing file's package, as Python finds it."""
    here = Path(parsed.source_file or parsed.path).parent
    dots = len(module) - len(module.lstrip("."))
    if dots:
        base = here
        for _ in range(dots - 1):
            base = base.parent
        relative = Path(*module[dots:].split(".")) if module[dots:] else None
        bases = [base]
    else:
        relative = Path(*module.split("."))
        bases = [here, Path.cwd()]
    for base in bases:
        if relative is None:
            candidates = [base / "__init__.py"]
        else:
            candidates = [base / relative.with_suffix(".py"), base / relative / "__init__.py"]
        for candidate in candidates:
            if candidate.is_file():
                return candidate.resolve()
            looked_for.setdefault(os.path.abspath(candidate), None)  # created later, it would be found first
    return None


def array_leaves(values) -> list:
    """The arrays in a list of values, inside lists, tuples and dicts too."""
    out = []
    for value in values:
        if isinstance(value, (tuple, list)):
            out.extend(array_leaves(list(value)))
        elif isinstance(value, ListValue):
            out.extend(array_leaves(value.items))
        elif isinstance(value, DictValue):
            out.extend(array_leaves(list(value.items.values())))
        elif isinstance(value, (Var, Const)):
            out.append(value)
    return out


def _match_tree(tree, value, mismatch) -> list:
    """(leaf index, value) pairs for a value passed where a parameter tree is expected."""
    if tree[0] == "leaf":
        return [(tree[1], value)]
    kind, items = tree
    if kind == "dict":
        if not isinstance(value, DictValue) or set(value.items) != {k for k, _ in items}:
            raise mismatch(f"not a dict with keys {', '.join(repr(k) for k, _ in items)}")
        return [pair for key, sub in items for pair in _match_tree(sub, value.items[key], mismatch)]
    sequence = value.items if isinstance(value, ListValue) else value if isinstance(value, tuple) else None
    if sequence is None or len(sequence) != len(items):
        raise mismatch(f"not a {kind} of {len(items)}")
    return [pair for sub, item in zip(items, sequence) for pair in _match_tree(sub, item, mismatch)]
