"""A test's seed list built on first use, so that collecting the property tests stays cheap.

Why: the seed lists of the property tests (the first seeds whose program writes some construct) are found by
generating programs; built as `@pytest.mark.parametrize("seed", stencil_seeds(12))` they were all built at import,
about 2,800 programs (52 s of a bare collection). Parametrized by position instead, a test builds its list the
first time it asks for a seed, and only when it runs; the list, and so every test's program, is the same. A failing
test's report names the seeds it read (its id names only the position).
"""
from __future__ import annotations

from collections.abc import Callable

READ: list[int] = []  # the seeds the running test read, in order (tests/conftest.py names them when it fails)


class LazySeeds:
    """`count` seeds from `build`, built once, on the first `seeds[position]`; pytest parametrizes by
    `seeds.positions`."""

    def __init__(self, count: int, build: Callable[[], list[int]]) -> None:
        self.count, self._build, self._seeds = count, build, None

    @property
    def positions(self) -> range:
        return range(self.count)

    def __getitem__(self, position: int) -> int:
        if self._seeds is None:
            seeds = list(self._build())
            if len(seeds) != self.count:  # (a generator change that found fewer: say so rather than skip tests)
                raise AssertionError(f"{len(seeds)} seeds found where {self.count} were expected: {seeds}")
            self._seeds = seeds
        READ.append(self._seeds[position])
        return READ[-1]
