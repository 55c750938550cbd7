"""Lowering `if`/`elif`/`else` and conditional expressions to `If` equations with explicit merges.

A name assigned in a branch becomes an output of the `If` (a merge of the two branch values); names holding
one array on both paths share one output, names sharing an array on one path only are ambiguous (see
normalize/alias.py); lists, tuples and dicts of one structure merge element by element.
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..errors import TranspileError
from ..ir import Atom, Const, If, Var
from ..ir.types import NUMPY_DTYPES, TensorType, fresh_dim, promote
from ..values import DictValue, ListValue, Stale, describe, is_container, is_function
from .alias import is_object
from .short_circuits import mark_truth_only


class Branches:
    """Mixed into `Lowering`: `if` statements and expressions. Relies on its `expr`, `lower_block`, `error`,
    `_atom`, `_root` and the aliasing tables."""

    # -- if ------------------------------------------------------------------------------------------------
    def _condition(self, test: cst.BaseExpression, builder: Builder, env: dict) -> Atom:
        mark_truth_only(self, test)
        value = self.expr(test, builder, env)
        truth = build_time_truth(value)
        if truth is not None:  # `if ax:` with ax=None, `if xs:` on a list of known length: decided here
            return const(truth)
        atom = self._atom(value, test)
        if atom.type.dtype != "bool" or atom.type.shape != ():
            raise self.error(test, f"a condition must be a boolean scalar, not {atom.type}",
                             "for an elementwise choice between arrays use np.where(cond, a, b)")
        return atom

    def _lower_if(self, node: cst.If, builder: Builder, env: dict) -> None:
        self.lower_exiting_if(node, [], builder, env)

    def lower_exiting_if(self, node: cst.If, rest: list, builder: Builder, env: dict) -> tuple | None:
        """An `if` followed by `rest`, the statements after it in the same block.

        `rest` is lowered at the end of each branch that falls through, so after a `return`, `break` or
        `continue` in one branch it runs only on the other. Returns the block's outcome (see lower_block)."""
        cond = self._condition(node.test, builder, env)
        orelse = node.orelse
        else_statements = [] if orelse is None else [orelse] if isinstance(orelse, cst.If) else list(orelse.body.body)
        if isinstance(cond, Const):  # known at build time: only one branch exists
            chosen = list(node.body.body) if cond.value else else_statements
            return self._nested(chosen + rest, builder, env)
        return self._split(cond, lambda e: self._nested(list(node.body.body) + rest, builder, e),
                           lambda e: self._nested(else_statements + rest, builder, e), builder, env)

    def _split(self, cond: Atom, lower_then, lower_else, builder: Builder, env: dict,
               one_sided: str = "this `if` returns on one path but not on the other") -> tuple | None:
        """An `if` on `cond` whose branches are lowered by `lower_then(env)` / `lower_else(env)`, each
        returning its outcome; merges what the branches assign (or return) and returns the outcome."""
        loc = builder.loc
        then_env, else_env = dict(env), dict(env)
        self._level += 1  # lists made before the `if` are not changed in a branch chosen at run time
        try:
            with builder.block() as then_body:
                then_outcome = lower_then(then_env)
            with builder.block() as else_body:
                else_outcome = lower_else(else_env)
        finally:
            self._level -= 1
        builder.loc = loc
        returns = [o for o in (then_outcome, else_outcome) if o is not None and o[0] == "return"]
        if returns and len(returns) != 2:
            raise TranspileError(one_sided, loc,
                                 "end every path through the kernel with `return`")
        if returns:  # the kernel ends inside both branches: they only need to agree on the result
            outs, then_results, else_results = self._merge_result(then_outcome[1], else_outcome[1], builder, loc)
            builder.emit(If(cond, then_body, else_body, tuple(outs), tuple(then_results), tuple(else_results), loc))
            return ("return", tuple(outs) if isinstance(then_outcome[1], tuple) else outs[0])
        outs, then_results, else_results = self._merge_envs(then_env, else_env, env, builder, loc)
        builder.emit(If(cond, then_body, else_body, tuple(outs), tuple(then_results), tuple(else_results), loc))
        return None

    def _merge_envs(self, then_env: dict, else_env: dict, env: dict, builder: Builder, loc):
        """Names whose values differ between two branches become outputs of the `if` (updating `env`). Names
        holding one array on both paths share one output; names sharing an array on one path only are
        ambiguous (see normalize/alias.py)."""
        outs, then_results, else_results = [], [], []
        names = assigned_in_order(then_env, else_env, env)
        then_env, else_env, names, containers, display = _containers_by_element(names, then_env, else_env, loc)
        pairs = self._split_sharing(names, then_env, else_env)
        split = {name for pair in pairs for name in pair}
        merged: dict[tuple, Var] = {}  # (then array, else array) -> the output several names share
        for name in names:
            a, b = then_env.get(name), else_env.get(name)
            if a is None or b is None:
                env.pop(name, None)  # assigned in one branch only: not defined after the `if`
                self._conditional_names[name] = loc
                continue
            if a is b:
                env[name] = a  # the same value on both paths (possibly a name new to this block)
                continue
            if isinstance(a, Stale) or isinstance(b, Stale):
                env[name] = a if isinstance(a, Stale) else b  # unknown on one path: unknown after
                continue
            if not isinstance(a, (Var, Const)) or not isinstance(b, (Var, Const)):
                what = describe(a if not isinstance(a, (Var, Const)) else b)
                raise TranspileError(f"`{name}` holds {what} that differs between the branches of an `if` decided at "
                                     "run time; only arrays can differ between branches", loc,
                                     "bind the same list, dict or function on both paths, and let only arrays differ")
            key = (id(a), id(b))
            if is_object(a) and is_object(b) and key in merged:
                env[name] = merged[key]
                continue
            out = Var(builder.scope.fresh(display.get(name, display_name(name))),
                      self._merge_type(display.get(name, name), a.type, b.type, loc))
            self._named.add(id(out))
            self._share_like(out, (a, b))
            if self._view_root.get(id(out)) is not None and not (
                    self._root(a) is self._root(b) and a is not self._root(a) and b is not self._root(b)):
                split.add(name)  # a view on one path, another array (or a view of one) on the other
            merged[key] = out
            outs.append(out)
            then_results.append(a)
            else_results.append(b)
            env[name] = out
        for n, m in pairs:  # each may or may not share the other's array: not their branch values with each other
            self.mark_ambiguous([env.get(n), env.get(m)], loc, "`if`")
        for n in split - {name for pair in pairs for name in pair}:  # a view on one path only
            self.mark_ambiguous([env.get(n)] + [self._root(v) for v in (then_env.get(n), else_env.get(n))
                                                if is_object(v)], loc, "`if`")
        rebuilt: dict = {}  # one merged list for names holding the same list on both paths
        for name, (key, rebuild, keys) in containers.items():
            if key not in rebuilt:
                rebuilt[key] = rebuild([env[k] for k in keys], self._level)
            env[name] = rebuilt[key]
        for name in display:
            env.pop(name, None)
        return outs, then_results, else_results

    def _split_sharing(self, names: list, then_env: dict, else_env: dict) -> set:
        """Pairs of names that share an array (or one looks into the other's) on one path but not on the other."""
        objects = [n for n in names if is_object(then_env.get(n)) and is_object(else_env.get(n))]
        pairs = set()
        for i, n in enumerate(objects):
            for m in objects[i + 1:]:
                if (self._root(then_env[n]) is self._root(then_env[m])) != \
                        (self._root(else_env[n]) is self._root(else_env[m])):
                    pairs.add((n, m))
        return pairs

    def _share_like(self, value: Var, sources) -> None:
        """A loop slot or a branch merge holds the array of any of `sources`: it is a view, a parameter, a
        borrowed or an ambiguous array as they are, so an update through it is refused or copies first. (A rank-0
        one may be a 0-d array or a parameter as they may: zero_d.py.)"""
        self.join_zero_d(value, sources)
        for source in sources:
            if not isinstance(source, Var):
                continue
            if is_object(source):
                self._may_hold.setdefault(id(value), []).append(source)
            if id(source) in self._view_root:
                self._view_root.setdefault(id(value), self._view_root[id(source)])
            if id(source) in self._own_params:
                self._own_params.add(id(value))
            if id(source) in self._entry_sharing:  # a slot whose first array a name the loop does not carry holds
                self._entry_sharing.add(id(value))
            for call in self._calls:
                if id(source) in call.borrowed:
                    call.borrowed.add(id(value))
            if id(source) in self._ambiguous:
                partners, where = self._ambiguous[id(source)]
                self._ambiguous[id(value)] = (self._ambiguous.get(id(value), (set(), None))[0] | partners, where)
                # `value` holds the array `source` holds: whatever may share an array with `source` may share
                # one with `value` (the partners' own sets name `source`, not `value`: see Aliasing._with_successors)
                self._successors.setdefault(id(source), set()).add(id(value))

    def _guarded(self, cond: Atom, lower_then, lower_else, builder: Builder, env: dict, loc) -> None:
        """`if cond: <lower_then> else: <lower_else>` for compiler-made conditions (loop running flags)."""
        if isinstance(cond, Const):
            (lower_then if cond.value else lower_else)(env)
            return
        builder.loc = loc
        self._split(cond, lower_then, lower_else, builder, env)

    def _merge_result(self, a, b, builder: Builder, loc):
        """Merge what two branches return: one value, or tuples of the same length, element by element."""
        items_a = a if isinstance(a, tuple) else (a,)
        items_b = b if isinstance(b, tuple) else (b,)
        if len(items_a) != len(items_b):
            raise TranspileError(f"the branches return tuples of different lengths ({len(items_a)} and "
                                 f"{len(items_b)}): a kernel's result has one structure on every path", loc,
                                 "return as many values on every path (a placeholder the caller ignores, e.g. "
                                 "np.nan or 0.0, where a path has nothing to give), or split the kernel in two")
        outs = []
        for x, y in zip(items_a, items_b):
            if not isinstance(x, (Var, Const)) or not isinstance(y, (Var, Const)):
                raise TranspileError("a kernel must return arrays (or a flat tuple of arrays)", loc)
            out = Var(builder.scope.fresh("result"), self._merge_type("the result", x.type, y.type, loc))
            self._named.add(id(out))
            outs.append(out)
        return outs, list(items_a), list(items_b)

    def _expr_IfExp(self, node: cst.IfExp, builder: Builder, env: dict):
        """`a if cond else b`: only the chosen side is evaluated, as in Python."""
        cond = self._condition(node.test, builder, env)
        if isinstance(cond, Const):
            return self.expr(node.body if cond.value else node.orelse, builder, env)
        loc = builder.loc
        self._level += 1
        try:
            with builder.block() as then_body:
                a = self._chosen(self.expr(node.body, builder, env), node.body)
            with builder.block() as else_body:
                b = self._chosen(self.expr(node.orelse, builder, env), node.orelse)
        finally:
            self._level -= 1
        builder.loc = loc
        return self.choose(cond, (then_body, a), (else_body, b), builder, "the conditional expression")

    def choose(self, cond: Atom, then: tuple, other: tuple, builder: Builder, what: str, name: str = "choice") -> Var:
        """The value of `then` or of `other` (each: the statements computing it, and it), as `cond` decides at run
        time: Python's own object, so its dtype is the side's (a Python number on one side is a merge the C
        target and vmap check, analysis/python_numbers.py)."""
        (then_body, a), (else_body, b) = then, other
        out = Var(builder.scope.fresh(name), self._merge_type(what, a.type, b.type, builder.loc), temporary=True)
        self.join_zero_d(out, (a, b))  # (Python's object: a 0-d array on one side is one after)
        builder.emit(If(cond, then_body, else_body, (out,), (a,), (b,), builder.loc))
        return out

    def _chosen(self, value, node) -> Atom:
        """A side of a conditional expression decided at run time: it must be an array."""
        if not isinstance(value, (Var, Const)):
            raise self.error(node, f"{describe(value)} chosen by a condition known only at run time cannot be resolved "
                             "at build time: only arrays can be chosen at run time",
                             "choose with a condition known at build time, or call both and choose the results")
        return value

    def _nested(self, statements: list, builder: Builder, env: dict) -> tuple | None:
        self._block_depth += 1
        try:
            return self.lower_block(statements, builder, env)
        finally:
            self._block_depth -= 1

    def _merge_type(self, name: str, a: TensorType, b: TensorType, loc) -> TensorType:
        if a.dtype == "none" or b.dtype == "none":  # a loop's result slot before anything was returned
            return b if a.dtype == "none" else a
        if a.shape is not None and b.shape is not None and len(a.shape) != len(b.shape):
            raise TranspileError(
                f"`{name}` has rank {len(a.shape)} ({a}) on one path and rank {len(b.shape)} ({b}) on another",
                loc, "give it the same shape on every path, e.g. np.zeros_like(x) instead of 0.0")
        if (a.dtype == "bool") != (b.dtype == "bool"):
            raise TranspileError(f"`{name}` is boolean on one path and numeric on another", loc,
                                 "give it one dtype on every path, e.g. `mask * 1` or `np.where(mask, 1.0, 0.0)`")
        if a.dtype != b.dtype and a.is_float != b.is_float:  # `v = 0` and `v = 0.5`: an int or a float
            raise TranspileError(
                f"`{name}` is {'a float' if a.is_float else 'an integer'} on one path and "
                f"{'a float' if b.is_float else 'an integer'} on another", loc,
                "give it one kind on every path: write `0.0` for a float zero, or convert with `* 1.0`")
        if a.dtype != b.dtype and not (a.weak or b.weak):
            # Python keeps the dtype of the path taken; no one static dtype is right on both
            raise TranspileError(
                f"`{name}` is {NUMPY_DTYPES[a.dtype]} on one path and {NUMPY_DTYPES[b.dtype]} on another", loc,
                f"give it one dtype on every path, e.g. `.astype(np.{NUMPY_DTYPES[promote([a, b])]})` on the other")
        dtype = promote([a, b])
        if a.shape is None or b.shape is None:
            return TensorType(dtype, None)
        shape = tuple(x if x == y else fresh_dim() for x, y in zip(a.shape, b.shape))
        return TensorType(dtype, shape, weak=a.weak and b.weak)


