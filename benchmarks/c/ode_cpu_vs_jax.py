"""`python -m benchmarks.c.ode_cpu_vs_jax [TREE] [--sizes N_S ...] [--samples K]`: GradBench ode's `gradient` (the
port, benchmarks/gradbench/ode.py) on the C target beside `jax.jit(jax.grad(...))` of the same function written
for `jax.numpy` (a `lax.scan` over the RK4 steps, the shift as a concatenation, as the port; and GradBench's own
jax tool's form, `jax-gradbench`; `after/jax` takes the faster of the two; and that form on float32 input,
`jax-f32`, as GradBench's jax tool runs ode: its ode module does not enable x64, so JAX's column in the compare
tool's ode rows is a float32 computation moving half the bytes), and, with TREE, the
C target as that checkout (a worktree of main) emits it: in process CPU time with one thread everywhere (OpenMP,
BLAS, XLA's intra-op pool), JAX's result blocked on. Each sample is as many calls as fill about 40 ms
(`--sample-ms`); the samples of the functions interleave; the table gives the fastest and the median sample per
call, and the fastest sample's wall time. A comparison with JAX
that a loaded machine, whose wall times swing by 2x, spoils less than GradBench's wall-clock runs do. Default
sizes: n = 1e4, 1e5, 1e6 with s = 1 and 10."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from ..scratch import scratch_folder
from ..threads import configure_threads

SIZES = ["10000_1", "10000_10", "100000_1", "100000_10", "1000000_1", "1000000_10"]


def jax_gradient(jax, jnp):
    """d y(2)_{n-1} / d x of the port's RK4, written for jax.numpy (static s)."""

    def rhs(x, y):
        return x * jnp.concatenate((jnp.ones(1), y[:-1]))

    def last(x, s):
        h = 2.0 / s

        def step(y, _):
            k1 = rhs(x, y)
            k2 = rhs(x, y + 0.5 * h * k1)
            k3 = rhs(x, y + 0.5 * h * k2)
            k4 = rhs(x, y + h * k3)
            return y + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0, None

        y, _ = jax.lax.scan(step, jnp.zeros_like(x), None, length=s)
        return y[-1]

    return jax.jit(jax.grad(last), static_argnums=1)


def gradbench_jax_gradient(jax, jnp):
    """GradBench's own jax tool's gradient (tools/jax/ode.py: the shift as `jnp.roll` and a `where` over a vmap,
    `y(2)` as the last row of the scan's trajectory), written out here so that no GradBench checkout is needed."""

    def f(x, y):
        y_rot = jnp.roll(y, shift=1)
        return jax.vmap(lambda i, xi, yi: jnp.where(i == 0, xi, xi * yi))(jnp.arange(x.shape[0]), x, y_rot)

    def ode(x, s):
        h = 2.0 / s

        def body(y, _):
            k1 = f(x, y)
            k2 = f(x, y + (h / 2 * k1))
            k3 = f(x, y + h / 2 * k2)
            k4 = f(x, y + (h * k3))
            y_next = y + (h / 6 * (k1 + ((2 * k2) + (2 * k3) + k4)))
            return y_next, y_next

        _, trajectory = jax.lax.scan(body, jnp.zeros_like(x), None, length=s)
        return trajectory[-1]

    return jax.jit(jax.grad(lambda x, s: ode(x, s)[-1]), static_argnums=1)


