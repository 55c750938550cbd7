"""Start one of GradBench's Python tools (`jax`, `pytorch`) from a GradBench checkout, for `compare`.

    python benchmarks/gradbench/peers.py jax        # cwd: the GradBench root, python/gradbench on PYTHONPATH

The tool's own `run.py` is executed as GradBench runs it (its folder first on `sys.path`, where its eval modules
live), with two changes for a fair comparison: the timed call of the `jax` tool ends with `jax.block_until_ready`
on its result (GradBench's `wrap.multiple_runs` stops the clock when a jitted function returns, which is
before JAX's asynchronous computation is done), and the jax tool gets `--multithreaded`, which only stops it
from pinning itself to CPU 0 (`compare` limits every tool's threads through the environment instead).
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path


def block_until_ready_timing() -> None:
    """Make `gradbench.wrap.multiple_runs` time a JAX computation to its end: the wrapped function's result is
    waited for inside the timed region (the tool's modules apply the decorator when they are imported)."""
    import jax
    from gradbench import wrap

    original = wrap.multiple_runs

    def multiple_runs(**options):
        decorate = original(**options)

        def decorator(function):
            def synchronous(input):
                return jax.block_until_ready(function(input))

            wrapped = decorate(synchronous)
            return wrap.Wrapped(function=function, wrapped=wrapped.wrapped)

        return decorator

    wrap.multiple_runs = multiple_runs


def main() -> None:
    tool = sys.argv[1]
    script = Path("python/gradbench/gradbench/tools") / tool / "run.py"
    if not script.is_file():
        raise SystemExit(f"no GradBench tool {tool!r} at {script.resolve()} (run from the GradBench root)")
    if tool == "jax":
        block_until_ready_timing()
        sys.argv = [str(script), "--multithreaded"]
    else:
        sys.argv = [str(script)]
    here = str(Path(__file__).resolve().parent)  # Lifted's eval modules (det.py, ...) must not shadow the tool's
    sys.path[:] = [str(script.parent.resolve())] + [p for p in sys.path if p and Path(p).resolve() != Path(here)]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
