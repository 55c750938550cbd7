"""`np.unique` with its index outputs and NumPy 2's `unique_counts`, `unique_inverse` and `unique_all`, as NumPy
2.4's `_unique1d` (numpy/lib/_arraysetops_impl.py) computes them on the flattened array:

* with `return_index` or `return_inverse`, NumPy sorts through `perm = ar.argsort(kind=...)` ('mergesort', stable,
  where the indices are asked for; its default quicksort otherwise) and reads `aux = ar[perm]`: the values here are
  the same gather (`permute_along`, sort's derivatives), so which of two equal elements (0.0 and -0.0) is kept is
  NumPy's choice; without them `ar.sort()`, as plain `np.unique`;
* `mask` keeps the first of each run of equal sorted values: `aux[1:] != aux[:-1]`, NaNs after the first NaN
  dropped where `equal_nan=True` (each NaN its own value where False, as `unique_counts` and the others ask);
* the index is `perm[mask]`, the inverse `cumsum(mask) - 1` written at `perm` (read here through the inverse
  permutation, `argsort(perm)`), shaped as the input; the counts `diff` of the kept positions and the size.

Every output but the values is int64 (NumPy's intp) and carries no derivative. `axis=` (rows compared as
structured records) and `sorted=False` (NumPy 2.4's hash order) are refused, located. `np.unique_values(x)` is
NumPy's `unique(x, equal_nan=False, sorted=False)`: its hash table (`_unique_hash`) takes integers, in the table's
order (refused), and returns NotImplemented for floats and booleans, which take the sort path: `ar.sort()`, each
NaN its own value.
The set functions `np.union1d`, `np.intersect1d` (`return_indices` too), `np.setdiff1d` and `np.setxor1d` are
NumPy's compositions of `np.unique`, a concatenation, a sort and comparisons of neighbours (or np.isin's `==`);
their derivatives refuse, at run time, a value repeated where a move of one copy changes the result's length.
The NumPy 2 forms return a tuple in NumPy's order (`values, counts = np.unique_counts(x)`) whose fields are read by
name too (`np.unique_counts(x).counts`); a kernel that returns it whole returns a plain tuple, not NumPy's named one.
"""
from __future__ import annotations

from ..ir import Const
from .call_args import Emitter, arg, arity, static
from .nonzero import flat_positions
from .order_statistics import subscript
from .running_sums import as_array
from .searching import unique as plain_unique

class NamedResult(tuple):
    """A tuple of values whose fields are also read by name, as NumPy's named tuples (`UniqueAllResult`)."""
    fields: tuple[str, ...] = ()

    @classmethod
    def of(cls, values, fields: tuple[str, ...]) -> "NamedResult":
        result = cls(values)
        result.fields = fields
        return result


_KEYS = (("return_index", False), ("return_inverse", False), ("return_counts", False), ("axis", None),
         ("equal_nan", True), ("sorted", True))


def _flags(lowering, node, positional, keywords, name: str) -> dict:
    flags = {}
    for at, (key, default) in enumerate(_KEYS, start=1):
        value, where = arg(lowering, positional, keywords, at, key, node, Const(default, None))
        flags[key] = static(lowering, value, where, f"{name}'s `{key}`")
        if key in ("axis", "sorted") and flags[key] != default:
            raise lowering.error(where, f"{name}'s {key}={flags[key]!r} is not supported in kernels" + (
                ": NumPy compares rows as structured records" if key == "axis" else
                ": NumPy 2.4 returns the values in its hash table's order"),
                "np.unique(ar) of the flattened array" if key == "axis" else "leave sorted out")
        if key != "axis":
            flags[key] = bool(flags[key])  # (NumPy tests its truth)
    return flags


