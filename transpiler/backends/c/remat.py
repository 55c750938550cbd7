"""Rematerialization: a kernel recomputes an earlier kernel's elementwise value instead of reading it back.

A reduction is a barrier: the work after it needs its result, so it runs in a later kernel. An elementwise value
computed before the barrier and read after it (`e = exp(x - a)` before `sum(e)`, read again by the gradient) is
then stored by one kernel and loaded by the next. Recomputing it in the consuming kernel from the inputs its
computation started from costs no stored intermediate, only those inputs' loads; this pass chooses, per
consuming kernel, whichever moves fewer bytes.

The cost rule, in bytes per element of the index space (a scalar, a value of one element, or one broadcast
along an axis of the index space, such as a row's maximum `(n, 1)` over `(n, k)`, costs nothing: it stays in a
register or is read again from the cache):
- reading the stored value costs its item size, and its store and the producer's loads of the arrays only its
  computation reads there when no other kernel or host code reads it (`_freed`: recomputed, it is dead in the
  producer); recomputing it costs the item sizes of the arrays its computation reads that the consuming kernel
  does not read already (a value the consumer reads at an offset is such an array: it is never recomputed there);
- recompute when that costs less, or the same when no host statement reads the value (then, once every kernel
  that reads it recomputes it, it is not stored at all: its write and the write-allocate read go too);
- and only a computation of at most `MAX_COPY` elementwise equations (or gathers, loaded again from their tables), all of the producing region's own
  top-level statements, over the consumer's index space (or over one element), with nothing between the two
  kernels that writes into an array in place (the recomputation must read the same values).
On the CPU a second pass (`_load_call_results`) weighs the math-library calls (`exp`, `log`, `tanh`, ...) the
copies repeat: one per element costs `CALL_BYTES` (a libmvec `exp` takes about what moving 18 bytes does at one
thread's copy bandwidth: see docs/backends.md). A call's result that consuming kernels recompute is loaded by
them instead (stored once by its own kernel) where the calls and the input loads that saves outweigh its loads
and its store: logsumexp's gradient stores `exp(x - a)` once, where three passes each evaluated it. On the GPU
bytes alone decide, as before (the constant was measured on the CPU only).
Recomputation repeats the same operations on the same operands. Arithmetic, `sqrt` and comparisons are
correctly rounded, so their recomputed value is bit for bit the stored one; a math-library function (`exp`,
`tanh`, `pow`, ...) may differ in its last bits between a vectorised loop (libmvec) and a scalar one (libm), so a
value recomputed through one must not decide anything exactly: it may not reach, in the recomputing kernel, a
comparison or any other float-to-integer/bool step, a rounding (`floor`, `//`, `%`, `sign`), or a `max`/`min`
reduction (whose result a `max`'s derivative compares with the stored values: `x == max(x)`).
"""
from __future__ import annotations

import re

from ...ir import Eqn, Var, all_defined, equations, free_values, statement_uses
from .gather import is_gather, outside_atoms, table_values, worth_loading
from .region import CREATION, TAPE_OPS, Region, fits, is_element_eqn, is_tape, offset_read

MAX_COPY = 24
CALL_BYTES = 16  # one math-library call per element, in bytes moved: its cost on the CPU (see above)
ITEM_SIZE = {"f64": 8, "f32": 4, "i64": 8, "i32": 4, "bool": 1}
EXACT_CALLS = {"sqrt", "fabs", "floor", "ceil", "copysign", "lifted_maximum", "lifted_minimum", "lifted_abs",
               "lifted_sign", "lifted_floor_divide", "lifted_mod", "lifted_clip", "lifted_where", "fmax", "fmin",
               "isnan", "isinf", "isfinite"}  # correctly rounded (or exact selections and tests) in every loop
ROUNDING = {"floor", "ceil", "sign", "floor_divide", "mod"}


def element_bytes(atom, space: tuple) -> int:
    """What reading `atom` costs per element of the index space `space` (see the module's rule)."""
    shape = atom.type.shape
    if not isinstance(atom, Var) or not shape or len(shape) < len(space) or \
            any(d == 1 and s != 1 for d, s in zip(shape, space[len(space) - len(shape):])):
        return 0
    return ITEM_SIZE.get(atom.type.dtype, 8)


