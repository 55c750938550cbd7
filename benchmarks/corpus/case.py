"""The one shape every corpus driver's case shares: a kernel module's text, the wrapper's parameters and inputs,
or why the driver wrote none.

Why one base: numpy_100, numba_tests, numpy_docs, cupy_tests, dace_tests and scipy_go (whose Case opfunu,
numpy-ml, mlfs, npbench, numpy-benchmarks and pymoo extend) each declared these four fields again. Every field is
keyword-only, so a driver builds a case by name: each corpus's own fields (its name, its index) come first in its
subclass without defaults of their own, and no value lands in the wrong field by its position.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(kw_only=True)
class CorpusCase:
    """One kernel of a corpus: its module text, the parameters and inputs it runs on, or `not_converted` (why the
    driver could not write it). A subclass names the case (`label`)."""
    text: str = ""
    params: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    not_converted: str = ""

    @property
    def label(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} names its cases")


def numbered(kernels: Iterable, most: int) -> list:
    """The distinct kernels of one test function (cases with an `index`: cupy_tests', numba_tests'), numbered from
    1 in the order met, each keeping at most `most` of its recorded inputs, spread evenly over them."""
    found = []
    for k, case in enumerate(kernels, 1):
        case.index = k
        if len(case.inputs) > most:
            step = len(case.inputs) / most
            case.inputs = [case.inputs[int(j * step)] for j in range(most)]
        found.append(case)
    return found
