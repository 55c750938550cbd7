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
from ..frontend.parse import ParsedModule
from ..ir import Const, Eqn, Function, Var, result_atoms
from ..ir.inline import inline_function
from ..transforms.inplace import functionalize
from ..values import KernelRef, TransformRef, Value


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
            parsed.dependencies = self.parsed.dependencies
            parsed.dependencies[str(path)] = file_digest(data)
            lowering = type(self)(parsed)
            lowering._named, lowering._stack, lowering._modules = self._named, self._stack, self._modules
            self._modules[path] = lowering
        if original not in lowering.parsed.kernels:
            raise self.error(node, f"`{name}` (from `{module}`) is not a @kernel function",
                             "only @kernel functions can be called in kernels; decorate it")
        return KernelRef(original, lowering)

    def _inline(self, func: KernelRef, args: list[Value], node: cst.Call, builder: Builder) -> Value:
        """Lower a kernel's body in place of a call to it (the callee may live in another module)."""
        owner, name = func.lowering or self, func.name
        if name in self._stack:
            chain = " -> ".join(self._stack[self._stack.index(name):] + [name])
            raise self.error(node, f"recursive call to kernel `{name}` ({chain})",
                             "recursion is not part of the kernel language; write the computation iteratively")
        callee = owner.parsed.kernels[name].node
        params = callee.params.params
        if len(args) != len(params):
            raise self.error(node, f"kernel `{name}` takes {len(params)} argument{'s' if len(params) != 1 else ''}, "
                             f"{len(args)} given")
        env = {}
        for param, arg in zip(params, args):
            atom = self._atom(arg, node)
            declared = owner._param_type(param)
            if declared.rank is not None and atom.type.rank is not None and declared.rank != atom.type.rank:
                raise self.error(node, f"argument `{param.name.value}` of `{name}` has rank {atom.type.rank}, "
                                 f"but its annotation {declared} says rank {declared.rank}")
            env[param.name.value] = atom
        rule = owner._custom_rule(name)
        if rule is not None:  # derivatives flow through the user's rule, not through the body
            inputs = list(env.values())
            env = {k: self._bind(builder, node, "stop_gradient", [v]) if v.type.is_float else v
                   for k, v in env.items()}
        outer_loc, outer_start = builder.loc, self._statement_start
        self._stack.append(name)
        borrowed = owner._borrowed
        owner._borrowed = borrowed | {id(v) for v in env.values()}  # the caller's arrays: read, never updated
        try:
            result = owner._lower_body(callee, builder, env)
        finally:
            self._stack.pop()
            owner._borrowed = borrowed
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
        fn = functionalize(self.declared.function(func.target, self.locate(node.func)))
        if len(args) != len(fn.params):
            raise self.error(node, f"`{func.target}` takes {len(fn.params)} argument"
                             f"{'s' if len(fn.params) != 1 else ''} ({', '.join(p.name for p in fn.params)}), "
                             f"{len(args)} given")
        atoms = []
        for param, arg in zip(fn.params, args):
            atom = self._atom(arg, node)
            if param.type.rank is not None and atom.type.rank is not None and param.type.rank != atom.type.rank:
                raise self.error(node, f"argument `{param.name}` of `{func.target}` has rank {atom.type.rank}, "
                                 f"but `{func.target}` takes rank {param.type.rank}")
            atoms.append(atom)
        builder.loc = self.locate(node)
        start = len(builder.eqns)
        result = inline_function(builder, fn, atoms)
        # a result that shares its name with other values (a loop slot, a branch merge, an in-place update of
        # an array) keeps it: only a plain equation's result may take the caller's name
        plain = {id(v) for stmt in builder.eqns[start:] if isinstance(stmt, Eqn)
                 and not stmt.prim.extra.get("in_place") for v in stmt.outs}
        self._named.update(id(v) for v in result_atoms(result) if isinstance(v, Var) and id(v) not in plain)
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
