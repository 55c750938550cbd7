"""Gathers read inside kernels, and their adjoint `np.add.at` as an atomic scatter-add (issue #11).

A gather `x[idx]`, `x[:, idx]`, `w[rows, cols]` (the registry's `getitem` through integer index arrays, read
element by element as the registry's `indexed` rule says) whose result has the kernel's index space, or
broadcasts into it, joins the kernel: each element loads `x` where the index arrays say, so the gathered copy is
never written and read back. `x` is a *table*, read through its own shape and strides; so is an index array
whose axes are not the trailing axes of the space (one whose axes end it is read like any operand). All come
from before the kernel: a negative index wraps once (`lifted_wrap`), and before the launch the host checks every
index against its axis (`check_index`: NumPy's IndexError and message, integers first, then the index arrays, in
axis order), so the kernel never reads outside an array. A gather of whole rows stays NumPy's row copy unless the
kernel scatter-adds (`worth_loading`). Masks, `None`, slices with run-time bounds stay host code.

`np.add.at(acc, index, g)` (the reverse of a gather whose indices may repeat) joins the kernel that computes `g`
when `acc` is a fresh array of zeros, or what such a scatter-add made, that only this `np.add.at` reads
(`accumulators`; the zeros are made by NumPy before the launch): each element adds its `g` atomically after the
element work of its lane block, lane by lane in order, so one thread adds in NumPy's order; several add in
another order (round-off only). `acc[index]` must be the index space itself (each element adds once), and `g` of
`acc`'s float dtype. The kernel returns the array it added into.
"""
from __future__ import annotations

from ...ir import Const, Eqn, Loop, Var, all_defined, equations, statement_uses
from ...ir.types import TensorType
from ...primitives.indexing.checks import index_check, index_check_key, needs_index_check
from ...primitives.indexing.indexed import IndexedRead
from ...primitives.indexing.items import shift_refs
from ...primitives.registry import lookup
from .c_syntax import C_TYPES
from .region import fits

FILLS = {"zeros", "zeros_like"}


def indexed(eqn: Eqn) -> IndexedRead | None:
    """The element-by-element reading of an indexed equation (a gather or a scatter-add), if the registry has one
    and it covers the index."""
    rule = eqn.prim.extra.get("indexed")
    if rule is None or any(a.type.shape is None for a in eqn.args):
        return None
    return rule([a.type for a in eqn.args], eqn.params)


def is_gather(eqn) -> bool:
    return isinstance(eqn, Eqn) and eqn.prim.name == "getitem" and indexed(eqn) is not None


def is_scatter(eqn) -> bool:
    return isinstance(eqn, Eqn) and eqn.prim.name == "add_at" and indexed(eqn) is not None


def table_atoms(eqn: Eqn) -> list:
    """What a gather or scatter reads through its own shape and strides: the indexed array, then the index arrays
    whose axes are not the trailing axes of the index space (those broadcast into it like any operand, and are
    read the usual way: contiguous where they have the space's shape)."""
    read = indexed(eqn)
    trailing = read.block_start + read.block_rank == read.rank
    return [eqn.args[0]] + ([] if trailing else [eqn.args[ref.index] for _, ref in read.arrays()])


def worth_loading(eqn: Eqn, kernel: list) -> bool:
    """Does a gather pay its way inside a kernel (`kernel`: its statements)? One whose index block ends the
    result (`x[idx]` of a vector, `x[:, idx]`) is one load per element where NumPy writes and the kernel reads a
    copy; one that picks whole rows (`E[idx]`, `w[rows, 0:3]`) NumPy copies row by row faster than a kernel
    walks it element by element (its coordinates, two indirect loads), unless the kernel also scatter-adds (the
    adjoint: `np.add.at` is NumPy's slow part)."""
    read = indexed(eqn)
    return read.block_start + read.block_rank == read.rank or any(is_scatter(s) for s in kernel)


