"""Building and running the generic primitive test's cases (tests/test_primitives.py): each case's
kernel source, the generated module, the plain NumPy and autograd references, inputs and finite differences.
"""
from __future__ import annotations

import math
import types
import zlib
from functools import lru_cache
from typing import Callable

import autograd
import autograd.numpy as anp
import autograd.scipy.linalg
import autograd.scipy.special
import autograd.scipy.stats
import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats
from autograd.tracer import getval

from lifted.transpiler.ir.types import parse_annotation
from lifted.transpiler.backends.numpy import render_function
from lifted.transpiler.backends.templates import render_module
from lifted.transpiler.builder import Builder, NameScope
from lifted.transpiler.frontend.parse import parse_module
from lifted.transpiler.ir import Eqn, Function, Var
from lifted.transpiler.normalize import Lowering
from lifted.transpiler.primitives.symbolic import Sym, materialize, ops
from lifted.transpiler.transforms.reverse import ReverseSpec, reverse
from primitive_case import CASES, DOMAINS, FD_STEP, Case
# the families of cases, in the table's order (importing one adds its cases to CASES)
import primitive_cases_arrays
import primitive_cases_reverse
import primitive_cases_more
import primitive_cases_composite
import primitive_cases_integer


# --- building and running ------------------------------------------------------------------------------------------
def _signature(c: Case) -> str:
    return ", ".join(p.name if p.annotation is None else f'{p.name}: "{p.annotation}"' for p in c.params)


READOUTS = {"sin": "np.sum(np.sin({}))", "sum": "np.sum({})", None: "{}"}
KERNELS = {"f": "sin", "f_lin": "sum", "g": None}  # kernel name -> readout


def _body_lines(body: str, readout: str | None) -> str:
    *statements, last = body.splitlines()
    return "".join(f"    {s}\n" for s in statements) + f"    return {READOUTS[readout].format(last)}\n"


def kernel_source(c: Case) -> str:
    """The case as a source file: `f` (nonlinear readout), `f_lin` (linear readout), `g` (raw), and the public
    declarations of their grad and vjp."""
    wrt = "(" + "".join(f'"{n}", ' for n in c.wrt) + ")"
    kernels = "".join(f"@kernel\ndef {name}({_signature(c)}):\n{_body_lines(c.body, readout)}\n\n"
                      for name, readout in KERNELS.items())
    return ("import math\nimport numpy as np\nimport scipy.linalg\nimport scipy.special\nimport scipy.stats\nfrom lifted import grad, kernel, stop_gradient, vjp\n\n\n"
            + kernels
            + f"f_grad = grad(f, wrt={wrt})\ng_vjp = vjp(g, wrt={wrt})\n")


def partial_wrt(c: Case) -> tuple[str, ...]:
    """With several float inputs, each is also differentiated alone (the others then inactive)."""
    return c.wrt if len(c.wrt) > 1 else ()


def _dim_sources(params: list[Var]) -> dict:
    sources = {}
    for var in params:
        for axis, dim in enumerate(var.type.shape or ()):
            if isinstance(dim, str):
                sources.setdefault(dim, (var, axis))
    return sources


def _kernels(c: Case) -> dict[str, Function]:
    """The case's kernels as IR: lowered from its source, or built from `c.ir` with the symbolic ops."""
    if c.ir is None:
        lowering = Lowering(parse_module(kernel_source(c), f"{c.name}.py"))
        return {name: lowering.lower_kernel(name) for name in KERNELS}
    kernels = {}
    for name, readout in KERNELS.items():
        params = [Var(p.name, parse_annotation(p.annotation or "f64")) for p in c.params]
        builder = Builder(NameScope([p.name for p in params]), _dim_sources(params))
        out = c.ir(*[Sym(builder, p) for p in params])
        if readout is not None:
            out = ops.sum(ops.sin(out) if readout == "sin" else out)
        kernels[name] = Function(name, params, builder.prologue + builder.eqns, out.atom, None, None, name)
    return kernels


