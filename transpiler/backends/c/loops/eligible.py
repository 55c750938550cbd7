"""Which host statements a run (select.py) may hold: those the C side runs with the host module's exact meaning.

A scalar, an array of static rank and dtype, or a tape; region launches whose parameters the run can pass; basic
indexing; fills, identities, copies, concatenations and stacks; checks of sizes the annotations name differently;
in-place updates whose casts C makes as NumPy does; matrix products of float operands; scalar arithmetic in the
registry's C expressions (NumPy's meaning), Python's where it differs (integer overflow, division by zero: emit.py);
loops over `range` and `while`s and branches on scalars whose every statement qualifies.
"""
from __future__ import annotations

import numpy as np

from ....ir import Const, Eqn, If, Loop, Var
from ....ir.types import numpy_dtype
from ....primitives.indexing import Ref, index_refs
from ..fused_kernel import is_module_array
from ..launch_spec import EmittedKernel
from ..region import CREATION

FILLS = CREATION  # (the arrays a fill makes: the same five as a fused region's)
# array arithmetic the C side runs elementwise with NumPy's broadcast
ARRAY_OPS = {"add", "subtract", "multiply", "divide", "negative"}
# (besides the fills)
NEW_ARRAYS = ("copy", "launch", "concatenate", "stack", "eye", "host_matmul", "stacked_matmul", "masked_matmul",
              "masked_sum", "outer")
WRITES = ("setitem", "index_add", "add_at")  # updates in place of their first operand
DTYPES = {"f64", "f32", "i64", "i32", "bool"}


def _loop_ok(loop: Loop, regions: dict) -> bool:
    """A `for` over `range` of integer scalars, or a `while` testing a scalar; every statement of it runs in C."""
    if loop.kind == "for" and not all(_int_scalar(b) for b in loop.bounds):
        return False
    if loop.kind == "while" and (loop.cond is None or loop.cond.type.shape != () or not _value_ok(loop.cond)):
        return False
    if not all(_value_ok(a) for a in (*loop.carried, *loop.inits, *loop.carried_out, *loop.outs)):
        return False
    if any(_array_of_another_dtype(value, slot) or not _holds(slot, value)
           for values in (loop.inits, loop.carried_out) for slot, value in zip(loop.carried, values)):
        return False
    return all(stmt_ok(s, regions) for s in loop.cond_body + loop.body)


def _array_of_another_dtype(value, slot) -> bool:
    """An array slot a value of another dtype enters (`y = x32 * 1.0` before a loop that makes it float64): the
    host's name holds that array as it is (NumPy converts nothing), a C view has one element type."""
    if slot.type.dtype == "tape" or slot.type.shape == () or isinstance(value, Const) and value.value is None:
        return False
    return value.type.dtype != slot.type.dtype


_KINDS = {"f64": "f", "f32": "f", "i64": "i", "i32": "i", "bool": "b"}


def _holds(slot, value) -> bool:
    """Does the C scalar of `slot` hold `value` as the host does? A Python number (weak) kept in a slot of another
    dtype (`t = 0.1` before a loop that makes `t` float32 and may not run) is that number itself on the host; a
    C float32 holds it only where it is exact there, and a C double never holds a Python int as one."""
    if slot.type.shape != () or not value.type.weak or value.type.dtype == slot.type.dtype or \
            isinstance(value, Const) and value.value is None:
        return True
    if _KINDS.get(value.type.dtype) != _KINDS.get(slot.type.dtype):  # (`v = 0` kept where the loop makes `v` a float)
        return False
    if slot.type.dtype not in ("f32", "i32"):
        return True
    if not isinstance(value, Const) or isinstance(value.value, Var):
        return slot.type.dtype == "i32" and value.type.dtype in ("i64", "bool")  # (any int in use: as vmap)
    with np.errstate(all="ignore"):
        held = np.asarray(value.value).astype({"f32": np.float32, "i32": np.int32}[slot.type.dtype]).item()
    return held == value.value or (value.value != value.value and held != held)


