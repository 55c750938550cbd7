"""Dense Jacobians and Hessians: one sweep over a batch of basis vectors (a loop over them where that cannot run).

`jacfwd(f)` is `vmap` of the forward sweep (`jvp`) over all basis vectors `e_i` of an input at once (the rows of
an identity matrix, shaped like the input): the primal runs once, unbatched, and every tangent carries the
batch of seeds as its leading axis, so each rule runs once on a whole batch; the tangents come out as rows
and are moved behind the output's axes. `jacrev(f)` is `vmap` of the reverse sweep (`vjp`) over all basis
cotangents of the output: its rows are the Jacobian's. `hessian(f)` is `jacfwd(grad(f))` (forward over reverse).

Where batching refuses something (a construct vmap does not cover yet), the Jacobian falls back to a loop over
the basis vectors around the unbatched sweep, as before: the primal computation does not depend on the loop's
index, so loop-invariant code motion (`hoist`) moves it in front of the loop.

The Jacobian of an output of shape Y with respect to an input of shape X has shape Y + X (as in JAX);
tuple outputs give a tuple of those, and a tuple `wrt` a tuple per output.
"""
from __future__ import annotations

from ..analysis.activity import active
from ..ir.types import TensorType
from ..builder import Builder, const
from ..errors import SourceLoc, TranspileError
from ..ir import Atom, Const, Eqn, Function, Loop, Var, all_defined, equations, result_atoms, statement_uses, substitute
from ..primitives.indexing import Ref
from ..builder import function_builder
from .batch import BatchSpec, vmap
from .forward import ForwardSpec, Tangents, check_float_inputs, jvp, scalar_of_dtype
from .hoist import updated_in_place
from .peel import peel_constant_trips
from ..ir.verify import verified


@verified("jacfwd")
def jacfwd(fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool, loc: SourceLoc | None) -> Function:
    """One batched forward sweep per input (its basis vectors as the batch); a loop where that cannot run."""
    try:
        return _batched_jacfwd(fn, name, wrt, wrt_is_tuple, loc)
    except TranspileError:
        return _looped_jacfwd(fn, name, wrt, wrt_is_tuple, loc)


@verified("jacrev")
def jacrev(fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool, loc: SourceLoc | None,
           vjp_fn: Function) -> Function:
    """One batched reverse sweep over the output's basis cotangents; a loop where that cannot run. `vjp_fn` is
    the vjp of `fn` with respect to `wrt` as a tuple, `(*args, ct) -> (value, cotangents)`."""
    _check_jacrev(fn, loc)
    if fn.result.type.shape == ():
        return _looped_jacrev(fn, name, wrt, wrt_is_tuple, loc, vjp_fn)  # a gradient: no loop, no batch
    try:
        return _batched_jacrev(fn, name, wrt, wrt_is_tuple, loc, vjp_fn)
    except TranspileError:
        return _looped_jacrev(fn, name, wrt, wrt_is_tuple, loc, vjp_fn)


def _seeds(builder: Builder, var: Var, size: Atom) -> Atom:
    """The basis vectors shaped like `var`, one per row: `np.eye(size)` (reshaped to (size,) + var's shape)."""
    basis = builder.bind("eye", [size], {"dtype": var.type.dtype}, name="basis")
    if var.type.rank == 1:
        return basis
    return builder.bind("reshape", [basis, size, *builder.shape_atoms(var.type, var)], name="basis")


def _batched_jacfwd(fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool,
                    loc: SourceLoc | None) -> Function:
    builder = function_builder(fn)
    builder.dim_vars = {}  # the inlined sweeps read their own sizes
    inputs = check_float_inputs(fn, wrt, loc)
    outputs = result_atoms(fn.result)
    n = len(fn.params)
    per_input = []
    for position, var in zip(wrt, inputs):
        tangents = jvp(fn, ForwardSpec(f"{name}_jvp", (position,), loc))
        if var.type.shape == ():  # a scalar input: one sweep with tangent 1.0
            _, tangent = builder.inline(tangents, list(fn.params) + [const(1.0)])
            per_input.append([scalar_of_dtype(builder, t, out) if isinstance(t, Const) else t
                              for t, out in zip(result_atoms(tangent), outputs)])  # (the seed itself: float32)
            continue
        size = _size(builder, var)
        batched = vmap(tangents, BatchSpec(f"{name}_batched", (None,) * n + (0,), (None, 0), loc))
        _, rows = builder.inline(batched, list(fn.params) + [_seeds(builder, var, size)])
        builder.loc = None
        columns = []
        for row, out in zip(result_atoms(rows), outputs):
            if isinstance(row, Const) and row.value is None or not out.type.is_float:
                columns.append(Const(None, out.type))
                continue
            rank = row.type.rank
            if rank > 1:  # (N,) + Y -> Y + (N,)
                row = builder.bind("transpose", [row], {"axes": tuple(range(1, rank)) + (0,) if rank > 2 else None},
                                   name="jac")
            columns.append(_shaped(builder, row, out, var) if rank > 1 or var.type.rank != 1 else row)
        per_input.append(columns)
    return _finish(fn, builder, name, per_input, wrt_is_tuple)


