"""0-d arrays updated in place: `a += v` on a 0-d array changes that array object, which every name (and view)
holding it sees, where the same statement on a NumPy scalar or a Python number makes a new value.

Lowering keeps rank-0 values as values (a scalar's update rebinds its name), which is Python's meaning for NumPy
scalars and Python numbers but not for 0-d arrays. Which one a rank-0 value is, is known for what the kernel
computes: arithmetic and reductions give NumPy scalars; `np.zeros(())` and its kin (`np.array`, `np.copy` and
`np.asarray` of a rank-0 value; of a rank-0 parameter, see below) give 0-d arrays; basic indexing
with an Ellipsis (`x[0, ...]`), a reshape or squeeze to `()` give 0-d *views*. A parameter annotated `"f64[]"`
may be given either, and a loop's or a branch's merged value may hold either. So:

* `+=` (any augmented assignment) on a 0-d view is refused: it would write into the array the view looks into;
* `+=` on a 0-d array the kernel made (`np.zeros(())` and its kin) makes every other name holding it (this
  function's, a caller's, a tuple's, or a name holding it on entry to the loop that updates it) stale: reading it
  afterwards is a located error (Python's name sees the update), rebinding it is fine;
* a 0-d view read after the array it looks into was updated is refused (`Stale`): Python reads the new element.
* an update of a 0-d array keeps it that array (`a += 1.0` twice: the second update is in place too) and its
  dtype (`np.zeros((), np.float32) += x64` rounds into float32, as NumPy's in-place cast);
* a loop slot or a branch merge is what its values may be (`join_zero_d`): a 0-d array if any of them may be one
  (a loop's back edge included: `zero_d_back_edges`), a NumPy scalar only where all are;
* a rank-0 *parameter* is what its caller passes: a NumPy scalar or a Python number (the annotation's promise),
  or a 0-d array. An update of it while another name holds it (or a 0-d view of it) that is read afterwards
  (`_zero_d_watch`) gives Python's numbers only for a scalar, so the generated function refuses a 0-d array
  argument at entry (`check_scalar_argument`,
  primitives/hostile_checks.py: a ValueError naming the function, the parameter and the update); any update of
  it also checks, at entry, that no other argument shares its memory (argument_sharing.py), as for arrays.
`np.asarray(p)` of a rank-0 parameter is a new 0-d array for a scalar argument and the argument itself for a 0-d
array: an update of it in place is also checked as an update of the parameter (`note_asarray_of_param`).
Every other update of a rank-0 value rebinds it, which is what Python does for NumPy scalars and numbers.
"""
from __future__ import annotations

import libcst as cst

from ..ir import Var
from ..values import DictValue, ListValue, Stale

_ARRAYS = ("zeros", "ones", "full", "zeros_like", "ones_like", "array")  # a new 0-d array where the result is 0-d
_VIEWS = ("getitem", "reshape", "reshape_like", "squeeze", "broadcast_to", "broadcast_like", "transpose",
          "swapaxes", "expand_dims", "flip", "diagonal")
_SAME_AS_OPERAND = ("copy", "astype")  # a 0-d array's `.copy()` is an array, a NumPy scalar's a scalar
_UNKNOWN = ("stop_gradient", "custom_vjp_call", "refine_shape", "unbroadcast", "einsum", "tuple_get", "pop")


