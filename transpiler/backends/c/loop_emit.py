"""Write one loop kernel (see loop_kernel.py) as a C function over the host names of its loop.

Every host name the loop binds is one C variable: an array is a `lifted_view` (pointer, dims, element strides),
a scalar its value and a flag saying whether the host holds a NumPy scalar (true) or a Python number (false),
which decides what a division by zero does. The function reads its inputs from, and writes its results and any
error to, one int64 buffer the runtime (`lifted.cpu_loop`) fills; new arrays come from an arena the runtime
allocates through a callback (NumPy memory, so results are arrays viewing it).
"""
from __future__ import annotations

from ...codegen import c_comment_text
from ...ir import Const, Eqn, If, Loop
from ...primitives.indexing import Ref
from .c_syntax import C_TYPES, c_literal, indent
from .fusion import is_module_array
from .launch_spec import EmittedKernel, range3
from .loop_select import FILLS, LoopPlan

# error codes the runtime turns into Python exceptions (runtime/cpu_loop.py)
ERRORS = {"index": 1, "zero_division": 2, "space": 3, "broadcast": 4, "memory": 5, "pop": 6, "empty": 7,
          "step": 8, "overflow": 9, "negative": 10, "concatenate": 11}
_PROMOTE = {("f32", "i64"): "f64", ("f32", "i32"): "f64"}  # NumPy's result type of an in-place add, where not the target's
_PYTHON_SCALAR_OPS = {"add", "subtract", "multiply", "divide", "negative", "floor_divide", "mod", "less",
                      "less_equal", "greater", "greater_equal", "equal", "not_equal", "logical_and", "logical_or",
                      "logical_not"}  # (`a & b`, `not a` of Python values stay Python values)