def _batched_jacrev(fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool, loc: SourceLoc | None,
                    vjp_fn: Function) -> Function:
    builder = function_builder(fn)
    builder.dim_vars = {}
    inputs = check_float_inputs(fn, wrt, loc)
    out = fn.result
    size = _size(builder, out)
    batched = vmap(vjp_fn, BatchSpec(f"{name}_batched", (None,) * len(fn.params) + (0,), (None, 0), loc))
    _, rows = builder.inline(batched, list(fn.params) + [_seeds(builder, out, size)])
    builder.loc = None
    return _finish(fn, builder, name, [[_shaped(builder, row, out, var)] for row, var in zip(rows, inputs)],
                   wrt_is_tuple)


def _check_jacrev(fn: Function, loc: SourceLoc | None) -> None:
    if isinstance(fn.result, tuple):
        raise TranspileError(f"`jacrev` needs `{fn.name}` to return one array, but it returns a tuple", loc,
                             "use jacfwd for several outputs, or declare one kernel per output")
    out = fn.result
    if not out.type.is_float:
        raise TranspileError(f"`jacrev` needs a floating-point output; `{fn.name}` returns {out.type}", loc)
    if out.type.shape != () and (not isinstance(out, Var) or out.type.shape is None
                                 or function_builder(fn).shape_atoms(out.type) is None):
        raise TranspileError(f"`jacrev` needs the shape of `{fn.name}`'s output from the annotations", loc,
                             'annotate the parameters it depends on, e.g. x: "f64[n]", or use jacfwd')


def _looped_jacfwd(fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool,
                   loc: SourceLoc | None) -> Function:
    """Column by column: one forward sweep per element of each input."""
    inputs = check_float_inputs(fn, wrt, loc)
    fn = peel_constant_trips(fn, inputs)
    inputs = [fn.params[i] for i in wrt]
    builder = function_builder(fn)
    outputs = result_atoms(fn.result)
    activity = active(fn, inputs)
    hoisted: set[int] = set()  # primal equations already emitted (in front of an earlier loop)
    for stmt in fn.body:  # the sizes read from the parameters (`n = x.shape[0]`) come first
        if isinstance(stmt, Eqn) and stmt.prim.name == "dim" and stmt.args[0] in fn.params:
            builder.emit(stmt)
            hoisted.add(id(stmt))
    per_input = []
    for var in inputs:
        sweep = Tangents(builder, activity)
        if var.type.shape == ():  # a scalar input: one sweep with tangent 1.0, no loop
            sweep.tangents[id(var)] = const(1.0)
            _push_skipping(sweep, fn.body, hoisted)
            hoisted.update(id(s) for s in fn.body)
            builder.loc = None
            per_input.append([sweep.result_tangent(o) for o in outputs])
            continue
        size = _size(builder, var)
        index = Var(builder.scope.fresh("i"), TensorType("i64", ()))
        slots = [_jacobian_slot(builder, o, var, size, column=True) for o in outputs]
        with builder.block() as body:
            sweep.tangents[id(var)] = _basis(builder, var, size, index, "t" + var.name)
            _push_skipping(sweep, fn.body, hoisted)
            builder.loc = None
            updated = [_write(builder, slot, sweep.result_tangent(o), index, column=True) if slot is not None
                       else None for slot, o in zip(slots, outputs)]
        filled = _loop(builder, index, size, body, slots, updated, hoisted)
        per_input.append([_shaped(builder, full, o, var) if full is not None else Const(None, o.type)
                          for full, o in zip(filled, outputs)])
    return _finish(fn, builder, name, per_input, wrt_is_tuple)