def index_arrays(eqn: Eqn) -> list:
    read = indexed(eqn)
    return [eqn.args[ref.index] for _, ref in read.arrays()]


def _is_array(atom) -> bool:
    return isinstance(atom, Var) or isinstance(atom, Const) and isinstance(atom.value, Var)


def gather_fits(eqn: Eqn, shape: tuple) -> bool:
    """Can this gather run per element over `shape` (its result that shape, or broadcast into it: each element
    loads its own)? (Where its tables come from is `tables_outside`'s.)"""
    read = indexed(eqn)
    out = eqn.out.type
    return read is not None and out.shape is not None and read.rank == len(out.shape) and fits(out, shape) and \
        all(_is_array(t) for t in [eqn.args[0]] + index_arrays(eqn)) and \
        all(isinstance(a, Const) or a.type.shape == () for _, a in _fixed_atoms(eqn, read))


def scatter_fits(eqn: Eqn, shape: tuple) -> bool:
    """Can this `np.add.at` add per element over `shape`: each element of the space one element of
    `acc[index]`, the value broadcast into the space, of `acc`'s float dtype?"""
    read = indexed(eqn)
    if read is None:
        return False
    acc, value = eqn.args[0], eqn.args[1]
    region = lookup("getitem").infer([acc.type] + [a.type for a in eqn.args[2:]],
                                     {"index": shift_refs(eqn.params["index"], -1)})
    return isinstance(acc, Var) and acc.type.dtype in ("f64", "f32") and value.type.dtype == acc.type.dtype and \
        region.shape == shape and read.rank == len(shape) and fits(value.type, shape) and \
        all(_is_array(t) for t in index_arrays(eqn)) and \
        all(isinstance(a, Const) or a.type.shape == () for _, a in _fixed_atoms(eqn, read))


def table_values(block: list) -> set[int]:
    """The ids of what the gathers and scatter-adds of a block read from memory (tables and integers): values a
    kernel must be given, never recompute (see remat.py)."""
    return {id(t) for e in equations(block) if is_gather(e) or is_scatter(e) for t in outside_atoms(e)}


def outside_atoms(eqn: Eqn) -> list:
    """A gather's or scatter-add's tables and integers: what it reads from outside the kernel."""
    return [eqn.args[0]] + index_arrays(eqn) + [a for _, a in _fixed_atoms(eqn, indexed(eqn))]


def tables_outside(stmt, region: list) -> bool:
    """Do the gathers and scatters of `stmt` read tables and integers that neither the region nor `stmt` itself
    computes? (The host checks the indices before the launch, and the kernel reads the tables from memory.)"""
    chained = {id(s.out) for s in region if is_scatter(s)}  # a scatter adds on into an earlier one's array
    found = [t for e in equations([stmt]) if is_gather(e) or is_scatter(e) for t in outside_atoms(e)
             if not (is_scatter(e) and t is e.args[0] and id(t) in chained)]
    if not found:
        return True
    inside = {id(v) for v in all_defined(region + [stmt])}
    return not any(id(t) in inside for t in found)


