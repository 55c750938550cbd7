"""`python -m benchmarks.c.ht_before TREE [SIZE ...]`: GradBench ht's `objective` and `jacobian` (the port's timed
callables, `gradbench.ht.entry`) on the C target as this tree and the checkout TREE emit them (SIZE: the hand
number, 1 to 11 of the big `complicated` model read from `$GRADBENCH` or /tmp/gradbench; by default all eleven):
both modules loaded in this process (`backend.now_and_before`), checked to give the same bits, timed
interleaved in CPU time (fastest of the samples, one thread), so a change to the emitter is measured before and
after under the same load."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..scratch import scratch_folder
from ..threads import configure_threads


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m benchmarks.c.ht_before TREE [hand number ...]")
    configure_threads(1)
    import numpy as np

    from ..timer import fastest_interleaved
    from .backend import now_and_before
    from ..gradbench import ht
    from ..gradbench.batched import ht_inputs

    after, before = now_and_before(ht.SOURCE, "ht", Path(args[0]), scratch_folder())
    gradbench = Path(os.environ.get("GRADBENCH", "/tmp/gradbench"))
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for size, inputs in ht_inputs(gradbench, [int(n) for n in args[1:]] or range(1, 12)):
        for name in ("objective", "jacobian"):
            new, old = ht.entry(after, name), ht.entry(before, name)
            assert np.array_equal(new(*inputs), old(*inputs)), f"{size} {name}: not the same bits"
            fastest = fastest_interleaved({"before": lambda: old(*inputs), "after": lambda: new(*inputs)}, 10)
            b, a = fastest["before"], fastest["after"]
            print(f"ht {size:<18} {name:<9} before {b * 1e3:7.3f} ms  after {a * 1e3:7.3f} ms  after/before "
                  f"{a / b:.2f}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
