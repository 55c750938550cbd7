"""Write one loop kernel (see kernel.py) as a C function over the host names of its loop.

Every host name the loop binds is one C variable: an array is a `lifted_view` (pointer, dims, element strides),
a scalar its value and a flag saying whether the host holds a NumPy scalar (true) or a Python number (false),
which decides what a division by zero does. The function reads its inputs from, and writes its results and any
error to, one int64 buffer the runtime (`lifted.cpu.loop`) fills; new arrays come from an arena the runtime
allocates through a callback (NumPy memory, so results are arrays viewing it).
"""
from __future__ import annotations

from ....codegen import c_comment_text
from ....ir import Const, Eqn, If, Loop, own_operands
from ..c_syntax import C_TYPES, c_literal, indent
from ..fused_kernel import is_module_array
from ..launch_spec import EmittedKernel, range3
from .array_math import ArrayMath
from .arrays import ArrayStatements
from .eligible import ARRAY_OPS, FILLS, is_row_gather
from .indexed import IndexedStatements
from .last_trip import names_read, operand_names, skippable_outputs
from .masked import MaskedStatements
from .products import Products
from .regions import RegionCalls
from .select import BlockPlan

# error codes the runtime turns into Python exceptions (runtime/cpu/loop.py; "empty": EMPTY_REDUCTIONS says which); "header" (an input's strides are
# not whole elements, found before anything ran) makes the runtime call again with the inputs packed in Python
ERRORS = {"index": 1, "zero_division": 2, "space": 3, "broadcast": 4, "memory": 5, "pop": 6, "empty": 7,
          "step": 8, "overflow": 9, "negative": 10, "concatenate": 11, "squeeze": 12, "broadcast_to": 13,
          "matmul": 14, "stacks": 15, "header": 16, "operands": 17, "add_at": 18, "stack": 19, "same_shape": 20}

# primitives a loop kernel writes by a method of its own (the emitter's mixins), by name
_STATEMENTS = {"launch": "launch", "add_at": "scatter_add", "unbroadcast": "unbroadcast", "expand_dims": "reshape_view",
               "squeeze": "reshape_view", "broadcast_to": "broadcast_to", "setitem": "store", "index_add": "store",
               "concatenate": "concatenate", "stack": "stack", "eye": "eye", "refine_shape": "refine_shape",
               "host_matmul": "matmul", "stacked_matmul": "stacked_product", "masked_matmul": "masked_product",
               "masked_sum": "masked_sum", "transpose": "transpose", "swapaxes": "transpose", "outer": "outer",
               "check_index": "check_index", "check_nonempty": "check_nonempty", "push": "push", "pop": "pop"}