def _unique1d(lowering, node, builder, x, index: bool, inverse: bool, counts: bool, equal_nan: bool,
              tie_check: bool = True) -> tuple:
    emit = Emitter(lowering, node, builder)
    if x.type.rank is None:
        raise emit.error("np.unique needs the rank of its argument", 'annotate it, e.g. x: "f64[n]"')
    flat = x if x.type.rank == 1 else emit("reshape", x, -1)
    if index or inverse:
        perm = emit("argsort", flat, axis=0, **({"kind": "mergesort"} if index else {}))
        aux = emit("permute_along", flat, perm, axis=0)
    else:
        aux = emit("sort", flat, axis=0)
    if tie_check and aux.type.dtype in ("f32", "f64"):  # no derivative where two elements tie (sorting.py)
        aux = emit("distinct_sorted", aux, axis=0, where=str(lowering.locate(node)))
    ahead, behind = emit("getitem", aux, index=(slice(1, None),)), emit("getitem", aux, index=(slice(None, -1),))
    changes = emit("not_equal", ahead, behind)
    if equal_nan and aux.type.dtype in ("f32", "f64"):  # a NaN after a NaN is no new value
        changes = emit("logical_and", changes, emit("logical_not", emit("logical_and", emit("isnan", ahead),
                                                                        emit("isnan", behind))))
    first = emit("ones_like", emit("getitem", aux, index=(slice(None, 1),)), dtype="bool")
    mask = emit("concatenate", first, changes, axis=0)
    result = [subscript(emit, aux, [mask])]
    if index:
        result.append(subscript(emit, perm, [mask]))
    if inverse:
        imask = emit("subtract", emit("cumsum", mask, axis=0), 1)
        back = emit("permute_along", imask, emit("argsort", perm, axis=0, kind="stable"), axis=0)
        result.append(back if x.type.rank == 1 else emit("reshape", back, *emit.dims(x)))
    if counts:
        kept = flat_positions(emit, mask)
        size = emit("full", 1, emit.dims(mask)[0], dtype="i64")
        edges = emit("concatenate", kept, size, axis=0)
        result.append(emit("subtract", emit("getitem", edges, index=(slice(1, None),)),
                           emit("getitem", edges, index=(slice(None, -1),))))
    return tuple(result)


def unique(lowering, node, builder, positional, keywords):
    """`np.unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *, equal_nan=True,
    sorted=True)`."""
    arity(lowering, node, "np.unique", positional, keywords, 1, 5, tuple(key for key, _ in _KEYS),
          hint="np.unique(ar, return_index=False, return_inverse=False, return_counts=False)")
    flags = _flags(lowering, node, positional, keywords, "np.unique")
    if not (flags["return_index"] or flags["return_inverse"] or flags["return_counts"]) and flags["equal_nan"]:
        return plain_unique(lowering, node, builder, positional[:1], {})
    x = as_array(lowering, node, builder, positional[0])
    result = _unique1d(lowering, node, builder, x, flags["return_index"], flags["return_inverse"],
                       flags["return_counts"], flags["equal_nan"])
    return result[0] if len(result) == 1 else result


def unique_form(name: str, index: bool, inverse: bool, counts: bool, fields: tuple[str, ...]):
    """`np.unique_counts(x)` and the others: `np.unique` with those outputs and `equal_nan=False`."""
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{name}", positional, keywords, 1, 1, hint=f"np.{name}(x)")
        x = as_array(lowering, node, builder, positional[0])
        return NamedResult.of(_unique1d(lowering, node, builder, x, index, inverse, counts, False), fields)

    return handle


def unique_values(lowering, node, builder, positional, keywords):
    """`np.unique_values(x)` of floats or booleans: sorted, each NaN kept (NumPy's sort path, `equal_nan=False`)."""
    arity(lowering, node, "np.unique_values", positional, keywords, 1, 1, hint="np.unique_values(x)")
    x = as_array(lowering, node, builder, positional[0])
    if x.type.dtype not in ("f32", "f64", "bool"):
        raise lowering.error(node, f"np.unique_values of {x.type.dtype} is not supported in kernels: NumPy 2.4 "
                             "returns integers in its hash table's order (np.unique_values([3, 1, 2, 1, 7, -5]) "
                             "is [-5, 7, 2, 1, 3])", "np.unique(x): the same values, sorted")
    return _unique1d(lowering, node, builder, x, False, False, False, False)[0]


