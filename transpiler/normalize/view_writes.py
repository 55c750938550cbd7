"""Writes through views: `b.T[0] = v`, `np.flip(b)[0] = v`, `b[::-1][:2] = v`, `out[:, 0][mask] = v`, and through
a reshape of an array the kernel made (`g = out.reshape(2, 3); g[1, 2] = v` changes `out`).

A write through a view is a write into the array it looks into, as in Python. Where the view's index composes
with the write's into one index of that array (view_index.py), the write is that; otherwise the view is copied,
the copy updated, and written back whole through the view's inverse (`b[...] = np.transpose(t)`): exact for every
view that has an inverse, and the array's other names and views then see it as any update (inplace_writes.py).

Which views are writable is NumPy's: `np.diagonal` and `np.broadcast_to` give read-only views (Python raises
ValueError on a write), and a reshape is a view only of a C-contiguous array. Whether an array is C-contiguous is
known for what the kernel made from scratch (`np.zeros`, a `copy()`, arithmetic on such arrays, any new 1-D array);
a parameter's (or a loop's or branch's) layout is the caller's, so a write through its reshape is refused.
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..errors import TranspileError
from ..ir import Atom, Var
from ..values import DictValue, ListValue
from .alias import Recipe, contains, held
from .view_index import (compose, expand_dims_items, flip_items, inverse, is_scalar_int, permutation, permuted,
                         reshaped, squeeze_items)

# Python raises `ValueError: assignment destination is read-only` on a write through these
READ_ONLY = {"diagonal": "np.diagonal", "broadcast_to": "np.broadcast_to",
             "sliding_window": "np.lib.stride_tricks.sliding_window_view"}
# families whose results are new arrays laid out as their array operands are (C-contiguous operands: C-contiguous)
_LAYOUT_KEEPING = ("creation", "elementwise", "reduction", "shape", "linalg")


class ViewWrites:
    """Mixed into `InPlaceWrites` (which calls `write_into_parent` and `write_through_recipe` from `_write`)."""

    # -- a subscript of an expression: `b.T[0] = v` ----------------------------------------------------------
    def store_through(self, label: str, view, items: list, value, target, builder: Builder, env,
                      combine: str | None) -> None:
        """`<expression>[items] = value` where the expression is not a name: a write into the array it is (a view
        of a named array, an array a list or tuple holds), refused where Python would write into a new array."""
        node = target.value
        if not isinstance(view, Var) or view.type.shape == ():
            raise self.error(node, f"`{label}` is not an array: it has no elements to assign", "a[i] = v")
        holder = self._holder(view, env)
        if holder is None and id(view) not in self._view_root:
            raise self.error(node, f"`{label}` is a new array, not a view of one a name holds (an index array or "
                             "mask selects a copy; arithmetic makes a new array): Python assigns into it and then "
                             "drops it, so the assignment changes nothing",
                             "assign into the array itself with one index (`b[idx[0]] = v`, `b[mask & m] = v`), "
                             "or name the new array first")
        self._refuse_scalar_parent(label, self._root(view), target)
        if id(view) in self._view_op:
            self.refuse_read_only(label, view, target)
        elif holder is None and not self._view_is_private(view, env):  # a view the compiler does not follow
            made = builder.definition(view)
            if made is not None and made.prim.name in ("reshape", "einsum"):
                raise self.may_copy_refusal(label, view, target, env)
            raise self.error(node, f"`{label}` is a view of another array; assigning into it would change that "
                             "array too", "take a copy first, or assign into that array itself")
        name = holder or self._holder(self._root(view), env) or "view"
        self._write(name, view, items, self._atom(value, target), target, builder, env, combine)

    def _holder(self, array: Var, env) -> str | None:
        """A name of a live frame that holds `array` (itself, or in a tuple, list or dict)."""
        for names in self._live_envs(env):
            for name, bound in names.items():
                if name.startswith("<"):
                    continue
                if bound is array or any(v is array for v in held(bound)) or (
                        isinstance(bound, (ListValue, DictValue, tuple)) and contains(bound, lambda v: v is array)):
                    return name
        return None

    # -- through basic indexing --------------------------------------------------------------------------------
    def write_into_parent(self, name: str, array: Var, items: list, value_atom: Atom, target, builder: Builder,
                          env, combine: str | None) -> None:
        """`view[items] = v` where `view = parent[parent_items]`: one index of the parent where the two compose
        (`b[::-1][:2]` is `b[3:1:-1]`), else the view updated in a copy and written back."""
        parent, parent_items = self._view_op[id(array)]
        self._refuse_scalar_parent(name, parent, target)
        composed = compose(parent.type.shape, parent_items, items, self._negation(builder, target))
        if composed is None and parent.type.shape is None and all(is_scalar_int(i) for i in parent_items):
            composed = parent_items + list(items)  # (rank unknown) row[j] = v is parent[i, j] = v
        if composed is not None:
            return self._write(name, parent, composed, value_atom, target, builder, env, combine)
        piece = self._bind(builder, target, "copy", [array])  # head[j] = v: update a copy, write it back
        self._named.add(id(piece))
        updated = self._update(name, piece, items, value_atom, target, builder, combine)
        return self._write(name, parent, parent_items, updated, target, builder, env, None)

    def _negation(self, builder: Builder, target):
        return lambda index: self._bind(builder, target, "subtract", [const(-1), index])

    # -- through transposes, flips, new or dropped axes, reshapes ---------------------------------------------
    def write_through_recipe(self, name: str, array: Var, items: list, value_atom: Atom, target, builder: Builder,
                             env, combine: str | None) -> None:
        """`view[items] = v` where `view = prim(parent, ...)`: one index of the parent where the view is one
        (`np.flip(b)[0]` is `b[-1]`, `b.T[0]` is `b[:, 0]` with the value's axes permuted), else the view updated
        in a copy and written back whole through the view's inverse."""
        parent, recipe = self._view_op[id(array)]
        self.refuse_read_only(name, array, target)
        self._refuse_scalar_parent(name, parent, target)
        shape, prim = parent.type.shape, recipe.prim
        outer = None
        if prim == "flip" and shape is not None:
            outer = flip_items(len(shape), recipe.params.get("axis"))
        elif prim == "expand_dims" and shape is not None:
            outer = expand_dims_items(len(shape), recipe.params["axis"])
        elif prim == "squeeze":
            outer = squeeze_items(shape, recipe.params.get("axis"))
        if outer is not None:
            composed = compose(shape, outer, items, self._negation(builder, target))
            if composed is not None:
                return self._write(name, parent, composed, value_atom, target, builder, env, combine)
        if prim in ("transpose", "swapaxes") and shape is not None:
            found = permuted(permutation(prim, recipe.params, len(shape)), items)
            value = None if found is None else self._reordered(value_atom, found[1], target, builder)
            if value is not None:
                return self._write(name, parent, found[0], value, target, builder, env, combine)
        if prim == "reshape":
            found = reshaped(array.type.shape, shape, items)
            value = None if found is None else self._regioned(value_atom, found[2], found[1], target, builder)
            if value is not None:
                return self._write(name, parent, found[0], value, target, builder, env, combine)
        piece = self._bind(builder, target, "copy", [array])
        self._named.add(id(piece))
        updated = self._update(name, piece, items, value_atom, target, builder, combine)
        return self._write(name, parent, [Ellipsis], self._undone(recipe, updated, parent, target, builder), target,
                           builder, env, None)

    def _reordered(self, value: Atom, order: list[int], target, builder: Builder) -> Atom | None:
        """The value to write into the parent's region, whose axes are the view region's in `order`: broadcast
        to the region's rank by leading axes of length 1, then transposed."""
        if order == sorted(order):
            return value
        rank = value.type.rank
        if rank is None or rank > len(order):
            return None
        if rank == 0:
            return value
        if rank < len(order):
            new = tuple(range(len(order) - rank))
            value = self._bind(builder, target, "expand_dims", [value], {"axis": new[0] if len(new) == 1 else new})
        return self._bind(builder, target, "transpose", [value], {"axes": tuple(order)})

    def _regioned(self, value: Atom, view_region: tuple, parent_region: tuple, target, builder: Builder):
        """The value to write into the parent's region of a reshape: as it broadcasts to the view's region,
        laid out in the parent's (None where it has more axes than the view's region: the copy path says why)."""
        rank = value.type.rank
        if rank is None or rank > len(view_region):
            return None
        if rank == 0 or tuple(value.type.shape) == tuple(parent_region) == tuple(view_region):
            return value
        if value.type.shape != tuple(view_region):
            value = self._bind(builder, target, "broadcast_to", [value, *[const(d) for d in view_region]])
        return self._bind(builder, target, "reshape", [value, *[const(d) for d in parent_region]])

    def _undone(self, recipe: Recipe, view: Var, parent: Var, target, builder: Builder) -> Atom:
        """The parent's elements laid out again from a (changed) copy of the view: the view's inverse."""
        if recipe.prim == "transpose":
            perm = permutation("transpose", recipe.params, parent.type.rank)
            return self._bind(builder, target, "transpose", [view], {"axes": inverse(perm)})
        if recipe.prim in ("swapaxes", "flip"):  # their own inverses
            return self._bind(builder, target, recipe.prim, [view], dict(recipe.params))
        dims = builder.shape_atoms(parent.type, parent)  # expand_dims, squeeze, reshape: the parent's shape
        if dims is None:
            return self._bind(builder, target, "reshape_like", [view, parent])
        return self._bind(builder, target, "reshape", [view, *dims])

    # -- refusals --------------------------------------------------------------------------------------------
    def refuse_read_only(self, name: str, array: Var, target) -> None:
        """Python raises on a write through `np.diagonal` or `np.broadcast_to` (or a view of one)."""
        value = array
        while id(value) in self._view_op:
            parent, how = self._view_op[id(value)]
            if isinstance(how, Recipe) and how.prim in READ_ONLY:
                function = READ_ONLY[how.prim]
                hint = f"take a copy to change: v = {function}(...).copy()" + (
                    "; to change a's diagonal, a[np.arange(n), np.arange(n)] = v" if how.prim == "diagonal" else "")
                raise TranspileError(f"`{name}` is (a view of) {function}(...), which NumPy makes read-only: Python "
                                     "raises `ValueError: assignment destination is read-only` here",
                                     self.locate(target), hint)
            value = parent

    def _refuse_scalar_parent(self, name: str, parent: Var, target) -> None:
        """A view of a 0-d value: Python holds most as NumPy scalars (`np.sum(x)`), whose views are new arrays, and
        some as 0-d arrays, whose views share them; the compiler does not tell them apart."""
        if parent.type.shape == ():
            raise TranspileError(f"`{name}` is a view of a 0-d value, which Python may hold as a NumPy scalar (then the "
                                 "view is a new array the assignment changes alone) or as a 0-d array (then the "
                                 "assignment changes it too)", self.locate(target),
                                 "compute the new value and assign it to the name: s = ...")

    def may_copy_refusal(self, name: str, array: Var, target, env) -> TranspileError:
        """A write through a view NumPy makes only of a C-contiguous array (a reshape of a parameter)."""
        root = self._holder(self._root(array), env) or "the array"
        laid_out = self._laid_out.get(id(array))
        if laid_out is not None:
            return self._laid_out_refusal(name, laid_out, root, target, env)
        return TranspileError(
            f"`{name}` is a reshape (or ravel, or one-operand einsum) of `{root}`, which NumPy makes a view only where "
            f"`{root}` is C-contiguous, and a copy otherwise: whether assigning into `{name}` changes `{root}` depends "
            f"on `{root}`'s layout, not known here (a parameter's is the caller's; a loop or branch may change it)",
            self.locate(target),
            f"reshape a C-contiguous copy: `{root} = {root}.copy()` first (then the reshape is a view of it)"
            + (f", or `{name} = {name}.copy()` to leave `{root}` alone" if name.isidentifier() else ""))

    def _laid_out_refusal(self, name: str, laid_out: tuple, root: str, target, env) -> TranspileError:
        """`np.asarray(a, order=...)` (or np.asfortranarray(a)) of an array of unknown layout, written into: NumPy
        returns `a` itself where it has that layout and a copy where not (a reshape here, but the user wrote none)."""
        function, order, array = laid_out
        source = self._holder(array, env) or root
        written = f"{function}({source})" if function == "np.asfortranarray" else \
            f"{function}({source}, order={order!r})"
        held_value = env.get(name) if isinstance(env, dict) else None
        what = "" if held_value is not None and id(held_value) in self._laid_out else "a view of "
        return TranspileError(
            f"`{name}` is {what}`{written}`, which NumPy returns as `{source}` itself where `{source}` is already laid out "
            f"in order {order!r} and as a copy otherwise: whether assigning into `{name}` changes `{source}` depends "
            f"on `{source}`'s layout, not known here (a parameter's is the caller's; a loop or branch may change it)",
            self.locate(target),
            f"for a copy always, write `np.array({source}, order={order!r})`; to change `{source}`, assign into "
            f"`{source}` itself")

    # -- layouts ---------------------------------------------------------------------------------------------
    def note_slot_layout(self, slot: Var, first) -> None:
        """A loop slot is taken for C-contiguous where its first value is (and no earlier try of the loop found
        an iteration ending otherwise, `layouts_lost`)."""
        self._slot_layout[id(slot)] = isinstance(first, Var) and id(first) not in self._lost_layout and \
            self.c_contiguous(first)

    def layouts_lost(self, slot_of: dict, body_env: dict, env: dict) -> bool:
        """At the end of a loop body: whether a slot taken for C-contiguous ends an iteration with
        a value that is not (`x = x.T * 1.0`); its first value is then remembered, and the loop lowered again."""
        lost = {id(env[name]) for name, slot in slot_of.items()
                if self._slot_layout.get(id(slot)) and not self.c_contiguous(body_env.get(name))}
        self._lost_layout |= lost
        return bool(lost)

    def c_contiguous(self, value) -> bool:
        """Whether `value` is C-contiguous in Python whatever the arguments' layouts (`note_layout`), for a loop
        slot or result where every iteration keeps it so (`_slot_layout`), for a branch merge where all it may
        hold are. A parameter, a view other than a reshape of such an array: not known."""
        if not isinstance(value, Var) or value.type.shape in (None, ()):  # (a 0-d value may be a NumPy scalar)
            return False
        if id(value) in self._c_layout:
            return True
        if id(value) in self._slot_layout:
            return self._slot_layout[id(value)]
        sources = self._may_hold.get(id(value))
        return bool(sources) and all(self.c_contiguous(s) for s in sources)

    def note_layout(self, out, builder: Builder, node: cst.CSTNode | None = None) -> None:
        """After `out` is bound (by the source's `node`): C-contiguous where the kernel made it from scratch
        (`np.zeros`, `x.copy()`), from arrays that are (arithmetic keeps its operands' layout, a reshape of one is a
        view of it, an update in place keeps its array), or as any new 1-D array."""
        eqn = builder.definition(out)
        if eqn is None or eqn.outs[0] is not out or out.type.shape in (None, ()):
            return
        prim = eqn.prim
        if prim.name == "copy" and isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
                node.func.attr.value == "copy" and not node.args:  # `x.copy()`: order "C" (`np.array(x)`: "K")
            contiguous = True
        elif prim.extra.get("in_place") or prim.name == "reshape":  # the array updated, or a view of it
            contiguous = self.c_contiguous(eqn.args[0])
        elif prim.may_view(eqn.args, eqn.params):
            contiguous = False
        elif out.type.rank <= 1:
            contiguous = True
        else:
            contiguous = prim.family in _LAYOUT_KEEPING and prim.name != "einsum" and all(
                self.c_contiguous(a) for a in eqn.args if isinstance(a, Var) and a.type.rank not in (0, 1))
        if contiguous:
            self._c_layout.add(id(out))