def forward(fn: Function, wrt: tuple[int, ...]) -> Function:
    """`(*args, *tangents) -> (value, tangent)`: each equation's JVP rule applied right after it.

    A minimal forward mode over straight-line IR, enough to run the registry's JVP rules. Tangents are handed
    to a rule with their argument's full shape (as reverse mode does with cotangents for most rules).
    """
    assert all(isinstance(e, Eqn) for e in fn.body), "straight-line kernels only"
    scope = NameScope([p.name for p in fn.params] + [o.name for e in fn.body for o in e.outs])
    builder = Builder(scope, _dim_sources(fn.params))
    builder.dim_vars = {e.out.type.value: e.out for e in fn.body if e.prim.name == "dim" and e.args[0] in fn.params}
    tangents, tangent_params = {}, []
    for i in wrt:
        param = fn.params[i]
        tangent_params.append(Var(scope.fresh("t" + param.name), param.type))
        tangents[id(param)] = tangent_params[-1]
    for eqn in fn.body:
        builder.emit(eqn)
        prim = eqn.prim
        active = [isinstance(a, Var) and id(a) in tangents and prim.is_diff_arg(i) for i, a in enumerate(eqn.args)]
        if not prim.differentiable or not any(active) or not eqn.out.type.is_float:
            continue
        assert prim.jvp is not None, f"`{prim.name}` has a VJP rule but no JVP rule"
        ts = [materialize(Sym(builder, tangents[id(a)]), a.type, Sym(builder, a)) if on else None
              for a, on in zip(eqn.args, active)]
        out = prim.jvp(ts, Sym(builder, eqn.out), *[Sym(builder, a) for a in eqn.args], **eqn.params)
        if out is not None:
            tangents[id(eqn.out)] = out.atom
    result = fn.result
    tangent = tangents.get(id(result)) if isinstance(result, Var) else None
    if tangent is None:
        tangent = ops.zeros_like(Sym(builder, result)).atom
    tangent = materialize(Sym(builder, tangent), result.type, Sym(builder, result)).atom
    return Function(f"{fn.name}_jvp", list(fn.params) + tangent_params, builder.prologue + builder.eqns,
                    (result, tangent), None, None, fn.name)


def _exec(code: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(code, f"<{name}>", "exec"), module.__dict__)
    return module


FAMILIES = (primitive_cases_arrays, primitive_cases_reverse, primitive_cases_more, primitive_cases_composite,
            primitive_cases_integer)
BY_NAME = {c.name: c for c in CASES}


@lru_cache(maxsize=None)
def generated(name: str) -> types.ModuleType:
    """One generated module per case: the kernels, `<k>_grad` (and `<k>_grad_<x>` for each input alone) of both
    readouts, `g_vjp` and `g_jvp`; built stage by stage as the pipeline does (`test_public_pipeline` checks
    `transpile_source` gives the same)."""
    c = BY_NAME[name]
    kernels = _kernels(c)
    positions = {p.name: i for i, p in enumerate(c.params)}
    wrt = tuple(positions[n] for n in c.wrt)
    functions = list(kernels.values())
    for kernel in ("f", "f_lin"):
        functions.append(reverse(kernels[kernel], ReverseSpec(f"{kernel}_grad", "grad", wrt, True)))
        for input_name in partial_wrt(c):
            spec = ReverseSpec(f"{kernel}_grad_{input_name}", "grad", (positions[input_name],), True)
            functions.append(reverse(kernels[kernel], spec))
    functions.append(reverse(kernels["g"], ReverseSpec("g_vjp", "vjp", wrt, True)))
    if c.forward:
        functions.append(forward(kernels["g"], wrt))
    rendered = [render_function(fn, f"{name}.py") for fn in functions]
    code = render_module(
        "numpy_module.py.j2", version="test", source_path=f"{name}.py", source_hash="0" * 64, functions=rendered,
        transforms=[], imports=sorted(set().union(*[f.imports for f in rendered])),
        helpers=set().union(*[f.helpers for f in rendered]),
    )
    return _exec(code, f"generated_{name}")


