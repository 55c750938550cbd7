"""The `ba` and `ht` Jacobians with batched directions vs one call per direction, side by side in one process.

    python -m benchmarks.gradbench.batched --gradbench /tmp/gradbench --ba 1 5 --ht 1 8 [--backend numpy c]

The ports compute their Jacobians with one batched sweep: `ba`'s two cotangent rows through `vmap` of the
`vjp`, `ht`'s 26 theta columns through `jacfwd` (itself a batched forward sweep) and its two u columns through
`vmap` of the `jvp`. The per-direction version is what the ports did before: one generated `vjp`/`jvp` call per
direction (for ht's theta columns: 26 calls of a `jvp` w.r.t. theta, declared here for the comparison). Both
read the same generated module and the eval's own inputs (GradBench's data files); their results are compared
(rtol 1e-10) before timing, and the calls alternate; the figure is the fastest of `--repeat` calls.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import ba, ht
from .tool import c_module, numpy_module

PER_DIRECTION = {"ba": "", "ht": 'objective_jvp_theta = jvp(objective, wrt="theta")\n'}


def ba_per_direction(generated):
    """The Jacobian blocks (p x 2 x 15) as the previous `ba` port made them, one `residuals_vjp` call per
    cotangent row, and as the port makes them now, both rows in one call of the batched `residual_rows`."""
    def per_direction(cams, points, w, camera, point, feats):
        cam, x = cams[camera], points[point]
        p = w.shape[0]
        blocks = np.empty((p, 2, ba.CAMERA + 3 + 1))
        for row in range(2):
            cotangent = np.zeros((p, 2))
            cotangent[:, row] = 1.0
            _, (dcam, dx, dw) = generated.residuals_vjp(cam, x, w, feats, cotangent)
            blocks[:, row, :ba.CAMERA], blocks[:, row, ba.CAMERA:-1], blocks[:, row, -1] = dcam, dx, dw
        return blocks

    def batched(cams, points, w, camera, point, feats):
        cotangents = np.zeros((2, w.shape[0], 2))
        cotangents[0, :, 0] = cotangents[1, :, 1] = 1.0
        _, (dcam, dx, dw) = generated.residual_rows(cams[camera], points[point], w, feats, cotangents)
        return np.concatenate((np.transpose(dcam, (1, 0, 2)), np.transpose(dx, (1, 0, 2)),
                               np.transpose(dw)[:, :, None]), axis=2)

    return per_direction, batched


def ht_per_direction(generated):
    """The previous `ht` port's shape: one `jvp` call per Jacobian column (26 theta, 2 u)."""
    def jacobian(theta, us, *model):
        columns = []
        for k in range(2):
            direction = np.zeros_like(us)
            direction[:, k] = 1.0
            columns.append(generated.objective_jvp_us(theta, us, *model, direction)[1].reshape(-1, 1))
        for k in range(theta.shape[0]):
            direction = np.zeros_like(theta)
            direction[k] = 1.0
            columns.append(generated.objective_jvp_theta(theta, us, *model, direction)[1].reshape(-1, 1))
        return np.concatenate(columns, axis=1)

    return jacobian, ht.entry(generated, "jacobian")


def ba_inputs(gradbench: Path, numbers):
    sys.path.insert(0, str(gradbench / "python" / "gradbench"))
    from gradbench.evals.ba.run import parse

    for i in numbers:
        datafile = next((gradbench / "evals" / "ba" / "data").glob(f"ba{i}_*.txt"))
        yield datafile.stem, ba.prepare("jacobian", parse(datafile))


def ht_inputs(gradbench: Path, numbers, model: str = "big"):
    sys.path.insert(0, str(gradbench / "python" / "gradbench"))
    from gradbench.evals.ht import io

    data = gradbench / "evals" / "ht" / "data" / f"complicated_{model}"
    for i in numbers:
        datafile = next(data.glob(f"hand{i}_*.txt"))
        yield datafile.stem, ht.prepare("jacobian", io.read_hand_instance(data / "model", datafile, True).to_dict())


def fastest(function, args, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradbench.batched", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gradbench", type=Path, default=Path("/tmp/gradbench"))
    parser.add_argument("--ba", type=int, nargs="*", default=[1, 5])
    parser.add_argument("--ht", type=int, nargs="*", default=[1, 8])
    parser.add_argument("--backend", nargs="+", default=["numpy"], choices=["numpy", "c"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    gradbench = args.gradbench.resolve()
    cases = [("ba", ba, ba_per_direction, ba_inputs(gradbench, args.ba)),
             ("ht", ht, ht_per_direction, ht_inputs(gradbench, args.ht))]
    print(f"{'eval':4s} {'backend':7s} {'input':28s} {'per direction ms':>17s} {'batched ms':>11s} {'ratio':>6s}")
    for name, spec, versions, inputs in cases:
        source = spec.SOURCE + PER_DIRECTION[name]
        modules = {b: (c_module if b == "c" else numpy_module)(source, f"{name}_kernel.py", name)
                   for b in args.backend}
        for label, inputs_ in inputs:
            for backend, generated in modules.items():
                loop, batched = versions(generated)
                np.testing.assert_allclose(batched(*inputs_), loop(*inputs_), rtol=1e-10, atol=1e-12)
                times = {"loop": float("inf"), "batched": float("inf")}
                for _ in range(args.repeat):  # alternate the two
                    times["loop"] = min(times["loop"], fastest(loop, inputs_, 1))
                    times["batched"] = min(times["batched"], fastest(batched, inputs_, 1))
                print(f"{name:4s} {backend:7s} {label:28s} {times['loop'] * 1e3:17.1f} "
                      f"{times['batched'] * 1e3:11.1f} {times['loop'] / times['batched']:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