def _looped_jacrev(fn: Function, name: str, wrt: tuple[int, ...], wrt_is_tuple: bool, loc: SourceLoc | None,
                   vjp_fn: Function) -> Function:
    """Row by row: one reverse sweep per element of the output."""
    out = fn.result
    builder = function_builder(fn)
    builder.dim_vars = {}  # `fn`'s own size variables are not emitted here: the inlined vjp has its own
    inputs = check_float_inputs(fn, wrt, loc)
    if out.type.shape == ():  # a scalar output: its Jacobian is its gradient
        _, cotangents = builder.inline(vjp_fn, list(fn.params) + [const(1.0)])
        builder.loc = None
        return _finish(fn, builder, name, [[ct] for ct in cotangents], wrt_is_tuple)
    if not isinstance(out, Var) or out.type.shape is None or builder.shape_atoms(out.type) is None:
        raise TranspileError(f"`jacrev` needs the shape of `{fn.name}`'s output from the annotations", loc,
                             'annotate the parameters it depends on, e.g. x: "f64[n]", or use jacfwd')
    size = _size(builder, out)
    index = Var(builder.scope.fresh("i"), TensorType("i64", ()))
    slots = [_jacobian_slot(builder, out, var, size, column=False) for var in inputs]
    with builder.block() as body:
        seed = _basis(builder, out, size, index, "ct")
        _, cotangents = builder.inline(vjp_fn, list(fn.params) + [seed])
        cotangents = _reuse_sizes(builder, body, cotangents)
        builder.loc = None
        updated = [_write(builder, slot, ct, index, column=False) for slot, ct in zip(slots, cotangents)]
    filled = _loop(builder, index, size, body, slots, updated, set())
    return _finish(fn, builder, name, [[_shaped(builder, full, out, var)] for full, var in zip(filled, inputs)],
                   wrt_is_tuple)


# -- pieces --------------------------------------------------------------------------------------------------
def _push_skipping(sweep: Tangents, block: list, hoisted: set[int]) -> None:
    """The forward sweep over `block`, re-emitting only the primal equations not emitted already."""
    for stmt in block:
        if isinstance(stmt, Eqn):
            sweep.equation(stmt, emit=id(stmt) not in hoisted)
        else:
            sweep.push_block([stmt])


def _reuse_sizes(builder: Builder, block: list, results: tuple) -> tuple:
    """Drop the inlined `n_1 = x.shape[0]` where `n` is read already (the block's copies are our own)."""
    mapping = {}
    for stmt in list(block):
        if isinstance(stmt, Eqn) and stmt.prim.name == "dim" and stmt.out.type.value in builder.dim_vars:
            mapping[id(stmt.out)] = builder.dim_vars[stmt.out.type.value]
            block.remove(stmt)
    substitute(block, mapping)
    return tuple(mapping.get(id(r), r) for r in results)


def _size(builder: Builder, var: Var) -> Atom:
    """The number of elements of `var`, as an atom (a literal when its shape is static)."""
    shape = builder.shape_atoms(var.type, var)
    if shape is None:
        raise TranspileError(f"a dense Jacobian needs the shape of `{var.name}`", builder.loc,
                             'annotate the parameter, e.g. x: "f64[n]"')
    total = shape[0]
    for dim in shape[1:]:
        total = builder.bind("multiply", [total, dim], name="size")
    return total


def _basis(builder: Builder, var: Var, size: Atom, index: Var, name: str) -> Atom:
    """The `index`-th basis vector, shaped like `var`: `e = zeros(size); e[i] = 1.0` (then reshaped)."""
    flat = builder.bind("zeros", [size], {"dtype": var.type.dtype}, name=name if var.type.rank == 1 else "e")
    flat = builder.bind("setitem", [flat, const(1.0), index], {"index": (Ref(2),)})
    if var.type.rank == 1:
        return flat
    return builder.bind("reshape", [flat, *builder.shape_atoms(var.type, var)], name=name)


def _jacobian_slot(builder: Builder, out: Atom, var: Var, size: Atom, column: bool) -> Var | None:
    """The array the loop fills: Y + (N,) by columns (jacfwd), (N,) + X by rows (jacrev)."""
    if not out.type.is_float or out.type.shape is None:
        return None
    if builder.shape_atoms(out.type) is None:  # known only once the output exists: after the loop
        raise TranspileError("a dense Jacobian needs the output's shape from the parameters' annotations",
                             builder.loc, 'annotate the parameters, e.g. x: "f64[n]"')
    if column:
        shape = builder.shape_atoms(out.type, out) + (size,)
    else:
        shape = (size,) + builder.shape_atoms(var.type, var)
    return builder.bind("zeros", list(shape), {"dtype": out.type.dtype}, name="jac")