class ZeroDArrays:
    """Mixed into `Lowering`; state `_zero_d`: id of a rank-0 value -> (the value, "scalar" | "array" | "view" |
    "param", the array a view looks into, the parameters a "param" may be); `_zero_d_checked`: id of a rank-0
    parameter -> (it, the update that needs its entry check); `_zero_d_watch`: name -> (the value it held when a
    parameter it may be was updated, those parameters, where), checked when the name is read. Untagged values are
    taken as scalars."""

    def note_zero_d(self, out: Var, prim: str, args, params) -> None:
        """Record what kind of rank-0 value the equation `prim(args)` made (see the module docstring)."""
        if out.type.weak:
            return
        operand = args[0] if args and isinstance(args[0], Var) else None
        if prim in _VIEWS:
            if prim == "getitem" and Ellipsis not in (params or {}).get("index", ()):
                kind, root = "scalar", None  # `x[0]`: the element, a NumPy scalar
            elif operand is not None and self.zero_d_kind(operand) != "scalar":
                kind, root = "view", self._zero_d_root(operand)
            else:
                kind, root = "array", None  # (a view of a NumPy scalar is a new 0-d array)
        elif prim in _ARRAYS or prim == "copy" and (params or {}).get("scalar"):
            kind, root = "array", None  # (`np.array(v)`, `np.copy(v)` of any rank-0 v: a new 0-d array)
        elif prim in _SAME_AS_OPERAND and operand is not None:
            kind, root = ("scalar" if self.zero_d_kind(operand) == "scalar" else "array"), None
        elif prim == "stop_gradient" and operand is not None and self.zero_d_kind(operand) not in ("scalar", "unknown"):
            kind, root = "view", self._zero_d_root(operand)  # (Python's stop_gradient returns the object itself)
        elif prim in _UNKNOWN:
            return
        else:
            kind, root = "scalar", None
        self._zero_d[id(out)] = (out, kind, root, ())

    def zero_d_kind(self, value: Var) -> str:
        """"scalar", "array", "view", "param" (a rank-0 parameter, or a value that may be one and is never a 0-d
        array the kernel made), or "unknown" (taken as a scalar)."""
        entry = self._zero_d.get(id(value))
        if entry is not None and entry[0] is value:
            return entry[1]
        if id(value) in self._param_leaves and value.type.shape == () and not value.type.weak:
            return "param"
        return "unknown"

    def _zero_d_params(self, value: Var) -> tuple:
        """The rank-0 parameters `value` may be (its kind is "param")."""
        entry = self._zero_d.get(id(value))
        if entry is not None and entry[0] is value:
            return entry[3] if len(entry) > 3 else ()
        return (value,) if id(value) in self._param_leaves else ()

    def join_zero_d(self, out: Var, sources) -> None:
        """A loop slot, a branch merge or a loop result `out` holds one of `sources` (see the module docstring)."""
        if out.type.shape != () or out.type.weak:
            return
        kinds = [self.zero_d_kind(v) if isinstance(v, Var) else "scalar" for v in sources]
        entry = self._zero_d.get(id(out))
        if entry is not None and entry[0] is out:  # (a back edge widens what the slot holds on entry)
            kinds.append(entry[1])
        params = tuple({id(p): p for v in sources if isinstance(v, Var) and self.zero_d_kind(v) == "param"
                        for p in self._zero_d_params(v)}.values())
        if entry is not None and entry[0] is out and entry[1] == "param":
            params = tuple({id(p): p for p in params + entry[3]}.values())
        if "view" in kinds:
            view = next(v for v in sources if isinstance(v, Var) and self.zero_d_kind(v) == "view")
            self._zero_d[id(out)] = (out, "view", self._zero_d_root(view), ())
        elif "array" in kinds:  # ("maybe": a NumPy scalar on some path)
            maybe = any(k != "array" for k in kinds) or any(self.zero_d_maybe(v) for v in sources if isinstance(v, Var))
            self._zero_d[id(out)] = (out, "array", None, ("maybe",) if maybe else ())
        elif "param" in kinds:
            self._zero_d[id(out)] = (out, "param", None, params)
        else:
            self._zero_d[id(out)] = (out, "scalar", None, ())

    def zero_d_back_edges(self, slot_of: dict, body_env: dict, names: list) -> dict:
        """The rank-0 slots an iteration ends with a value of another kind (a 0-d array, a parameter) than the
        slot holds on entry: {name: the value}, for the next attempt's slots (`widen_zero_d_slots`)."""
        wider = {}
        order = ("unknown", "scalar", "param", "array", "view")
        for name in names:
            slot, out = slot_of.get(name), body_env.get(name)
            if isinstance(slot, Var) and isinstance(out, Var) and slot.type.shape == () and not slot.type.weak and \
                    order.index(self.zero_d_kind(out)) > order.index(self.zero_d_kind(slot)):
                wider[name] = out
        return wider

    def widen_zero_d_slots(self, slot_of: dict, wider: dict) -> None:
        for name, out in wider.items():
            if name in slot_of:
                self.join_zero_d(slot_of[name], (out,))

    def keep_zero_d(self, current: Var, result) -> None:
        """After `name <op>= v` on `current`: a 0-d array stays that array (the update was in place), a parameter
        stays what its caller passed."""
        kind = self.zero_d_kind(current)
        if isinstance(result, Var) and kind in ("array", "param") and result.type.shape == ():
            self._zero_d[id(result)] = (result, kind, None, self._zero_d_params(current) if kind == "param" else
                                        ("maybe",) if self.zero_d_maybe(current) else ())

    def note_asarray_of_param(self, made: Var, param: Var) -> None:
        """`made = np.asarray(p)` of a rank-0 parameter: a new 0-d array for a scalar argument, the argument itself
        for a 0-d array; an in-place update of `made` is then also one of `p` (`_check_asarray_origin`)."""
        self._zero_d[id(made)] = (made, "array", None, ("asarray_of",) + self._zero_d_params(param))

    def _check_asarray_origin(self, name: str, value: Var, env: dict, loc) -> None:
        """An update of `np.asarray(p)`: for a 0-d array argument it is the argument itself, so it is checked as an
        update of `p` is (another name holding `p` and read afterwards refuses a 0-d array argument at entry)."""
        entry = self._zero_d.get(id(value))
        if entry is not None and entry[0] is value and entry[3][:1] == ("asarray_of",):
            for param in entry[3][1:]:
                self._check_scalar_parameters(name, param, env, loc)

    def zero_d_maybe(self, value: Var) -> bool:
        """Is `value` (of kind "array") a 0-d array on some paths only (a merge with a NumPy scalar)?"""
        entry = self._zero_d.get(id(value))
        return entry is not None and entry[0] is value and entry[1] == "array" and entry[3] == ("maybe",)

    def _zero_d_root(self, value: Var) -> Var:
        entry = self._zero_d.get(id(value))
        if entry is not None and entry[0] is value and entry[1] == "view":
            return entry[2]
        return self._view_root.get(id(value), value)

    def check_zero_d_update(self, node: cst.CSTNode, name: str, current: Var, env: dict) -> None:
        """Before `name <op>= v` rebinds the rank-0 value `current`: refuse where Python would update an array
        another name sees (see the module docstring)."""
        if current.type.shape != () or current.type.weak:
            return
        kind = self.zero_d_kind(current)
        if kind == "scalar":
            return
        if kind == "view":
            raise self.error(node, f"`{name}` is a 0-d view into another array (as `x[0, ...]`, a reshape or squeeze "
                             "to shape () give): NumPy's in-place update writes into that array",
                             "update the array itself (`x[0] += v`), or take the element (`x[0]`, a NumPy scalar) if "
                             "a separate value is meant")
        line = self.locate(node).line
        if kind == "array":
            self._check_asarray_origin(name, current, env, self.locate(node))
            self._stale_holders(name, current, env, line, kind)
            self.stale_zero_d_views([current], env, line, name)
        elif kind == "param":
            self._check_scalar_parameters(name, current, env, self.locate(node))

    def check_zero_d_loop_entry(self, body: cst.CSTNode, env: dict, loc) -> None:
        """Before a loop whose body updates rank-0 names in place: the other holders, on entry, of a value that may
        be a 0-d array are stale (the loop's slot is a new value, so the check at the update does not see them)."""
        for name in _augmented_names(body):
            current = env.get(name)
            if isinstance(current, Var) and current.type.shape == () and not current.type.weak:
                kind = self.zero_d_kind(current)
                if kind == "array":
                    self._check_asarray_origin(name, current, env, loc)
                    self._stale_holders(name, current, env, loc.line if loc is not None else 0, kind)
                    self.stale_zero_d_views([current], env, loc.line if loc is not None else 0, name)
                elif kind == "param":
                    self._check_scalar_parameters(name, current, env, loc)

    def _check_scalar_parameters(self, name: str, value: Var, env: dict, loc) -> None:
        """`name <op>= v` on a value that may be a rank-0 parameter: every other argument is checked at entry not to
        share its memory (argument_sharing.py); where another name (or a 0-d view) holds it, a 0-d array argument
        is refused at entry (the module docstring)."""
        params = self._zero_d_params(value)
        for param in params:
            self._updated_params.setdefault(id(param), loc)
        held = [(other, names[other]) for names, other in self._other_holders(name, value, env)]
        held += [(other, v) for names in self._live_envs(env) for other, v in names.items()
                 if isinstance(v, Var) and self.zero_d_kind(v) == "view" and self._zero_d[id(v)][2] is value]
        for other, bound in held:  # checked once such a name is read while it still holds that value
            self._zero_d_watch.setdefault(other, []).append((bound, params, loc))

    def note_zero_d_read(self, name: str, value) -> None:
        """A name is read: where it still holds a rank-0 parameter's value (or a 0-d view of it) that the kernel
        updated in place since, a 0-d array argument would give another number: refused at entry."""
        for bound, params, loc in self._zero_d_watch.get(name, ()):
            if bound is value:
                for param in params:
                    self._zero_d_checked.setdefault(id(param), (param, loc))

    def _stale_holders(self, name: str, value: Var, env: dict, line: int, kind: str) -> None:
        why = "made by np.zeros(()) or a kin" if kind == "array" else "a parameter, or a value a loop or branch merged"
        for names, other in self._other_holders(name, value, env):
            names[other] = Stale(name, line, f"it holds the same rank-0 value, which may be a 0-d array ({why}): "
                                 "an in-place update changes that array, a NumPy scalar's or number's is a new value")

    def stale_zero_d_views(self, updated: list, env: dict, line: int, writer: str) -> None:
        """After the arrays `updated` were updated in place: names holding a 0-d view into one of them are stale
        (their element changed; reading them is a located error)."""
        roots = {id(self._view_root.get(id(u), u)) for u in updated if isinstance(u, Var)} | \
            {id(u) for u in updated if isinstance(u, Var)}
        for names in self._live_envs(env):
            for other, value in list(names.items()):
                if isinstance(value, Var) and self.zero_d_kind(value) == "view" and \
                        id(self._zero_d[id(value)][2]) in roots:
                    names[other] = Stale(writer, line, "it is a 0-d view into that array; its element changed")

    def _other_holders(self, name: str, value: Var, env: dict) -> list[tuple[dict, str]]:
        """The other names holding `value`: in this function's frames (a branch's or loop's names are a copy of its
        own, so `name` itself there is not another), and any name of a caller's frame (`g(a)` whose `g` updates its
        parameter `a`: the caller's `a` is the same object)."""
        callers, own = set(), set()
        for call in self._calls:
            frame = call.frame
            while frame is not None:
                callers.add(id(frame.env))
                frame = frame.parent
        frame = self._frame
        while frame is not None:
            own.add(id(frame.env))
            frame = frame.parent
        found = []
        for names in self._live_envs(env):
            same_name_counts = id(names) in callers and id(names) not in own and names is not env
            for other, bound in names.items():
                if (other != name or same_name_counts) and not other.startswith("<") and _holds(bound, value):
                    found.append((names, other))
        return found


def _holds(bound, value: Var) -> bool:
    if bound is value:
        return True
    if isinstance(bound, tuple):
        return any(_holds(item, value) for item in bound)
    if isinstance(bound, ListValue):
        return any(_holds(item, value) for item in bound.items)
    if isinstance(bound, DictValue):
        return any(_holds(item, value) for item in bound.items.values())
    return False


def _augmented_names(body: cst.CSTNode) -> list[str]:
    found: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name) and node.target.value not in found:
                found.append(node.target.value)

        def visit_FunctionDef(self, node) -> bool:  # (a nested function's names are its own)
            return False

    body.visit(Visitor())
    return found
