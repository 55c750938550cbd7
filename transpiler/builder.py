"""Emitting IR: a builder that appends type-checked equations, and symbolic values for writing rules.

Derivative rules are ordinary Python over `Sym` values (`g * (1.0 - y * y)`); each operation appends one
equation through the builder, with its type inferred and trivial algebra (`x * 1.0`, constant arithmetic)
simplified away, so rules read like the maths and emit the code a person would write.
"""
from __future__ import annotations

import dataclasses
import keyword
import math
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from .ir.dims import clamp_of, is_derived, names_in, poly_of, render, scale, solve_for, var_name
from .ir.types import ShapeError, TensorType, is_unknown
from .errors import SourceLoc, TranspileError
from .ir.source import merge_errstate
from .ir import Atom, Const, Eqn, Function, Var, all_defined, const  # const: re-exported for rules
from .inline import inline_function
from .primitives.indexing.items import RUN_TIME_LENGTHS
from .primitives.registry import lookup


class NameScope:
    """Hands out names unique within one generated function, following the hints it is given."""

    def __init__(self, taken: Iterable[str] = ()):
        self.taken = set(taken)

    def fresh(self, hint: str) -> str:
        """A new name from `hint`; never a Python keyword, which derived names can spell (`d` + `el`, `t` + `ry`)."""
        hint = hint or "t"
        if hint not in self.taken and not keyword.iskeyword(hint):
            self.taken.add(hint)
            return hint
        base = re.sub(r"_\d+$", "", hint) or hint  # dx_1 taken: try dx_2, not dx_1_1
        k = 1
        while f"{base}_{k}" in self.taken:
            k += 1
        self.taken.add(f"{base}_{k}")
        return f"{base}_{k}"


