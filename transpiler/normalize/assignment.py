"""Assignment statements' targets (`Lowering._assign`): a name, an unpacking of a tuple, list or array rows, a
subscript or a container item, each as Python assigns; a name given to what the statement computed."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder
from ..ir import Eqn, Var
from ..values import DictValue, ListValue, Value, is_container

UNPACK_HINT = ("Python raises ValueError here: give one name per item (of an array, per row of its first axis), or "
               "index the value instead: b = x[0]")


class Assignments:
    """Mixed into `Lowering`. Relies on its `expr`, `error`, `static_items`, `container_store`, `_store`, `_renew`,
    `_named`, `_replacements`, `_statement_start`, `_level`."""

    def _assign(self, target: cst.BaseExpression, value: Value, builder: Builder, env) -> None:
        if isinstance(target, cst.Name):
            self._bind_name(target.value, value, builder, env)
        elif isinstance(target, (cst.Tuple, cst.List)):
            rows = isinstance(value, Var) and bool(value.type.shape) and isinstance(value.type.shape[0], int)
            if not isinstance(value, (tuple, ListValue, DictValue)) and not rows:
                raise self.error(target, "only tuples, lists, dicts (a kernel's tuple result, a literal, x.shape) "
                                 "and arrays whose first axis has a length known at build time can be unpacked "
                                 "here", "index the array instead: a = x[0]")
            # `dx, dy = p[i] - p[i - 1]` of a `[.., 2]` array: its rows, as Python iterates over it (views)
            items = self.static_items(value, target, builder if rows else None)
            stars = [i for i, e in enumerate(target.elements) if isinstance(e, cst.StarredElement)]
            if len(stars) > 1:
                raise self.error(target, "only one starred name can take the rest")
            if stars:
                star = stars[0]
                after = len(target.elements) - star - 1
                if len(items) < len(target.elements) - 1:
                    raise self.error(target, f"cannot unpack {len(items)} values into "
                                     f"{len(target.elements) - 1}+ names", UNPACK_HINT)
                rest = ListValue(items[star:len(items) - after], self._level)
                items = items[:star] + [rest] + items[len(items) - after:]
            if len(items) != len(target.elements):
                raise self.error(target, f"cannot unpack {len(items)} values into {len(target.elements)} names",
                                 UNPACK_HINT)
            for k, element in enumerate(target.elements):  # later values as they are after each assignment
                items[k + 1:] = self._assign_then_renew(element.value, items[k], tuple(items[k + 1:]), builder, env)
        elif isinstance(target, cst.Subscript):
            if isinstance(target.value, cst.Attribute) and target.value.attr.value == "flat":
                from .flat_writes import store_flat  # (a cycle through array_writes otherwise)

                return store_flat(self, target, value, builder, env)
            container = self.expr(target.value, builder, env)
            if is_container(container):
                self.container_store(container, target, value, builder, env)
            else:
                self._store(target, value, builder, env, base=container)
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
        """Give a value computed by this statement its source name (a reassigned name gets a suffix). An in-place
        update's result shares its array's name (`np.piecewise`'s `zero[mask] = ...`): the array and its updates
        are renamed together, or the later code reads a name nothing assigned (UnboundLocalError)."""
        shared = _storage_chain(value, builder.eqns[self._statement_start:]) if isinstance(value, Var) else None
        if shared and not any(id(v) in self._named for v in shared):
            for var in shared[1:]:
                if var.temporary:
                    builder.scope.taken.discard(var.name)
            builder.rename(shared[0], name)
            for var in shared[1:]:
                var.name, var.temporary = shared[0].name, False
            self._named.update(id(v) for v in shared)
        env[name] = value


def _storage_chain(value: Var, eqns: list) -> list[Var] | None:
    """`value` and, back through the in-place updates that made it, the arrays they wrote into (one name), where
    all are computed by `eqns` (this statement); None where one is not (an update of an earlier array keeps its
    name)."""
    chain = [value]
    while True:
        eqn = next((e for e in eqns if isinstance(e, Eqn) and chain[-1] in e.outs), None)
        if eqn is None:
            return None
        if not eqn.prim.extra.get("in_place"):
            return chain
        chain.append(eqn.args[0])
