"""`python -m benchmarks.c.gathers [--jax] [--before TREE] [d_k_n ...]`: GradBench gmm's `objective` and `jacobian`
on the C target built twice from the same text, with the kernels' hardware gathers (`lifted.cpu.gathers`, where
they pay) and without them (`$LIFTED_CPU_GATHERS=0`: the compiler's own choice, scalar loads on a CPU its tuning
does not know), both loaded in this process, checked to give the same bits, timed interleaved in CPU time (fastest
of 20, one thread). `--before TREE`: the build without gathers is of the text the checkout TREE emits (main's
emitter as it runs on this machine before this change, beside this tree's emitter with gathers). `--jax` adds `jax.jit(jax.grad(...))` of the same function (`workloads.gmm.xp_f`) beside the Jacobians,
in process CPU time as `gmm_cpu_vs_jax` does. A change of the build's flags is then measured before and after
under the same load (`gmm_before` cannot: both of its modules are built by this process's runtime)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..scratch import scratch_folder
from ..threads import configure_threads
from .gmm_before import assert_same_bits

SIZES = ["2_5_1000", "2_10_1000", "2_25_1000", "2_50_1000", "2_100_1000", "10_25_1000", "20_10_1000", "64_5_1000",
         "64_100_1000"]


def _load(source: str, folder: Path, gathers: bool):
    """`source`'s C module built with or without hardware gathers, loaded (its own folder and library)."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    folder.mkdir(parents=True, exist_ok=True)
    out = transpile_c(source, "bench_gmm.py")
    # (the runtime keeps one library per kernel text: a comment makes the two builds two libraries)
    (folder / "bench_gmm.cu").write_text(out.kernels + ("" if gathers else "// built without hardware gathers\n"))
    (folder / "bench_gmm.py").write_text(out.host)
    saved = os.environ.get("LIFTED_CPU_GATHERS")
    if not gathers:
        os.environ["LIFTED_CPU_GATHERS"] = "0"
    try:
        return import_path(folder / "bench_gmm.py")
    finally:
        if saved is None:
            os.environ.pop("LIFTED_CPU_GATHERS", None)
        else:
            os.environ["LIFTED_CPU_GATHERS"] = saved


def _load_tree(source: str, tree: Path, folder: Path):
    """`source`'s C module as the checkout `tree` emits it, built without hardware gathers."""
    import types

    from .backend import build_before

    workload = types.SimpleNamespace(name="gmm", module=types.SimpleNamespace(LIFTED=source))
    saved = os.environ.get("LIFTED_CPU_GATHERS")
    os.environ["LIFTED_CPU_GATHERS"] = "0"
    try:
        return build_before(workload, tree, folder)
    finally:
        if saved is None:
            os.environ.pop("LIFTED_CPU_GATHERS", None)
        else:
            os.environ["LIFTED_CPU_GATHERS"] = saved


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    with_jax = "--jax" in args
    tree = None
    if "--before" in args:
        at = args.index("--before")
        tree = Path(args[at + 1])
        del args[at:at + 2]
    args = [arg for arg in args if arg != "--jax"]
    if with_jax:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    configure_threads(1)
    import numpy as np

    from lifted.cpu.gathers import gather_flags
    from lifted.cpu.build import FLAGS, _vector_math, compiler  # noqa: F401  (the kernels' build command)

    from ..timer import fastest_interleaved
    from ..gradbench import gmm
    from ..workloads import gmm as workload

    flags = gather_flags(tuple(compiler()) + FLAGS + _vector_math())
    print(f"hardware gathers here: {' '.join(flags) or 'none (the compiler or the CPU does not take them)'}")
    folder = scratch_folder()
    after = _load(gmm.SOURCE, folder / "gathers", True)
    before = _load(gmm.SOURCE, folder / "scalar", False) if tree is None else _load_tree(gmm.SOURCE, tree, folder)
    print(f"before: {'this tree' if tree is None else tree}'s kernels without gathers; after: this tree's with them")
    if with_jax:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(0)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for size in args or SIZES:
        d, k, n = (int(part) for part in size.split("_"))
        inputs = workload.inputs({"d": d, "k": k, "n": n}, rng)
        for name in ("objective", "jacobian"):
            new, old = getattr(after, name), getattr(before, name)
            assert_same_bits(new, old, inputs, f"{size} {name}")
            functions = {"before": lambda: old(*inputs), "after": lambda: new(*inputs)}
            if with_jax and name == "jacobian":
                gradient = jax.jit(jax.grad(lambda *a: workload.xp_f(jnp, *a), argnums=(0, 1, 2, 3)))
                on_device = [jnp.asarray(x) for x in inputs]
                jax.block_until_ready(gradient(*on_device))
                functions["jax"] = lambda: jax.block_until_ready(gradient(*on_device))
            fastest = fastest_interleaved(functions, 20, clock=time.process_time)
            b, a = fastest["before"], fastest["after"]
            line = (f"gmm {size:<11} {name:<9} before {b * 1e3:7.3f} ms  after {a * 1e3:7.3f} ms  "
                    f"after/before {a / b:.2f}")
            if "jax" in fastest:
                line += f"  jax {fastest['jax'] * 1e3:7.3f} ms  after/jax {a / fastest['jax']:.2f}"
            print(line, flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