def _int_scalar(atom) -> bool:
    return atom.type.shape == () and atom.type.dtype in ("i64", "i32") and not is_module_array(atom) and \
        not (isinstance(atom, Const) and not isinstance(atom.value, int))


def _value_ok(atom) -> bool:
    """A value the C side can hold: a scalar, an array of static rank, or a tape."""
    if is_module_array(atom):  # an array, or a 0-d value (a NumPy scalar on the host)
        return atom.type.shape is not None and atom.type.dtype in DTYPES
    if isinstance(atom, Const):
        return isinstance(atom.value, (bool, int, float)) and atom.type.shape == () and \
            (not isinstance(atom.value, int) or -2**63 <= atom.value < 2**63)
    t = atom.type
    return t.dtype == "tape" or (t.shape is not None and t.dtype in DTYPES)


def stmt_ok(stmt, regions: dict) -> bool:
    """Can a run hold `stmt` (a loop or branch: with every statement inside it)?"""
    if isinstance(stmt, Loop):
        return _loop_ok(stmt, regions)
    if isinstance(stmt, If):
        return stmt.cond.type.shape == () and _value_ok(stmt.cond) and \
            all(_value_ok(a) for a in (*stmt.outs, *stmt.then_results, *stmt.else_results)
                if not (isinstance(a, Const) and a.value is None)) and \
            all(_holds(out, value) for results in (stmt.then_results, stmt.else_results)
                for out, value in zip(stmt.outs, results)) and \
            all(stmt_ok(s, regions) for s in stmt.then_body + stmt.else_body)
    if not all(_value_ok(a) for a in (*stmt.args, *stmt.outs)):
        return False
    name = stmt.prim.name
    if name == "launch":
        return _launch_ok(stmt, regions.get(stmt.params["kernel"]))
    if name == "getitem":
        return (_basic_index(stmt, 1) or is_row_gather(stmt)) and stmt.args[0].type.shape != () and \
            not stmt.params.get("lanes")
    if name == "add_at":
        return _scatter_add_ok(stmt)
    if name == "unbroadcast":
        g, like = stmt.args
        return g.type.shape != () and like.type.shape != () and g.type.dtype == stmt.out.type.dtype and \
            stmt.out.type.dtype in ("f64", "f32")
    if name in ARRAY_OPS and stmt.out.type.shape != ():
        return _array_op_ok(stmt)
    if name == "broadcast_to":
        return stmt.out.type.shape != () and all(_int_scalar(a) for a in stmt.args[1:]) and \
            len(stmt.args[0].type.shape) <= len(stmt.out.type.shape)
    if name in ("expand_dims", "squeeze"):
        return stmt.args[0].type.shape != () and stmt.out.type.shape != () and \
            (name == "expand_dims" or stmt.params.get("axis") is not None or
             all(isinstance(d, int) or d != 1 for d in stmt.args[0].type.shape))
    if name in ("setitem", "index_add"):
        target, value = stmt.args[0], stmt.args[1]
        whole = view_rank(stmt.params.get("index", ()), len(target.type.shape)) == 0
        return _basic_index(stmt, 2) and not stmt.params.get("lanes") and target.type.shape != () and \
            _cast_ok(value.type.dtype, target.type.dtype) and not (whole and value.type.shape != ()) and \
            not (name == "index_add" and target.type.dtype == "bool")
    if name == "copy":
        return stmt.args[0].type.shape != ()
    if name in FILLS:
        return stmt.out.type.shape != () and len(stmt.out.type.shape) >= 1 and \
            all(a.type.shape == () for a in (stmt.args if name in ("zeros", "ones", "full") else ())) and \
            (name != "full" or stmt.args[-1].type.shape == ())
    if name == "concatenate":
        rank = len(stmt.out.type.shape)
        return set(stmt.params) <= {"axis"} and rank >= 1 and \
            all(len(a.type.shape) == rank and _cast_ok(a.type.dtype, stmt.out.type.dtype) for a in stmt.args)
    if name == "stack":
        return _stack_ok(stmt)
    if name == "eye":  # (jacfwd's basis: `np.eye(n)`, `np.eye(n, m, k)`)
        return len(stmt.out.type.shape) == 2 and len(stmt.args) in (1, 2) and all(_int_scalar(a) for a in stmt.args)
    if name == "refine_shape":  # (an array checked to have sizes the annotations name differently: itself)
        return stmt.args[0].type.shape not in (None, ()) and \
            len(stmt.args[0].type.shape) == len(stmt.args) - 1 and all(_int_scalar(a) for a in stmt.args[1:])
    if name == "dim":
        return stmt.args[0].type.shape is not None and len(stmt.args[0].type.shape) >= 1
    if name in ("push", "pop", "tape_new"):
        return True
    if name in ("transpose", "swapaxes"):
        return stmt.args[0].type.shape != ()
    if name == "check_nonempty":  # (a dead reduction without identity: its axis is not empty)
        return stmt.args[0].type.shape not in (None, ())
    if name == "check_index":  # (a gather's indices against its table's axis, before the launch)
        index, table = stmt.args
        return table.type.shape != () and index.type.dtype in ("i64", "i32")
    if name == "stacked_matmul":  # (an einsum as one product of transposed views, one batch axis at most)
        a, b = stmt.args
        return stmt.out.type.dtype in ("f64", "f32") and a.type.dtype == b.type.dtype == stmt.out.type.dtype and \
            len(a.type.shape) == len(b.type.shape) == len(stmt.out.type.shape) in (2, 3)
    if name == "outer":  # (two vectors of one float dtype: no flattening, no promotion)
        a, b = stmt.args
        return a.type.dtype == b.type.dtype == stmt.out.type.dtype and stmt.out.type.dtype in ("f64", "f32") and \
            len(a.type.shape) == len(b.type.shape) == 1
    if name == "host_matmul":  # (BLAS: float matrices, vectors or stacks of one dtype; not two vectors, a number)
        a, b = stmt.args
        ranks = len(a.type.shape), len(b.type.shape)
        return stmt.out.type.dtype in ("f64", "f32") and a.type.dtype == b.type.dtype == stmt.out.type.dtype and \
            (ranks in ((2, 2), (2, 1), (1, 2)) or min(ranks) >= 2 and max(ranks) == 3)
    if name == "masked_matmul":  # (../masked_products.py: matrices of one float dtype, factors of rank 2 at most)
        other, mask, *factors = stmt.args
        dtype = stmt.out.type.dtype
        return dtype in ("f64", "f32") and other.type.dtype == dtype and len(other.type.shape) == 2 and \
            mask.type.dtype == "bool" and len(mask.type.shape) == 2 and \
            all(len(f.type.shape) <= 2 and not (f.type.shape == () and f.type.dtype == "f32") for f in factors)
    if name == "masked_sum":  # (the same chains, summed over one axis)
        mask, *factors = stmt.args
        return stmt.out.type.dtype in ("f64", "f32") and mask.type.dtype == "bool" and len(mask.type.shape) == 2 and \
            all(len(f.type.shape) <= 2 and not (f.type.shape == () and f.type.dtype == "f32") for f in factors)
    return _scalar_ok(stmt)