# --- the set functions of numpy/lib/_arraysetops_impl.py, written with np.unique as NumPy 2.4 writes them ---------
def _set_operands(lowering, node, builder, positional, keywords, name: str, extra: tuple = ()):
    arity(lowering, node, f"np.{name}", positional, keywords, 2, 2 + len(extra), extra)
    values = {}
    for at, key in enumerate(extra, start=2):
        value, where = arg(lowering, positional, keywords, at, key, node, Const(False, None))
        values[key] = bool(static(lowering, value, where, f"np.{name}'s `{key}`"))
    return [as_array(lowering, node, builder, value) for value in positional[:2]], values


def _flat(emit: Emitter, x):
    if x.type.rank is None:
        raise emit.error("this set function needs the rank of its arguments", 'annotate them, e.g. x: "f64[n]"')
    return x if x.type.rank == 1 else emit("reshape", x, -1)


def _sorted_unique(lowering, node, builder, x, name: str | None):
    """np.unique of a set function's operand; `name` (the set function) where a value repeated within it leaves the
    set function without a derivative (its derivatives refuse it at run time: primitives/sorting.py), None where
    such a repeat changes nothing (np.intersect1d's operands, np.setdiff1d's second)."""
    return plain_unique(lowering, node, builder, [x], {}, tie_check=name)


def _distinct(emit: Emitter, s, name: str, shared=None, other=None):
    """`s` whose derivatives refuse, at run time, two equal neighbours (or any True of `shared`, the mask of the
    values `s` shares with `other`, whose derivatives are checked too): a value shared by the set function's
    arguments (primitives/sorting.py `distinct_sorted`)."""
    if s.type.dtype not in ("f32", "f64"):
        return s
    where = str(emit.lowering.locate(emit.node))
    return emit("distinct_sorted", s, *([] if shared is None else [shared, other]), axis=0, where=where, name=name)


def union1d(lowering, node, builder, positional, keywords):
    """`np.union1d(ar1, ar2)`: `unique(np.concatenate((ar1, ar2), axis=None))`: no derivative where a value
    repeats in the concatenation (a move of one splits it into two values)."""
    (a, b), _ = _set_operands(lowering, node, builder, positional, keywords, "union1d")
    emit = Emitter(lowering, node, builder)
    return _sorted_unique(lowering, node, builder, emit("concatenate", _flat(emit, a), _flat(emit, b), axis=0),
                          "np.union1d")


def _neighbours(emit: Emitter, s):
    return emit("getitem", s, index=(slice(1, None),)), emit("getitem", s, index=(slice(None, -1),))


def intersect1d(lowering, node, builder, positional, keywords):
    """`np.intersect1d(ar1, ar2, assume_unique=False, return_indices=False)`: the sorted concatenation of the two
    unique arrays read where a value equals its successor (`aux[:-1][aux[1:] == aux[:-1]]`); with
    `return_indices`, NumPy's stable argsort of the concatenation and the first occurrences' positions
    (`np.unique(ar, return_index=True)`). Every value it keeps is shared by the two arguments, so a move of one
    of its copies drops it: a derivative only where the result is empty (checked at run time on `aux`)."""
    (a, b), flags = _set_operands(lowering, node, builder, positional, keywords, "intersect1d",
                                  ("assume_unique", "return_indices"))
    emit = Emitter(lowering, node, builder)
    indices = flags["return_indices"]
    if flags["assume_unique"]:
        a, b = _flat(emit, a), _flat(emit, b)
    elif indices:
        (a, first_a), (b, first_b) = (_unique1d(lowering, node, builder, x, True, False, False, True, False)
                                      for x in (a, b))
    else:
        a, b = _sorted_unique(lowering, node, builder, a, None), _sorted_unique(lowering, node, builder, b, None)
    both = emit("concatenate", a, b, axis=0)
    if indices:
        order = emit("argsort", both, axis=0, kind="mergesort")
        aux = emit("permute_along", both, order, axis=0)
    else:
        aux = emit("sort", both, axis=0)
    ahead, behind = _neighbours(emit, _distinct(emit, aux, "np.intersect1d"))
    mask = emit("equal", ahead, behind)
    values = subscript(emit, behind, [mask])
    if not indices:
        return values
    later, earlier = _neighbours(emit, order)
    in_a = subscript(emit, earlier, [mask])
    in_b = emit("subtract", subscript(emit, later, [mask]), emit.dims(a)[0])
    if not flags["assume_unique"]:
        in_a, in_b = subscript(emit, first_a, [in_a]), subscript(emit, first_b, [in_b])
    return values, in_a, in_b


