"""The tool side of GradBench's protocol: one JSON message per line on stdin, one response per line on stdout.

`define` transpiles the eval's kernel module (its time is reported as a `transpile` timing); `evaluate` converts
the JSON input to arrays once, then runs the generated function at least `min_runs` times and for at least
`min_seconds`, reporting one `evaluate` timing per run; every other message is acknowledged with its id.
"""
from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from typing import IO, Any

from . import SUPPORTED


class LiftedTool:
    def __init__(self):
        self.modules: dict[str, tuple[Any, Any]] = {}  # eval name -> (eval module, generated module)

    def define(self, name: str) -> dict:
        if name not in SUPPORTED:
            return {"success": False, "error": f"Lifted has no implementation of the eval `{name}`"}
        from lifted.transpiler import transpile_source

        spec = importlib.import_module(f"{__package__}.{name}")
        start = time.perf_counter_ns()
        path = f"benchmarks/gradbench/{name}_kernel.py"
        code = transpile_source(spec.SOURCE, path)
        generated = type(sys)(f"lifted_gradbench_{name}")
        exec(compile(code, path, "exec", dont_inherit=True), generated.__dict__)
        elapsed = time.perf_counter_ns() - start
        self.modules[name] = (spec, generated)
        return {"success": True, "timings": [{"name": "transpile", "nanoseconds": elapsed}]}

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


def serve(stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> None:
    tool = LiftedTool()
    for line in stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("kind") == "end":  # the eval expects no answer to its last message
            break
        stdout.write(json.dumps(tool.respond(message)) + "\n")
        stdout.flush()
