"""`python -m benchmarks.c.gmm_before TREE [SIZE ...]`: GradBench gmm's `objective` and `jacobian` on the C target
as this tree and the checkout TREE emit them (SIZE as `d_k_n`; by default d = 10, 20 x k = 10, 25, 50 and a few
others, n = 1000): both modules loaded in this process (`backend.build_before`), checked to give the same bits,
timed interleaved in CPU time (fastest of the samples, one thread), so a change to the emitter or its prelude is
measured before and after under the same load."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..scratch import scratch_folder
from ..threads import configure_threads

SIZES = ["2_25_1000", "10_10_1000", "10_25_1000", "10_50_1000", "20_10_1000", "20_25_1000", "20_50_1000",
         "32_25_1000", "64_5_1000"]


def assert_same_bits(new, old, inputs: list, what: str) -> None:
    """The two builds' results of one function (an objective's number, a Jacobian's arrays) bit for bit."""
    import numpy as np

    for x, y in zip(np.atleast_1d(new(*inputs)) if what.endswith("objective") else new(*inputs),
                    np.atleast_1d(old(*inputs)) if what.endswith("objective") else old(*inputs)):
        assert np.array_equal(x, y), f"{what}: not the same bits"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m benchmarks.c.gmm_before TREE [d_k_n ...]")
    configure_threads(1)
    import numpy as np

    from ..timer import fastest_interleaved
    from .backend import now_and_before
    from ..gradbench import gmm
    from ..workloads import gmm as workload

    after, before = now_and_before(gmm.SOURCE, "gmm", Path(args[0]), scratch_folder())
    rng = np.random.default_rng(0)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for size in args[1:] or SIZES:
        d, k, n = (int(part) for part in size.split("_"))
        inputs = workload.inputs({"d": d, "k": k, "n": n}, rng)
        for name in ("objective", "jacobian"):
            new, old = getattr(after, name), getattr(before, name)
            assert_same_bits(new, old, inputs, f"{size} {name}")
            fastest = fastest_interleaved({"before": lambda: old(*inputs), "after": lambda: new(*inputs)}, 20)
            b, a = fastest["before"], fastest["after"]
            print(f"gmm {size:<11} {name:<9} before {b * 1e3:7.3f} ms  after {a * 1e3:7.3f} ms  after/before "
                  f"{a / b:.2f}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
