"""Emit one fused kernel as C (the `.cu` text that nvcc and the system C++ compiler both build).

Each element of the index space runs the region's statements on scalars: inputs are loaded once into locals,
every IR value is one `const` local (so a value used twice is computed once), loops and branches are C loops
and branches, a tape is a per-thread stack, outputs are stored once and reductions accumulate per thread.
Elementwise operations come from the primitive registry's `cuda` expressions.

A kernel whose reductions keep some axes (`Kernel.axes`) runs over its index space permuted so that the kept
axes come first: each output element owns one contiguous run of that space. When the reduced axes are the
trailing ones (`rows`: `sum(x, axis=-1)`), the run's elements are the lanes (a SIMD loop per output on the CPU,
a warp per output on the GPU); otherwise (`columns`: `sum(x, axis=0)`) neighbouring outputs are the lanes (one
GPU thread per output) and each walks its run serially, so that lanes read neighbouring memory either way.
A flat kernel that reads operands through strides may walk the rows of its last axis instead of unravelling
each lane's index (`_row_walk`; chosen per launch, see the prelude's LIFTED_BY_ROW_WALK).

This module sets the kernel up (names, parameters, outputs, lane blocks); how lanes read the inputs (their
parameters, loads and the element's coordinates) is `operands.OperandReader`, and the statements' C (runs,
branches, loops, expressions) `emit_statements.StatementWriter`; `_Emitter` extends both.
"""
from __future__ import annotations

from ...codegen import c_comment_text
from ...ir import Const, Eqn, Var, blocks, equations, own_operands
from . import gather
from .c_syntax import C_TYPES, RESERVED, c_literal, indent
from .emit_statements import StatementWriter
from .fused_kernel import Kernel, input_position, is_module_array, pushes_with_loops
from .launch_spec import EmittedKernel, Param, dims_spec, range3
from .operands import PAIR_LENGTH, OperandReader
from .region import CREATION, REDUCTIONS, is_element_eqn, is_tape, offset_read
from .remat import calls_math_library
from .stencils.c_text import chunk_inside, inside_copy, kernel_windows


SHORT_ROW = 32  # reduced runs of a static length up to this are walked as columns (see `short_rows`), and so are
# the rows of a launch of a rows kernel that has a short walk (see `emit_kernel`: LIFTED_SHORT_RUN in the prelude)