class Builder:
    """Appends equations to a body; also knows where each named dimension can be read at run time."""

    def __init__(self, scope: NameScope, dim_sources: dict[str, tuple[Var, int]] | None = None):
        self.scope = scope
        self.eqns: list[Eqn] = []
        self.prologue: list[Eqn] = []
        self.loc: SourceLoc | None = None
        self.errstate: tuple = ()  # the `np.errstate` modes of the code being lowered (SourceLoc.errstate)
        self.note: str | None = None
        self.dim_sources = dict(dim_sources or {})
        self.dim_vars: dict[str, Var] = {}
        self.definitions: dict[int, Eqn] = {}
        self.computed: dict[tuple, Var] = {}  # common subexpressions: (primitive, args, params) -> value
        self.run_time_lengths: dict[tuple, tuple] = {}  # (indexing/items.py: slices, masks)
        # Reuse values (common subexpressions, `x * 1.0` -> `x`): off for user code, where every expression
        # makes a new array that `a[i] = v` may update in place without touching another name's array.
        self.reuse = True

    # -- equations -----------------------------------------------------------------------------------------
    def bind(self, prim_name: str, args: Iterable[Atom], params: dict[str, Any] | None = None,
             name: str | None = None) -> Atom:
        prim = lookup(prim_name)
        args = tuple(args)
        params = dict(params or {})
        out_type = self._infer(prim, args, params)
        folded = self._fold(prim, args, params, out_type)
        if folded is not None:
            return folded
        in_place = prim.extra.get("in_place", False)
        key = self._cse_key(prim_name, args, params) if self.reuse and _reusable(prim) else None
        if key is not None and key in self.computed:  # the same value was computed before: reuse it
            return self.computed[key]
        if in_place:  # the result takes over its first argument's storage and name
            out = Var(args[0].name, out_type)
            self.computed = {k: v for k, v in self.computed.items() if v is not args[0]}
        else:
            out = Var(self.scope.fresh(name or prim.temp_name), out_type, temporary=name is None)
        self.emit(Eqn(prim, args, params, (out,), self.loc))
        if key is not None:
            self.computed[key] = out
        return out

    def bind_into(self, prim_name: str, args: Iterable[Atom], params: dict[str, Any], target: Var) -> Var:
        """`target = prim_name(*args)`: an equation writing a value that already exists (a pass that rewrites how
        a value is computed keeps the value its readers hold); its rule must give the target's dtype and rank."""
        prim = lookup(prim_name)
        args = tuple(args)
        out_type = self._infer(prim, args, dict(params))
        if out_type.dtype != target.type.dtype or out_type.rank != target.type.rank:
            raise TranspileError(f"internal: `{prim_name}` gives {out_type}, not {target.type}", self.loc)
        self.emit(Eqn(prim, args, dict(params), (target,), self.loc))
        return target

    def _infer(self, prim, args: tuple, params: dict):
        """The result type by the primitive's rule; a shape error located at the statement being built. A getitem's
        rule sees the atoms, so that slices by the same run-time bounds, and selections by one mask, get one
        unknown length."""
        token = RUN_TIME_LENGTHS.set((self.run_time_lengths, args)) if prim.name == "getitem" else None
        try:
            return prim.infer([a.type for a in args], params)
        except ShapeError as exc:
            raise TranspileError(str(exc), self.loc, exc.hint) from None
        finally:
            if token is not None:
                RUN_TIME_LENGTHS.reset(token)

    def inline(self, fn: Function, args: list[Atom]):
        """Emit `fn`'s body here with its parameters bound to `args` (a kernel call, a `custom_vjp` rule)."""
        return inline_function(self, fn, args)

    def emit(self, stmt) -> None:
        """Append an equation or a compound statement (`If`, `Loop`) to the current block."""
        if self.note is not None:
            stmt.note, self.note = self.note, None
        if self.errstate and stmt.loc is not None:  # (an inlined callee's own `np.errstate` modes win)
            stmt.loc = dataclasses.replace(stmt.loc, errstate=merge_errstate(self.errstate, stmt.loc.errstate))
        self.eqns.append(stmt)
        if not isinstance(stmt, Eqn):
            return
        for out in stmt.outs:
            self.definitions[id(out)] = stmt
        if _reusable(stmt.prim):
            self.computed.setdefault(self._cse_key(stmt.prim.name, stmt.args, stmt.params), stmt.outs[0])

    def _cse_key(self, prim_name: str, args: tuple, params: dict) -> tuple:
        """A value computed under other `np.errstate` modes is not reused: its warnings are not this code's."""
        key = _cse_key(prim_name, args, params)
        return key + (self.errstate,) if self.errstate else key

    @contextmanager
    def block(self) -> Iterator[list]:
        """Collect statements into a nested block (a branch or loop body); values computed inside it are
        not reused after it, since the block may not run."""
        with self.into([]) as eqns:
            yield eqns

    @contextmanager
    def into(self, block: list) -> Iterator[list]:
        """Append to a nested block built before (a branch's reverse, given the merged adjoints' last steps
        after both branches are reversed), scoped as `block()`: a size computed there (`n_minus_1`) is not
        read on the other branch, where it was never assigned."""
        saved_eqns, saved_computed, saved_note = self.eqns, dict(self.computed), self.note
        saved_dims, saved_definitions = dict(self.dim_vars), dict(self.definitions)
        self.eqns, self.note = block, None  # a pending note belongs to the statement that holds this block
        try:
            yield self.eqns
        finally:
            self.eqns, self.computed, self.note = saved_eqns, saved_computed, saved_note
            # what was computed inside is not looked through after it (`-v` folded into a later product would
            # read `v`, which may exist only in the block)
            self.definitions = saved_definitions
            # a size read inside the block (`size = t.shape[0]`) exists only there; the prologue's, everywhere
            top = {id(v) for eqn in self.prologue for v in eqn.outs}
            self.dim_vars = {k: v for k, v in self.dim_vars.items() if k in saved_dims or id(v) in top}

    def snapshot(self) -> tuple:
        """State to return to when a block is lowered again (a loop whose carried types widened)."""
        return (set(self.scope.taken), dict(self.computed), dict(self.dim_vars), list(self.prologue))

    def restore(self, state: tuple) -> None:
        taken, computed, dim_vars, prologue = state
        self.scope.taken, self.computed = set(taken), dict(computed)
        self.dim_vars, self.prologue = dict(dim_vars), list(prologue)

    def definition(self, atom: Atom) -> Eqn | None:
        return self.definitions.get(id(atom)) if isinstance(atom, Var) else None

    def rename(self, var: Var, name: str) -> None:
        """Give a compiler temporary a source-derived name (its temporary name is released)."""
        if var.temporary:
            self.scope.taken.discard(var.name)
        var.name = self.scope.fresh(name)
        var.temporary = False

    def _fold(self, prim, args, params, out_type) -> Atom | None:
        simplify = prim.extra.get("simplify")
        if simplify is not None and self.reuse:
            result = simplify(args, params, out_type, self)
            if result is not None:
                return result
        if prim.fold is not None and args and not (params or {}).get("spelled") and all(isinstance(a, Const) and not isinstance(a.value, Var) for a in args):
            _check_int_size([a.value for a in args], prim.name, self.loc)
            try:
                value = prim.fold(*[a.value for a in args], **params)
            except (ArithmeticError, ValueError) as exc:  # `1.0 / 0.0`, `0.0 ** -1`, `10.0 ** 400`: Python raises
                raise TranspileError(f"this operation on constants raises {type(exc).__name__} ({exc}) in Python "
                                     "wherever it runs", self.loc, "remove it, or test the operands first (Python "
                                     "raises here, a compiled kernel would compute inf or nan)") from None
            if isinstance(value, (bool, int, float)):
                _check_int_size([value], None, self.loc)
                result = const(value)
                return Const(result.value, result.type.with_shape(()) if not out_type.weak else result.type)
        return None

    # -- shapes as run-time values ---------------------------------------------------------------------------
    def dim(self, dim: Any, like: Var | None = None, axis: int | None = None) -> Atom:
        """An atom holding the size of a dimension: a literal, or a variable read once from a parameter."""
        if isinstance(dim, int):
            return const(dim)
        if dim in self.dim_vars:
            return self.dim_vars[dim]
        computed = self._derived_dim(dim)
        if computed is not None:
            return computed
        name = "size" if is_unknown(dim) else var_name(dim)
        if dim in self.dim_sources:  # named in a parameter's annotation: read once, at the top
            source, source_axis = self.dim_sources[dim]
            target = self.prologue
        elif like is not None and axis is not None:
            source, source_axis, target = like, axis, self.eqns
        else:
            raise TranspileError(f"the size of dimension {dim} is not known here", self.loc)
        var = Var(self.scope.fresh(name), TensorType("i64", (), weak=True, value=dim))  # a Python int
        target.append(Eqn(lookup("dim"), (source,), {"axis": source_axis}, (var,), None))
        self.dim_vars[dim] = var
        return var

    def _derived_dim(self, dim: Any) -> Atom | None:
        """A size computed from others: `n-1` or `2*h` from the parameters' `n` and `h` (preferred to reading
        it, so that sizes the annotations relate stay related in the code), or `h` from a parameter of length
        `2*h` as `size // 2`; None where neither works."""
        if is_unknown(dim):
            return None
        clamp = clamp_of(dim)
        if clamp is not None:  # a slice's length max(n-1, 0): the polynomial, then at least the clamp's low
            poly = render(clamp[1])
            inner = self.dim_vars.get(poly) or (self.dim(poly) if poly in self.dim_sources else
                                                self._derived_dim(poly))
            if inner is None:
                return None
            var = self.bind("size_at_least", [inner, const(clamp[2])])
            if isinstance(var, Var) and var.temporary:
                self.rename(var, var_name(dim))
        elif is_derived(dim):
            names = names_in(dim)
            if not all(n in self.dim_sources or n in self.dim_vars for n in names):
                return None
            var = self._polynomial(poly_of(dim), var_name(dim))
        elif dim not in self.dim_sources:
            solved = [(src, solve_for(src, dim)) for src in self.dim_sources if is_derived(src)]
            solved = [(src, s) for src, s in solved
                      if s is not None and all(n in self.dim_sources for t in s[1] for n in t)]
            if not solved:
                return None
            source, (coef, rest) = solved[0]
            var = self._polynomial(scale(rest, -1), None, start=self.dim(source))
            if coef != 1:
                var = self.bind("floor_divide", [var, const(coef)])
            if isinstance(var, Var) and var.temporary:
                self.rename(var, dim)
        else:
            return None
        if isinstance(var, Var):
            var.type = TensorType("i64", (), value=dim)
        self.dim_vars[dim] = var
        return var

    def _polynomial(self, poly: dict, name: str | None, start: Atom | None = None) -> Atom:
        """`2*h + i + 1` (added to `start`, if given) as equations over the size variables: terms in order, the
        integer last."""
        total = start
        for term in sorted((t for t in poly if t), key=lambda t: (t, len(t))) + ([()] if () in poly else []):
            coef = poly[term]
            value = None
            for dim_name in term:
                atom = self.dim(dim_name)
                value = atom if value is None else self.bind("multiply", [value, atom])
            magnitude = abs(coef) if total is not None else coef
            if value is None:
                value = const(magnitude)
            elif magnitude != 1:
                value = self.bind("multiply", [const(magnitude), value])
            if total is None:
                total = value
            else:
                total = self.bind("add" if coef > 0 else "subtract", [total, value])
        if total is None:
            return const(0)
        if name is not None and isinstance(total, Var) and total.temporary:
            self.rename(total, name)
        return total

    def shape_atoms(self, type: TensorType, like: Var | None = None) -> tuple[Atom, ...] | None:
        """The shape of `type` as atoms, or None where only the value itself can tell it."""
        if type.shape is None:
            return None
        atoms = []
        for axis, dim in enumerate(type.shape):
            if is_unknown(dim) and dim not in self.dim_sources and dim not in self.dim_vars:
                if like is None:
                    return None
                atoms.append(self.dim(dim, like, axis))
            else:
                atoms.append(self.dim(dim))
        return tuple(atoms)


