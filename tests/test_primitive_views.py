"""The registry's `views` field (transpiler/primitives/registry.py) against NumPy, for every entry.

`Primitive.views` says that an equation's result may share memory with its first operand (a view of it, or it
itself); `always_views` that it is one whatever the operand's layout. The normalizer models Python's sharing
with them (a view of an array updated in place later is recomputed from it where `always_views`, else stale),
reverse mode copies what its sweep reads before an update in place of it (transforms/mutation.py), and the C
backend follows memory through it (loops/eligible.py, masked_products.py, stencils/align.py). An entry whose
result shares memory but is not marked is a wrong number waiting: the compiler would take a view for a copy.

Two oracles, over every case of the generic primitive test (tests/test_primitives.py) and a few more below for
the entries it has no case for:

* the source: NumPy runs the case's body on its inputs; where the result shares memory with an input, the
  lowered IR must reach that input from its result through equations marked as views;
* the generated code: every equation of the lowered (or directly built) IR runs as the NumPy backend renders
  it, one at a time; a result sharing memory with an operand must be a marked view of the first operand
  (`shares_first`: a view, or an update in place), and no other.

An entry marked a view is right only where some equation of it really shares memory in NumPy or in the NumPy
backend's code: `test_every_entry_marked_a_view_shares_memory_somewhere` checks that each one does, in one case at
least. Of those, NumPy's functions at the source give views for `getitem` (basic indexing), `reshape`,
`transpose`, `swapaxes`, `expand_dims`, `squeeze`, `broadcast_to`, `flip`, `diagonal` and `einsum` of one
operand summing no axis; the others are marked because the NumPy backend emits them as their operand or a view
of it (`IR_VIEWS`, with why).
"""
from __future__ import annotations

import types
from functools import lru_cache

import numpy as np
import pytest

import primitive_harness as registry_cases
from lifted.transpiler import codegen as cg
from lifted.transpiler.backends.numpy import render_function
from lifted.transpiler.backends.numpy.nodes import atom_expr
from lifted.transpiler.backends.templates import render_module
from lifted.transpiler.frontend.parse import parse_module
from lifted.transpiler.ir import Const, Eqn, Function, Var
from lifted.transpiler.ir.types import parse_annotation
from lifted.transpiler.normalize import Lowering
from lifted.transpiler.primitives.registry import all_primitives, lookup
from lifted.transpiler.primitives.symbolic import ops
from primitive_case import CASES, Case, _params
from primitive_harness import inputs, kernel_source, reference

# entries marked views that no NumPy function at the source gives, and why the generated code's result is a view
IR_VIEWS = {
    "stop_gradient": "rendered as its operand itself (`x`); `lifted.stop_gradient` returns its argument too",
    "custom_vjp_call": "rendered as the value the inlined forward body computed (its first operand) itself",
    "reshape_like": "reverse mode's reshape to another value's shape: rendered `np.reshape(g, np.shape(x))`",
    "broadcast_like": "reverse mode's broadcast to another value's shape: rendered `np.broadcast_to`",
    "unbroadcast": "`_unbroadcast(g, shape)` returns `g` itself when there is nothing to sum",
    "refine_shape": "`_same_shape(x, shape)` checks the sizes and returns `x` itself",
}

def _unbroadcast(x, y):
    return ops.unbroadcast(x, y)