def _scalar_ok(stmt: Eqn) -> bool:
    """A scalar equation whose C expression (the registry's `cuda`) has NumPy's meaning: the entry's `scalar_c`."""
    rule = stmt.prim.scalar_c
    if rule is None or not stmt.prim.cuda:
        return False
    if rule == "one_dtype" and len({a.type.dtype for a in stmt.args}) != 1:
        return False
    if rule == "float" and stmt.out.type.dtype not in ("f64", "f32"):
        return False
    if "f32" in {a.type.dtype for a in (*stmt.args, *stmt.outs)}:
        return False  # a float32 scalar may be a Python float on the host (double arithmetic) or NumPy's
    return len(stmt.outs) == 1 and stmt.out.type.shape == () and all(a.type.shape == () for a in stmt.args) \
        and not is_module_array(stmt.out)


def is_row_gather(eqn: Eqn) -> bool:
    """`table[index]` with one integer index array on the first axis (a new array, NumPy's take along axis 0): the
    gathers a run takes (a kernel takes more forms: backends/c/gather.is_gather)."""
    index = eqn.params.get("index", ())
    if eqn.prim.name != "getitem" or index != (Ref(1),) or len(eqn.args) != 2:
        return False
    table, indices = eqn.args
    return table.type.shape not in (None, ()) and indices.type.shape not in (None, ()) and \
        indices.type.dtype in ("i64", "i32") and eqn.out.type.dtype == table.type.dtype and \
        len(eqn.out.type.shape) == len(indices.type.shape) + len(table.type.shape) - 1


