"""A kernel's parameters and result: annotations (arrays and trees), numeric defaults, and the IR function made
of its lowered body, with one IR parameter per tree leaf (trees.py)."""
from __future__ import annotations

import libcst as cst

from ..ir.types import ShapeError, TensorType, parse_annotation
from ..builder import Builder, NameScope
from ..errors import SourceLoc, TranspileError
from ..frontend.checks import check_reachable, check_reserved_names, check_signature
from ..ir import Const, Function, Var
from ..trees import build, is_tree_annotation, leaf_name, leaf_paths, number_leaves, parse_tree
from .argument_sharing import scalar_argument_checks, unshared_checks, writeable_checks
from ..values import Closure, DictValue, Frame, KernelRef, ListValue, Value, describe
from ..ir.verify import verified


class Signatures:
    """Mixed into `Lowering`. Relies on its `_lower_body`, `expr`, `error`, `module_values`."""

    @verified("lower_kernel")
    def lower_kernel(self, name: str, through_rule: bool = False) -> Function:
        """The kernel's IR; `through_rule`: when it has a custom_vjp rule, its derivatives come from the rule
        (as they do for its callers), so `grad(f)` of such an `f` uses the rule too."""
        source = self.parsed.kernels[name]
        return self.lower_function(source.node, source.loc, name, through_rule=through_rule)

    def lower_function(self, node: cst.FunctionDef, loc: SourceLoc, name: str, frame: Frame | None = None,
                       through_rule: bool = False) -> Function:
        """A kernel (or a function value a module-level factory made) as an IR function; parameters that are
        trees become one IR parameter per leaf."""
        check_signature(node, self.locate)
        check_reserved_names(node, self.locate)
        check_reachable(node, self.locate)
        scope = NameScope()
        params, env, dim_sources, in_tree = [], {}, {}, []
        scope.taken.update(param.name.value for param in node.params.params)  # leaves never take a parameter's name
        for param in node.params.params:
            pname = param.name.value
            tree = self._param_tree(param)
            if tree is None:
                ptype = self._param_type(param)
                in_tree.append((pname, ("leaf", len(params))))
                leaves = [Var(pname, ptype)]
            else:
                numbered, types = number_leaves(tree, len(params))
                in_tree.append((pname, numbered))
                leaves = [Var(scope.fresh(leaf_name(pname, path)), t)  # unique: keys may spell the same words
                          for (path, _), t in zip(leaf_paths(numbered), types)]
            for var in leaves:
                for axis, dim in enumerate(var.type.shape or ()):
                    if isinstance(dim, str):
                        dim_sources.setdefault(dim, (var, axis))
            params.extend(leaves)
            env[pname] = leaves[0] if tree is None else build(
                in_tree[-1][1], {i: v for i, v in enumerate(params)}, lambda items: ListValue(items, -1),
                lambda items: DictValue(items, -1))
        builder = Builder(scope, dim_sources)
        builder.reuse = False
        defaults = {param.name.value: self._default(param, builder) for param in node.params.params
                    if param.default is not None}
        self._own_params = {id(p) for p in params}
        saved_updates = self._param_leaves, self._updated_params, self._zero_d_checked, self._zero_d_watch
        self._param_leaves, self._updated_params = {id(p): p for p in params}, {}
        self._zero_d_checked, self._zero_d_watch = {}, {}
        self._stack[:] = [name]
        rule = self._custom_rule(name) if through_rule else None
        if rule is not None:  # as at a call of `name` (calls._inline): values through, rule for derivatives
            inputs = list(params)
            env = {k: self._bind(builder, node.name, "stop_gradient", [v])
                   if isinstance(v, Var) and v.type.is_float else v for k, v in env.items()}
        result = self._lower_body(node, builder, env, frame)
        if rule is not None:
            if not isinstance(result, (Var, Const)):
                raise self.error(node.name, f"a kernel with a custom_vjp rule returns a single array; `{name}` does "
                                 "not")
            result = self._bind(builder, node.name, "custom_vjp_call", [result] + inputs,
                                {"rule": rule, "kernel": name})
        out_tree, flat = result_tree(result, self.locate(node.name), name)
        trees = any(t[0] != "leaf" for _, t in in_tree) or out_tree is not None
        body = builder.prologue + builder.eqns
        checks = unshared_checks(name, params, self._updated_params, body, flat if out_tree is not None else result)
        checks += writeable_checks(name, params, self._updated_params)
        checks += scalar_argument_checks(name, params, self._zero_d_checked)
        self._param_leaves, self._updated_params, self._zero_d_checked, self._zero_d_watch = saved_updates
        return Function(name, params, checks + body, flat if out_tree is not None else result,
                        loc, node.get_docstring(), name, in_tree if trees else None, out_tree, defaults or None)

    def _default(self, param: cst.Param, builder: Builder):
        """A kernel parameter's default, kept in the generated signature: a number known at build time."""
        value = self.expr(param.default, builder, {})
        if not isinstance(value, Const) or not isinstance(value.value, (int, float, bool)) or \
                self._param_tree(param) is not None:
            raise self.error(param.default, "a kernel parameter's default must be a number known at build time (the "
                             "generated functions keep it)", "pass other values explicitly, or give the parameter "
                             "no default; functions the kernel calls may have any defaults")
        return value.value

    @verified("lower_value")
    def lower_value(self, name: str, value: Value, loc: SourceLoc | None) -> Function:
        """A module-level name holding a function: the function it is, named `name`."""
        if isinstance(value, KernelRef):
            owner = value.lowering or self
            source = owner.parsed.kernels[value.name]
            fn = owner.lower_function(source.node, source.loc, name)
        elif isinstance(value, Closure) and isinstance(value.node, cst.FunctionDef):
            fn = value.lowering.lower_function(value.node, value.lowering.locate(value.node.name), name, value.frame)
        else:
            raise TranspileError(f"`{name}` is {describe(value)} that cannot be transformed on its own", loc,
                                 "transform a function defined with `def` (at module level, or returned by a "
                                 "factory function)")
        fn.name = name
        return fn

    def _annotation_text(self, param: cst.Param) -> str | None:
        """A parameter's annotation string: written out, or a module-level string constant (`PARAMS`)."""
        if param.annotation is None:
            return None
        annotation = param.annotation.annotation
        if isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
            return annotation.evaluated_value
        if isinstance(annotation, cst.Name) and isinstance(self.module_values().get(annotation.value), str):
            return self.module_values()[annotation.value]
        raise self.error(annotation, "parameter annotations are type strings such as \"f64[n,d]\"",
                         'write x: "f64[n]" (dtype f32/f64/i32/i64/bool, dims names or integers), or a tree: '
                         '"[(f64[d,h], f64[h])]"')

    def _param_tree(self, param: cst.Param):
        """The tree a list/tuple/dict annotation describes, or None for an array annotation."""
        text = self._annotation_text(param)
        if text is None or not is_tree_annotation(text):
            return None
        try:
            return parse_tree(text)
        except ShapeError as exc:
            raise self.error(param.annotation.annotation, str(exc), 'a tree annotation nests lists, tuples and dicts '
                             'of array types: "[(f64[d,h], f64[h])]", "{\'w\': f64[d], \'b\': f64[]}"') from None

    def _param_type(self, param: cst.Param) -> TensorType | None:
        """The array type an annotation gives; None when it describes a tree."""
        text = self._annotation_text(param)
        if text is None:
            return TensorType("f64", None)
        if is_tree_annotation(text):
            return None
        try:
            return parse_annotation(text)
        except ShapeError as exc:
            raise self.error(param.annotation.annotation, str(exc), 'the dtype is one of f32, f64, i32, i64, bool and '
                             'the dims are names, integers, or sums and products of them: "f64[n,d]", "i64[3]", '
                             '"f64[2*h+1]", "f64[]" for a scalar') from None


def result_tree(result: Value, loc: SourceLoc, name: str):
    """A kernel's result as (tree, flat tuple of atoms), or (None, result) when it is an array or a flat tuple."""
    if isinstance(result, (Var, Const)) or (isinstance(result, tuple) and result
                                            and all(isinstance(r, (Var, Const)) for r in result)):
        return None, result
    flat: list = []

    def walk(value):
        if isinstance(value, (Var, Const)):
            flat.append(value)
            return ("leaf", len(flat) - 1)
        if isinstance(value, DictValue):
            return ("dict", tuple((k, walk(v)) for k, v in value.items.items()))
        if isinstance(value, (tuple, ListValue)):
            items = value.items if isinstance(value, ListValue) else value
            return ("list" if isinstance(value, ListValue) else "tuple", tuple(walk(v) for v in items))
        raise TranspileError(f"kernel `{name}` returns {describe(value)}; kernels return arrays, or tuples, lists "
                             "and dicts of arrays", loc, "return a, b  or  [a, b]  or  {\"a\": a}")

    tree = walk(result)
    return tree, tuple(flat)