def function_builder(fn: Function, extra_names: tuple[str, ...] = ()) -> Builder:
    """A builder for a function generated from `fn`: `fn`'s names taken, its dimensions readable."""
    scope = NameScope([p.name for p in fn.params] + [v.name for v in all_defined(fn.body)] + list(extra_names))
    dim_sources = {}
    for param in fn.params:
        for axis, dim in enumerate(param.type.shape or ()):
            if isinstance(dim, str):
                dim_sources.setdefault(dim, (param, axis))
    builder = Builder(scope, dim_sources)
    builder.dim_vars = {e.out.type.value: e.out for e in fn.body
                        if isinstance(e, Eqn) and e.prim.name == "dim" and e.args[0] in fn.params}
    return builder


_COMMUTATIVE = ("add", "multiply", "maximum", "minimum")


def _reusable(prim) -> bool:
    """Whether a second application to the same arguments may reuse the first's value. Not for what makes a
    new array on purpose (allocations, copies: callers update them in place), nor for in-place updates."""
    return not (prim.extra.get("in_place") or prim.extra.get("fresh") or prim.family in ("creation", "tape", "effect"))


def _cse_key(prim_name: str, args: tuple, params: dict) -> tuple:
    arg_keys = tuple(("v", id(a)) if isinstance(a, Var) else ("c", repr(a.value), a.type.dtype) for a in args)
    if prim_name in _COMMUTATIVE and not params:  # `t * x` is the `x * t` computed before
        arg_keys = tuple(sorted(arg_keys, key=repr))
    return (prim_name, arg_keys, repr(sorted(params.items())))


def _check_int_size(values: list, prim_name: str | None, loc) -> None:
    """A constant Python int the generated module could not hold: past Python's limit on the digits of an int
    written in decimal (sys.get_int_max_str_digits(): a module's literal of more digits does not compile, and the
    build's own int-to-string conversions raise). With `prim_name` "power", the operands of `a ** b` whose result
    would be that large, refused before computing it (`3 ** 40 ** 3`; `2 ** 10 ** 10` would not end)."""
    limit = sys.get_int_max_str_digits()
    if not limit:
        return
    bits = limit / math.log10(2)  # (an int of more bits may have more digits than the limit)
    ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if prim_name == "power" and len(ints) == 2 and ints[1] > 0 and abs(ints[0]) > 1:
        size = ints[1] * (abs(ints[0]).bit_length() - 1)
    elif prim_name is None and ints:
        size = abs(ints[0]).bit_length() - 1
    else:
        return
    if size >= bits:
        raise TranspileError(f"this constant is a Python int of more than {limit} digits, which the generated module "
                             "cannot hold (Python's limit on the digits of an int written in decimal, "
                             "sys.get_int_max_str_digits())", loc,
                             "compute it from a smaller constant at run time, or use a float (`3.0 ** 40`)")
