"""The tool side of GradBench's protocol: one JSON message per line on stdin, one response per line on stdout.

`define` transpiles the eval's kernel module (its time is reported as a `transpile` timing); `evaluate` converts
the JSON input to arrays once, then runs the generated function at least `min_runs` times and for at least
`min_seconds`, reporting one `evaluate` timing per run; every other message is acknowledged with its id.

The backend (`numpy`, the default, or `c`: the C backend's CPU target, fused OpenMP kernels built by the system
C++ compiler) is chosen per tool process. Where the C backend refuses an eval's kernel module (a located
`TranspileError` naming the construct, or a kernel that does not compile), the eval runs on the NumPy backend
and the `define` response says so in its `backend` and `fallback` fields (the runner prints them).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import tempfile
import time
import traceback
from typing import IO, Any

from . import SUPPORTED

BACKENDS = ("numpy", "c")


def numpy_module(source: str, path: str, name: str):
    """The eval's kernel source through the NumPy backend, executed as a module."""
    from lifted.transpiler import transpile_source

    code = transpile_source(source, path)
    generated = type(sys)(f"lifted_gradbench_{name}")
    exec(compile(code, path, "exec", dont_inherit=True), generated.__dict__)
    return generated


def c_module(source: str, path: str, name: str):
    """The eval's kernel source through the C backend's CPU target: the host module and its `.cu` are written
    under `$LIFTED_CACHE_DIR/c/gradbench` (named by a hash of the compiler's own files and the source, so two
    checkouts sharing a cache never load each other's code), and
    importing the host module builds (or loads from the cache) the kernels' shared library. A refusal raises
    `TranspileError`, a compile error `lifted.cpu.BuildError`."""
    from lifted.cache import compiler_fingerprint
    from lifted.cpu import cache_dir
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    digest = hashlib.sha256("\0".join((compiler_fingerprint(), path, source)).encode()).hexdigest()[:16]
    stem = f"{name}_{digest}"
    out = transpile_c(source, path, "c", cu_file=f"{stem}.cu")
    folder = cache_dir() / "gradbench"
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".cu", out.kernels), (".py", out.host)):
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=suffix, delete=False) as handle:
            handle.write(text)
        os.replace(handle.name, folder / f"{stem}{suffix}")  # atomic: a concurrent tool never reads half a file
    return import_path(folder / f"{stem}.py")


class LiftedTool:
    def __init__(self, backend: str = "numpy"):
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}: one of {', '.join(BACKENDS)}")
        self.backend = backend
        self.modules: dict[str, tuple[Any, Any]] = {}  # eval name -> (eval module, generated module)

    def define(self, name: str) -> dict:
        if name not in SUPPORTED:
            return {"success": False, "error": f"Lifted has no implementation of the eval `{name}`"}
        from lifted.cpu import BuildError
        from lifted.transpiler import TranspileError

        spec = importlib.import_module(f"{__package__}.{name}")
        start = time.perf_counter_ns()
        path = f"benchmarks/gradbench/{name}_kernel.py"
        response: dict = {"success": True, "backend": self.backend}
        generated = None
        if self.backend == "c":
            try:
                generated = c_module(spec.SOURCE, path, name)
            except (TranspileError, BuildError) as error:
                # the located message: file:line:col, the construct, the hint
                response |= {"backend": "numpy", "fallback": f"the C backend refused `{name}`: {str(error).strip()}"}
                print(f"lifted tool: {response['fallback']}\n(running `{name}` on the NumPy backend)",
                      file=sys.stderr, flush=True)
        if generated is None:
            generated = numpy_module(spec.SOURCE, path, name)
        elapsed = time.perf_counter_ns() - start
        self.modules[name] = (spec, generated)
        return response | {"timings": [{"name": "transpile", "nanoseconds": elapsed}]}

    def evaluate(self, name: str, function: str, input: dict) -> dict:
        if name not in self.modules:
            return {"success": False, "error": f"module `{name}` was not defined"}
        spec, generated = self.modules[name]
        # an eval module may build its functions from generated ones (a descent driving generated gradients)
        fn = spec.entry(generated, function) if hasattr(spec, "entry") else getattr(generated, function, None)
        if fn is None:
            return {"success": False, "error": f"`{name}` has no function `{function}`"}
        args = spec.prepare(function, input)
        min_runs = int(input.get("min_runs", 1))
        min_ns = float(input.get("min_seconds", 0)) * 1e9
        timings, total, value = [], 0, None
        while len(timings) < max(1, min_runs) or total < min_ns:
            start = time.perf_counter_ns()
            value = fn(*args)
            elapsed = time.perf_counter_ns() - start
            timings.append({"name": "evaluate", "nanoseconds": elapsed})
            total += elapsed
        return {"success": True, "output": spec.output(function, value), "timings": timings}

    def respond(self, message: dict) -> dict:
        response = {"id": message["id"]}
        kind = message.get("kind")
        try:
            if kind == "start":
                response["tool"] = "lifted"
            elif kind == "define":
                response |= self.define(message["module"])
            elif kind == "evaluate":
                response |= self.evaluate(message["module"], message["function"], message["input"])
        except Exception as error:
            response |= {"success": False, "error": "".join(traceback.format_exception(error))}
        return response


def serve(stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout, backend: str = "numpy") -> None:
    tool = LiftedTool(backend)
    for line in stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("kind") == "end":  # the eval expects no answer to its last message
            break
        stdout.write(json.dumps(tool.respond(message)) + "\n")
        stdout.flush()
