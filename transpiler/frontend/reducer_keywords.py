"""Reductions with NumPy's keywords beyond `axis=`/`keepdims=` (`where=`, `initial=`, `dtype=`, `ddof=`), the
NaN-ignoring reductions (`np.nansum` ...) and `np.ptp`; of a 0-d array, the axis 0 or -1 NumPy's ufunc reductions
take (as none).

A plain call (`np.sum(x, axis=0)`) keeps the plain entry (primitives/reductions.py: fused on the C target); one
that names another keyword binds `masked_<name>` (primitives/masked_reductions.py), which renders NumPy's call with
the same keywords, so the result is NumPy's to the bit. `dtype=`, `initial=` and `ddof=` (or NumPy 2's
`correction=`, its other name) are build-time constants, `where=` a boolean array (or a literal) that broadcasts
against the input. Each may also be given by position after `axis`, in NumPy's order (`x.sum(0, np.int32)`); an
`out` of None is NumPy's default (another `out` is refused). np.var's and np.std's `mean=` is NumPy's `_var` written out (frontend/composed_functions.py).
"""
from __future__ import annotations

from ..ir import Const
from .array_literals import array_like
from .call_args import arity, dtype as _dtype, given, static, static_int
from .common_functions import by_keyword
from .running_sums import moments_with_mean
from .ufunc_handlers import bind_reduction

# NumPy's keywords of each function besides `axis=` and `keepdims=` (that kernels take: never `out=`)
KEYWORDS = {
    "sum": ("dtype", "initial", "where"), "prod": ("dtype", "initial", "where"), "max": ("initial", "where"),
    "min": ("initial", "where"), "mean": ("dtype", "where"), "var": ("dtype", "ddof", "where", "mean"),
    "std": ("dtype", "ddof", "where", "mean"), "all": ("where",), "any": ("where",),
    "nansum": ("dtype", "initial", "where"), "nanprod": ("dtype", "initial", "where"),
    "nanmax": ("initial", "where"), "nanmin": ("initial", "where"), "nanmean": ("dtype", "where"),
    "nanvar": ("dtype", "ddof", "where"), "nanstd": ("dtype", "ddof", "where"),
    "nanargmax": (), "nanargmin": (), "ptp": (),
}
# NumPy's parameters after `axis` that may be given by position (`x.sum(0, np.int32)`, `np.var(x, 0, None, None,
# 1)`), in NumPy 2.4's order; the functions' and the methods' are the same
_SUM, _MAX, _MEAN, _VAR = ("dtype", "out", "keepdims", "initial", "where"), ("out", "keepdims", "initial", "where"), \
    ("dtype", "out", "keepdims"), ("dtype", "out", "ddof", "keepdims")
AFTER_AXIS = {
    "sum": _SUM, "prod": _SUM, "nansum": _SUM, "nanprod": _SUM, "max": _MAX, "min": _MAX, "nanmax": _MAX,
    "nanmin": _MAX, "mean": _MEAN, "nanmean": _MEAN, "var": _VAR, "std": _VAR, "nanvar": _VAR, "nanstd": _VAR,
    "all": ("out", "keepdims"), "any": ("out", "keepdims"), "ptp": ("out", "keepdims"), "nanargmax": ("out",),
    "nanargmin": ("out",),
}
# but the methods `x.all()`/`x.any()` are NumPy's `_methods._all(a, axis, dtype, out, keepdims)`: a dtype second
_METHOD_AFTER_AXIS = {**AFTER_AXIS, "all": ("dtype", "out", "keepdims"), "any": ("dtype", "out", "keepdims")}
# NumPy 2's `correction=` (the array API's name for `ddof=`): the functions take it, the methods raise TypeError
_CORRECTED = ("var", "std", "nanvar", "nanstd")
_NO_IDENTITY = ("max", "min", "nanmax", "nanmin")  # a mask leaves slices empty: NumPy needs `initial=` with it


def reducer(prim: str, name: str):
    """`np.<name>(a, axis=None, ..., keepdims=False)` with NumPy's keywords."""
    def handle(lowering, node, builder, positional, keywords):
        positional, keywords = _by_position(positional, keywords, node, prim, 2)
        arity(lowering, node, name, positional, keywords, 1, 2,
              ("axis", "keepdims") + KEYWORDS[prim] + (("correction",) if prim in _CORRECTED else ()))
        x = array_like(lowering, node, builder, positional[0])
        return reduce_with_keywords(lowering, node, builder, prim, name, x, positional[1:], keywords)

    return handle


def method_reducer(prim: str):
    """`x.<name>(axis=None, ..., keepdims=False)`."""
    def handle(lowering, node, builder, atom, positional, keywords):
        positional, keywords = _by_position(positional, keywords, node, prim, 1)
        arity(lowering, node, f".{prim}()", positional, keywords, 0, 1, ("axis", "keepdims") + KEYWORDS[prim])
        return reduce_with_keywords(lowering, node, builder, prim, f".{prim}()", atom, positional, keywords)

    return handle