def rematerialize(items: list, tail: list, call_bytes: int = 0) -> None:
    """Give the regions of one block (`items`: host statements and `Region`s in order) the copies they should
    recompute, until no choice changes. `call_bytes`: the cost of a repeated math-library call (the module's
    rule; 0 leaves the choice to bytes alone)."""
    regions = [k for k, item in enumerate(items) if isinstance(item, Region)]
    origin: dict[int, int] = {}  # value -> the region whose own statements define it
    order: dict[int, tuple] = {}  # equation -> its place in the block (copies keep the block's order)
    for k in regions:
        for position, stmt in enumerate(items[k].stmts):
            order[id(stmt)] = (k, position)
            for out in stmt.outs:
                origin[id(out)] = k
    host_reads = {id(a) for a in tail if isinstance(a, Var)}
    for k, item in enumerate(items):
        if isinstance(item, Region):
            host_reads |= {id(v) for v in free_values(item.hoisted)}
        else:
            host_reads |= {id(v) for v in free_values([item])}
    mutates = [k for k, item in enumerate(items)
               if not isinstance(item, Region) and any(e.prim.statement for e in equations([item]))]
    changed = True
    while changed:
        changed = False
        for k in regions:
            consumer = items[k]
            shifted = {id(e.args[0]) for e in equations(consumer.body) if offset_read(e)}
            for value in free_values(consumer.body):
                if id(value) in shifted:  # read at other elements: it must come from memory
                    continue
                source = origin.get(id(value))
                if source is None or source >= k or is_tape(value) or any(source < m < k for m in mutates) or \
                        id(value) in table_values(consumer.body):  # a gather's table is read from memory
                    continue
                copy = _computation(items[source], value, consumer.shape, shifted)
                if copy is None or not all(worth_loading(e, consumer.body) for e in copy if is_gather(e)):
                    continue
                reads = {id(v) for v in free_values(consumer.body)}
                if id(value) not in reads:  # an earlier choice in this sweep recomputes it already
                    continue
                added = sum(element_bytes(v, consumer.shape) for v in free_values(copy) if id(v) not in reads)
                saved = element_bytes(value, consumer.shape) + \
                    _freed(items, regions, source, k, value, copy, host_reads)
                if added < saved or added == saved and id(value) not in host_reads:
                    have = {id(e) for e in consumer.copies}
                    copies = sorted(consumer.copies + [e for e in copy if id(e) not in have], key=lambda e: order[id(e)])
                    if decides_exactly(copies, consumer.stmts):
                        continue
                    consumer.copies = copies
                    changed = True
    if call_bytes:
        _load_call_results(items, regions, origin, host_reads, call_bytes)


def _freed(items: list, regions: list[int], source: int, k: int, value: Var, copy: list[Eqn],
           host_reads: set[int]) -> int:
    """What the producer (`items[source]`) stops moving when region k recomputes `value` with `copy`: the
    value's store when nothing else reads it later, and the loads of the arrays only its computation read (the
    module's rule: a value only one later kernel reads, computed there, leaves its producer's launch lighter)."""
    producer, consumer = items[source], items[k]
    have = {id(e) for e in consumer.copies}
    read_later = set(host_reads)
    for j in regions:
        if j != source:
            body = consumer.copies + [e for e in copy if id(e) not in have] + consumer.stmts if j == k else items[j].body
            read_later |= {id(v) for v in free_values(body)}
    if id(value) in read_later:
        return 0
    defining = {id(o): s for s in producer.body for o in all_defined([s])}
    live = [s for s in producer.body if not (isinstance(s, Eqn) and is_element_eqn(s)) or
            any(id(o) in read_later for o in s.outs)]
    needed: dict[int, object] = {}
    while live:
        stmt = live.pop()
        if id(stmt) in needed:
            continue
        needed[id(stmt)] = stmt
        live += [defining[id(v)] for v in free_values([stmt]) if id(v) in defining]
    remaining = {id(v) for v in free_values(list(needed.values()))}
    dropped = sum(element_bytes(v, producer.shape) for v in free_values(producer.body) if id(v) not in remaining)
    return element_bytes(value, producer.shape) + dropped


def _load_call_results(items: list, regions: list[int], origin: dict, host_reads: set, call_bytes: int) -> None:
    """Let kernels load the results of math-library calls they recompute where that costs less (the module's
    second pass), the most profitable value first, until none gains."""
    while True:
        best: tuple | None = None
        candidates = {id(e.out): e.out for k in regions for e in items[k].copies
                      if len(e.outs) == 1 and id(e.out) in origin and calls_math_library(e) and _per_element(e)}
        for value in candidates.values():
            cuts = {}
            for k in regions:
                cut = _cut(items[k], value, call_bytes)
                if cut is not None and cut[0] > 0:
                    cuts[k] = cut
            store = _store_bytes(items, regions, items[origin[id(value)]], value, host_reads)
            gain = sum(g for g, _ in cuts.values()) - store
            if cuts and gain > 0 and (best is None or gain > best[0]):
                best = (gain, cuts)
        if best is None:
            return
        for k, (_, copies) in best[1].items():
            items[k].copies = copies


def _store_bytes(items: list, regions: list[int], producer: Region, value: Var, host_reads: set) -> int:
    """What storing `value` adds to its producer's launch: nothing when it is stored already, its item size when
    the producer stores other values, and its inputs' loads too when the launch would otherwise not happen."""
    read_later = set(host_reads)
    for k in regions:
        read_later |= {id(v) for v in free_values(items[k].body)}
    if id(value) in read_later:
        return 0
    launched = any(id(v) in read_later for v in all_defined(producer.stmts))
    inputs = 0 if launched else sum(element_bytes(v, producer.shape) for v in free_values(producer.body))
    return element_bytes(value, producer.shape) + inputs