def _scatter_add_ok(eqn: Eqn) -> bool:
    """`np.add.at(target, index, value)`: one integer index array on the first axis of a float target, a value
    of the target's dtype (or anything into float64) of no more axes than the indexed region."""
    if eqn.params.get("index", ()) != (Ref(2),) or len(eqn.args) != 3 or eqn.params.get("lanes"):
        return False
    target, value, indices = eqn.args
    if target.type.shape in (None, ()) or indices.type.shape in (None, ()) or value.type.shape is None:
        return False
    region = len(indices.type.shape) + len(target.type.shape) - 1
    return indices.type.dtype in ("i64", "i32") and target.type.dtype in ("f64", "f32") and \
        (value.type.dtype == target.type.dtype or target.type.dtype == "f64" and value.type.dtype in DTYPES) and \
        len(value.type.shape) <= region


# NumPy's dtype of `np.stack` of parts of these dtypes (each part an array, or a scalar it makes one of)
# a scalar part of these dtypes is the same array whether the host holds a Python number or a NumPy scalar
_SCALAR_PARTS = ("f64", "i64", "bool")


def _stack_ok(eqn: Eqn) -> bool:
    """`np.stack(parts, axis)`: parts of one rank (NumPy checks their shapes at run time) whose NumPy result type
    is the compiled one, so every element is an exact cast. A scalar part becomes an array of its value's own type
    (a Python float a float64 array), so a float32 or int32 scalar, which the host may hold as a Python number,
    keeps the statement on the host."""
    rank = {len(a.type.shape) for a in eqn.args}
    if set(eqn.params) - {"axis"} or len(rank) != 1 or not eqn.args:
        return False
    if rank == {0} and any(a.type.dtype not in _SCALAR_PARTS for a in eqn.args):
        return False
    dtype = np.result_type(*(numpy_dtype(a.type.dtype) for a in eqn.args))
    return dtype == numpy_dtype(eqn.out.type.dtype) and len(eqn.out.type.shape) == rank.pop() + 1


def _array_op_ok(eqn: Eqn) -> bool:
    """`+ - * /` and unary `-` of float arrays, one dtype (exact in C as in NumPy: one IEEE operation per element);
    scalars beside them where NumPy computes in the array's dtype too: float64 Python or NumPy numbers and
    integers (converted to float64 as NumPy converts them), literals beside float32."""
    dtype = eqn.out.type.dtype
    if dtype not in ("f64", "f32") or len(eqn.outs) != 1:
        return False
    for atom in eqn.args:
        if atom.type.shape != ():
            if atom.type.dtype != dtype or len(atom.type.shape) > len(eqn.out.type.shape):
                return False
        elif isinstance(atom, Const) and not is_module_array(atom):
            if not isinstance(atom.value, (int, float)) or isinstance(atom.value, bool):
                return False
        elif dtype != "f64" or atom.type.dtype not in ("f64", "i64", "i32"):
            return False
    return True