def _by_position(positional, keywords: dict, node, prim: str, lead: int) -> tuple[list, dict]:
    """The arguments after `axis` given by position read as NumPy binds them (AFTER_AXIS), and an `out` of None
    (NumPy's default, a new array) left out; another `out` stays, for the arity check's located refusal."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, lead, (AFTER_AXIS if lead == 2 else _METHOD_AFTER_AXIS)[prim])
    for key in ("out",) + (("dtype",) if prim in ("all", "any") else ()):  # (a dtype other than None: refused)
        if key in keywords and not given(keywords[key][0]):
            del keywords[key]
    return positional, keywords


def _given(keywords: dict, key: str):
    """The keyword's (value, node), or None where it is absent or None (NumPy's default)."""
    entry = keywords.get(key)
    if entry is None or entry[0] is None or isinstance(entry[0], Const) and entry[0].value is None:
        return None
    return entry


def _of_a_number(lowering, node, x, rest: list, keywords: dict) -> tuple[list, dict]:
    """NumPy's ufunc reductions (np.sum, np.prod, np.max, np.min, np.all, np.any, the methods) take the integer
    axis 0 or -1 of a 0-d array as no axis at all (`np.sum(np.float64(3), axis=0)` is 3.0; np.mean raises AxisError,
    as a tuple of them does): that axis becomes None."""
    if lowering._atom(x, node).type.rank != 0:
        return rest, keywords
    if rest:
        value, where = rest[0], node
    else:
        value, where = keywords.get("axis", (None, node))
    if value is None or static(lowering, value, where, "`axis`") not in (0, -1) or \
            isinstance(static(lowering, value, where, "`axis`"), bool):
        return rest, keywords
    return [], {**keywords, "axis": (None, where)}


def reduce_with_keywords(lowering, node, builder, prim, name, x, rest, keywords):

    keywords = dict(keywords)
    if prim in ("sum", "prod", "max", "min", "all", "any"):
        rest, keywords = _of_a_number(lowering, node, x, list(rest), keywords)
    extra = {}
    if _given(keywords, "correction"):
        if _given(keywords, "ddof") and static_int(lowering, *keywords["ddof"], "`ddof`"):
            raise lowering.error(keywords["correction"][1], f"`{name}` with both `ddof=` and `correction=` (NumPy "
                                 "raises ValueError)", "give one of them")
        keywords["ddof"] = keywords.pop("correction")
    keywords.pop("correction", None)
    if _given(keywords, "ddof"):
        ddof = static_int(lowering, *keywords["ddof"], "`ddof`")
        if ddof:
            extra["ddof"] = ddof
    keywords.pop("ddof", None)
    mean = _given(keywords, "mean")
    keywords.pop("mean", None)
    if mean is not None:
        if _given(keywords, "dtype") or _given(keywords, "where"):
            raise lowering.error(mean[1], f"`{name}` with `mean=` and `dtype=` or `where=` is not supported in kernels",
                                 "give the mean alone, or compute the deviations yourself")
        return moments_with_mean(lowering, node, builder, prim, name, x, rest, keywords, extra.get("ddof", 0), mean)
    if _given(keywords, "dtype"):
        extra["dtype"] = _dtype(lowering, *keywords["dtype"])
    keywords.pop("dtype", None)
    if _given(keywords, "initial"):
        value, value_node = keywords["initial"]
        initial = static(lowering, value, value_node, "`initial`")
        if not isinstance(initial, (int, float)):
            raise lowering.error(value_node, "`initial` is a number known at build time", "initial=0.0")
        extra["initial"] = initial
    keywords.pop("initial", None)
    where = _given(keywords, "where")
    keywords.pop("where", None)
    if prim in ("sum", "prod", "max", "min", "mean", "var", "std", "all", "any") and where is None and \
            set(extra) <= {"ddof"}:
        return bind_reduction(lowering, node, builder, prim, x, rest, keywords, extra)  # the plain entry
    if where is not None and prim in _NO_IDENTITY and "initial" not in extra:
        raise lowering.error(where[1], f"`{name}` with `where=` needs `initial=`: a slice the mask leaves empty has "
                             "no maximum or minimum (NumPy raises ValueError)", "add initial=-np.inf (or np.inf)")
    masks = [] if where is None else [array_like(lowering, node, builder, where[0])]
    entry = prim if prim.startswith("nan") or prim == "ptp" else f"masked_{prim}"
    return bind_reduction(lowering, node, builder, entry, x, rest, keywords, extra, masks)


FUNCTIONS = {f"numpy.{prim}": reducer(prim, f"np.{prim}") for prim in KEYWORDS}
FUNCTIONS["numpy.amax"] = reducer("max", "np.amax")
FUNCTIONS["numpy.amin"] = reducer("min", "np.amin")
METHODS = {prim: method_reducer(prim) for prim in ("sum", "prod", "max", "min", "mean", "var", "std", "all", "any")}