def setdiff1d(lowering, node, builder, positional, keywords):
    """`np.setdiff1d(ar1, ar2, assume_unique=False)`: `ar1[~isin(ar1, ar2)]` of the unique arrays (`==`: NaN is
    in nothing, -0.0 is 0.0, as np.isin). No derivative where a value repeats in `ar1` (unless `assume_unique`:
    each copy is then kept or dropped on its own) or is shared with `ar2` (a move of one copy makes it appear)."""
    (a, b), flags = _set_operands(lowering, node, builder, positional, keywords, "setdiff1d", ("assume_unique",))
    emit = Emitter(lowering, node, builder)
    if flags["assume_unique"]:
        a, b = _flat(emit, a), _flat(emit, b)
    else:
        a = _sorted_unique(lowering, node, builder, a, "np.setdiff1d")
        b = _sorted_unique(lowering, node, builder, b, None)
    shared = emit("isin", a, b)
    return subscript(emit, _distinct(emit, a, "np.setdiff1d", shared, b), [emit("logical_not", shared)])


def setxor1d(lowering, node, builder, positional, keywords):
    """`np.setxor1d(ar1, ar2, assume_unique=False)`: the sorted concatenation of the unique arrays kept where a
    value differs from both neighbours (NumPy's `flag[1:] & flag[:-1]`; empty for empty inputs). No derivative
    where a value repeats anywhere in the two (a move of one copy makes a new value appear)."""
    (a, b), flags = _set_operands(lowering, node, builder, positional, keywords, "setxor1d", ("assume_unique",))
    emit = Emitter(lowering, node, builder)
    if not flags["assume_unique"]:
        a = _sorted_unique(lowering, node, builder, a, "np.setxor1d")
        b = _sorted_unique(lowering, node, builder, b, "np.setxor1d")
    aux = _distinct(emit, emit("sort", emit("concatenate", _flat(emit, a), _flat(emit, b), axis=0), axis=0),
                    "np.setxor1d")
    ahead, behind = _neighbours(emit, aux)
    changes = emit("not_equal", ahead, behind)
    first = emit("ones_like", emit("getitem", aux, index=(slice(None, 1),)), dtype="bool")
    last = emit("ones_like", emit("getitem", aux, index=(slice(-1, None),)), dtype="bool")
    keep = emit("logical_and", emit("concatenate", first, changes, axis=0),
                emit("concatenate", changes, last, axis=0))
    return subscript(emit, aux, [keep])


FUNCTIONS = {
    "numpy.union1d": union1d, "numpy.intersect1d": intersect1d, "numpy.setdiff1d": setdiff1d,
    "numpy.setxor1d": setxor1d,
    "numpy.unique": unique, "numpy.unique_values": unique_values,
    "numpy.unique_counts": unique_form("unique_counts", False, False, True, ("values", "counts")),
    "numpy.unique_inverse": unique_form("unique_inverse", False, True, False, ("values", "inverse_indices")),
    "numpy.unique_all": unique_form("unique_all", True, True, True, ("values", "indices", "inverse_indices",
                                                                      "counts"))}
