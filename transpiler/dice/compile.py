"""Compile the `@dist` functions of a parsed module into rendered functions for the module template."""
from __future__ import annotations

import libcst as cst

from ..backends.numpy import RenderedFunction
from ..errors import TranspileError
from . import emit, ir, liveness
from .bindings import constant
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


def compile_dist(parsed, name: str, target: str | None = None, in_axes: dict[str, int] | None = None
                 ) -> ir.DistFunction:
    """The dist function `name`; under vmap (`in_axes`: parameter -> axis) batched, and named `target`."""
    source = parsed.dists[name]
    functions = dict(parsed.helpers)
    functions.update({n: s.node for n, s in parsed.dists.items()})
    lowerer = Lowerer(parsed, functions, set(parsed.dists))
    params = [p.name.value for p in source.node.params.params]
    table = "w"
    while table in params:
        table += "_"
    lowerer.call_stack.append(name)
    body, params = lowerer.lower_function(source.node, table, in_axes)
    body = liveness.annotate(body, set())
    doc = source.node.get_docstring()
    defaults = parameter_defaults(source.node, parsed)
    params = [f"{py}={defaults[p.name.value]}" if p.name.value in defaults else py
              for py, p in zip(params, source.node.params.params)]
    if in_axes:
        doc = (f"vmap of `{name}`: a list with the distribution of each example ({{outcome: probability}}, Lifted "
               "dist mode).")
    return ir.DistFunction(target or name, params, dist_options(source.node, parsed.locate), body, table, doc)


def batched_parameters(parsed, decl) -> dict[str, int]:
    """`target = vmap(f, in_axes=...)` of the @dist function `f`: each batched parameter's axis, as written (an
    int or None per parameter, or one for all; the ranks of a dist function's arguments are known only when
    it runs, which checks the axes)."""
    names = [p.name.value for p in parsed.dists[decl.func].node.params.params]
    where = decl.options_loc[0] or decl.loc
    if decl.out_axes != 0:
        raise TranspileError("out_axes does not apply to a @dist function: its vmap returns a list with the "
                             "distribution of each example", decl.options_loc[1] or decl.loc, "leave out out_axes")
    if not names:
        raise TranspileError(f"`{decl.func}` has no parameters to batch", decl.loc)
    axes = decl.in_axes if isinstance(decl.in_axes, tuple) else (decl.in_axes,) * len(names)
    if len(axes) != len(names):
        raise TranspileError(f"in_axes has {len(axes)} entries but `{decl.func}` has {len(names)} parameters "
                             f"({', '.join(names)})", where,
                             "give one entry per parameter: an axis, or None for a value shared by all examples")
    if any(isinstance(axis, tuple) for axis in axes):
        raise TranspileError("in_axes of a @dist function takes an axis or None per parameter", where,
                             "in_axes=(0, None)")
    if all(axis is None for axis in axes):
        raise TranspileError("vmap needs at least one batched argument: every in_axes entry is None", where,
                             "give the batched parameter an axis, e.g. in_axes=(0, None)")
    return {name: axis for name, axis in zip(names, axes) if axis is not None}


def compile_dist_vmap(parsed, decl) -> RenderedFunction:
    """The declaration `target = vmap(f, in_axes=...)` of a @dist function, rendered."""
    return render_dist(compile_dist(parsed, decl.func, decl.target, batched_parameters(parsed, decl)))


def parameter_defaults(fn: cst.FunctionDef, parsed) -> dict[str, str]:
    """`def f(x, y=2)`: each default as the literal the generated signature repeats (a literal, or a module
    constant's value), so `f(1)` means what it means in Python."""
    defaults = {}
    for param in fn.params.params:
        node = param.default
        if node is None:
            continue
        known, value = constant(node)
        if not known and isinstance(node, cst.Name) and node.value in parsed.constants:
            known, value = True, parsed.constants[node.value]
        if not known or not isinstance(value, (bool, int, float, complex, str, tuple, type(None))):
            raise TranspileError(f"the default of `{param.name.value}` must be a literal (a number, a string, a "
                                 "tuple of those) or a module constant", parsed.locate(node),
                                 "compute the value inside the function from a literal default")
        defaults[param.name.value] = repr(value)
    return defaults


def render_dist(fn: ir.DistFunction) -> RenderedFunction:
    options = fn.options
    signature = ", ".join(fn.params + ["*", f"normalize={options['normalize']!r}",
                                       f"semiring={options['semiring']!r}"])
    doc = fn.doc or "The distribution of the outcome: {outcome: probability} (Lifted dist mode)."
    return RenderedFunction(fn.name, signature, doc.strip().splitlines()[0], emit.function_lines(fn))


def compile_dist_functions(parsed, names=None) -> list[RenderedFunction]:
    """The module's `@dist` functions (or those of `names`), rendered."""
    return [render_dist(compile_dist(parsed, name)) for name in (parsed.dists if names is None else names)]
