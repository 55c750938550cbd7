"""How a kernel's lanes read their operands: each input's parameter (contiguous `x[i]`, through strides, one
element for the whole kernel, or a gather's table) and its load, and the element's coordinates those loads need,
unravelled from the flat index or, in a row walk, from the row and the lane's place in it.

`OperandReader` is mixed into emit.py's `_Emitter`, whose state (`inputs`, `layouts`, `tables`, `mode`, `walk`,
...) it reads and fills.
"""
from __future__ import annotations

from ...ir import Var, equations
from . import gather
from .c_syntax import C_TYPES, c_literal
from .fused_kernel import is_module_array
from .launch_spec import Param, pattern
from .stencils.c_text import shifted_pattern


def load(var: Var, pointer: str, offset: str) -> str:
    """An operand's element. A bool is read as its byte and compared with 0 (NumPy's truth of a byte): GCC does
    not vectorize a lane loop that converts a loaded `bool` (a 1-bit type to it) to a wider integer, as
    `lifted_select` does for `np.where`, and left such a loop scalar (ba's batched reverse sweep, whose
    `np.where` reads the forward kernel's bool `turning`); the comparison is a vector mask like any other."""
    if var.type.dtype == "bool":
        return f"(((const unsigned char*){pointer})[{offset}] != 0)"
    return f"{pointer}[{offset}]"


# a pair walk's row length, d{rank - 2} * d{rank - 1}, declared in the kernel's prologue with its reciprocal
PAIR_LENGTH = "lifted_dp"