# entries the generic test has no case for: a body each (NumPy statements, the last line the expression), or
# the reason none is needed
EXTRA = [
    ("any", "x: f64[3,4]", "np.any(x > 0.0, axis=0)"),
    ("arange", "x: f64[3,4]", "np.arange(4) * x"),
    ("argmax", "x: f64[3,4]", "np.argmax(x, axis=1)"),
    ("argmin", "x: f64[3,4]", "np.argmin(x, axis=0)"),
    ("argsort", "x: f64[3,4]", "np.argsort(x, axis=1)"),
    ("searchsorted", "x: f64[3,4]", "np.searchsorted(np.sort(x[0]), x)"),
    ("isin", "x: f64[3,4]", "np.isin(x, x[0])"),
    ("ceil", "x: f64[3,4]", "np.ceil(x)"),
    ("equal", "x: f64[3,4], y: f64[4]", "x == y"),
    ("greater", "x: f64[3,4], y: f64[4]", "x > y"),
    ("greater_equal", "x: f64[3,4], y: f64[4]", "x >= y"),
    ("less_equal", "x: f64[3,4], y: f64[4]", "x <= y"),
    ("not_equal", "x: f64[3,4], y: f64[4]", "x != y"),
    ("isfinite", "x: f64[3,4]", "np.isfinite(x)"),
    ("isinf", "x: f64[3,4]", "np.isinf(x)"),
    ("isnan", "x: f64[3,4]", "np.isnan(x)"),
    ("logical_and", "x: f64[3,4], y: f64[4]", "np.logical_and(x > 0.0, y > 0.0)"),
    ("logical_or", "x: f64[3,4], y: f64[4]", "np.logical_or(x > 0.0, y > 0.0)"),
    ("ones", "x: f64[3,4]", "np.ones((3, 4)) * x"),
    ("ones_like", "x: f64[3,4]", "np.ones_like(x)"),
    ("zeros_like", "x: f64[3,4]", "np.zeros_like(x)"),
    ("tril", "x: f64[3,4]", "np.tril(x)"),
    ("sort", "x: f64[3,4]", "np.sort(x, axis=0)"),
    ("astype", "x: f64[3,4]", "x.astype(np.float32)"),
    ("astype", "x: f64[3,4]", "x.astype(np.float64)"),
    ("copy", "x: f64[3,4]", "x.copy()"),
    ("copy", "x: f64[3,4]", "np.array(x)"),
    ("diag", "x: f64[4]", "np.diag(x)"),
    ("einsum", "x: f64[3,4]", "np.einsum('ij->ji', x)"),
    ("einsum", "x: f64[4,4]", "np.einsum('ii->i', x)"),
    ("einsum", "x: f64[3,4]", "np.einsum('ij->j', x)"),
    ("einsum", "x: f64[4,4]", "np.einsum('ii', x)"),
    ("diagonal", "x: f64[4,4]", "x.diagonal()"),
    ("sliding_window", "x: f64[3,4]", "np.lib.stride_tricks.sliding_window_view(x, 2, axis=1)"),
    ("flip", "x: f64[3,4]", "np.rot90(x)"),
    ("reshape", "x: f64[3,4]", "np.ravel(x)"),
    ("getitem", "x: f64[3,4]", "x[..., 1:]"),
    ("getitem", "x: f64[3,4]", "np.split(x, 3)[1]"),
    ("spacing", "x: f64[3,4]", "np.spacing(x)"),
    ("logical_xor", "x: f64[3,4], y: f64[4]", "np.logical_xor(x > 0.0, y)"),
    ("imag", "x: f64[3,4]", "np.imag(x)"),
    ("iscomplex", "x: f64[3,4]", "np.iscomplex(x)"),
    ("isreal", "x: f64[3,4]", "np.isreal(x)"),
    ("i0", "x: f64[3,4]", "np.i0(x)"),
]
NO_RESULT = {  # entries with no array result a case could compare, and why
    "batch_size": "a number (vmap's batch size)", "dim": "a number (an axis's length)",
    "size_at_least": "a number (a slice's clamped length)",
    "python_int": "a Python int", "not": "Python's `not`, a bool", "slogdet_sign": "a scalar per matrix",
    "check_index": "a check (an effect)", "check_nonempty": "a check (an effect)", "check_unshared": "a check (an effect)",
    "check_scalar_argument": "a check (an effect)", "check_writeable": "a check (an effect)", "print": "an effect",
    "tape_new": "a tape, no array", "push": "a tape update", "pop": "the array pushed, itself",
    "tuple_get": "an item of reverse mode's cotangent tuple, no array operand",
    "last_writes": "a new bool mask (which writes through an index array NumPy keeps)",
    "cofactors": "a helper's new array", "det_second": "a helper's new array",
    "check_assert": "a check (an effect)", "python_bool": "a Python bool",
    "i1": "a helper's new array (i0's derivative)",
    "lstsq_rank": "np.linalg.lstsq's rank: an integer scalar",
}
CASES_WITH_EXTRA = CASES + [Case(prim, f"{prim}-views_{k}", _params(spec), body)
                            for k, (prim, spec, body) in enumerate(EXTRA)] + [
    # nothing to sum: `_unbroadcast` gives its operand back (the generic test's cases all sum)
    Case("unbroadcast", "unbroadcast-views_same_shape", _params("x: f64[3,4], y: f64[3,4]"), "x", ir=_unbroadcast),
]
BY_PRIM: dict[str, list[Case]] = {}
for _case in CASES_WITH_EXTRA:
    BY_PRIM.setdefault(_case.prim, []).append(_case)