def _cut(consumer: Region, value: Var, call_bytes: int) -> tuple[int, list] | None:
    """(what loading `value` instead of recomputing it saves the consumer, its copies then); None when the
    consumer does not recompute it."""
    defining = {id(o): e for e in consumer.copies for o in e.outs}
    if id(value) not in defining:
        return None
    needed: dict[int, Eqn] = {}
    stack = [v for v in free_values(consumer.stmts) if isinstance(v, Var)]
    while stack:
        var = stack.pop()
        eqn = defining.get(id(var))
        if var is value or eqn is None or id(eqn) in needed:
            continue
        needed[id(eqn)] = eqn
        stack += [a for a in eqn.args if isinstance(a, Var)]
    copies = [e for e in consumer.copies if id(e) in needed]
    kept = {id(v) for v in free_values(copies + consumer.stmts)}
    dropped = sum(element_bytes(v, consumer.shape) for v in free_values(consumer.body) if id(v) not in kept)
    calls = sum(1 for e in consumer.copies if id(e) not in needed and calls_math_library(e) and _per_element(e))
    return call_bytes * calls + dropped - element_bytes(value, consumer.shape), copies


def _per_element(eqn: Eqn) -> bool:
    """Is the equation computed for each element (not a value of one element, which a kernel works out once)?"""
    return any(out.type.shape and any(d != 1 for d in out.type.shape) for out in eqn.outs)


def calls_math_library(eqn: Eqn) -> bool:
    """Does the equation call a math-library function (see the module's note)?"""
    return any(call not in EXACT_CALLS for call in re.findall(r"([A-Za-z_]\w*)\s*\(", eqn.prim.cuda or ""))


def _decides(eqn: Eqn) -> bool:
    """Does a last-bit difference in an operand change the result by more than round-off?"""
    if eqn.prim.name in ROUNDING or eqn.prim.name in ("max", "min"):
        return True
    return not all(o.type.is_float for o in eqn.outs) and any(a.type.is_float for a in eqn.args)


def decides_exactly(copies: list[Eqn], stmts: list) -> bool:
    """Would a value the copies compute through a math-library function decide something exactly?"""
    tainted: set[int] = set()
    for eqn in copies:
        if calls_math_library(eqn) or any(id(a) in tainted for a in eqn.args):
            if _decides(eqn):
                return True
            tainted.update(id(o) for o in eqn.outs)
    for stmt in stmts:
        if not any(isinstance(a, Var) and id(a) in tainted for a in statement_uses(stmt)):
            continue
        inner = [stmt] if isinstance(stmt, Eqn) else list(equations([stmt]))
        if any(_decides(e) for e in inner):  # a loop or branch: any deciding step in it counts
            return True
        tainted.update(id(v) for v in all_defined([stmt]))
    return False


def _computation(producer: Region, value: Var, shape: tuple, loaded: set[int] = frozenset()) -> list[Eqn] | None:
    """The producer's top-level elementwise equations that compute `value` from its inputs, in order; None when
    it cannot be recomputed over `shape` (see the module's rule). `loaded`: values the consumer reads from memory
    anyway (at an offset): the computation starts from them as from inputs (the consumer may not compute them)."""
    local = {id(o): s for s in producer.body if isinstance(s, Eqn) for o in s.outs}
    if producer.shape != shape and not all(d == 1 for d in producer.shape) and \
            not (id(value) in local and is_gather(local[id(value)])):  # (a gather loads over any space it fits)
        return None
    inputs = {id(v) for v in free_values(producer.body)}
    nested = {id(v) for s in producer.body if not isinstance(s, Eqn) for v in all_defined([s])}
    chosen: dict[int, Eqn] = {}
    stack = [value]
    while stack:
        var = stack.pop()
        if id(var) in loaded and var is not value:
            if not fits(var.type, shape):
                return None
            continue
        if id(var) in inputs:
            if id(var) in nested or not fits(var.type, shape):
                return None
            continue
        eqn = local.get(id(var))
        if eqn is None or id(var) in nested or not (is_element_eqn(eqn) or is_gather(eqn) or scalar_fill(eqn)) or \
                eqn.prim.name in TAPE_OPS or offset_read(eqn) or not fits(var.type, shape):
            return None
        if id(eqn) in chosen:
            continue
        chosen[id(eqn)] = eqn
        if len(chosen) > MAX_COPY:
            return None
        if is_gather(eqn):  # a load through its tables, which come from before the producer
            if any(isinstance(a, Var) and (id(a) not in inputs or id(a) in nested) for a in outside_atoms(eqn)):
                return None
            continue
        stack += [a for a in eqn.args if isinstance(a, Var)]
    position = {id(s): k for k, s in enumerate(producer.body)}
    return sorted(chosen.values(), key=lambda e: position[id(e)])



def scalar_fill(eqn: Eqn) -> bool:
    """A fill from scalars (`np.zeros(n)`, a concatenation's base, see stencils/): recomputed, it reads nothing."""
    return eqn.prim.name in CREATION and all(not isinstance(a, Var) or not a.type.shape for a in eqn.args)
