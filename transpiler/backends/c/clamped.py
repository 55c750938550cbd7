"""Slices of named lengths on the C target: a fast version typed as if every slice is nonempty, and the exact one.

A slice of a named length is NumPy's clamp: `x[1:]` of an `f64[n]` has max(n-1, 0) elements, and
`np.concatenate((np.ones(1), x[1:]))` max(n, 1). The compiler types it so (ir/dims.py), which is exact at every
n; but fusion puts into one kernel only values of one length, and max(n, 1) is not n (GradBench ode's shifted
state, times an `f64[n]`, would be two kernels and a host product per step). So the C target lowers a source
twice: once with slices typed as polynomials (`n-1`; ir/types.py `SLICE_CLAMPS` off), which is exact wherever
each such polynomial is >= 0, recording those polynomials, and once exactly. A function whose lengths assumed
one gets a public entry that checks them from its arguments' shapes (`_slice_lengths_hold`, host template
slice_lengths.py.j2): where they hold (n >= 1) the fast version runs, its kernels as before; where one is
negative (n = 0) the exact version runs, as host NumPy code without kernels (a size that small is no work).
The CUDA target does the same; its exact version goes through `lifted.cuda.call` as a body of NumPy on arrays.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from ...ir import Function
from ...ir.dims import names_in, poly_of
from ...ir.types import ASSUMED, SLICE_CLAMPS


@contextmanager
def unclamped(assumed: set) -> Iterator[None]:
    """Build with slices of named lengths typed as polynomials, each one not surely >= 0 added to `assumed`."""
    clamps, record = SLICE_CLAMPS.set(False), ASSUMED.set(assumed)
    try:
        yield
    finally:
        SLICE_CLAMPS.reset(clamps)
        ASSUMED.reset(record)


def annotation_names(fn: Function) -> set[str]:
    """The lengths the function's parameters' annotations name (`n` of `x: "f64[n]"`)."""
    return {d for p in fn.params if p.type.shape for d in p.type.shape if isinstance(d, str) and d.isidentifier()}


def assumptions_of(fn: Function, assumed: set) -> tuple:
    """The recorded polynomials in the function's own lengths, as data for the entry check: one tuple of
    (coefficient, names) terms each, sorted. (A polynomial in lengths the function does not name is another
    function's: the names are those of the annotations, so a function with the same names checks it too, which
    at worst runs its exact version where the fast one was right.)"""
    names = annotation_names(fn)
    polys = []
    for dim in sorted(assumed):
        if names_in(dim) <= names:
            poly = poly_of(dim)
            polys.append(tuple(sorted((coef, term) for term, coef in poly.items())))
    return tuple(polys)