def _raw_kernel(c: Case) -> Function:
    """The case's raw kernel `g` (the expression itself, no readout) as IR."""
    if c.ir is not None:
        return registry_cases._kernels(c)["g"]
    return Lowering(parse_module(kernel_source(c), f"{c.name}.py")).lower_kernel("g")


def _namespace(fn: Function) -> dict:
    """The globals a generated module gives its functions' code (numpy, scipy, the runtime helpers)."""
    rendered = render_function(fn, "case.py")
    code = render_module("numpy_module.py.j2", version="test", source_path="case.py", source_hash="0" * 64,
                         functions=[rendered], transforms=[], imports=sorted(rendered.imports),
                         helpers=rendered.helpers)
    module = types.ModuleType("views_case")
    exec(compile(code, "<views_case>", "exec"), module.__dict__)
    return module.__dict__


def _run(eqn: Eqn, env: dict, namespace: dict):
    """The equation as the NumPy backend renders it, run on the values in `env`; its result."""
    args = [atom_expr(a, {}) if isinstance(a, Const) else cg.name(a.name) for a in eqn.args]
    if not eqn.prim.statement:
        return eval(compile(cg.source(eqn.prim.render(args, eqn.params)), "<eqn>", "eval"), namespace, env)
    for node in eqn.prim.render(args, eqn.params):
        exec(compile(cg.source(node), "<eqn>", "exec"), namespace, env)
    return env[eqn.args[0].name] if eqn.prim.extra.get("in_place") else None


@lru_cache(maxsize=None)
def emitted_views(prim: str) -> tuple[tuple[str, str], ...]:
    """(entry, case) for every equation, in the cases of `prim`, whose emitted result shares memory with its first
    operand; asserts that each such equation is marked and that none shares a later operand's memory."""
    found = []
    for c in BY_PRIM.get(prim, []):
        fn = _raw_kernel(c)
        namespace = _namespace(fn)
        env = {p.name: v.copy() if isinstance(v, np.ndarray) else v for p, v in zip(fn.params, inputs(c))}
        for eqn in fn.body:
            if not isinstance(eqn, Eqn):
                break  # (a branch or loop: the straight-line part is checked)
            value = _run(eqn, env, namespace)
            for out in eqn.outs:
                env[out.name] = value
            if not isinstance(value, np.ndarray):
                continue
            for k, arg in enumerate(eqn.args):
                operand = env.get(arg.name) if isinstance(arg, Var) else None
                if isinstance(operand, np.ndarray) and np.shares_memory(value, operand):
                    assert k == 0, f"{c.name}: `{eqn.prim.name}`'s result shares operand {k}'s memory"
                    assert eqn.prim.shares_first(eqn.args, eqn.params), \
                        f"{c.name}: `{eqn.prim.name}`'s result is a view of its operand, but not marked `views`"
                    found.append((eqn.prim.name, c.name))
    return tuple(found)


def _view_root(fn: Function, value):
    """The value `value` is a view of in `fn`, through the equations marked views."""
    made = {id(out): eqn for eqn in fn.body if isinstance(eqn, Eqn) for out in eqn.outs}
    while id(value) in made and made[id(value)].args and made[id(value)].prim.may_view(
            made[id(value)].args, made[id(value)].params):
        value = made[id(value)].args[0]
    return value