class _LoopEmitter(ArrayStatements, IndexedStatements, ArrayMath, RegionCalls, Products, MaskedStatements):
    def __init__(self, plan: BlockPlan, name: str, regions: dict[str, EmittedKernel], source_file: str,
                 skippable: dict[str, set[int]] | None = None):
        self.plan = plan
        # outputs a launch leaves unstored on its loop's last trip (last_trip.py): launch id -> (the C condition
        # of that trip, output positions); and what the region kernels must then be emitted with (region name ->
        # output positions stored only through a non-null pointer)
        self.last_trip: dict[int, tuple[str, frozenset[int]]] = {}
        self.skippable = skippable if skippable is not None else {}
        self.after: set[str] | None = {o.name for o in plan.outs}  # names read after the statement being written
        self.name = name
        self.regions = regions
        self.source_file = source_file
        self.decls: list[str] = []
        self.group = None
        self.sites = 0
        self.tape_widths: dict[str, int] = {}
        self.popped: set[str] = set()  # tapes it pops (its results and pushes may point into their memory)

    # -- names -----------------------------------------------------------------------------------------------
    def var(self, atom) -> str:
        name = atom.value.name if is_module_array(atom) else atom.name
        return f"v_{name}"

    def flag(self, atom) -> str:
        if isinstance(atom, Const) and not is_module_array(atom):
            return "false"
        return f"f_{atom.value.name if is_module_array(atom) else atom.name}"

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
                loads.append(f"if (!lifted_load_input(v_{name}, io + {slot})) {self.fail('header')}")
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
                inputs.append(("tape", width, name in self.popped))
                slot += 4
        local = {e.out.name for e in _eqns(plan.stmts) if e.prim.name == "tape_new"}
        for name in sorted(local):
            self.decls.append(f"lifted_tape t_{name} = {{}};")
        for name in sorted(set(self.tape_widths) - {a.name for a in plan.inputs if not is_module_array(a)} - local):
            raise AssertionError(f"tape {name} is neither an input of its run nor made in it")
        body = self.loop(plan.loop) if plan.loop is not None else self.block(plan.stmts)
        stores, outputs = [], []
        for out in plan.outs:
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
                 f"    lifted_loop_state state; lifted_start(state, alloc, io + {slot});",
                 "    lifted_loop_state* st = &state;"]
        lines += indent(self.decls + loads + body + stores + [f"lifted_finish(state, io + {slot});", "return 0;"])
        lines += ["}"]
        # (io: the inputs, then the outputs, then 4 words of memory (scratch, results) and 4 of error)
        spec = {"loop": True, "inputs": inputs, "outputs": outputs, "io": slot + 8, "memory": slot}
        return lines, spec

    def _tape_kinds(self) -> None:
        for eqn in _eqns(self.plan.stmts):
            if eqn.prim.name in ("push", "pop"):
                value = eqn.args[1] if eqn.prim.name == "push" else eqn.out
                rank = len(value.type.shape)
                width = 1 + 2 * rank if rank else 2
                self.tape_widths.setdefault(eqn.args[0].name, width)
                if eqn.prim.name == "pop":
                    self.popped.add(eqn.args[0].name)

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
        base = self.after
        for position, stmt in enumerate(stmts):
            if isinstance(stmt, (Loop, If)):  # (what a loop's last trip may leave unstored depends on it)
                self.after = None if base is None else base | names_read(stmts[position + 1:])
            lines += self.comment(stmt)
            if isinstance(stmt, Loop):
                lines += self.loop(stmt)
            elif isinstance(stmt, If):
                lines += self.branch(stmt)
            else:
                lines += self.equation(stmt)
            self.after = base
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
        after, self.after = self.after, None  # (inside the body: the next trip reads what the body reads)
        if loop.kind == "while":
            lines = ["{"] + indent(self.moves(list(zip(loop.carried, loop.inits))))
            body = self.block(loop.cond_body) + [f"if (!({self.scalar(loop.cond)})) break;"]
            body += self.block(loop.body) + self.moves(list(zip(loop.carried, loop.carried_out)))
            self.group = None
            return lines + ["    while (true) {"] + indent(indent(body)) + ["    }", "}"]
        last = "k == 0" if loop.reverse else "k == trips - 1"
        self.last_trip.update((key, (last, positions)) for key, positions in skippable_outputs(loop, after).items())
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
        after = self.after
        # (a branch's results are moved after its body; what the other branch reads is not read on this path)
        self.after = None if after is None else after | operand_names(own_operands(stmt))
        then_lines = self.block(stmt.then_body) + self.moves(list(zip(stmt.outs, stmt.then_results)))
        else_lines = self.block(stmt.else_body) + self.moves(list(zip(stmt.outs, stmt.else_results)))
        self.after = after
        self.group = None
        return [f"if ({self.scalar(stmt.cond)}) {{"] + indent(then_lines) + ["} else {"] + indent(else_lines) + ["}"]

    def equation(self, eqn: Eqn) -> list[str]:
        name = eqn.prim.name
        method = _STATEMENTS.get(name)
        if method is not None:
            return getattr(self, method)(eqn)
        if name == "getitem":
            return self.gather(eqn) if is_row_gather(eqn) else self.getitem(eqn)
        if name in ARRAY_OPS and eqn.out.type.shape != ():
            return self.array_op(eqn)
        if name == "copy":
            source = eqn.args[0]
            return ["{", f"    {self.fresh(eqn, eqn.out, f'{self.var(source)}.d')}",
                    f"    lifted_copy({self.var(eqn.out)}, {self.var(source)});", "}"]
        if name in FILLS:
            return self.fill(eqn)
        if name == "dim":
            rank = len(eqn.args[0].type.shape)
            return [f"{self.var(eqn.out)} = {self.var(eqn.args[0])}.d[{eqn.params['axis'] % rank}]; "
                    f"{self.flag(eqn.out)} = false;"]
        if name == "tape_new":
            return [f"lifted_new_tape(t_{eqn.out.name}, {self.tape_widths.get(eqn.out.name, 2)});"]
        return self.scalar_op(eqn)

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
        python = prim.python_result(eqn.params)
        flag = "false" if python == "made" else " || ".join(flags) if python == "kept" and flags else "true"
        lines = []
        if python and prim.name in ("divide", "floor_divide", "mod"):  # (NumPy's: inf, nan or 0, and a warning)
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


def emit_loop(plan: BlockPlan, name: str, regions: dict[str, EmittedKernel], source_file: str,
              skippable: dict[str, set[int]] | None = None) -> tuple[list[str], dict]:
    """The C lines of a run's function (a loop kernel's, or a straight-line run's) and the spec its runtime
    reads; `skippable` receives, per region kernel, the outputs it must store only through non-null pointers (a
    loop's last trip passes null for them, last_trip.py)."""
    return _LoopEmitter(plan, name, regions, source_file, skippable).emit()