class _Emitter(OperandReader, StatementWriter):
    """Writes one kernel. Control flow is uniform (every element takes the same path: conditions and bounds are
    scalars), so on the CPU a chunk of elements runs it together: straight-line element work sits in lane blocks
    (`LIFTED_LANES`, a SIMD loop over the chunk), and a value read outside the lane block that made it lives in a
    lane array (`LIFTED_LOCAL`, read as `LIFTED_AT(x)`). On the GPU each thread is one lane and the macros vanish."""

    def __init__(self, kernel: Kernel, source_file: str, strided: frozenset = frozenset(), short_walk: bool = False,
                 stepped: frozenset = frozenset(), skippable: frozenset = frozenset()):
        self.kernel = kernel
        self.skippable = skippable  # output positions stored only through a non-null pointer (see `emit_kernel`)
        # the columns walk of a rows kernel, for launches whose rows are short (see `emit_kernel`): its parameters
        # are the rows text's, and the inputs that text reads contiguously it addresses through the strides of a
        # C-contiguous array of the kernel's shape (`lifted_cs0`, ... worked out from the dims, in `setup`)
        self.short_walk = short_walk
        self.setup: list[str] = []
        self.source_file = source_file
        self.strided = strided  # ids of inputs the host passes as strided views (see layouts.py)
        self.stepped = stepped  # ids of those whose last axis steps more than one element (layouts.py)
        self.names: dict = {}
        self.taken = set(RESERVED)
        self.rank = len(kernel.shape)
        self.params: list[Param] = []
        self.prologue: list[str] = []
        self.epilogue: list[str] = []
        # a columns kernel whose runs lie across the kept axes in memory (`np.sum(x, axis=0)`: the run of output j
        # is column j) walks its runs in tiles of a few rows (LIFTED_COLUMN_TILE in the prelude): every chunk of
        # outputs goes on through the tile's rows, then stores its accumulators, which the next tile takes back
        # (`resume`). Each output still adds its run in order (the same bits), but the kernel reads and writes
        # memory a tile of whole rows at a time, where one chunk walking its columns through all the rows touched
        # a new page per row (kmeans' `mask * t[:, None] * -2` stored beside its column sum)
        self.resume: list[str] = []
        self.inputs: dict[int, tuple] = {}  # id -> (pointer, strides or None) for array inputs
        self.layouts: dict[int, tuple] = {}  # id -> pattern (launch_spec.pattern) of inputs read through strides
        self.walk: str | None = None  # a row walk: when a launch takes it (see `_row_walk`, `_reduction_walk`)
        self.pair: int | None = None  # a walk's rows are the last two axes: the last one's static length
        self.runtime_pair: str | None = None  # ... or, when a launch's last axis is short, its run-time one
        self.kept_walk: str | None = None  # a columns walk's rows: the last kept axis's dim (`_kept_rows_walk`)
        self.kept_lanes = False  # a columns chunk's kept coordinates are in lane arrays (`_kept_coordinates`)
        # arrays read through their own shape and strides (gathers' and scatters' tables, see gather.py)
        self.tables: dict[int, tuple] = {}  # id -> (pointer, dims, strides)
        self.coords = False  # does the lane block being written need its element's coordinates?
        self.addressing = gather.Addressing(self._table_names, lambda axis: f"i{self.perm.index(axis)}",
                                            self.ref, self.rank)
        self.lane: set[int] = set()  # values kept in lane arrays
        self.predeclared: set[int] = set()  # uniform merged values declared before their `if`
        # element merged values and loop slots declared (lane arrays) before their statement: a branch that
        # computes the merged value itself (the same Var) writes that array and must not declare its own
        self.declared_lanes: set[int] = set()
        self.reductions: dict[int, tuple] = {}
        self.means: dict[int, bool] = {}
        self.group = None
        self.reads: dict[int, Var] | None = None  # inputs read by the lane block being written
        self.shifted = {id(e.args[0]) for e in equations(kernel.body) if offset_read(e)}  # read at offsets
        # a flat kernel's chunks inside every stencil window run their lane blocks without the window tests
        self.inside = chunk_inside(kernel_windows(kernel.body), self.rank) if kernel.axes is None else []
        self.offsets: dict[str, int] = {}  # tape name -> slots pushed (popped: negative) in this lane block
        self.run_of: dict[int, int] = {}
        # element values of one element (a broadcast of static size 1, e.g. a keepdims reduction's result): the
        # same for every element, so loaded or computed once per chunk like scalars, never kept per lane
        self.single: set[int] = set()
        self.tiny_space = all(d == 1 for d in kernel.shape)
        axes = kernel.axes
        if axes is None:
            self.mode, self.perm = "flat", tuple(range(self.rank))
        else:
            kept = tuple(k for k in range(self.rank) if k not in axes)
            self.perm = kept + tuple(axes)
            self.mode = "rows" if self.perm == tuple(range(self.rank)) and not short_rows(kernel) else "columns"
            if short_walk:
                self.mode = "columns"

    # -- names -------------------------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        hint = hint.replace(".", "_") or "t"
        name, k = hint, 1
        while name in self.taken:
            name, k = f"{hint}_{k}", k + 1
        self.taken.add(name)
        return name

    def name(self, var: Var) -> str:
        if id(var) not in self.names:
            self.names[id(var)] = self.fresh(var.name)
        return self.names[id(var)]

    def ref(self, atom, dtype: str | None = None) -> str:
        """How a lane block (or uniform code, for scalars) reads a value."""
        if is_module_array(atom):  # an input like the others (the host passes the module-level array)
            atom = atom.value
        if isinstance(atom, Const):
            return c_literal(atom.value, dtype)
        if id(atom) in self.tables:  # also read as an ordinary operand: through its strides
            self.coords = True
            return self.addressing.element(atom, len(atom.type.shape))
        if id(atom) in self.inputs:
            self.reads[id(atom)] = atom
            return self.names[id(atom)]
        name = self.names[id(atom)]
        return f"LIFTED_AT({name})" if id(atom) in self.lane else name

    def define(self, var: Var) -> str:
        """The left-hand side defining `var`: a lane array entry, an earlier declared merge, or a new constant."""
        if id(var) in self.lane:
            return f"LIFTED_AT({self.name(var)})"
        if id(var) in self.predeclared:
            return self.names[id(var)]
        return f"const {C_TYPES[var.type.dtype]} {self.name(var)}"

    # -- the kernel --------------------------------------------------------------------------------------------
    def emit(self) -> EmittedKernel:
        kernel = self.kernel
        indexed = [e for e in equations(kernel.body) if gather.is_gather(e) or gather.is_scatter(e)]
        self.table_ids = {id(t.value if is_module_array(t) else t) for e in indexed for t in gather.table_atoms(e)}
        # a scatter-add's result is the array it added into, where a later scatter-add of the kernel adds on
        self.scatter_outs = {id(e.out): e.args[0] for e in indexed if gather.is_scatter(e)}
        self.writable = {id(self._root(e.args[0])) for e in indexed if gather.is_scatter(e)}
        for atom in kernel.inputs:
            self._input(atom.value if is_module_array(atom) else atom)
        self.walk = self._row_walk()
        for tape, pushes in kernel.tapes.items():
            dtypes = {p.args[1].type.dtype for p in pushes}
            dtype = "f64" if len(dtypes) != 1 else dtypes.pop()
            base = self.fresh(tape)
            self.names[("tape", tape)] = base
            capacity = [[tuple(self._bound(b) for b in range3(loop)) for loop in loops]
                        for push, loops in pushes_with_loops(kernel.body) if push.args[0].name == tape]
            self.params.append(Param("tape", f"{C_TYPES[dtype]}* __restrict__ {base}_data, const int64_t {base}_cap",
                                     (dtype, capacity)))
        self._find_single(kernel.body)
        self._plan(kernel.body)
        reduced = {id(e.out) for e in kernel.body if isinstance(e, Eqn) and e.prim.name in REDUCTIONS}
        for var in kernel.outputs:
            if var.type.shape != () and id(var) not in reduced and id(var) not in self.scatter_outs:
                self.lane.add(id(var))
        lines = self.block(kernel.body)
        stores, optional = [], []
        for position, var in enumerate(kernel.outputs):
            written = self._output(var)
            if position in self.skippable and self.mode == "flat" and self.params[-1].kind == "out":
                optional.append((self.params[-1].decl.split("__restrict__ ")[-1], written))
            else:
                stores += written
        if stores and self.mode == "columns":
            stores = self._unravel() + stores
        lines += self.lanes(stores)
        if optional:  # a loop's last trip passes null for outputs no one reads: a copy of the chunk's work without
            # them, where the C compiler drops what only they needed (RK4's new state: its sum and division)
            every = lines + [line for pointer, written in optional
                             for line in [f"if ({pointer} != nullptr) {{"] + indent(self.lanes(written)) + ["}"]]
            skipped = " && ".join(f"{pointer} == nullptr" for pointer, _ in optional)
            lines = [f"if ({skipped}) {{"] + indent(lines) + ["} else {"] + indent(every) + ["}"]
        chunk = {"flat": ["LIFTED_WALK_CHUNK(i, n);" if self.walk else "LIFTED_CHUNK(i, n);"] + self.inside,
                 "rows": ["LIFTED_ROW_CHUNK(i, (lifted_o + 1) * lifted_n_red);"], "columns": []}[self.mode]
        spec = {"rank": self.rank, "params": [(p.kind,) + tuple(p.spec) for p in self.params],
                "dims": dims_spec(kernel, self.params), "static": tuple(d if isinstance(d, int) else None for d in kernel.shape)}
        if self.mode != "flat":
            spec.update(mode=self.mode, perm=self.perm, reduced=len(kernel.axes))
        tiled = self.mode == "columns" and not self.short_walk and self.perm != tuple(range(self.rank))
        return EmittedKernel(kernel.name, self.params, self.rank, self.prologue, chunk + lines, self.epilogue, spec,
                             self.mode, setup=self.setup, walk=self.walk, resume=self.resume if tiled else None,
                             walk_length=PAIR_LENGTH if self.pair else self.kept_walk if not self.runtime_pair else
                             f"(lifted_pair ? {PAIR_LENGTH} : d{self.rank - 1})", pair_walk=self.runtime_pair)

    def _plan(self, block: list) -> None:
        """Find the element values read outside the run of equations that computed them: they need lane arrays."""
        defined_in: dict[int, set] = {}  # a value object may be defined again elsewhere (a pop re-reads it)
        runs = iter(range(1 << 30))

        def number(stmts):
            run = None
            for stmt in stmts:
                if isinstance(stmt, Eqn):
                    run = next(runs) if run is None else run
                    # a scatter adds after its lane block's element work (see `run`): what it reads is kept
                    self.run_of[id(stmt)] = next(runs) if gather.is_scatter(stmt) else run
                    for out in stmt.outs:
                        defined_in.setdefault(id(out), set()).add(run)
                    if self.squaring(stmt):  # its lane block ends there (see StatementWriter._segment)
                        run = None
                else:
                    run = None
                    for inner in blocks(stmt):
                        number(inner)

        def visit(stmts):
            for stmt in stmts:
                if isinstance(stmt, Eqn):
                    for atom in stmt.args:
                        if isinstance(atom, Var) and self.run_of[id(stmt)] not in defined_in.get(id(atom), ()):
                            self._spill(atom)
                    if self.squaring(stmt):  # written by the blocks after its operands' (see `_segment`)
                        self.lane.add(id(stmt.out))
                else:
                    for atom in own_operands(stmt):
                        if isinstance(atom, Var):
                            self._spill(atom)
                    for inner in blocks(stmt):
                        visit(inner)

        number(block)
        visit(block)

    def _is_single(self, var) -> bool:
        """A value of one element in a kernel over more (see `single`)."""
        shape = var.type.shape
        return not self.tiny_space and bool(shape) and all(d == 1 for d in shape) and not is_tape(var)

    def _find_single(self, block: list) -> None:
        """Single values: such inputs, and equations computing such values from scalars and single values only;
        never a stencil's `shifted` load or `shift_update`, whose text tests the element's window (`i0`): a
        one-element window of a longer space (`np.roll(x, 1)` of an `f64[1]`) is still per element."""
        for eqn in equations(block):
            if (is_element_eqn(eqn) or eqn.prim.name in CREATION) and all(self._is_single(o) for o in eqn.outs) and \
                    eqn.prim.name not in ("shifted", "shift_update") and \
                    all(not isinstance(a, Var) or a.type.shape == () or id(a) in self.single for a in eqn.args):
                self.single.update(id(o) for o in eqn.outs)

    def _spill(self, var: Var) -> None:
        if var.type.shape != () and not is_tape(var) and id(var) not in self.inputs and id(var) not in self.single \
                and id(var) not in self.tables:
            self.lane.add(id(var))

    def _bound(self, atom):
        if isinstance(atom, Const) and not is_module_array(atom):
            return ("const", atom.value)
        return ("arg", input_position(self.kernel, atom))

    def _output(self, var: Var) -> list[str]:
        if id(var) in self.scatter_outs:  # the array the kernel added into, returned as it is
            position = input_position(self.kernel, self._root(var))
            self.params.append(Param("result", "", (position,)))
            return []
        ctype = C_TYPES[var.type.dtype]
        name = self.names[id(var)]
        pointer = self.fresh(f"{name}_out")
        reduction = self.reductions.get(id(var))
        if reduction is not None:
            op, acc, acc_dtype, keepdims, initial = reduction
            # (dtype, op, accumulator dtype, mean, keepdims, whether an `initial` identity makes empty axes valid)
            spec = (var.type.dtype, op, acc_dtype, self.means.get(id(var), False), keepdims, bool(initial))
            self.params.append(Param("reduce", f"{C_TYPES[acc_dtype]}* __restrict__ {pointer}", spec))
            self.epilogue.append({
                "flat": f"LIFTED_REDUCE({op}, {pointer}, LIFTED_LANE_REDUCE({op}, {acc}));",
                "rows": f"LIFTED_ROW_STORE({pointer}[lifted_o], LIFTED_ROW_REDUCE({op}, {acc}));",
                "columns": f"LIFTED_COLUMN_STORE({pointer}, lifted_o, {acc});"}[self.mode])
            self.resume.append(f"LIFTED_COLUMN_RESUME({pointer}, lifted_o, {acc});")
            return []
        if var.type.shape == ():
            # (a Python number in the source on every path, weak: the runtime returns one, marked "python")
            python = ("python",) if var.type.weak else ()
            self.params.append(Param("scalar_out", f"{ctype}* __restrict__ {pointer}", (var.type.dtype,) + python))
            return [f"if (i == 0) {pointer}[0] = {self.ref(var)};"]
        if self.mode == "columns":  # stored where the unpermuted array has it: neighbouring lanes, neighbouring words
            strides = [self.fresh(f"{name}_os{k}") for k in range(self.rank)]
            self.params.append(Param("out", f"{ctype}* __restrict__ {pointer}, " +
                                     ", ".join(f"const int64_t {s}" for s in strides), (var.type.dtype, True)))
            lane = self._lane_axis()
            if self.walk:  # a walk's lanes store a contiguous vector where the launch finds the step 1
                unit = f"{strides[lane]} == 1"
                self.walk = unit if self.walk == "true" else f"{self.walk} && {unit}"
            offset = " + ".join(f"i{k} * LIFTED_ROW_STRIDE({s})" if self.walk and k == lane else f"i{k} * {s}"
                                for k, s in enumerate(strides))
            return [f"{pointer}[{offset}] = {self.ref(var)};"]
        self.params.append(Param("out", f"{ctype}* __restrict__ {pointer}", (var.type.dtype,)))
        return [f"{pointer}[i] = {self.ref(var)};"]

    # -- lane blocks -------------------------------------------------------------------------------------------
    def lanes(self, lines_or_builder, serial: bool = False, reducing: tuple[str, str] | None = None) -> list[str]:
        """A lane block around element work; `lines_or_builder` is lines, or a function writing them (so that
        the inputs it reads are known). `serial`: its lanes run one after the other, in order (atomic adds);
        `reducing`: (operator, name) of a chunk-wide variable the lanes reduce into (a SIMD reduction)."""
        outer_reads, outer_offsets, outer_coords = self.reads, self.offsets, self.coords
        self.reads, self.offsets, self.coords = {}, {}, False
        lines = lines_or_builder() if callable(lines_or_builder) else lines_or_builder
        reads, offsets, coords = self.reads, self.offsets, self.coords
        self.reads, self.offsets, self.coords = outer_reads, outer_offsets, outer_coords
        if not lines:
            return []
        after = [f"{self.names[('tape', t)]}_top += {k};" if k > 0 else f"{self.names[('tape', t)]}_top -= {-k};"
                 for t, k in offsets.items() if k]
        lanes = "LIFTED_SERIAL_LANES" if serial else "LIFTED_REDUCING_LANES" if reducing else "LIFTED_LANES"
        reduction = f", {reducing[0]}, {reducing[1]}" if reducing else ""
        head = [f"{lanes}(lifted_o{reduction}) {{", "    LIFTED_COLUMN_INDEX(i, lifted_o, lifted_r);"] \
            if self.mode == "columns" else [f"{lanes}(i{reduction}) {{", "    LIFTED_LANE_INDEX(i);"]
        if self.kept_walk:  # the lane's output number, which the unwalked launch unravels (`_unravel`)
            head.insert(1, "    LIFTED_LANE_INDEX(lifted_o);")
        block = head + indent(self._loads(reads, coords) + lines) + ["}"]
        inside = inside_copy(block) if self.inside else None
        if inside is not None:  # the chunk inside every window: the same work without the tests (whole vectors)
            block = ["if (lifted_inside) {"] + indent(inside) + ["} else {"] + indent(block) + ["}"]
        return block + after

    def _per_element(self, eqn: Eqn) -> bool:
        return eqn.prim.name in REDUCTIONS or eqn.prim.name in ("push", "pop") or \
            any(o.type.shape != () and not is_tape(o) and id(o) not in self.single for o in eqn.outs)

    def comment(self, stmt) -> list[str]:
        lines = []
        if stmt.note:
            lines.append(f"// {c_comment_text(stmt.note)}")
            self.group = None
        if stmt.loc is not None and (stmt.loc.line, stmt.loc.path) != self.group:
            self.group = (stmt.loc.line, stmt.loc.path)
            lines.append(f"// {c_comment_text(f'{self.source_file}:{stmt.loc.line}  {stmt.loc.text.strip()}')}")
        return lines


