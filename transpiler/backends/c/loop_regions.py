"""A region launch inside a loop kernel (see loop_emit.py): the index space met from the inputs as the Python
launcher meets it, the region kernel called directly (its copy without OpenMP below the parallel threshold), its
outputs in the arena and its reductions over everything finished as the launcher finishes them."""
from __future__ import annotations

from ...ir import Eqn
from .c_syntax import C_TYPES, indent


class RegionCalls:
    """Mixed into the loop emitter, which provides `var`, `flag`, `scalar`, `view_type`, `fail`, `fresh`,
    `regions`, `calls`, `sites` and `decls`."""

    def launch(self, eqn: Eqn) -> list[str]:
        region = self.regions[eqn.params["kernel"]]
        spec = region.spec
        rank = spec["rank"]
        lines = [f"int64_t space[{rank}] = {{{', '.join(['-1'] * rank)}}};"]
        inputs = [p for p in spec["params"] if p[0] in ("scalar", "array")]
        for param, atom in zip(inputs, eqn.args):
            if param[0] != "array":
                continue
            pattern, view = param[2], self.var(atom)
            pad = rank - len(atom.type.shape)
            for k, want in enumerate(pattern):
                if want == "S":
                    lines.append(f"if (!lifted_meet(space[{k}], {view}.d[{k - pad}])) "
                                 f"{self.fail('space', str(k), f'space[{k}]', f'{view}.d[{k - pad}]')}")
                elif want == 1:
                    lines.append(f"if ({view}.d[{k - pad}] != 1) "
                                 f"{self.fail('space', str(k), '1', f'{view}.d[{k - pad}]')}")
        for pattern, dims in spec["dims"]:
            pad = rank - len(dims)
            for j, (source, value) in enumerate(dims):
                size = str(value) if source == "const" else f"(int64_t){self.scalar(eqn.args[value])}"
                if pattern[j + pad] == "S":
                    lines.append(f"if (!lifted_meet(space[{j + pad}], {size})) "
                                 f"{self.fail('space', str(j + pad), f'space[{j + pad}]', size)}")
        for k, static in enumerate(spec["static"]):
            if static is not None:
                lines.append(f"if (space[{k}] < 0) space[{k}] = {static};")
        lines.append(f"for (int k = 0; k < {rank}; ++k) if (space[k] < 0) {self.fail('space', 'k', '-1', '-1')}")
        lines.append(f"const int64_t count = lifted_product(space, {rank});")
        call = ["count"] + [f"space[{k}]" for k in range(rank)]
        results = [o for o in eqn.outs]
        finals, position, result = [], 0, 0
        for param in spec["params"]:
            kind = param[0]
            if kind in ("scalar", "array"):
                atom = eqn.args[position]
                if kind == "scalar":
                    call.append(f"({C_TYPES[param[1]]}){self.scalar(atom, param[1])}")
                elif param[3]:
                    view, pad = self.var(atom), rank - len(atom.type.shape)
                    call.append(f"{view}.p")
                    call += ["0" if want is None or want == 1 else f"({view}.d[{k - pad}] == 1 ? 0 : {view}.s[{k - pad}])"
                             for k, want in enumerate(param[2])]
                else:
                    self.sites += 1
                    buffer = f"packed_{self.sites}"
                    self.decls.append(f"void* {buffer} = nullptr; int64_t {buffer}_bytes = 0;")
                    lines += [f"const {C_TYPES[param[1]]}* arg_{position} = lifted_contiguous_data("
                              f"{self.var(atom)}, st, &{buffer}, &{buffer}_bytes);",
                              f"if (!arg_{position}) {self.fail('memory')}"]
                    call.append(f"arg_{position}")
                position += 1
                continue
            out = results[result]
            result += 1
            if kind == "out":
                temp = f"out_{result}"
                lines.append(f"{self.view_type(param[1], rank)} {temp};")
                lines.append(self.fresh(eqn, out, "space", temp))
                call.append(f"{temp}.p")
                finals.append(f"{self.var(out)} = {temp};")
            elif kind == "scalar_out":
                temp = f"out_{result}"
                lines += [f"if (count == 0) {self.fail('empty', '1')}", f"{C_TYPES[param[1]]} {temp}[1] = {{0}};"]
                call.append(temp)
                finals.append(f"{self.var(out)} = ({C_TYPES[out.type.dtype]}){temp}[0]; {self.flag(out)} = true;")
            else:  # a reduction over the whole index space
                _, dtype, op, acc_dtype, mean, _keepdims = param
                acc = C_TYPES[acc_dtype]
                identity = {"add": "0", "mul": "1", "max": f"LIFTED_LOWEST({acc})", "min": f"LIFTED_HIGHEST({acc})"}[op]
                temp = f"acc_{result}"
                if op in ("max", "min"):
                    lines.append(f"if (count == 0) {self.fail('empty', '0' if op == 'max' else '2')}")
                lines.append(f"{acc} {temp}[1] = {{{identity}}};")
                call.append(temp)
                value = f"(double){temp}[0] / (double)count" if mean else f"{temp}[0]"
                finals.append(f"{self.var(out)} = ({C_TYPES[out.type.dtype]})({C_TYPES[dtype]})({value}); "
                              f"{self.flag(out)} = true;")
        self.calls.add(region.name)
        arguments = ", ".join(call)
        lines.append(f"if (count >= lifted_parallel_min) {region.name}({arguments});")
        lines.append(f"else {region.name}_serial({arguments});")
        return ["{"] + indent(lines + finals) + ["}"]


