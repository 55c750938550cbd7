"""The array statements of a loop kernel (see emit.py): new arrays in the arena, fills, identities, concatenations,
stacks, basic indexing as views with NumPy's bounds checks, and assignments into views."""
from __future__ import annotations

from ....ir import Eqn
from ....primitives.indexing import Ref
from ....primitives.indexing.items import expand_ellipsis
from ..c_syntax import C_TYPES, c_literal, indent
from .eligible import view_rank

# the "empty" error's detail for each reduction an empty-axis check stands for: runtime/cpu/loop.py gives NumPy's
# message (1 is a kernel's scalar output over empty arrays)
EMPTY_REDUCTIONS = {"max": 0, "ptp": 0, "min": 2, "nanmax": 3, "nanmin": 4, "argmax": 5, "argmin": 6}

PROMOTE = {("f32", "i64"): "f64", ("f32", "i32"): "f64"}  # NumPy's type of an in-place add, where not the target's


class ArrayStatements:
    """Mixed into the loop emitter, which provides `var`, `scalar`, `view_type`, `fail`, `plan` and `decls`."""

    def fresh(self, eqn: Eqn, out, dims: str, target: str | None = None) -> str:
        """Allocate `out` (contiguous, of `dims`; into the C view `target`, by default its own): memory of its
        own each step, the same each step when nothing made from it outlives the step, or a result's memory for
        one the host code after the run reads; scratch memory when nothing made from it outlives the call (see
        select.py)."""
        target = target or self.var(out)
        self.sites += 1
        key = (id(eqn), out.name)
        memory = self.plan.memory.get(key, "fresh")
        mode = {"result": "LIFTED_RESULT", "scratch": "LIFTED_SCRATCH"}.get(self.plan.placement.get(key),
                                                                            "LIFTED_ARENA")
        buffer = f"site_{self.sites}"
        if memory == "reuse":
            self.decls.append(f"void* {buffer} = nullptr; int64_t {buffer}_bytes = 0;")
            return f"if (!lifted_alloc_view({target}, {dims}, st, &{buffer}, &{buffer}_bytes, {mode})) " \
                f"{self.fail('memory')}"
        if memory == "ring":
            self.decls.append(f"void* {buffer}[2] = {{nullptr, nullptr}}; int64_t {buffer}_bytes[2] = {{0, 0}}; "
                              f"int {buffer}_turn = 0;")
            return f"{buffer}_turn ^= 1; if (!lifted_alloc_view({target}, {dims}, st, &{buffer}[{buffer}_turn], " \
                f"&{buffer}_bytes[{buffer}_turn], {mode})) {self.fail('memory')}"
        return f"if (!lifted_alloc_view({target}, {dims}, st, nullptr, nullptr, {mode})) {self.fail('memory')}"

    def fill(self, eqn: Eqn) -> list[str]:
        name, out = eqn.prim.name, eqn.out
        rank = len(out.type.shape)
        ctype = C_TYPES[out.type.dtype]
        if name.endswith("_like"):
            dims = f"{self.var(eqn.args[0])}.d"
            lines = []
        else:
            args = eqn.args[:-1] if name == "full" else eqn.args
            lines = [f"const int64_t dims[{rank}] = {{{', '.join(f'(int64_t){self.scalar(a)}' for a in args)}}};",
                     f"for (int k = 0; k < {rank}; ++k) if (dims[k] < 0) {self.fail('negative')}"]
            dims = "dims"
        value = {"zeros": "0", "ones": "1"}.get(name.split("_")[0]) or self.scalar(eqn.args[-1], out.type.dtype)
        lines += [self.fresh(eqn, out, dims), f"lifted_fill({self.var(out)}, ({ctype})({value}));"]
        return ["{"] + indent(lines) + ["}"]

    def eye(self, eqn: Eqn) -> list[str]:
        """`np.eye(n, m, k)`: zeros with ones on the k-th diagonal (NumPy's ValueError for a negative size)."""
        out = eqn.out
        rows = self.scalar(eqn.args[0])
        columns = self.scalar(eqn.args[-1])
        ctype = C_TYPES[out.type.dtype]
        lines = [f"const int64_t dims[2] = {{(int64_t){rows}, (int64_t){columns}}};",
                 f"if (dims[0] < 0 || dims[1] < 0) {self.fail('negative')}",
                 self.fresh(eqn, out, "dims"), f"lifted_fill({self.var(out)}, ({ctype})0);",
                 f"for (int64_t i = 0; i < dims[0]; ++i) {{ const int64_t j = i + ({int(eqn.params.get('k') or 0)}); "
                 f"if (j >= 0 && j < dims[1]) {self.var(out)}.p[i * {self.var(out)}.s[0] + j] = ({ctype})1; }}"]
        return ["{"] + indent(lines) + ["}"]

    def concatenate(self, eqn: Eqn) -> list[str]:
        out = eqn.out
        rank = len(out.type.shape)
        axis = eqn.params.get("axis", 0) % rank
        first = self.var(eqn.args[0])
        lines = [f"int64_t dims[{rank}];", f"for (int k = 0; k < {rank}; ++k) dims[k] = {first}.d[k];",
                 f"dims[{axis}] = {' + '.join(f'{self.var(a)}.d[{axis}]' for a in eqn.args)};"]
        for part in eqn.args[1:]:
            lines.append(f"for (int k = 0; k < {rank}; ++k) if (k != {axis} && {self.var(part)}.d[k] != dims[k]) "
                         f"{self.fail('concatenate', 'k', 'dims[k]', f'{self.var(part)}.d[k]')}")
        lines += [self.fresh(eqn, out, "dims", "whole"), "int64_t start = 0;"]
        for part in eqn.args:
            lines += [f"{{ {self.view_type(out.type.dtype, rank)} piece = whole; piece.p += start * whole.s[{axis}]; "
                      f"piece.d[{axis}] = {self.var(part)}.d[{axis}]; lifted_copy(piece, {self.var(part)}); "
                      f"start += piece.d[{axis}]; }}"]
        head = [f"{self.view_type(out.type.dtype, rank)} whole;"]
        return ["{"] + indent(head + lines + [f"{self.var(out)} = whole;"]) + ["}"]

    def stack(self, eqn: Eqn) -> list[str]:
        """`np.stack(parts, axis)`: a new array with the parts' common shape and a new axis; scalar parts are its
        elements in order. NumPy's ValueError when the parts' shapes differ."""
        out, parts = eqn.out, eqn.args
        rank = len(out.type.shape)
        axis = eqn.params.get("axis", 0) % rank
        ctype = C_TYPES[out.type.dtype]
        head = [f"{self.view_type(out.type.dtype, rank)} whole;"]
        if rank == 1:  # scalars
            lines = [f"const int64_t dims[1] = {{{len(parts)}}};", self.fresh(eqn, out, "dims", "whole")]
            lines += [f"whole.p[{k}] = ({ctype})({self.scalar(part, out.type.dtype)});"
                      for k, part in enumerate(parts)]
            return ["{"] + indent(head + lines + [f"{self.var(out)} = whole;"]) + ["}"]
        first = self.var(parts[0])
        lines = [f"int64_t dims[{rank}];"]
        lines += [f"dims[{k}] = {len(parts) if k == axis else f'{first}.d[{k - (k > axis)}]'};" for k in range(rank)]
        for part in parts[1:]:
            lines.append(f"for (int k = 0; k < {rank - 1}; ++k) if ({self.var(part)}.d[k] != {first}.d[k]) "
                         f"{self.fail('stack')}")
        lines.append(self.fresh(eqn, out, "dims", "whole"))
        kept = [k for k in range(rank) if k != axis]
        copies = []
        for position, part in enumerate(parts):
            shape = " ".join(f"piece.d[{j}] = whole.d[{k}]; piece.s[{j}] = whole.s[{k}];"
                             for j, k in enumerate(kept))
            copies.append(f"{{ {self.view_type(out.type.dtype, rank - 1)} piece; "
                          f"piece.p = whole.p + {position} * whole.s[{axis}]; {shape} "
                          f"lifted_copy(piece, {self.var(part)}); }}")
        lines += self.interleaved(parts, rank, ctype, copies) if axis == rank - 1 else copies
        return ["{"] + indent(head + lines + [f"{self.var(out)} = whole;"]) + ["}"]

    def interleaved(self, parts, rank: int, ctype: str, copies: list[str]) -> list[str]:
        """A stack along the last axis as one pass writing each row of the result once, its elements read from
        the parts in turn, when every part is contiguous (the common case: a kernel's outputs); otherwise one
        copy per part (`copies`). One copy per part writes a column of stride K, so each of the K copies walks
        the whole result: K passes over memory the result no longer fits in the caches for (ba's `(2, p, 11)`
        cotangent stack)."""
        names = [self.var(part) for part in parts]
        test = " && ".join(f"lifted_is_contiguous({name})" for name in names)
        loop = [f"const int64_t rows = lifted_product({names[0]}.d, {rank - 1});", f"{ctype}* to = whole.p;",
                f"for (int64_t i = 0; i < rows; ++i, to += {len(parts)}) {{"]
        loop += [f"    to[{k}] = ({ctype}){name}.p[i];" for k, name in enumerate(names)]
        return [f"if ({test}) {{"] + indent(loop + ["}"]) + ["} else {"] + indent(copies) + ["}"]

    def refine_shape(self, eqn: Eqn) -> list[str]:
        """The host's `_same_shape(x, dims)`: `x` itself, after its sizes are checked against `dims` (sizes the
        annotations name differently), with the host's ValueError naming the first axis that differs."""
        source, out = eqn.args[0], eqn.out
        src = self.var(source)
        lines = [f"const int64_t dims[{len(eqn.args) - 1}] = "
                 f"{{{', '.join(f'(int64_t){self.scalar(a)}' for a in eqn.args[1:])}}};",
                 f"for (int k = 0; k < {len(eqn.args) - 1}; ++k) if ({src}.d[k] != dims[k]) "
                 f"{self.fail('same_shape', 'k', f'{src}.d[k]', 'dims[k]')}"]
        return ["{"] + indent(lines + [f"{self.var(out)} = {src};"]) + ["}"]

    # -- indexing --------------------------------------------------------------------------------------------
    def view_of(self, eqn: Eqn, source, result: str) -> tuple[list[str], int]:
        """Lines computing `result` (a view, or the element offset when every axis is indexed) of `source[index]`,
        with NumPy's bounds checks; and the result's rank."""
        rank = len(source.type.shape)
        index = expand_ellipsis(eqn.params["index"], rank)
        src = self.var(source)
        lines, axis, kept = ["int64_t offset = 0;"], 0, 0

        def bound(value):
            return self.scalar(eqn.args[value.index]) if isinstance(value, Ref) else c_literal(value)

        dims, strides = [], []
        for item in index:
            if item is None:  # a new axis of length 1
                dims.append("1")
                strides.append("0")
                continue
            if item == slice(None):  # the whole axis
                dims.append(f"{src}.d[{axis}]")
                strides.append(f"{src}.s[{axis}]")
            elif isinstance(item, slice):
                start = "0, 0" if item.start is None else f"1, {bound(item.start)}"
                stop = "0, 0" if item.stop is None else f"1, {bound(item.stop)}"
                step = "1" if item.step is None else bound(item.step)
                lines += [f"int64_t start_{axis}, length_{axis}; const int64_t step_{axis} = {step};",
                          f"if (step_{axis} == 0) {self.fail('step')}",
                          f"lifted_slice({src}.d[{axis}], {start}, {stop}, step_{axis}, &start_{axis}, "
                          f"&length_{axis});",
                          f"offset += start_{axis} * {src}.s[{axis}];"]
                dims.append(f"length_{axis}")
                strides.append(f"{src}.s[{axis}] * step_{axis}")
            else:
                value = bound(item)
                lines += [f"int64_t at_{axis} = {value};",
                          f"if (at_{axis} < 0) at_{axis} += {src}.d[{axis}];",
                          f"if (at_{axis} < 0 || at_{axis} >= {src}.d[{axis}]) "
                          f"{self.fail('index', f'(int64_t)({value})', str(axis), f'{src}.d[{axis}]')}",
                          f"offset += at_{axis} * {src}.s[{axis}];"]
            axis += 1
        for rest in range(axis, rank):
            dims.append(f"{src}.d[{rest}]")
            strides.append(f"{src}.s[{rest}]")
        kept = len(dims)
        if kept:
            lines.append(f"{result}.p = {src}.p + offset;")
            lines += [f"{result}.d[{k}] = {d}; {result}.s[{k}] = {s};" for k, (d, s) in enumerate(zip(dims, strides))]
        return lines, kept

    def broadcast_to(self, eqn: Eqn) -> list[str]:
        """`np.broadcast_to(x, dims)`: a view with stride 0 along the axes it repeats (a scalar gets one element
        of memory first), checked as NumPy checks it."""
        source, out = eqn.args[0], eqn.out
        rank = len(out.type.shape)
        view = self.view_type(out.type.dtype, rank)
        lines = [f"const int64_t dims[{rank}] = {{{', '.join(f'(int64_t){self.scalar(a)}' for a in eqn.args[1:])}}};",
                 f"for (int k = 0; k < {rank}; ++k) if (dims[k] < 0) {self.fail('negative')}", f"{view} whole;"]
        if source.type.shape == ():
            ones = ", ".join(["1"] * rank)
            lines += [f"const int64_t ones[{rank}] = {{{ones}}};", self.fresh(eqn, out, "ones", "whole"),
                      f"whole.p[0] = ({C_TYPES[out.type.dtype]})({self.scalar(source, out.type.dtype)});",
                      f"for (int k = 0; k < {rank}; ++k) {{ whole.d[k] = dims[k]; whole.s[k] = 0; }}"]
        else:
            src, pad = self.var(source), rank - len(source.type.shape)
            lines.append(f"whole.p = {src}.p;")
            for k in range(rank):
                if k < pad:
                    lines.append(f"whole.d[{k}] = dims[{k}]; whole.s[{k}] = 0;")
                    continue
                j = k - pad
                lines += [f"if ({src}.d[{j}] != dims[{k}] && {src}.d[{j}] != 1) "
                          f"{self.fail('broadcast_to', str(k), f'{src}.d[{j}]', f'dims[{k}]')}",
                          f"whole.d[{k}] = dims[{k}]; whole.s[{k}] = {src}.d[{j}] == dims[{k}] && dims[{k}] != 1 ? "
                          f"{src}.s[{j}] : 0;"]
        return ["{"] + indent(lines + [f"{self.var(out)} = whole;"]) + ["}"]

    def reshape_view(self, eqn: Eqn) -> list[str]:
        """`np.expand_dims` (axes of length 1 inserted) and `np.squeeze` (axes of length 1 dropped): views."""
        source, out = eqn.args[0], eqn.out
        src, rank, rank_out = self.var(source), len(source.type.shape), len(out.type.shape)
        lines = [f"{self.view_type(out.type.dtype, rank_out)} view;", f"view.p = {src}.p;"]
        if eqn.prim.name == "expand_dims":
            axes = sorted(a % rank_out for a in _axes(eqn.params["axis"]))
            taken = iter(range(rank))
            for k in range(rank_out):
                lines.append(f"view.d[{k}] = 1; view.s[{k}] = 0;" if k in axes else
                             f"view.d[{k}] = {src}.d[{(j := next(taken))}]; view.s[{k}] = {src}.s[{j}];")
        else:
            axis = eqn.params.get("axis")
            axes = {k for k, d in enumerate(source.type.shape) if d == 1} if axis is None else \
                {a % rank for a in _axes(axis)}
            kept = [k for k in range(rank) if k not in axes]
            lines += [f"if ({src}.d[{k}] != 1) {self.fail('squeeze')}" for k in sorted(axes)]
            lines += [f"view.d[{j}] = {src}.d[{k}]; view.s[{j}] = {src}.s[{k}];" for j, k in enumerate(kept)]
        return ["{"] + indent(lines + [f"{self.var(out)} = view;"]) + ["}"]

    def check_index(self, eqn: Eqn) -> list[str]:
        """A gather's indices against its table's axis (the host's `_check_index`): NumPy's IndexError for the
        first one out of range, in order, so the kernel reads nothing outside the table."""
        index, table = eqn.args
        axis = eqn.params["axis"]
        size = f"{self.var(table)}.d[{eqn.params.get('size_axis', axis)}]"  # (a parameter of the same size: dead_reads)
        if index.type.shape == ():
            return ["{", f"    const int64_t at = (int64_t)({self.scalar(index)});",
                    f"    if (at < -{size} || at >= {size}) {self.fail('index', 'at', str(axis), size)}", "}"]
        return ["{", "    int64_t bad = 0;",
                f"    if (lifted_first_outside({self.var(index)}, {size}, &bad)) "
                f"{self.fail('index', 'bad', str(axis), size)}", "}"]

    def check_nonempty(self, eqn: Eqn) -> list[str]:
        """A dead reduction without identity (the host's `_check_nonempty`): NumPy's ValueError where its axis is
        empty, the reduction itself not computed (analysis/dead_reads.py)."""
        size = f"{self.var(eqn.args[0])}.d[{eqn.params.get('size_axis', eqn.params['axis'])}]"
        return [f"if ({size} == 0) {self.fail('empty', str(EMPTY_REDUCTIONS[eqn.params['reduction']]))}"]

    def getitem(self, eqn: Eqn) -> list[str]:
        source, out = eqn.args[0], eqn.out
        if out.type.shape == ():
            lines, _ = self.view_of(eqn, source, "")
            lines.append(f"{self.var(out)} = {self.var(source)}.p[offset]; {self.flag(out)} = true;")
            return ["{"] + indent(lines) + ["}"]
        lines, kept = self.view_of(eqn, source, "view")
        head = [f"{self.view_type(out.type.dtype, kept)} view;"]
        return ["{"] + indent(head + lines + [f"{self.var(out)} = view;"]) + ["}"]

    def store(self, eqn: Eqn) -> list[str]:
        target, value = eqn.args[0], eqn.args[1]
        tdtype = target.type.dtype
        rank = view_rank(eqn.params["index"], len(target.type.shape))
        add = eqn.prim.name == "index_add"
        compute = PROMOTE.get((tdtype, value.type.dtype), tdtype) if add else tdtype
        if rank == 0:  # one element, from a scalar (select.py refuses an array there)
            lines, _ = self.view_of(eqn, target, "")
            ref = f"{self.var(target)}.p[offset]"
            scalar = self.scalar(value, compute)
            update = f"({C_TYPES[compute]}){ref} + ({C_TYPES[compute]})({scalar})" if add else f"({scalar})"
            lines.append(f"{ref} = ({C_TYPES[tdtype]})({update});")
            return ["{"] + indent(lines) + ["}"]
        lines, _ = self.view_of(eqn, target, "view")
        lines.insert(0, f"{self.view_type(tdtype, rank)} view;")
        op = "lifted_add_into" if add else "lifted_assign_into"
        if value.type.shape == ():
            lines.append(f"{op}<{C_TYPES[compute]}>(view, {self.scalar(value, compute)});")
        else:
            lines += [f"int rc = {op}_array<{C_TYPES[compute]}>(view, {self.var(value)}, st);",
                      "if (rc) return rc;"]
        return ["{"] + indent(lines) + ["}"]


def _axes(axis) -> tuple:
    return axis if isinstance(axis, tuple) else (axis,)