def accumulators(stmts: list, tail: list, seeds: tuple = ()) -> tuple[set[int], dict[int, tuple]]:
    """The arrays of a block that scatter-adds may add into inside a kernel: a fill of zeros, a loop body's
    carried accumulator (`seeds`), or what a scatter-add into one made, that only the next `np.add.at` reads
    (`tail`: what the block's end reads); and for each host `for` loop of the block, its carried values that start
    as such a fill which nothing but the loop reads, as one start value (a reverse sweep's cotangent of a gathered
    array, added into by each step's `np.add.at`, in place as NumPy does), the seeds of its body."""
    readers: dict[int, list] = {}
    for stmt in stmts:
        for atom in statement_uses(stmt):  # (nested blocks' reads included)
            found = readers.setdefault(id(atom), [])
            if not found or found[-1] is not stmt:
                found.append(stmt)
    tail_ids = {id(a) for a in tail}

    def read_by_one_scatter(value) -> bool:
        users = readers.get(id(value), [])
        return id(value) not in tail_ids and len(users) == 1 and is_scatter(users[0]) and \
            users[0].args[0] is value and not any(a is value for a in users[0].args[1:])

    fills = {id(s.out) for s in stmts if isinstance(s, Eqn) and s.prim.name in FILLS and
             s.out.type.dtype in ("f64", "f32")}
    found = {id(seed) for seed in seeds if read_by_one_scatter(seed)}
    loops: dict[int, tuple] = {}
    for stmt in stmts:
        if isinstance(stmt, Loop):
            loops[id(stmt)] = tuple(
                carried for carried, start in zip(stmt.carried, stmt.inits)
                if stmt.kind == "for" and id(start) in fills and readers.get(id(start)) == [stmt] and
                id(start) not in tail_ids and sum(a is start for a in statement_uses(stmt)) == 1)
        elif isinstance(stmt, Eqn) and (id(stmt.out) in fills or is_scatter(stmt) and id(stmt.args[0]) in found) \
                and read_by_one_scatter(stmt.out):
            found.add(id(stmt.out))
    return found, loops


def _fixed_atoms(eqn: Eqn, read: IndexedRead) -> list:
    """(axis, atom) for each integer of the index: a literal as a constant, a run-time one as its argument."""
    return [(axis, eqn.args[value.index] if not isinstance(value, int) else Const(value, TensorType("i64", ())))
            for axis, value in read.fixed()]


def index_checks(body: list, seen: set, explicit: list = (), before: frozenset = frozenset()) -> list[Eqn]:
    """The host's checks before the launch, one per index of each gather and scatter in the kernel's body:
    NumPy raises for integers first, then for the index arrays, each in axis order. `seen`: the (index, array,
    axis) checked already since the last in-place update (the block's earlier launches), updated. `explicit`:
    the region's own host checks (`Region.checks`), each made before the first gather or scatter not among the
    statements before it (`before`: the equations every check follows, the copies of earlier regions' work)."""
    checks = []
    waiting = list(explicit)
    # a scatter into the result of an earlier scatter of the body: the host holds only the first one's target (the
    # same shape), and its check must read that one (the body's values do not exist on the host)
    scattered_into: dict[int, Var] = {}
    for eqn in equations(body):
        if not (is_gather(eqn) or is_scatter(eqn)):
            continue
        while waiting and id(eqn) not in waiting[0][0] and id(eqn) not in before:
            checks.append(waiting.pop(0)[1])
        array = scattered_into.get(id(eqn.args[0]), eqn.args[0])
        if is_scatter(eqn):
            scattered_into[id(eqn.out)] = array
        read = indexed(eqn)
        items = _fixed_atoms(eqn, read) + [(axis, eqn.args[ref.index]) for axis, ref in read.arrays()]
        for axis, atom in items:
            key = index_check_key(atom, array, axis)
            if key in seen or not needs_index_check(atom, array, axis):
                continue
            seen.add(key)
            checks.append(index_check(atom, array, axis, eqn.loc))
    return checks + [check for _, check in waiting]


def table_parameter(var: Var, name: str, fresh, writable: bool) -> tuple:
    """A table's kernel parameter: its (pointer, dims, strides) names, its C declaration (the pointer, then its
    own dims and element strides, 0 along an axis of length 1) and its spec for the runtime."""
    pointer = fresh(f"{name}_data")
    rank = len(var.type.shape)
    dims = [fresh(f"{name}_d{k}") for k in range(rank)]
    strides = [fresh(f"{name}_s{k}") for k in range(rank)]
    decl = f"{'' if writable else 'const '}{C_TYPES[var.type.dtype]}* __restrict__ {pointer}" + \
        "".join(f", const int64_t {d}" for d in dims) + "".join(f", const int64_t {s}" for s in strides)
    return (pointer, dims, strides), decl, (var.type.dtype, rank, writable)