class OperandReader:
    """Mixed into `_Emitter` (emit.py): inputs, their loads and the element's coordinates."""

    def _row_walk(self) -> str | None:
        """When a launch of a flat kernel walks rows of its last axis (LIFTED_BY_ROW_WALK in the prelude): a C
        condition on the row length and the last strides of the operands read through strides that have that
        axis (those without it step 0 along it). None where the kernel never does: rank 1, every operand read
        as `x[i]` (no operand through strides, no gather's table: nothing to unravel), stencil windows (their
        chunks' own tests). Rows and columns kernels: see `_reduction_walk`."""
        if self.mode == "rows" or self.mode == "columns" and not self.short_walk:
            return self._reduction_walk()
        if self.mode != "flat" or self.rank < 2 or self.shifted or self.inside or not (self.layouts or self.tables):
            return None
        last = self.rank - 1
        # a power's squaring steps (StatementWriter._segment) repeat a chunk's setup: rows of 8 lost there
        shortest = 16 if any(self.squaring(e) for e in equations(self.kernel.body)) else 8
        if isinstance(self.kernel.shape[last], int) and 0 < self.kernel.shape[last] < shortest:
            return self._pair_walk(self.kernel.shape[last], shortest)
        unit = self._unit_strides()
        if self.rank >= 3 and not isinstance(self.kernel.shape[last], int):
            self._runtime_pair_walk(shortest)
        return " && ".join([f"LIFTED_WALKS_ROWS_OF(d{last}, {shortest})"] + unit)

    def _pair_walk(self, length: int, shortest: int) -> str:
        """A flat kernel whose last axis has a short static length (the 4 of `w[:, :, None] * p[:, None, :]` over
        (v, b, 4), the 3 of `x - np.transpose(y)` over (n, 3)) never had rows long enough to walk: each lane
        unravelled its index along every axis through run-time divisors. It walks the rows of its last two axes
        instead (`lifted_dp` elements each; the prelude's macros with that length): a chunk's row coordinates are
        the row's, and a lane's place in the row splits into the last two coordinates with one unravel step by the
        static length (a constant divisor and reciprocal). Its lanes cross rows of the last axis, so every operand
        keeps its run-time strides (`_offset`): nothing to check at launch but the row length."""
        last = self.rank - 1
        self.pair = length
        self.prologue += [f"const int64_t {PAIR_LENGTH} = d{last - 1} * d{last};",
                          f"const double lifted_inverse_{PAIR_LENGTH} = 1.0 / (double){PAIR_LENGTH}; "
                          f"(void)lifted_inverse_{PAIR_LENGTH};"]
        return f"LIFTED_WALKS_ROWS_OF(d{last - 1} * d{last}, {shortest})"

    def _runtime_pair_walk(self, shortest: int) -> None:
        """A flat kernel of rank 3 or more whose last axis is known only at run time: a launch whose last axis is
        shorter than `shortest` (gmm's (n, k, d) arrays at d = 2: `x[:, None, :] - mu[None, :, :]`, `2 r qdiff`
        with `qdiff` the turned (k, n, d) stack) could not walk its rows, and every lane unravelled its index
        along every axis through run-time divisors and multiplied each coordinate by its stride. Such a launch
        walks the rows of its last two axes (`lifted_dp` elements) when they are long enough, as `_pair_walk`
        does for a static length: the kernel's walk is a template on `lifted_pair` too (the prelude's macros with
        that row length), a chunk's other coordinates are the row's (worked out once per chunk, and so is their
        part of every address), and a lane's place in the row splits into the last two coordinates with one
        unravel step by the run-time length. Its lanes cross rows of the last axis, so every operand keeps its
        run-time stride along it (`_offset`)."""
        last = self.rank - 1
        self.runtime_pair = (f"d{last} < {shortest} && LIFTED_WALKS_ROWS_OF(d{last - 1} * d{last}, {shortest})")
        self.prologue += [f"const int64_t {PAIR_LENGTH} = d{last - 1} * d{last}; (void){PAIR_LENGTH};"]

    def _reduction_walk(self) -> str | None:
        """When a launch of a rows kernel that reduces its last axis alone (a row's lanes are neighbours along
        that axis, `i{last} = i - lifted_o * lifted_n_red`), or of a columns kernel that keeps one axis (its lanes
        are neighbouring outputs, `i0 = LIFTED_COLUMN(lifted_o)`, each walking its column), reads its operands
        through strides known at compile time (LIFTED_BY_ROW_LENGTH_WALK in the prelude): every operand read
        through strides that has the lanes' axis steps 1 along it; along an axis an operand lacks or has as 1,
        the step is 0 anyway. Its lanes then load contiguous vectors or one broadcast per row where they gathered
        through run-time strides (kmeans' `np.min(|P|^2 - 2 P C^T + |C|^2, axis=1)` and its `distances == min`
        mask: 2 and 3 gathers per element; `np.sum(mask * t[:, None], axis=0)`: a bool and a double gather).
        "true" when no operand's stride needs checking. None: several reduced (rows) or kept (columns) axes,
        stencil windows, no operand through strides."""
        kept = self.rank - len(self.kernel.axes)
        if self.mode == "columns" and kept > 1 and not self.shifted and self.layouts:
            return self._kept_rows_walk(kept)
        if (len(self.kernel.axes) if self.mode == "rows" else kept) != 1 or self.shifted or not self.layouts:
            return None
        return " && ".join(self._unit_strides()) or "true"

    def _kept_rows_walk(self, kept: int) -> str:
        """A columns kernel that keeps several axes (`np.sum(ddiff, axis=0)` of gmm's (n, k, d) adjoint, the
        column sum for `dmu`, kept (k, d)) had each lane unravel its output's coordinates and gather every
        operand through run-time strides: a chunk of 64 neighbouring outputs crosses rows of the last kept axis,
        and an operand whose leading kept axes do not merge with it (gmm's turned (k, n, d) layout) has no one
        step from lane to lane. A launch whose rows of the last kept axis have 8 outputs or more
        (`LIFTED_WALKS_ROWS_OF`, as a flat kernel's row walk) and whose operands step 1 along that axis walks them
        as rows instead (`LIFTED_WALK_FOR` over the outputs, `walk_length`): chunks never cross a row, the other
        kept coordinates are the row's (worked out once per chunk) and lane `lane` loads at a base plus `lane`
        (a contiguous vector). Each output still adds its run in order on the thread that owns it: the same
        bits."""
        self.kept_walk = f"d{kept - 1}"
        return " && ".join([f"LIFTED_WALKS_ROWS_OF(d{kept - 1}, 8)"] + self._unit_strides())

    def _lane_axis(self) -> int:
        """The coordinate along which a walk's lanes are neighbours: the last (flat, rows), the last kept one
        (columns)."""
        return self.rank - len(self.kernel.axes) - 1 if self.mode == "columns" else self.rank - 1

    def _unit_strides(self) -> list[str]:
        """C conditions: the operands read through strides that have the lanes' axis step 1 along it; in a flat
        kernel, not those the host makes as views stepping along their last axis (`_stepped`)."""
        lane = self._lane_axis()
        return [f"{self.inputs[key][1][lane]} == 1" for key, layout in self.layouts.items()
                if layout[self.perm[lane]] == "S" and not self._stepped(key)]

    def _stepped(self, key: int) -> bool:
        """Does a flat kernel's row walk read this operand with its run-time step along the rows? Where the host
        makes it as a view whose last axis steps more than one element (layouts.py's `stepped_values`: the
        `corners[:, 0]` and `us[:, 0]` of GradBench ht's hand, read by a (26, 3, n) gather of vertex tangents):
        such an operand made every launch unravel each lane's index along every axis (the walk needs its step 1);
        read as `base + i * step` it lets the other operands walk (a strided load where a contiguous one cannot
        be had either way)."""
        return self.mode == "flat" and key in self.stepped

    def _input(self, var: Var) -> None:
        ctype = C_TYPES[var.type.dtype]
        name = self.name(var)
        if id(var) in self.table_ids:
            names, decl, spec = gather.table_parameter(var, name, self.fresh, id(var) in self.writable)
            self.params.append(Param("table", decl, spec))
            self.tables[id(var)] = names
            return
        if var.type.shape == ():
            self.params.append(Param("scalar", f"const {ctype} {name}", (var.type.dtype,)))
            return
        pointer = self.fresh(f"{name}_data")
        layout = pattern(var.type.shape, self.kernel.shape)
        if id(var) in self.shifted:  # read at offsets (stencils/): through strides, its own sizes unchecked
            layout = shifted_pattern(var.type.shape, self.kernel.shape)
        if self._is_single(var):
            strides = [self.fresh(f"{name}_s{k}") for k in range(self.rank)]
            decl = f"const {ctype}* __restrict__ {pointer}, " + ", ".join(f"const int64_t {s}" for s in strides)
            self.params.append(Param("array", decl, (var.type.dtype, layout, True)))
            self.prologue.append(f"const {ctype} {name} = {pointer}[0];")
            self.single.add(id(var))
            return
        if var.type.shape == self.kernel.shape and (self.mode != "columns" or self.short_walk) and \
                id(var) not in self.strided and id(var) not in self.shifted:
            self.params.append(Param("array", f"const {ctype}* __restrict__ {pointer}",
                                     (var.type.dtype, layout, False)))
            self.inputs[id(var)] = (pointer, self._contiguous_strides() if self.short_walk else None)
            return
        strides = [self.fresh(f"{name}_s{k}") for k in range(self.rank)]
        decl = f"const {ctype}* __restrict__ {pointer}, " + ", ".join(f"const int64_t {s}" for s in strides)
        self.params.append(Param("array", decl, (var.type.dtype, layout, True)))
        self.inputs[id(var)] = (pointer, strides)
        self.layouts[id(var)] = layout

    def _contiguous_strides(self) -> list[str]:
        """The element strides of a C-contiguous array of the kernel's shape (a rows kernel's space is in the
        array's order), declared once at the top of the short walk's text."""
        names = [f"lifted_cs{k}" for k in range(self.rank)]
        if not self.setup:
            self.setup = [f"const int64_t {names[-1]} = 1;"] + [
                f"const int64_t {names[k]} = {names[k + 1]} * d{k + 1};" for k in reversed(range(self.rank - 1))]
        return names

    def _table_names(self, atom) -> tuple:
        return self.tables[id(self._root(atom.value if is_module_array(atom) else atom))]

    def _root(self, var):
        """The kernel's input that a chain of scatter-adds adds into."""
        while id(var) in self.scatter_outs:
            var = self.scatter_outs[id(var)]
        return var

    def _loads(self, reads: dict[int, Var], coords: bool = False) -> list[str]:
        """A lane block's first lines: the index's coordinates if needed, then one load per input it reads."""
        lines, strided = [], coords
        for var in reads.values():
            pointer, strides = self.inputs[id(var)]
            if strides is None:
                lines.append(f"const {C_TYPES[var.type.dtype]} {self.names[id(var)]} = {load(var, pointer, 'i')};")
            else:
                strided = True
                lines.append(f"const {C_TYPES[var.type.dtype]} {self.names[id(var)]} = "
                             f"{load(var, pointer, self._offset(var))};")
        return (self._unravel() if strided else []) + lines

    def _offset(self, var: Var) -> str:
        """Where a lane reads an input through its strides. In a row walk, the stride along the last axis is 1
        (its launch checked it) and along an axis the input lacks or has as 1 it is 0 (see the prelude)."""
        strides = self.inputs[id(var)][1]
        if not self.walk:
            return " + ".join(f"i{k} * {s}" for k, s in enumerate(strides))
        # the strides and coordinates are in the kernel's walk order (`perm`), the layout in the space's
        layout, lane = [self.layouts[id(var)][axis] for axis in self.perm], self._lane_axis()
        if self.pair:  # every step as the launch passes it, but none along an axis the input lacks or has as 1
            return " + ".join(f"i{k} * {s}" for k, s in enumerate(strides) if layout[k] == "S") or "0"
        stepped = self._stepped(id(var))
        if self.runtime_pair:  # the last axis's run-time step in a pair walk, 1 in a row walk (its launch's test)
            return " + ".join(f"i{k} * (lifted_pair ? {s} : LIFTED_ROW_STRIDE({s}))"
                              if k == lane and layout[k] == "S" and not stepped else
                              f"i{k} * {s}" if layout[k] == "S" else f"i{k} * LIFTED_BROADCAST_STRIDE({s})"
                              for k, s in enumerate(strides))
        if self.walk == "true":  # nothing to check at launch: the steps are these on every target
            return " + ".join(f"i{k}" if k == lane and not stepped else f"i{k} * {s}"
                              for k, s in enumerate(strides) if layout[k] == "S") or "0"
        return " + ".join(f"i{k} * LIFTED_ROW_STRIDE({s})" if k == lane and layout[k] == "S" and not stepped else
                          f"i{k} * {s}" if layout[k] == "S" else f"i{k} * LIFTED_BROADCAST_STRIDE({s})"
                          for k, s in enumerate(strides))

    def _unravel(self) -> list[str]:
        """The coordinates i0, i1, ... of element `i`; with reductions over some axes, the kept ones from the
        output's number and the reduced ones from the position in its run (no division for one axis each)."""
        if self.mode == "flat" and self.pair:  # the row's coordinates, then the lane's place in the row's pair
            last = self.rank - 1
            lines = ["int64_t rest = LIFTED_WALK_REST(i);",
                     f"int64_t lifted_pair = LIFTED_WALK_LAST(i, rest, {PAIR_LENGTH});",
                     f"const int64_t i{last} = lifted_unravel_step(lifted_pair, {self.pair}, "
                     f"{c_literal(1.0 / self.pair)});",
                     f"const int64_t i{last - 1} = lifted_pair;"]
            lines += [f"const int64_t i{k} = lifted_unravel_step(rest, d{k}, lifted_inverse_d{k});"
                      for k in reversed(range(1, last - 1))]
            return lines + (["const int64_t i0 = rest;"] if last > 1 else ["(void)rest;"])
        if self.mode == "flat" and self.runtime_pair:  # as below; a pair walk splits the place in two
            last = self.rank - 1
            lines = ["int64_t rest = LIFTED_WALK_REST(i);",
                     f"int64_t lifted_place = LIFTED_WALK_LAST(i, rest, d{last});",
                     f"const int64_t i{last} = lifted_pair ? lifted_unravel_step(lifted_place, d{last}, "
                     f"lifted_inverse_d{last}) : lifted_place;",
                     f"const int64_t i{last - 1} = lifted_pair ? lifted_place : "
                     f"lifted_unravel_step(rest, d{last - 1}, lifted_inverse_d{last - 1});"]
            lines += [f"const int64_t i{k} = lifted_unravel_step(rest, d{k}, lifted_inverse_d{k});"
                      for k in reversed(range(1, last - 1))]
            return lines + ["const int64_t i0 = rest;"]
        if self.mode == "flat" and self.walk:  # the row's coordinates, then the lane's place in the row
            last = self.rank - 1
            return ["int64_t rest = LIFTED_WALK_REST(i);",
                    f"const int64_t i{last} = LIFTED_WALK_LAST(i, rest, d{last});"] \
                + [f"const int64_t i{k} = lifted_unravel_step(rest, d{k}, lifted_inverse_d{k});"
                   for k in reversed(range(1, last))] \
                + ["const int64_t i0 = rest;"]
        if self.mode == "flat":
            return _unravel("i", range(self.rank), "rest")
        kept = self.rank - len(self.kernel.axes)
        position = "lifted_r" if self.mode == "columns" else "(i - lifted_o * lifted_n_red)"
        if self.kept_walk:  # the row's coordinates, then the lane's place in the row (see `_kept_rows_walk`)
            last = kept - 1
            lines = ["int64_t rest_o = LIFTED_WALK_REST(lifted_o);",
                     f"const int64_t i{last} = LIFTED_WALK_LAST(lifted_o, rest_o, d{last});"]
            lines += [f"const int64_t i{k} = lifted_unravel_step(rest_o, d{k}, lifted_inverse_d{k});"
                      for k in reversed(range(1, last))]
            return lines + ["const int64_t i0 = rest_o;"] + _unravel(position, range(kept, self.rank), "rest_r")
        if self.mode == "columns" and kept > 1:
            return [f"const int64_t i{k} = LIFTED_AT(lifted_kept{k});" for k in self._kept_coordinates(kept)] + \
                _unravel(position, range(kept, self.rank), "rest_r")
        output = "LIFTED_COLUMN(lifted_o)" if self.mode == "columns" else "lifted_o"
        return _unravel(output, range(kept), "rest_o") + _unravel(position, range(kept, self.rank), "rest_r")

    def _kept_coordinates(self, kept: int) -> range:
        """A columns kernel keeping several axes: its lanes' kept coordinates, unravelled from their outputs'
        numbers once per chunk into lane arrays (`lifted_kept0`, ...; the chunk's prologue) where every lane
        block of every step of the runs unravelled them again (a division by a run-time dim per lane and
        element: gmm's `np.sum(qdiff * qdiff, axis=2)` over rows of d walked as columns, kept (n, k))."""
        if not self.kept_lanes:
            self.kept_lanes = True
            self.prologue += [f"LIFTED_LOCAL(int64_t, lifted_kept{k});" for k in range(kept)]
            self.prologue += ["LIFTED_LANES(lifted_o) {"] + ["    " + line for line in _unravel(
                "LIFTED_COLUMN(lifted_o)", range(kept), "rest_o", "LIFTED_AT(lifted_kept{})")] + ["}"]
        return range(kept)


def _unravel(flat: str, dims: range, rest: str, coordinate: str = "const int64_t i{}") -> list[str]:
    """Declare the coordinates `i{k}` (k in `dims`, row-major over the dims `d{k}`) of the flat index `flat`;
    none where there are no dims (a reduction over no axes, `np.max(x, axis=())` of a batch of scalars).
    `coordinate`: what each is assigned to (a lane array's element, say)."""
    if not dims:
        return []
    if len(dims) == 1:
        return [f"{coordinate.format(dims[0])} = {flat};"]
    lines = [f"int64_t {rest} = {flat};"]
    lines += [f"{coordinate.format(k)} = lifted_unravel_step({rest}, d{k}, lifted_inverse_d{k});"
              for k in reversed(dims[1:])]
    return lines + [f"{coordinate.format(dims[0])} = {rest};"]