def _write(builder: Builder, slot: Var, value: Atom, index: Var, column: bool) -> Atom:
    """`jac[..., i] = value` (a column) or `jac[i] = value` (a row), in place."""
    position = (slice(None),) * (slot.type.rank - 1) + (Ref(2),) if column else (Ref(2),)
    return builder.bind("setitem", [slot, value, index], {"index": position})


def _loop(builder: Builder, index: Var, size: Atom, body: list, slots: list, updated: list,
          hoisted: set[int]) -> list:
    """Emit the loop over basis vectors, its invariant statements in front of it; the filled arrays (None
    where a slot is None)."""
    live = [(s, u) for s, u in zip(slots, updated) if s is not None]
    carried = tuple(Var(s.name, s.type) for s, _ in live)
    renamed = {id(s): c for (s, _), c in zip(live, carried)}
    for stmt in body:  # inside the loop, the writes go into its slots
        if isinstance(stmt, Eqn) and any(id(a) in renamed for a in stmt.args):
            stmt.args = tuple(renamed.get(id(a), a) for a in stmt.args)
    invariant, variant = hoist(body, {id(index)} | {id(c) for c in carried})
    for stmt in invariant:
        builder.emit(stmt)  # also makes them available to later rules (common subexpressions)
    hoisted.update(id(s) for s in invariant)
    outs = tuple(Var(c.name, c.type) for c in carried)
    builder.emit(Loop("for", index, (size,), [], None, carried, tuple(s for s, _ in live), variant,
                      tuple(u for _, u in live), outs, None))
    it = iter(outs)
    return [next(it) if s is not None else None for s in slots]


def _shaped(builder: Builder, full: Var, out: Atom, var: Var) -> Atom:
    """A filled array, Y + (N,) or (N,) + X, as the Jacobian's shape Y + X."""
    if full.type.shape == tuple(out.type.shape) + tuple(var.type.shape):
        return full
    dims = builder.shape_atoms(out.type, out) + builder.shape_atoms(var.type, var)
    return builder.bind("reshape", [full, *dims], name="jac")


def _finish(fn: Function, builder: Builder, name: str, per_input: list[list], wrt_is_tuple: bool) -> Function:
    """Jacobians arranged per output (a tuple when `fn` returns one), each per input (a tuple when `wrt` is)."""
    counter = iter(range(len(result_atoms(fn.result))))

    def structure(result):
        if isinstance(result, tuple):
            return tuple(structure(r) for r in result)
        k = next(counter)
        blocks = tuple(jacobians[k] for jacobians in per_input)
        return blocks if wrt_is_tuple else blocks[0]

    return Function(name, list(fn.params), builder.prologue + builder.eqns, structure(fn.result), fn.loc, None,
                    fn.source_name)


def hoist(body: list, variant_ids: set[int]) -> tuple[list, list]:
    """Split a loop body into the statements that do not depend on the iteration (they can run once, before
    the loop) and the rest, keeping order. A statement stays in the loop when it reads a value that varies,
    updates an array in place, or makes an array that the loop updates in place."""
    variant = set(variant_ids)
    updated = updated_in_place(body)  # through loop slots and branch results too
    invariant, rest = [], []
    for stmt in body:
        if isinstance(stmt, Eqn):
            movable = not stmt.prim.extra.get("in_place") and stmt.prim.family != "tape" \
                and not any(id(a) in variant for a in stmt.args) and not any(id(o) in updated for o in stmt.outs)
            defined = list(stmt.outs)
        else:
            inner = list(equations([stmt]))
            movable = not any(id(a) in variant for a in statement_uses(stmt)) \
                and not any(e.prim.extra.get("in_place") and id(e.args[0]) not in
                            {id(v) for v in all_defined([stmt])} for e in inner) \
                and not any(id(o) in updated for o in stmt.outs)
            defined = all_defined([stmt])
        if movable:
            invariant.append(stmt)
        else:
            rest.append(stmt)
            variant.update(id(v) for v in defined)
    return invariant, rest