_AUTOGRAD_SCIPY = types.SimpleNamespace(special=autograd.scipy.special, linalg=autograd.scipy.linalg,
                                        stats=autograd.scipy.stats)


def reference(c: Case, np_module, readout: str | None, oracle: bool = False) -> Callable:
    """The case's body as a plain function over `np_module` (NumPy, or autograd.numpy for the oracle)."""
    body = c.oracle if oracle and c.oracle is not None else c.body
    names = ", ".join(p.name for p in c.params)
    scope = {"math": math, "np": np_module, "scipy": _AUTOGRAD_SCIPY if np_module is anp else scipy,
             "stop_gradient": getval if np_module is anp else (lambda x: x)}
    exec(f"def fn({names}):\n{_body_lines(body, readout)}", scope)
    return scope["fn"]


def inputs(c: Case) -> list:
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    values = []
    for p in c.params:
        if p.name in c.fixed:
            values.append(c.fixed[p.name])
        elif p.dtype == "bool":
            values.append(rng.random(p.shape) < 0.5)
        elif p.dtype in ("i32", "i64"):
            values.append(rng.integers(-3, 4, size=p.shape).astype(np.dtype(p.dtype.replace("i", "int"))))
        else:
            value = DOMAINS[c.domain.get(p.name, "normal")](rng, p.shape)
            values.append(np.asarray(value, dtype=np.float32 if p.dtype == "f32" else np.float64))
    return values


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def finite_differences(fn: Callable, args: list, index: int) -> np.ndarray:
    base = np.asarray(args[index], dtype=np.float64)
    grad = np.zeros(base.shape)
    for position in np.ndindex(base.shape):
        values = []
        for sign in (1.0, -1.0):
            moved = base.copy()
            moved[position] += sign * FD_STEP
            values.append(fn(*args[:index], moved, *args[index + 1:]))
        grad[position] = (values[0] - values[1]) / (2.0 * FD_STEP)
    return grad


def call_unmutated(fn: Callable, *args):
    """Call a generated function, checking that it leaves its arguments as they were."""
    before = [np.array(a, copy=True) for a in args]
    result = fn(*args)
    for i, (a, b) in enumerate(zip(args, before)):
        np.testing.assert_array_equal(a, b, err_msg=f"argument {i} was modified in place")
    return result


def float_positions(c: Case) -> list[int]:
    return [i for i, p in enumerate(c.params) if p.is_float]


def check_gradient_shapes(c: Case, args: list, grads: tuple) -> None:
    assert len(grads) == len(c.wrt)
    for i, g in zip(float_positions(c), grads):
        assert np.shape(g) == np.shape(args[i]), f"d{c.params[i].name} has shape {np.shape(g)}"
        assert np.all(np.isfinite(g))


def _readout_params(select=lambda c: True) -> list:
    """Each case under the nonlinear readout (`f`, id `<name>`) and, unless it opts out, the linear one (`f_lin`,
    id `<name>-linear`), where cotangents arrive as broadcast constants, smaller than the values they belong to."""
    params = []
    for c in CASES:
        if select(c):
            params.append(pytest.param(c.name, "f", id=c.name))
            if c.linear:
                params.append(pytest.param(c.name, "f_lin", id=f"{c.name}-linear"))
    return params


CASE_PARAMS = [pytest.param(c.name, id=c.name) for c in CASES]
GRAD_PARAMS = _readout_params()
FD_PARAMS = _readout_params(lambda c: c.fd_tol is not None)
PARTIAL_PARAMS = _readout_params(partial_wrt)
VJP_PARAMS = [pytest.param(c.name, id=c.name) for c in CASES if c.vjp]
