"""autograd's NumPy with an oracle for what its reductions get wrong or lack: `where=` (autograd's gradient of
`np.sum(x, where=m)` ignores the mask), `initial=`, `dtype=`, the NaN-ignoring reductions (`np.nansum` ... have no
VJP in autograd), `np.nancumsum` and `np.ptp`.

Each such call's value is NumPy's own (so the checks that compare autograd's value with Python's still run), and its
derivative is autograd's of a functional rewrite written here from the definitions, independently of Lifted's rules:
the elements that take part (the mask's, the non-NaN ones) through `np.where`, the others out of reach.
"""
from __future__ import annotations

import numpy as onp
from autograd.tracer import getval, isbox

_KEYWORDS = ("where", "initial", "dtype", "ddof")
_NAN = ("nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd")
_PLAIN = {"amax": "max", "amin": "min"}


def _holds_box(value) -> bool:
    """Whether a list or tuple (`np.max([y, acc], axis=0)`) holds autograd's boxes, at any depth: autograd traces
    only boxes passed themselves, so NumPy would make an object array of them (whose np.tanh then fails)."""
    return isinstance(value, (list, tuple)) and any(isbox(v) or _holds_box(v) for v in value)


class ReducerNumpy:
    """`autograd.numpy`, but for the reductions above."""

    def __init__(self, anp):
        self._anp = anp

    def __getattr__(self, name: str):
        plain = _PLAIN.get(name, name)
        if name == "nancumsum":  # (no VJP in autograd either: the cumsum of the non-NaN elements)
            return self._nancumsum
        if plain in _NAN or plain == "ptp" or plain in ("sum", "prod", "max", "min", "mean", "var", "std"):
            return lambda x, *args, **kwargs: self._reduce(name, plain, x, *args, **kwargs)
        return getattr(self._anp, name)

    def _nancumsum(self, x, axis=None):
        np = self._anp
        exact = onp.nancumsum(getval(x), axis=axis)
        if not onp.issubdtype(onp.asarray(getval(x)).dtype, onp.floating):
            return exact
        x = np.asarray(x) if not hasattr(x, "shape") else x
        rewrite = np.cumsum(np.where(onp.isnan(getval(x)), 0.0, x), axis=axis)
        return exact + (rewrite - getval(rewrite))

    def _reduce(self, name, plain, x, axis=None, *rest, **kwargs):
        np = self._anp
        if _holds_box(x):  # NumPy reads a sequence as np.asarray of it; autograd's wrappers see no box inside one
            x = np.array(x)
        if rest or not (plain in _NAN or plain == "ptp" or any(k in kwargs for k in _KEYWORDS)):
            return getattr(np, name)(x, axis, *rest, **kwargs)
        exact = getattr(onp, name)(getval(x), axis=axis, **kwargs)
        x = np.asarray(x) if not hasattr(x, "shape") else x
        if not onp.issubdtype(onp.asarray(getval(x)).dtype, onp.floating):
            return exact
        keepdims = bool(kwargs.get("keepdims", False))
        kept = onp.broadcast_to(onp.asarray(kwargs.get("where", True)), onp.shape(getval(x)))
        if plain.startswith("nan"):
            kept = kept & ~onp.isnan(getval(x))
        base = plain[3:] if plain.startswith("nan") else plain
        rewrite = self._rewrite(base, x, kept, axis, keepdims, kwargs)
        return exact + (rewrite - getval(rewrite))

    def _rewrite(self, base, x, kept, axis, keepdims, kwargs):
        np = self._anp
        initial = kwargs.get("initial")
        if base != "ptp":  # (a NaN left out must not reach any derivative: NaN * 0 is NaN)
            x = np.where(kept, x, 0.0)
        count = onp.sum(kept, axis=axis, keepdims=True).astype(float)
        if base == "sum":
            return np.sum(np.where(kept, x, 0.0), axis=axis, keepdims=keepdims)
        if base == "prod":
            product = np.prod(np.where(kept, x, 1.0), axis=axis, keepdims=keepdims)
            return product if initial is None else product * initial
        if base in ("max", "min"):
            sign = 1.0 if base == "max" else -1.0
            best = sign * np.max(np.where(kept, sign * x, -onp.inf), axis=axis, keepdims=keepdims)
            if initial is None:
                return best
            return np.maximum(best, initial) if base == "max" else np.minimum(best, initial)
        if base == "ptp":
            return np.max(x, axis=axis, keepdims=keepdims) - np.min(x, axis=axis, keepdims=keepdims)
        mean = np.sum(np.where(kept, x, 0.0), axis=axis, keepdims=True) / count
        if base == "mean":
            return mean if keepdims else _squeeze(np, mean, axis, onp.ndim(getval(x)))
        squares = np.sum(np.where(kept, (x - mean) ** 2, 0.0), axis=axis, keepdims=True) / (count - kwargs.get("ddof", 0))
        spread = squares if base == "var" else np.sqrt(squares)
        return spread if keepdims else _squeeze(np, spread, axis, onp.ndim(getval(x)))


def _squeeze(np, value, axis, rank: int):
    axes = tuple(range(rank)) if axis is None else tuple(a % rank for a in (axis if isinstance(axis, tuple) else (axis,)))
    return np.reshape(value, tuple(d for k, d in enumerate(onp.shape(getval(value))) if k not in axes))