def timed(functions: dict, samples: int, sample_s: float) -> dict[str, list[tuple[float, float]]]:
    """Per-call (CPU, wall) seconds of each function, `samples` samples of about `sample_s` each, taken in turns.
    (The process's CPU clock counts another thread's time, XLA's, in scheduler ticks: a sample of one short call
    can read near zero, so a sample lasts many ticks.)"""
    calls = {}
    for name, function in functions.items():
        function()
        start = time.perf_counter()
        function()
        calls[name] = max(1, int(sample_s / max(time.perf_counter() - start, 1e-7)))
    per_call: dict[str, list[tuple[float, float]]] = {name: [] for name in functions}
    for k in range(samples):
        order = list(functions)[k % len(functions):] + list(functions)[:k % len(functions)]
        for name in order:
            function = functions[name]
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(calls[name]):
                function()
            per_call[name].append(((time.process_time() - cpu) / calls[name],
                                   (time.perf_counter() - wall) / calls[name]))
    return per_call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.ode_cpu_vs_jax", description=__doc__)
    parser.add_argument("tree", type=Path, nargs="?", default=None)
    parser.add_argument("--sizes", nargs="*", default=SIZES, metavar="N_S")
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--sample-ms", type=float, default=40.0)
    args = parser.parse_args(argv)
    configure_threads(1)
    import jax
    import jax.numpy as jnp
    import numpy as np

    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    from ..gradbench.ode import SOURCE
    from .backend import now_and_before

    jax.config.update("jax_enable_x64", True)
    folder = scratch_folder()
    if args.tree is not None:
        after, before = now_and_before(SOURCE, "ode", args.tree, folder)
    else:
        out = transpile_c(SOURCE, "bench_ode.py")
        (folder / "bench_ode.cu").write_text(out.kernels)
        (folder / "bench_ode.py").write_text(out.host)
        after, before = import_path(folder / "bench_ode.py"), None
    gradient, gradbench = jax_gradient(jax, jnp), gradbench_jax_gradient(jax, jnp)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"ode gradient, CPU ms per call, fastest (median; fastest wall) of {args.samples} samples of about "
          f"{args.sample_ms:g} ms; ratios of the fastest CPU times")
    for size in args.sizes:
        n, s = (int(part) for part in size.split("_"))
        x = np.random.default_rng(0).uniform(0.5, 1.5, n)
        on_device, single = jnp.asarray(x), jnp.asarray(x, dtype=jnp.float32)
        functions = {"after": lambda: after.gradient(x, s)}
        if before is not None:
            functions["before"] = lambda: before.gradient(x, s)
        functions["jax"] = lambda: jax.block_until_ready(gradient(on_device, s))
        functions["jax-gradbench"] = lambda: jax.block_until_ready(gradbench(on_device, s))
        functions["jax-f32"] = lambda: jax.block_until_ready(gradbench(single, s))
        # (at n past about 4 s, y(2)'s last element no longer depends on x: every tool's gradient is all zeros,
        # so the tools are also checked on a short x, where it is not)
        for value in (x, x[:4 * s]):
            expected = np.asarray(gradient(jnp.asarray(value), s))
            for name, got in (("after", after.gradient(value, s)),
                              ("before", before.gradient(value, s) if before is not None else expected),
                              ("jax-gradbench", gradbench(jnp.asarray(value), s))):
                np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12, atol=1e-300, err_msg=name)
            single_value = np.asarray(gradbench(jnp.asarray(value, dtype=jnp.float32), s))
            np.testing.assert_allclose(single_value, expected, rtol=1e-4, atol=1e-30, err_msg="jax-f32")
        per_call = timed(functions, args.samples, args.sample_ms * 1e-3)
        fastest = {name: min(cpu for cpu, _ in v) * 1e3 for name, v in per_call.items()}
        median = {name: statistics.median(cpu for cpu, _ in v) * 1e3 for name, v in per_call.items()}
        wall = {name: min(w for _, w in v) * 1e3 for name, v in per_call.items()}
        columns = "  ".join(f"{name} {fastest[name]:8.4f} ({median[name]:8.4f}; wall {wall[name]:8.4f})"
                            for name in functions)
        best_jax = min(fastest["jax"], fastest["jax-gradbench"])
        ratios = f"after/jax {fastest['after'] / best_jax:.2f}  after/jax-f32 {fastest['after'] / fastest['jax-f32']:.2f}"
        if before is not None:
            ratios += f"  before/jax {fastest['before'] / best_jax:.2f}  after/before " \
                      f"{fastest['after'] / fastest['before']:.3f}"
        print(f"n={n:<8} s={s:<3} {columns}  {ratios}", flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
