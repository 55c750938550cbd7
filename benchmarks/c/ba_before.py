"""`python -m benchmarks.c.ba_before TREE [N ...]`: GradBench ba's `objective` and `jacobian` (the port's whole
timed call) and the Jacobian's `residual_rows` on the C target as this tree and the checkout TREE emit them (N:
the eval's input number, ba1 to ba14; by default 1, 3, 6, 10), both modules loaded in this process
(`backend.now_and_before`), checked to give the same bits, timed interleaved in CPU time (fastest of the samples,
one thread), so a change to the emitter is measured before and after under the same load. Needs a GradBench
checkout at `$GRADBENCH` (default /tmp/gradbench) for the inputs."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..scratch import scratch_folder
from ..threads import configure_threads

NUMBERS = [1, 3, 6, 10]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m benchmarks.c.ba_before TREE [N ...]")
    configure_threads(1)
    import numpy as np

    from ..timer import fastest_interleaved
    from .backend import now_and_before
    from ..gradbench import ba
    from ..gradbench.batched import ba_inputs

    after, before = now_and_before(ba.SOURCE, "ba", Path(args[0]), scratch_folder())
    gradbench = Path(os.environ.get("GRADBENCH", "/tmp/gradbench"))
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for label, inputs in ba_inputs(gradbench, [int(n) for n in args[1:]] or NUMBERS):
        cams, points, w, camera, point, feats = inputs
        cotangents = np.zeros((2, w.shape[0], 2))
        cotangents[0, :, 0] = cotangents[1, :, 1] = 1.0
        rows_args = (cams[camera], points[point], w, feats, cotangents)
        for name in ("objective", "jacobian", "residual_rows"):
            if name == "residual_rows":
                new, old, call_args = after.residual_rows, before.residual_rows, rows_args
            else:
                new, old, call_args = ba.entry(after, name), ba.entry(before, name), inputs
            for x, y in zip(flatten(new(*call_args)), flatten(old(*call_args))):
                assert np.array_equal(x, y), f"{label} {name}: not the same bits"
            fastest = fastest_interleaved({"before": lambda: old(*call_args), "after": lambda: new(*call_args)},
                                          int(os.environ.get("REPEAT", 7)))
            b, a = fastest["before"], fastest["after"]
            print(f"{label:<27} {name:<13} before {b * 1e3:8.2f} ms  after {a * 1e3:8.2f} ms  after/before "
                  f"{a / b:.2f}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def flatten(value) -> list:
    """The arrays of a (nested) tuple of results, in order."""
    import numpy as np

    if isinstance(value, tuple):
        return [array for item in value for array in flatten(item)]
    return [np.asarray(value)]


if __name__ == "__main__":
    sys.exit(main())