@pytest.mark.parametrize("prim", sorted(BY_PRIM))
def test_a_result_numpy_shares_with_an_input_is_a_marked_view_of_it(prim):
    """The source oracle: NumPy's own function on the case's inputs."""
    for c in BY_PRIM[prim]:
        if c.ir is not None:
            continue
        values = [a.copy() if isinstance(a, np.ndarray) else a for a in inputs(c)]
        result = reference(c, np, None)(*values)
        shared = [k for k, a in enumerate(values)
                  if isinstance(result, np.ndarray) and isinstance(a, np.ndarray) and np.shares_memory(result, a)]
        if not shared:
            continue
        fn = _raw_kernel(c)
        root = _view_root(fn, fn.result)
        assert any(root is fn.params[k] for k in shared), \
            f"{c.name}: NumPy's result views input(s) {shared}; the IR makes it a copy"


@pytest.mark.parametrize("prim", sorted(BY_PRIM))
def test_an_emitted_result_sharing_an_operand_is_a_marked_view_of_the_first(prim):
    """The generated code's oracle: each equation as the NumPy backend renders it."""
    emitted_views(prim)


def test_every_entry_marked_a_view_shares_memory_somewhere():
    marked = sorted(n for n, p in all_primitives().items() if p.views)
    seen = {name for prim in BY_PRIM for name, _ in emitted_views(prim)}
    assert not [n for n in marked if n not in seen], "entries marked `views` that no case shows sharing memory"
    assert set(IR_VIEWS) <= set(marked)


def _strided(value: np.ndarray) -> np.ndarray:
    """The same values in memory that is not contiguous (every other element of a wider array)."""
    wide = np.repeat(value, 2, axis=-1)
    return wide[..., ::2]


@pytest.mark.parametrize("prim", sorted(n for n, p in all_primitives().items() if p.always_views))
def test_an_entry_marked_always_views_is_a_view_whatever_the_layout(prim):
    """`always_views` lets the normalizer recompute the view from its array after an update in place of it: the
    emitted equation must share its operand's memory for contiguous and strided operands alike (`np.reshape`
    copies a strided array, so it is not marked)."""
    checked = 0
    for c in BY_PRIM[prim]:
        fn = _raw_kernel(c)
        namespace = _namespace(fn)
        env = {p.name: v.copy() if isinstance(v, np.ndarray) else v for p, v in zip(fn.params, inputs(c))}
        for eqn in fn.body:
            if not isinstance(eqn, Eqn):
                break
            if eqn.prim.name == prim and isinstance(env.get(eqn.args[0].name), np.ndarray) \
                    and env[eqn.args[0].name].ndim:
                for layout in (lambda v: v, _strided):
                    operand = layout(env[eqn.args[0].name])
                    value = _run(eqn, {**env, eqn.args[0].name: operand}, namespace)
                    assert not value.size or np.shares_memory(value, operand), \
                        f"{c.name}: a copy for a {layout.__name__} operand"  # (an empty result has no elements)
                    checked += 1
            value = _run(eqn, env, namespace)
            for out in eqn.outs:
                env[out.name] = value
    assert checked, f"no case of `{prim}` checks it"


def test_every_entry_has_a_case_or_a_reason():
    missing = sorted(n for n in all_primitives() if n not in BY_PRIM and n not in NO_RESULT)
    assert not missing, f"entries with no case here and no reason in NO_RESULT: {missing}"
    assert not [n for n in NO_RESULT if n in BY_PRIM or n not in all_primitives()]


def test_a_getitem_through_an_index_array_is_no_view():
    getitem = lookup("getitem")
    x = Var("x", parse_annotation("f64[3,4]"))
    rows = Var("rows", parse_annotation("i64[2]"))
    i = Var("i", parse_annotation("i64[]"))
    assert getitem.may_view([x, i], {}) and not getitem.may_view([x, rows], {})