def makes_array(eqn: Eqn) -> bool:
    """Does the equation make a new array (memory of its own, see select.py)? `unbroadcast` may: a sum or a
    broadcast copy (and otherwise gives its operand itself)."""
    name = eqn.prim.name
    return name in FILLS or name in NEW_ARRAYS or name == "broadcast_to" and eqn.args[0].type.shape == () or \
        is_row_gather(eqn) or name == "unbroadcast" or name in ARRAY_OPS and eqn.out.type.shape != ()


def shares_memory(eqn: Eqn) -> bool:
    """May the equation's result share memory with its first operand (a view, an update in place: the registry's
    `shares_first`; a gather's never does, `unbroadcast`'s when it has nothing to sum)?"""
    return bool(eqn.args) and bool(eqn.outs) and eqn.prim.shares_first(eqn.args, eqn.params)


def view_rank(index: tuple, rank: int) -> int:
    """The rank of `x[index]` for a basic index (integers, slices, None, Ellipsis) of an array of `rank`."""
    return rank - sum(1 for i in index if i is not None and i is not Ellipsis and not isinstance(i, slice)) + \
        sum(1 for i in index if i is None)


def _cast_ok(source: str, target: str) -> bool:
    """Writes the host would make without an error or a rounding the C side does differently: the same dtype,
    or integers and bools into floats."""
    return source == target or (target in ("f64", "f32") and source in ("i64", "i32", "bool")) or \
        (target == "f64" and source == "f32") or (target == "i64" and source in ("i32", "bool"))


def _basic_index(eqn: Eqn, first_ref: int) -> bool:
    """Integers (literals, or integer scalars) and slices with such bounds: no None, Ellipsis or index arrays."""
    for item in eqn.params.get("index", ()):
        if isinstance(item, Ref):
            if not _int_scalar(eqn.args[item.index]):
                return False
        elif isinstance(item, slice):
            for bound in (item.start, item.stop, item.step):
                if isinstance(bound, Ref) and not _int_scalar(eqn.args[bound.index]):
                    return False
                if bound is not None and not isinstance(bound, (Ref, int)):
                    return False
            if isinstance(item.step, int) and item.step == 0:
                return False
        elif item is None or item is Ellipsis:
            continue
        elif not isinstance(item, int) or isinstance(item, bool):
            return False
    rank = len(eqn.args[0].type.shape)
    consumed = sum(1 for item in eqn.params.get("index", ()) if item is not None and item is not Ellipsis)
    return consumed <= rank and len(eqn.args) - first_ref == sum(1 for _ in index_refs(eqn.params["index"]))


# the kinds regions.py passes ("result": a table the kernel adds into, which is its result)
CALLABLE_PARAMS = ("scalar", "array", "table", "tape", "out", "scalar_out", "reduce", "result")
RESULT_PARAMS = ("out", "scalar_out", "reduce", "result")  # (one result of the launch each, in order)


def added_tables(eqn: Eqn, regions: dict) -> list[tuple]:
    """(operand, result) for each table a launch adds into in place (a scatter-add's): the result is the table."""
    region = regions.get(eqn.params["kernel"]) if eqn.prim.name == "launch" else None
    if region is None:
        return []
    outputs = [p for p in region.spec["params"] if p[0] in RESULT_PARAMS]
    return [(eqn.args[p[1]], out) for p, out in zip(outputs, eqn.outs) if p[0] == "result"]


def _launch_ok(eqn: Eqn, region: EmittedKernel | None) -> bool:
    """A region kernel called from C with its inputs as the spec lists them."""
    if region is None or any(p[0] not in CALLABLE_PARAMS for p in region.spec["params"]):
        return False
    inputs = [p for p in region.spec["params"] if p[0] in ("scalar", "array", "table")]
    return len(inputs) == len(eqn.args) and all(
        (p[0] == "scalar") == (a.type.shape == ()) and not (isinstance(a, Const) and a.value is None) and
        (p[0] != "table" or len(a.type.shape) == p[2]) for p, a in zip(inputs, eqn.args))