class Addressing:
    """C text for reading and adding through tables, in an emitter's terms: `table(atom)` gives a table's
    (pointer, dims, strides) names, `coordinate(axis)` the C coordinate of an axis of the index space (in its
    original order), `scalar(atom)` how an operand is read at the element (a scalar, or an array broadcast into
    the space)."""

    def __init__(self, table, coordinate, scalar, rank: int):
        self.table, self.coordinate, self.scalar, self.rank = table, coordinate, scalar, rank

    def element(self, atom, shape_rank: int, axes: list[int] | None = None) -> str:
        """`atom[...]` at the index space's element, an array laid into `axes` of the space (right-aligned into
        the space when None); a table's strides are 0 along the axes where it has length 1."""
        pointer, _dims, strides = self.table(atom)
        axes = list(range(self.rank - shape_rank, self.rank)) if axes is None else axes
        offset = " + ".join(f"{self.coordinate(a)} * {s}" for a, s in zip(axes, strides)) or "0"
        return f"{pointer}[{offset}]"

    def indexed(self, eqn: Eqn) -> str:
        """The element of `x[index]` (or `acc[index]`) that the index space's element reads (or adds to)."""
        read = indexed(eqn)
        pointer, dims, strides = self.table(eqn.args[0])
        pad = self.rank - read.rank
        fixed = dict((axis, atom) for axis, atom in _fixed_atoms(eqn, read))
        terms = []
        for axis, source in enumerate(read.sources):
            if source.kind == "slice":
                position = self.coordinate(pad + source.axis)
                at = position if (source.start, source.step) == (0, 1) else \
                    f"({source.start} + {source.step} * {position})"
            elif source.kind == "fixed":
                value = fixed[axis]
                at = str(value.value) if isinstance(value, Const) and value.value >= 0 else \
                    f"lifted_wrap({self.scalar(value)}, {dims[axis]})"
            else:
                array = eqn.args[source.value.index]
                rank = len(array.type.shape)
                first = pad + read.block_start + read.block_rank - rank
                value = self.scalar(array) if first + rank == self.rank else \
                    self.element(array, rank, list(range(first, first + rank)))
                at = f"lifted_wrap({value}, {dims[axis]})"
            terms.append(f"{at} * {strides[axis]}")
        return f"{pointer}[{' + '.join(terms)}]"


def space_dims(body: list, shape: tuple, position) -> list:
    """Where the host finds index-space dims that only a gather's tables give (the entries of the spec's `dims`,
    `(pattern, sources)`): the lengths of the index arrays' axes and of the whole axes a slice keeps, each a
    `("shape", input position, axis)`; `position(atom)` is the atom's position among the kernel's inputs."""
    found, rank = [], len(shape)
    for eqn in equations(body):
        if not is_gather(eqn):
            continue
        read = indexed(eqn)
        pad = rank - read.rank
        placed = []  # (space axis, the table, its axis, the result's length there)
        for axis, source in enumerate(read.sources):
            if source.kind == "slice" and (source.start, source.step) == (0, 1):
                placed.append((pad + source.axis, eqn.args[0], axis))
        for array in table_atoms(eqn)[1:]:  # (the others are operands that give their dims the usual way)
            first = pad + read.block_start + read.block_rank - len(array.type.shape)
            placed += [(first + k, array, k) for k in range(len(array.type.shape))]
        for space_axis, atom, axis in placed:
            if atom.type.shape[axis] != shape[space_axis]:  # (broadcast along that axis: a length 1)
                continue
            pattern = (None,) * space_axis + ("S",) + (None,) * (rank - space_axis - 1)
            found.append((pattern, [("shape", position(atom), axis)] + [("const", 1)] * (rank - space_axis - 1)))
    return found
