"""`python -m benchmarks.c.gather [--gradbench /tmp/gradbench] [--hands 1 12] [--runs N]`: gathers read inside C
kernels and their adjoint as a scatter-add (issue #11), against the same programs with every gather and
`np.add.at` left to NumPy on the host (the C target before the change), side by side in one process.

For GradBench's `ht` (the `complicated_big` hands from the GradBench checkout, read by its own `io` module),
`ba`, `kmeans` and `gmm` (their `SOURCE` with random inputs of their shapes), an embedding gradient
(`np.sum(np.tanh(E[idx]) * w)` and its gradient with respect to `E`, 10^5 rows of 16 gathered from 10^4) and the
same over a vector (10^6 entries gathered from 10^4): the
kernels in each module, the launches per call, the median time per call of each variant (interleaved), and
their ratio. Pin one thread for timings: `OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

EMBEDDING = '''
import numpy as np
from lifted import grad, kernel


@kernel
def embed(E: "f64[v,d]", idx: "i64[n]", w: "f64[n,d]") -> "f64[]":
    return np.sum(np.tanh(E[idx]) * w)


embed_grad = grad(embed, wrt="E")
'''


@contextlib.contextmanager
def host_gathers():
    """Compile with every gather and scatter-add left to NumPy on the host (what the C target did before)."""
    from lifted.transpiler.backends.c import gather

    indexed = gather.indexed
    gather.indexed = lambda eqn: None
    try:
        yield
    finally:
        gather.indexed = indexed


class Counted:
    """A loaded module's kernels, counting launches."""

    def __init__(self, kernels):
        self.kernels, self.launches = kernels, 0

    def __getattr__(self, name):
        kernel = getattr(self.kernels, name)

        def launch(*args):
            self.launches += 1
            return kernel(*args)
        return launch


def build(text: str, name: str, folder: Path):
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    out = transpile_c(text, f"{name}.py")
    (folder / f"{name}.cu").write_text(out.kernels)
    (folder / f"{name}.py").write_text(out.host)
    module = import_path(folder / f"{name}.py")
    module._kernels = Counted(module._kernels)
    return module, out