def short_rows(kernel: Kernel) -> bool:
    """Rows of a static length up to `SHORT_ROW` (`np.sum(v * v, axis=1)` of a `[p, 3]` array) are walked as
    columns: as rows, each output would start a chunk of its own and use a few of its lanes (a row of 3 elements
    uses 3 of 64), so every element pays a chunk's setup; as columns, neighbouring outputs are the lanes and each
    adds its few elements in order (`python -m benchmarks.c.short_rows`)."""
    length = 1
    for axis in kernel.axes:
        if not isinstance(kernel.shape[axis], int):
            return False
        length *= kernel.shape[axis]
    return length <= SHORT_ROW


def emit_kernel(kernel: Kernel, source_file: str, strided: frozenset = frozenset(),
                stepped: frozenset = frozenset(), skippable: frozenset = frozenset()) -> EmittedKernel:
    """The kernel's C text and launch spec; `strided`: ids of inputs to read through strides even where they
    have the kernel's whole shape (views, see layouts.py); `stepped`: those of views whose last axis steps more
    than one element (a flat kernel's row walk reads them with their run-time step, see operands.py);
    `skippable`: positions of a flat kernel's array outputs stored only through a non-null pointer (a loop
    kernel's last trip passes null for an output no one reads, loops/last_trip.py).

    A rows kernel's rows may turn out short at run time (kmeans' rows of k = 10 distances, gmm's sums over d = 2):
    it also gets its columns walk (`EmittedKernel.short_walk`, the same parameters), which a launch whose rows
    have at most LIFTED_SHORT_RUN (`SHORT_ROW`) elements runs instead: neighbouring outputs are the lanes, each
    combining its few elements in order from the identity. Only where every output is a reduction (an element
    result would be stored across rows, one scattered word per lane: kmeans' `distances == min` mask took 146 us
    as rows and 200 as columns at n = 10^4, k = 10), and not in a kernel that calls a math-library function:
    libmvec in a vector lane and libm in a loop's scalar remainder may differ in the last bit, and a row would
    land in either by its position among the outputs."""
    emitted = _Emitter(kernel, source_file, strided, stepped=stepped, skippable=skippable).emit()
    if emitted.mode == "rows" and all(p.kind == "reduce" for p in emitted.params if p.kind in ("out", "reduce")) \
            and not any(calls_math_library(e) for e in equations(kernel.body)):
        walk = _Emitter(kernel, source_file, strided, short_walk=True, stepped=stepped).emit()
        if [p.decl for p in walk.params] == [p.decl for p in emitted.params] and walk.spec == emitted.spec | {
                "mode": "columns"}:
            emitted.short_walk = walk
    return emitted
