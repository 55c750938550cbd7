"""Compile the `@dist` functions of a parsed module into rendered functions for the module template."""
from __future__ import annotations

import libcst as cst

from ..backends.numpy_backend import RenderedFunction
from ..errors import TranspileError
from . import emit, ir, liveness
from .lower import Lowerer

OPTIONS = {"normalize": (bool,), "semiring": (str,)}
SEMIRINGS = ("float64", "log", "int", "fraction", "complex", "dual")


def dist_options(fn: cst.FunctionDef, locate) -> dict:
    """`@dist` or `@dist(normalize=True, semiring="fraction")`: the options as Python values."""
    options = {"normalize": False, "semiring": "float64"}
    for decorator in fn.decorators:
        node = decorator.decorator
        if not isinstance(node, cst.Call):
            continue
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in OPTIONS:
                raise TranspileError("@dist takes the options normalize= and semiring=", locate(arg),
                                     '@dist(normalize=True, semiring="fraction")')
            value = arg.value
            if isinstance(value, cst.Name) and value.value in ("True", "False"):
                literal = value.value == "True"
            elif isinstance(value, cst.SimpleString):
                literal = value.evaluated_value
            else:
                raise TranspileError(f"`{arg.keyword.value}=` must be a literal", locate(value))
            if not isinstance(literal, OPTIONS[arg.keyword.value]):
                raise TranspileError(f"`{arg.keyword.value}=` has the wrong type", locate(value))
            if arg.keyword.value == "semiring" and literal not in SEMIRINGS:
                raise TranspileError(f"unknown semiring {literal!r}", locate(value),
                                     "one of: " + ", ".join(SEMIRINGS))
            options[arg.keyword.value] = literal
    return options


def compile_dist(parsed, name: str) -> ir.DistFunction:
    source = parsed.dists[name]
    functions = dict(parsed.helpers)
    functions.update({n: s.node for n, s in parsed.dists.items()})
    lowerer = Lowerer(parsed, functions, set(parsed.dists))
    params = [p.name.value for p in source.node.params.params]
    table = "w"
    while table in params:
        table += "_"
    lowerer.call_stack.append(name)
    body, params = lowerer.lower_function(source.node, table)
    body = liveness.annotate(body, set())
    doc = source.node.get_docstring()
    return ir.DistFunction(name, params, dist_options(source.node, parsed.locate), body, table, doc)


def render_dist(fn: ir.DistFunction) -> RenderedFunction:
    options = fn.options
    signature = ", ".join(fn.params + ["*", f"normalize={options['normalize']!r}",
                                       f"semiring={options['semiring']!r}"])
    doc = fn.doc or "The distribution of the outcome: {outcome: probability} (Lifted dist mode)."
    return RenderedFunction(fn.name, signature, doc.strip().splitlines()[0], emit.function_lines(fn))


def compile_dist_functions(parsed, names=None) -> list[RenderedFunction]:
    """The module's `@dist` functions (or those of `names`), rendered."""
    return [render_dist(compile_dist(parsed, name)) for name in (parsed.dists if names is None else names)]