def median_time(call, runs: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        call()
        times.append(clock() - start)
    return statistics.median(times)


def workloads(gradbench: Path | None, hands: tuple[int, int]):
    """(label, source, name, [(function label, entry(module) -> callable, args)])."""
    from benchmarks.gradbench import ba, gmm, ht, kmeans

    rng = np.random.default_rng(0)
    E, idx, w = rng.normal(size=(10_000, 16)), rng.integers(-10_000, 10_000, size=100_000), rng.normal(size=(100_000, 16))
    yield "embedding", EMBEDDING, "embedding", [
        ("value", lambda m: m.embed, (E, idx, w)), ("gradient", lambda m: m.embed_grad, (E, idx, w))]
    if gradbench is not None:
        sys.path.insert(0, str(gradbench / "python" / "gradbench"))
        from gradbench.evals.ht import io

        data = gradbench / "evals" / "ht" / "data" / "complicated_big"
        for i in range(hands[0], hands[1] + 1):
            fn = next(data.glob(f"hand{i}_*.txt"))
            instance = io.read_hand_instance(data / "model", fn, True).to_dict()
            calls = [(function, lambda m, f=function: ht.entry(m, f), ht.prepare(function, instance))
                     for function in ("objective", "jacobian")]
            yield f"ht {fn.stem}", ht.SOURCE, "ht", calls
    p = 10_000
    ba_input = {"n": 100, "m": 2_000, "p": p, "cam": rng.normal(size=11).tolist(), "x": rng.normal(size=3).tolist(),
                "w": 0.5, "feat": rng.normal(size=2).tolist()}
    yield "ba p=1e4", ba.SOURCE, "ba", [(f, lambda m, f=f: ba.entry(m, f), ba.prepare(f, ba_input))
                                        for f in ("objective", "jacobian")]
    km = {"points": rng.normal(size=(10_000, 8)).tolist(), "centroids": rng.normal(size=(50, 8)).tolist()}
    yield "kmeans 1e4x8, k=50", kmeans.SOURCE, "kmeans", [
        (f, lambda m, f=f: kmeans.entry(m, f), kmeans.prepare(f, km)) for f in ("cost", "dir")]
    d, k, n = 10, 25, 1000
    gm = {"d": d, "alpha": rng.normal(size=k).tolist(), "mu": rng.normal(size=(k, d)).tolist(),
          "q": rng.normal(size=(k, d)).tolist(), "l": rng.normal(size=(k, d * (d - 1) // 2)).tolist(),
          "x": rng.normal(size=(n, d)).tolist(), "gamma": 1.0, "m": 0}
    yield "gmm d=10 k=25 n=1000", gmm.SOURCE, "gmm", [
        (f, lambda m, f=f: getattr(m, f), gmm.prepare(f, gm)) for f in ("objective", "jacobian")]
    one = rng.normal(size=10_000), rng.integers(-10_000, 10_000, size=1_000_000), rng.normal(size=1_000_000)
    yield "1-d gather 1e6 from 1e4", EMBEDDING.replace('"f64[v,d]"', '"f64[v]"').replace('"f64[n,d]"', '"f64[n]"'), \
        "scalar_gather", [("value", lambda m: m.embed, one), ("gradient", lambda m: m.embed_grad, one)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gradbench", type=Path, default=Path("/tmp/gradbench"))
    parser.add_argument("--hands", type=int, nargs=2, default=(1, 3))
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--cpu-time", action="store_true",
                        help="time the process's CPU time (one thread on a machine with more runnable jobs than cores)")
    args = parser.parse_args()
    clock = time.process_time if args.cpu_time else time.perf_counter
    gradbench = args.gradbench if (args.gradbench / "evals" / "ht" / "data").exists() else None
    print(f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(default)')}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'workload':28} {'function':10} {'kernels':>9} {'launches':>9} {'host ms':>9} {'indexed ms':>11} "
          f"{'ratio':>6}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for label, text, name, calls in workloads(gradbench, tuple(args.hands)):
            (folder / "host").mkdir(exist_ok=True)
            (folder / "indexed").mkdir(exist_ok=True)
            with host_gathers():
                before, before_out = build(text, name, folder / "host")
            after, after_out = build(text, name, folder / "indexed")
            if not calls:
                same = "the same" if before_out.kernels == after_out.kernels else "different"
                print(f"{label:28} {'':10} {before_out.kernel_count:>4}/{after_out.kernel_count:<4} ({same} kernels)")
                continue
            for function, entry, call_args in calls:
                runs = []
                for module in (before, after):
                    call = entry(module)
                    np.testing.assert_allclose(np.concatenate([np.ravel(np.asarray(v, dtype=float))
                                                               for v in _leaves(call(*call_args))]),
                                               np.concatenate([np.ravel(np.asarray(v, dtype=float))
                                                               for v in _leaves(entry(before)(*call_args))]),
                                               rtol=1e-9, atol=1e-9)
                    module._kernels.launches = 0
                    call(*call_args)
                    runs.append(module._kernels.launches)
                times = {id(before): [], id(after): []}
                for _ in range(3):  # interleaved: each variant's median over a few rounds
                    for module in (before, after):
                        call = entry(module)
                        times[id(module)].append(median_time(lambda: call(*call_args), max(1, args.runs // 3), clock))
                host_ms, indexed_ms = (1e3 * min(times[id(m)]) for m in (before, after))
                print(f"{label:28} {function:10} {before_out.kernel_count:>4}/{after_out.kernel_count:<4} "
                      f"{runs[0]:>4}/{runs[1]:<4} {host_ms:9.3f} {indexed_ms:11.3f} {host_ms / indexed_ms:6.2f}")


def _leaves(value):
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


if __name__ == "__main__":
    main()