def assigned_in_order(*envs: dict) -> list[str]:
    names: dict[str, None] = {}
    for env in envs:
        names.update(dict.fromkeys(env))
    return list(names)


def _containers_by_element(names: list, then_env: dict, else_env: dict, loc):
    """Lists, tuples and dicts that differ between two branches but have one structure (lengths, keys) are
    merged element by element, like names: each element becomes a pseudo-name (`<xs[0]>`) of both envs, so the
    sharing checks see it, and `containers` says how to rebuild the merged value from the merged elements. A
    structure that differs is refused."""
    then_env, else_env = dict(then_env), dict(else_env)
    out_names, containers, display = [], {}, {}
    for name in names:
        a, b = then_env.get(name), else_env.get(name)
        if isinstance(a, (str, int, float)) and type(a) is type(b) and a == b:  # one string on both paths
            else_env[name] = a
        if a is None or b is None or a is b or not (is_container(a) and is_container(b)):
            out_names.append(name)
            continue
        pairs, rebuild = _pair_leaves(name, a, b, loc)
        keys = []
        for path, (x, y) in pairs:
            key = f"<{name}{path}>"
            then_env[key], else_env[key] = x, y
            display[key] = name + "".join(c if c.isalnum() else "_" for c in path).rstrip("_").replace("__", "_")
            keys.append(key)
            out_names.append(key)
        containers[name] = ((id(a), id(b)), rebuild, keys)
    return then_env, else_env, out_names, containers, display


