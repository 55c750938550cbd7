"""A region launch inside a loop kernel or run (see emit.py): the index space met from the inputs as the Python
launcher meets it, a gather's tables passed with their own dims and strides, the region kernel called directly
(below the parallel threshold, its body's instance without OpenMP), its outputs in the arena and its reductions
over everything finished as the launcher finishes them."""
from __future__ import annotations

from ....ir import Eqn
from ..c_syntax import C_TYPES, indent


class RegionCalls:
    """Mixed into the loop emitter, which provides `var`, `flag`, `scalar`, `view_type`, `fail`, `fresh`,
    `regions`, `sites`, `decls`, `last_trip` and `skippable`."""

    def launch(self, eqn: Eqn) -> list[str]:
        region = self.regions[eqn.params["kernel"]]
        spec = region.spec
        rank = spec["rank"]
        lines = [f"int64_t space[{rank}] = {{{', '.join(['-1'] * rank)}}};"]
        inputs = [p for p in spec["params"] if p[0] in ("scalar", "array", "table")]
        for param, atom in zip(inputs, eqn.args):
            if param[0] != "array":
                continue
            pattern, view = param[2], self.var(atom)
            pad = rank - len(atom.type.shape)
            for k, want in enumerate(pattern):
                # (an array undefined on the path taken, None on the host, has no memory: the kernel's branch
                # that reads it is not taken, and the Python launcher leaves it out of the space too)
                if want == "S":
                    lines.append(f"if ({view}.p && !lifted_meet(space[{k}], {view}.d[{k - pad}])) "
                                 f"{self.fail('space', str(k), f'space[{k}]', f'{view}.d[{k - pad}]')}")
                elif want == 1:
                    lines.append(f"if ({view}.p && {view}.d[{k - pad}] != 1) "
                                 f"{self.fail('space', str(k), '1', f'{view}.d[{k - pad}]')}")
        for pattern, dims in spec["dims"]:
            pad = rank - len(dims)
            for j, (source, value, *axis) in enumerate(dims):  # ("shape", input, axis): a table's length
                # (("shape", input, axis, plus): a shifted load's source, which an undefined path leaves unread)
                size = str(value) if source == "const" else f"{self.var(eqn.args[value])}.d[{axis[0]}]" \
                    if source == "shape" else f"(int64_t){self.scalar(eqn.args[value])}"
                defined = ""
                if source == "shape" and len(axis) > 1:
                    size, defined = f"({size} + {axis[1]})", f"{self.var(eqn.args[value])}.p && "
                if pattern[j + pad] == "S":
                    lines.append(f"if ({defined}!lifted_meet(space[{j + pad}], {size})) "
                                 f"{self.fail('space', str(j + pad), f'space[{j + pad}]', size)}")
        for k, static in enumerate(spec["static"]):
            if static is not None:
                lines.append(f"if (space[{k}] < 0) space[{k}] = {static};")
        lines.append(f"for (int k = 0; k < {rank}; ++k) if (space[k] < 0) {self.fail('space', 'k', '-1', '-1')}")
        lines.append(f"const int64_t count = lifted_product(space, {rank});")
        # a region reducing over some axes walks its space with the kept axes first (`perm`, see emit.py)
        perm = tuple(spec.get("perm", range(rank)))
        kept = rank - spec.get("reduced", rank)
        call = ["count"] + [f"space[{k}]" for k in perm]
        if region.mode != "flat":
            lines.append(f"const int64_t n_out = 1{''.join(f' * space[{k}]' for k in perm[:kept])}, "
                         f"n_red = 1{''.join(f' * space[{k}]' for k in perm[kept:])};")
            call += ["n_out", "n_red"]
        results = [o for o in eqn.outs]
        finals, position, result = [], 0, 0
        for param in spec["params"]:
            kind = param[0]
            if kind == "table":  # (a gather's, or a scatter-add's: through its own dims and strides, 0 along an axis of
                # length 1)
                view, rank_table = self.var(eqn.args[position]), param[2]
                call.append(f"{view}.p")
                call += [f"{view}.d[{k}]" for k in range(rank_table)]
                call += [f"({view}.d[{k}] == 1 ? 0 : {view}.s[{k}])" for k in range(rank_table)]
                position += 1
                continue
            if kind in ("scalar", "array"):
                atom = eqn.args[position]
                if kind == "scalar":
                    call.append(f"({C_TYPES[param[1]]}){self.scalar(atom, param[1])}")
                elif param[3]:
                    view, pad = self.var(atom), rank - len(atom.type.shape)
                    call.append(f"{view}.p")
                    call += ["0" if param[2][k] in (None, 1) else f"({view}.d[{k - pad}] == 1 ? 0 : {view}.s[{k - pad}])"
                             for k in perm]
                else:
                    self.sites += 1
                    buffer = f"packed_{self.sites}"
                    self.decls.append(f"void* {buffer} = nullptr; int64_t {buffer}_bytes = 0;")
                    view = self.var(atom)
                    lines += [f"const {C_TYPES[param[1]]}* arg_{position} = {view}.p ? lifted_contiguous_data("
                              f"{view}, st, &{buffer}, &{buffer}_bytes) : nullptr;",
                              f"if ({view}.p && !arg_{position}) {self.fail('memory')}"]
                    call.append(f"arg_{position}")
                position += 1
                continue
            if kind == "tape":
                lines += self.region_tape(eqn, param, call)
                continue
            out = results[result]
            result += 1
            if kind == "result":  # the table it added into (in place, through its view)
                finals.append(f"{self.var(out)} = {self.var(eqn.args[param[1]])};")
            elif kind == "out":
                temp = f"out_{result}"
                lines.append(f"{self.view_type(param[1], rank)} {temp};")
                lines.append(self.fresh(eqn, out, "space", temp))
                last, skipped = self.last_trip.get(id(eqn), ("", ()))
                if result - 1 in skipped and region.mode == "flat" and len(param) == 2:  # (last_trip.py)
                    self.skippable.setdefault(region.name, set()).add(result - 1)
                    call.append(f"({last} ? nullptr : {temp}.p)")
                else:
                    call.append(f"{temp}.p")
                if len(param) > 2:  # written through strides, in the space's order
                    call += [f"{temp}.s[{k}]" for k in perm]
                finals.append(f"{self.var(out)} = {temp};")
            elif kind == "scalar_out":
                temp = f"out_{result}"
                lines += [f"if (count == 0) {self.fail('empty', '1')}", f"{C_TYPES[param[1]]} {temp}[1] = {{0}};"]
                call.append(temp)
                numpy = "false" if len(param) > 2 else "true"  # ("python": the source's value is a Python number)
                finals.append(f"{self.var(out)} = ({C_TYPES[out.type.dtype]}){temp}[0]; {self.flag(out)} = {numpy};")
            else:
                lines += self.reduction(eqn, param, out, result, rank, perm, kept, call, finals)
        arguments = ", ".join(call)
        lines.append(f"if (count >= lifted_parallel_min) {region.name}({arguments});")
        lines.append(f"else {region.name}_body({arguments});")  # (the lone call: LIFTED_RUN)
        return ["{"] + indent(lines + finals) + ["}"]

    def reduction(self, eqn: Eqn, param: tuple, out, result: int, rank: int, perm: tuple, kept: int, call: list,
                  finals: list) -> list[str]:
        """A reduction's accumulators (one, or one per output when it keeps axes), filled with the identity; after
        the call, the value as NumPy gives it (a mean divided, the result's dtype and shape, `keepdims`)."""
        _, dtype, op, acc_dtype, mean, keepdims = param[:6]
        acc = C_TYPES[acc_dtype]
        identity = {"add": "0", "mul": "1", "max": f"LIFTED_LOWEST({acc})", "min": f"LIFTED_HIGHEST({acc})"}[op]
        temp = f"acc_{result}"
        lines = []
        per_output = "n_red" if kept else "count"
        if op in ("max", "min") and not param[6]:  # NumPy refuses a maximum over an empty axis (no `initial`)
            lines.append(f"if ({per_output} == 0) {self.fail('empty', '0' if op == 'max' else '2')}")
        if out.type.shape == ():
            lines.append(f"{acc} {temp}[1] = {{{identity}}};")
            call.append(temp)
            value = f"(double){temp}[0] / (double){per_output}" if mean else f"{temp}[0]"
            finals.append(f"{self.var(out)} = ({C_TYPES[out.type.dtype]})({C_TYPES[dtype]})({value}); "
                          f"{self.flag(out)} = true;")
            return lines
        self.sites += 1
        scratch = f"accumulators_{self.sites}"
        self.decls.append(f"void* {scratch} = nullptr; int64_t {scratch}_bytes = 0;")
        outputs = "n_out" if kept else "1"
        lines += [f"const int64_t {temp}_count[1] = {{{outputs}}};", f"lifted_view<{acc}, 1> {temp};",
                  f"if (!lifted_alloc_view({temp}, {temp}_count, st, &{scratch}, &{scratch}_bytes, LIFTED_SCRATCH)) "
                  f"{self.fail('memory')}",
                  f"for (int64_t j = 0; j < {outputs}; ++j) {temp}.p[j] = {identity};"]
        call.append(f"{temp}.p")
        reduced = set(perm[kept:])
        shape = [("1" if k in reduced else f"space[{k}]") for k in range(rank) if keepdims or k not in reduced]
        result_view = f"reduced_{result}"
        finals += [f"{self.view_type(out.type.dtype, len(shape))} {result_view};",
                   f"{{ const int64_t dims[{len(shape)}] = {{{', '.join(shape)}}};",
                   f"  {self.fresh(eqn, out, 'dims', result_view)} }}"]
        value = f"(double){temp}.p[j] / (double){per_output}" if mean else f"{temp}.p[j]"
        finals += [f"for (int64_t j = 0; j < {outputs}; ++j) "
                   f"{result_view}.p[j] = ({C_TYPES[out.type.dtype]})({C_TYPES[dtype]})({value});",
                   f"{self.var(out)} = {result_view};"]
        return lines

    def region_tape(self, eqn: Eqn, param: tuple, call: list) -> list[str]:
        """A region's per-element tape (its loops' pushes): the slots one element needs, from the trip counts
        of the loops around each push (`tape_capacity` in lifted.cpu.launch), for every thread and lane."""
        _, dtype, pushes = param

        def bound(source):
            kind, value = source
            return str(value) if kind == "const" else f"(int64_t){self.scalar(eqn.args[value])}"

        terms = [" * ".join(f"lifted_trip_count({', '.join(bound(b) for b in bounds)})" for bounds in loops) or "1"
                 for loops in pushes]
        steps = sorted({bound(bounds[2]) for loops in pushes for bounds in loops if bounds[2][0] != "const"})
        self.sites += 1
        scratch, ctype = f"tape_{self.sites}", C_TYPES[dtype]
        self.decls.append(f"void* {scratch} = nullptr; int64_t {scratch}_bytes = 0;")
        call += [f"{scratch}_view.p", f"{scratch}_cap"]
        return [f"if ({step} == 0) {self.fail('step')}" for step in steps] + [
                f"int64_t {scratch}_cap = {' + '.join(terms) or '0'};",
                f"if ({scratch}_cap < 1) {scratch}_cap = 1;",
                f"const int64_t {scratch}_size[1] = {{{scratch}_cap * LIFTED_LANE_COUNT * "
                f"(count >= lifted_parallel_min ? (int64_t)omp_get_max_threads() : 1)}};",
                f"lifted_view<{ctype}, 1> {scratch}_view;",
                f"if (!lifted_alloc_view({scratch}_view, {scratch}_size, st, &{scratch}, &{scratch}_bytes, "
                f"LIFTED_SCRATCH)) "
                f"{self.fail('memory')}"]