class _LoopEmitter:
    def __init__(self, plan: LoopPlan, name: str, regions: dict[str, EmittedKernel], source_file: str):
        self.plan = plan
        self.name = name
        self.regions = regions
        self.source_file = source_file
        self.decls: list[str] = []
        self.group = None
        self.sites = 0
        self.tape_widths: dict[str, int] = {}
        self.calls: set[str] = set()  # the region kernels it calls

    # -- names -----------------------------------------------------------------------------------------------
    def var(self, atom) -> str:
        name = atom.value.name if is_module_array(atom) else atom.name
        return f"v_{name}"

    def flag(self, atom) -> str:
        if isinstance(atom, Const) and not is_module_array(atom):
            return "false"
        return f"f_{atom.name}"

    def scalar(self, atom, dtype: str | None = None) -> str:
        if isinstance(atom, Const) and not is_module_array(atom):
            return c_literal(atom.value, dtype)
        return self.var(atom)

    def kind(self, atom) -> tuple:
        name = atom.value.name if is_module_array(atom) else atom.name
        return self.plan.names[name]

    def view_type(self, dtype: str, rank: int) -> str:
        return f"lifted_view<{C_TYPES[dtype]}, {rank}>"

    # -- the function ----------------------------------------------------------------------------------------
    def emit(self) -> tuple[list[str], dict]:
        plan = self.plan
        for name, kind in sorted(plan.names.items()):
            if kind[0] == "array":
                self.decls.append(f"{self.view_type(kind[1], kind[2])} v_{name} = {{}};")
            elif kind[0] == "scalar":
                self.decls.append(f"{C_TYPES[kind[1]]} v_{name} = 0; bool f_{name} = false;")
        self._tape_kinds()
        slot = 0
        loads, inputs = [], []
        for atom in plan.inputs:
            kind = self.kind(atom)
            name = atom.value.name if is_module_array(atom) else atom.name
            if kind[0] == "array":
                loads.append(f"lifted_load_view(v_{name}, io + {slot});")
                inputs.append(("array", kind[1], kind[2], name in plan.written))
                slot += 1 + 2 * kind[2]
            elif kind[0] == "scalar":
                loads.append(f"v_{name} = ({C_TYPES[kind[1]]})lifted_load_scalar_{_store_kind(kind[1])}(io[{slot}]); "
                             f"f_{name} = io[{slot + 1}] != 0;")
                inputs.append(("scalar", kind[1]))
                slot += 2
            else:
                width = self.tape_widths[name]
                self.decls.append(f"lifted_tape t_{name} = {{}};")
                loads.append(f"lifted_load_tape(t_{name}, io + {slot}, {width});")
                inputs.append(("tape", width))
                slot += 4
        for name in sorted(set(self.tape_widths) - {a.name for a in plan.inputs if not is_module_array(a)}):
            raise AssertionError(f"tape {name} is not an input of its loop")
        body = self.loop(plan.loop)
        stores, outputs = [], []
        for out in plan.loop.outs:
            kind = self.kind(out)
            if kind[0] == "array":
                stores.append(f"lifted_store_view(io + {slot}, v_{out.name});")
                outputs.append(("array", kind[1], kind[2]))
                slot += 1 + 2 * kind[2]
            else:
                stores.append(f"io[{slot}] = lifted_store_scalar_{_store_kind(kind[1])}(v_{out.name}); "
                              f"io[{slot + 1}] = f_{out.name};")
                outputs.append(("scalar", kind[1]))
                slot += 2
        for position, atom in enumerate(plan.inputs):
            if self.kind(atom)[0] == "tape":
                stores.append(f"lifted_store_tape(io + {_input_slot(inputs, position)}, t_{atom.name});")
        lines = [f"extern \"C\" int {self.name}(int64_t* io, lifted_alloc_fn alloc)", "{",
                 f"    lifted_loop_state state = {{alloc, nullptr, 0, io + {slot}}};",
                 "    lifted_loop_state* st = &state;"]
        lines += indent(self.decls + loads + body + stores + ["return 0;"]) + ["}"]
        spec = {"loop": True, "inputs": inputs, "outputs": outputs, "io": slot + 4}
        return lines, spec, self.calls

    def _tape_kinds(self) -> None:
        for eqn in _eqns(self.plan.loop.cond_body + self.plan.loop.body):
            if eqn.prim.name in ("push", "pop"):
                value = eqn.args[1] if eqn.prim.name == "push" else eqn.out
                rank = len(value.type.shape)
                width = 1 + 2 * rank if rank else 2
                self.tape_widths.setdefault(eqn.args[0].name, width)

    def fail(self, error: str, *details: str) -> str:
        args = ", ".join([str(ERRORS[error])] + list(details) + ["0"] * (3 - len(details)))
        return f"return lifted_fail(st, {args});"

    def comment(self, stmt) -> list[str]:
        if stmt.loc is None or (stmt.loc.line, stmt.loc.path) == self.group:
            return []
        self.group = (stmt.loc.line, stmt.loc.path)
        return [f"// {c_comment_text(f'{self.source_file}:{stmt.loc.line}  {stmt.loc.text.strip()}')}"]

    # -- statements ------------------------------------------------------------------------------------------
    def block(self, stmts: list) -> list[str]:
        lines: list[str] = []
        for stmt in stmts:
            lines += self.comment(stmt)
            if isinstance(stmt, Loop):
                lines += self.loop(stmt)
            elif isinstance(stmt, If):
                lines += self.branch(stmt)
            else:
                lines += self.equation(stmt)
        return lines

    def moves(self, pairs: list) -> list[str]:
        """`target = value` for each pair at once (a value may be another target's old value)."""
        pairs = [(t, v) for t, v in pairs if not (isinstance(v, Const) and v.value is None)
                 and not (not isinstance(v, Const) and self.var(v) == self.var(t))]
        lines, finals = [], []
        for k, (target, value) in enumerate(pairs):
            kind = self.kind(target)
            if kind[0] == "array":
                lines.append(f"const {self.view_type(kind[1], kind[2])} move_{k} = {self.var(value)};")
                finals.append(f"{self.var(target)} = move_{k};")
            elif kind[0] == "scalar":
                lines.append(f"const {C_TYPES[kind[1]]} move_{k} = ({C_TYPES[kind[1]]}){self.scalar(value, kind[1])}; "
                             f"const bool move_f{k} = {self.flag(value)};")
                finals.append(f"{self.var(target)} = move_{k}; {self.flag(target)} = move_f{k};")
        return ["{"] + indent(lines + finals) + ["}"] if lines else []

    def loop(self, loop: Loop) -> list[str]:
        if loop.kind == "while":
            lines = ["{"] + indent(self.moves(list(zip(loop.carried, loop.inits))))
            body = self.block(loop.cond_body) + [f"if (!({self.scalar(loop.cond)})) break;"]
            body += self.block(loop.body) + self.moves(list(zip(loop.carried, loop.carried_out)))
            self.group = None
            return lines + ["    while (true) {"] + indent(indent(body)) + ["    }", "}"]
        start, stop, step = (self.scalar(a) for a in range3(loop))
        lines = ["{", f"    const int64_t lo = {start}, hi = {stop}, step = {step};",
                 f"    if (step == 0) {self.fail('step')}",
                 "    const int64_t trips = lifted_trip_count(lo, hi, step);"]
        lines += indent(self.moves(list(zip(loop.carried, loop.inits))))
        order = "int64_t k = trips - 1; k >= 0; --k" if loop.reverse else "int64_t k = 0; k < trips; ++k"
        body = []
        if loop.index is not None:
            body.append(f"{self.var(loop.index)} = lo + k * step; {self.flag(loop.index)} = false;")
        body += self.block(loop.body) + self.moves(list(zip(loop.carried, loop.carried_out)))
        self.group = None
        return lines + [f"    for ({order}) {{"] + indent(indent(body)) + ["    }", "}"]

    def branch(self, stmt: If) -> list[str]:
        then_lines = self.block(stmt.then_body) + self.moves(list(zip(stmt.outs, stmt.then_results)))
        else_lines = self.block(stmt.else_body) + self.moves(list(zip(stmt.outs, stmt.else_results)))
        self.group = None
        return [f"if ({self.scalar(stmt.cond)}) {{"] + indent(then_lines) + ["} else {"] + indent(else_lines) + ["}"]

    def equation(self, eqn: Eqn) -> list[str]:
        name = eqn.prim.name
        if name == "launch":
            return self.launch(eqn)
        if name == "getitem":
            return self.getitem(eqn)
        if name in ("setitem", "index_add"):
            return self.store(eqn)
        if name == "copy":
            source = eqn.args[0]
            return ["{", f"    {self.fresh(eqn, eqn.out, f'{self.var(source)}.d')}",
                    f"    lifted_copy({self.var(eqn.out)}, {self.var(source)});", "}"]
        if name in FILLS:
            return self.fill(eqn)
        if name == "concatenate":
            return self.concatenate(eqn)
        if name == "dim":
            rank = len(eqn.args[0].type.shape)
            return [f"{self.var(eqn.out)} = {self.var(eqn.args[0])}.d[{eqn.params['axis'] % rank}]; "
                    f"{self.flag(eqn.out)} = false;"]
        if name == "push":
            return self.push(eqn)
        if name == "pop":
            return self.pop(eqn)
        return self.scalar_op(eqn)

    # -- new arrays ------------------------------------------------------------------------------------------
    def fresh(self, eqn: Eqn, out, dims: str, target: str | None = None) -> str:
        """Allocate `out` (contiguous, of `dims`; into the C view `target`, by default its own): memory of its
        own each step, or the same each step when nothing made from it outlives the step (see loop_select)."""
        target = target or self.var(out)
        self.sites += 1
        memory = self.plan.memory.get((id(eqn), out.name), "fresh")
        buffer = f"site_{self.sites}"
        if memory == "reuse":
            self.decls.append(f"void* {buffer} = nullptr; int64_t {buffer}_bytes = 0;")
            return f"if (!lifted_alloc_view({target}, {dims}, st, &{buffer}, &{buffer}_bytes)) {self.fail('memory')}"
        if memory == "ring":
            self.decls.append(f"void* {buffer}[2] = {{nullptr, nullptr}}; int64_t {buffer}_bytes[2] = {{0, 0}}; "
                              f"int {buffer}_turn = 0;")
            return f"{buffer}_turn ^= 1; if (!lifted_alloc_view({target}, {dims}, st, &{buffer}[{buffer}_turn], " \
                f"&{buffer}_bytes[{buffer}_turn])) {self.fail('memory')}"
        return f"if (!lifted_alloc_view({target}, {dims}, st, nullptr, nullptr)) {self.fail('memory')}"

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

    # -- indexing --------------------------------------------------------------------------------------------
    def view_of(self, eqn: Eqn, source, result: str) -> tuple[list[str], int]:
        """Lines computing `result` (a view, or the element offset when every axis is indexed) of `source[index]`,
        with NumPy's bounds checks; and the result's rank."""
        index = eqn.params["index"]
        rank = len(source.type.shape)
        src = self.var(source)
        lines, axis, kept = ["int64_t offset = 0;"], 0, 0

        def bound(value):
            return self.scalar(eqn.args[value.index]) if isinstance(value, Ref) else c_literal(value)

        dims, strides = [], []
        for item in index:
            if isinstance(item, slice):
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
        rank = len(target.type.shape) - sum(1 for i in eqn.params["index"] if not isinstance(i, slice))
        add = eqn.prim.name == "index_add"
        compute = _PROMOTE.get((tdtype, value.type.dtype), tdtype) if add else tdtype
        if rank == 0:  # one element, from a scalar (loop_select refuses an array there)
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
                      f"if (rc) return rc;"]
        return ["{"] + indent(lines) + ["}"]

    # -- tapes -----------------------------------------------------------------------------------------------
    def push(self, eqn: Eqn) -> list[str]:
        tape, value = eqn.args
        if value.type.shape == ():
            entry = f"lifted_store_scalar_{_store_kind(value.type.dtype)}({self.scalar(value, value.type.dtype)}), " \
                f"(int64_t){self.flag(value)}"
            return [f"{{ const int64_t entry[2] = {{{entry}}}; "
                    f"if (!lifted_push(t_{tape.name}, entry, st)) {self.fail('memory')} }}"]
        return [f"{{ int64_t entry[{self.tape_widths[tape.name]}]; lifted_store_view(entry, {self.var(value)}); "
                f"if (!lifted_push(t_{tape.name}, entry, st)) {self.fail('memory')} }}"]

    def pop(self, eqn: Eqn) -> list[str]:
        tape, out = eqn.args[0], eqn.out
        lines = [f"const int64_t* entry = lifted_pop(t_{tape.name});", f"if (!entry) {self.fail('pop')}"]
        if out.type.shape == ():
            lines.append(f"{self.var(out)} = ({C_TYPES[out.type.dtype]})lifted_load_scalar_"
                         f"{_store_kind(out.type.dtype)}(entry[0]); {self.flag(out)} = entry[1] != 0;")
        else:
            lines.append(f"lifted_load_view({self.var(out)}, entry);")
        return ["{"] + indent(lines) + ["}"]

    # -- scalars ---------------------------------------------------------------------------------------------
    def scalar_op(self, eqn: Eqn) -> list[str]:
        prim, out = eqn.prim, eqn.out
        dtype = out.type.dtype
        ctype = C_TYPES[dtype]
        operand = dtype if prim.name not in ("less", "less_equal", "greater", "greater_equal", "equal",
                                             "not_equal") else _common(eqn.args)
        args = [f"(({C_TYPES[operand]}){self.scalar(a, operand)})" for a in eqn.args]
        flags = [self.flag(a) for a in eqn.args]
        python = prim.name in _PYTHON_SCALAR_OPS
        flag = " || ".join(flags) if python and flags else "true"
        lines = []
        if prim.name in ("divide", "floor_divide", "mod"):
            lines.append(f"if ({args[1]} == 0 && !({' || '.join(flags)})) {self.fail('zero_division')}")
        if dtype in ("i64", "i32") and prim.name in ("add", "subtract", "multiply", "negative"):
            builtin = {"add": "add", "subtract": "sub", "multiply": "mul", "negative": "sub"}[prim.name]
            operands = ["(int64_t)0", args[0]] if prim.name == "negative" else args
            lines += [f"{ctype} result;", f"if (__builtin_{builtin}_overflow({operands[0]}, {operands[1]}, &result)) "
                      f"{self.fail('overflow')}"]
            expr = "result"
        else:
            expr = prim.cuda.format(*args)
        lines.append(f"{self.var(out)} = ({ctype})({expr}); {self.flag(out)} = {flag};")
        return ["{"] + indent(lines) + ["}"]

    # -- region launches -------------------------------------------------------------------------------------
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


def _store_kind(dtype: str) -> str:
    return "f" if dtype in ("f64", "f32") else "i"


def _common(args) -> str:
    dtypes = {a.type.dtype for a in args}
    for dtype in ("f64", "f32", "i64", "i32", "bool"):
        if dtype in dtypes:
            return dtype
    return "f64"


def _input_slot(inputs: list, position: int) -> int:
    slot = 0
    for entry in inputs[:position]:
        slot += 1 + 2 * entry[2] if entry[0] == "array" else 2 if entry[0] == "scalar" else 4
    return slot


def _eqns(block: list):
    for stmt in block:
        if isinstance(stmt, Eqn):
            yield stmt
        elif isinstance(stmt, If):
            yield from _eqns(stmt.then_body + stmt.else_body)
        else:
            yield from _eqns(stmt.cond_body + stmt.body)


def emit_loop(plan: LoopPlan, name: str, regions: dict[str, EmittedKernel], source_file: str) -> tuple[list[str], dict,
                                                                                                     set[str]]:
    """The loop kernel's C lines, the spec its runtime reads, and the region kernels it calls."""
    return _LoopEmitter(plan, name, regions, source_file).emit()