def _pair_leaves(name: str, a, b, loc, path: str = ""):
    """[(path, (leaf of a, leaf of b))] over two values of one structure, and how to rebuild the structure from
    merged leaves (a function of the leaves and the block level)."""
    if is_container(a) and is_container(b) and type(a) is type(b):
        if isinstance(a, DictValue):
            keys_a, keys_b = list(a.items), list(b.items)
            if keys_a != keys_b:
                raise TranspileError(f"`{name}{path}` holds dicts with different keys on the branches of an `if` "
                                     f"decided at run time ({keys_a} and {keys_b})", loc,
                                     "give the dict the same keys on both paths")
            items_a, items_b, labels = list(a.items.values()), list(b.items.values()), [f"[{k!r}]" for k in keys_a]
        else:
            items_a, items_b = (list(a.items), list(b.items)) if isinstance(a, ListValue) else (list(a), list(b))
            if len(items_a) != len(items_b):
                raise TranspileError(f"`{name}{path}` holds {describe(a)} of length {len(items_a)} on one branch of "
                                     f"an `if` decided at run time and of length {len(items_b)} on the other", loc,
                                     "give it the same length on both paths (only its arrays may differ)")
            labels = [f"[{i}]" for i in range(len(items_a))]
        pairs, parts = [], []
        for x, y, label in zip(items_a, items_b, labels):
            inner, rebuild = _pair_leaves(name, x, y, loc, path + label)
            parts.append((len(inner), rebuild))
            pairs += inner

        def rebuild_container(leaves, level):
            values, start = [], 0
            for count, rebuild_part in parts:
                values.append(rebuild_part(leaves[start:start + count], level))
                start += count
            if isinstance(a, DictValue):
                return DictValue(dict(zip(a.items, values)), level)
            return ListValue(values, level) if isinstance(a, ListValue) else tuple(values)

        return pairs, rebuild_container
    same = a is b or (isinstance(a, (str, int, float)) and type(a) is type(b) and a == b)
    if isinstance(a, (Var, Const)) and isinstance(b, (Var, Const)) or same:
        return [(path, (a, a if same else b))], lambda leaves, level: leaves[0]
    raise TranspileError(f"`{name}{path}` holds {describe(a)} on one branch of an `if` decided at run time and "
                         f"{describe(b)} on the other", loc,
                         "bind the same list, dict or function on both paths, and let only arrays differ")


def display_name(key: str) -> str:
    """The variable name for an env key: compiler keys such as `<running0>` read as `running`."""
    return key.strip("<>").rstrip("0123456789") if key.startswith("<") else key


def build_time_truth(value) -> bool | None:
    """Python's truth of a value known at build time (None, a string, a list, tuple or dict, a function, a
    number literal); None for arrays and run-time scalars."""
    if value is None or isinstance(value, str):
        return bool(value)
    if isinstance(value, (ListValue, DictValue, tuple)):
        return bool(value.items if not isinstance(value, tuple) else value)
    if is_function(value):
        return True
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool) \
            and value.type.shape == ():
        return bool(value.value)
    return None
