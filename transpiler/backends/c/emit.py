"""Emit one fused kernel as C (the `.cu` text that nvcc and the system C++ compiler both build).

Each element of the index space runs the region's statements on scalars: inputs are loaded once into locals,
every IR value is one `const` local (so a value used twice is computed once), loops and branches are C loops
and branches, a tape is a per-thread stack, outputs are stored once and reductions accumulate per thread.
Elementwise operations come from the primitive registry's `cuda` expressions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ...errors import TranspileError
from ...ir import Const, Eqn, If, Loop, Var
from .fusion import CREATION, REDUCTIONS, Kernel, is_tape, pushes_with_loops

C_TYPES = {"f64": "double", "f32": "float", "i64": "int64_t", "i32": "int32_t", "bool": "bool"}
ACCUMULATOR = {"f64": "f64", "f32": "f64", "i64": "i64", "i32": "i64", "bool": "i64"}
_RESERVED = set("""auto break case char const continue default do double else enum extern float for goto if int
long register return short signed sizeof static struct switch typedef union unsigned void volatile while bool true
false class new delete this template typename namespace using operator public private protected virtual friend
inline try catch throw and or not xor bitand bitor compl int64_t int32_t size_t i n exp log log1p expm1 sqrt sin cos
tan tanh atan asin acos sinh cosh atan2 pow fabs floor ceil fmod fmin fmax copysign abs min max std""".split())


@dataclass
class Param:
    """One kernel parameter: how the host passes it (`kind`) and its C declaration."""

    kind: str  # "array" | "scalar" | "out" | "reduce" | "scalar_out" | "tape"
    decl: str
    spec: tuple = ()


@dataclass
class EmittedKernel:
    name: str
    params: list[Param]
    rank: int
    prologue: list[str]
    body: list[str]
    epilogue: list[str]
    spec: dict = field(default_factory=dict)


def c_literal(value, dtype: str | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = f"{value}LL" if abs(value) > 2**31 - 1 else str(value)
        return f"({text})" if value < 0 else text
    if isinstance(value, float):
        if math.isnan(value):
            return "NAN"
        if math.isinf(value):
            return "INFINITY" if value > 0 else "(-INFINITY)"
        text = repr(value)
        text = text if any(c in text for c in ".e") else text + ".0"
        text = f"{text}f" if dtype == "f32" else text
        return f"({text})" if value < 0 or text.startswith("-") else text
    raise TranspileError(f"the C backend cannot write the constant {value!r}")


class _Emitter:
    def __init__(self, kernel: Kernel, source_file: str):
        self.kernel = kernel
        self.source_file = source_file
        self.names: dict[int, str] = {}
        self.taken = set(_RESERVED)
        self.rank = len(kernel.shape)
        self.params: list[Param] = []
        self.prologue: list[str] = []
        self.loads: list[str] = []
        self.epilogue: list[str] = []
        self.strided: list[tuple[str, int]] = []  # (pointer, rank) of inputs read through strides
        self.tape_types: dict[str, str] = {}
        self.group = None
        self.predeclared: set[int] = set()  # merged values declared before their `if`, assigned in it

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

    def atom(self, atom, dtype: str | None = None) -> str:
        if isinstance(atom, Const):
            return c_literal(atom.value, dtype)
        return self.names[id(atom)]

    # -- the kernel --------------------------------------------------------------------------------------------
    def emit(self) -> EmittedKernel:
        kernel = self.kernel
        for var in kernel.inputs:
            self._input(var)
        for tape, pushes in kernel.tapes.items():
            dtypes = {p.args[1].type.dtype for p in pushes}
            dtype = "f64" if len(dtypes) != 1 else dtypes.pop()
            self.tape_types[tape] = dtype
            base = self.fresh(tape)
            self.names[("tape", tape)] = base
            capacity = [[tuple(self._bound(b) for b in _range3(loop)) for loop in loops]
                        for push, loops in pushes_with_loops(kernel.body) if push.args[0].name == tape]
            self.params.append(Param("tape", f"{C_TYPES[dtype]}* __restrict__ {base}_data, const int64_t {base}_cap",
                                     (dtype, capacity)))
        lines = self.block(kernel.body, top=True)
        outputs = []
        for var in kernel.outputs:
            outputs.append(self._output(var))
        body = self._unravel() + self.loads + lines + [line for out in outputs for line in out]
        spec = {"rank": self.rank, "params": [(p.kind,) + tuple(p.spec) for p in self.params],
                "dims": _dims_spec(kernel), "static": tuple(d if isinstance(d, int) else None for d in kernel.shape)}
        return EmittedKernel(kernel.name, self.params, self.rank, self.prologue, body, self.epilogue, spec)

    def _bound(self, atom):
        if isinstance(atom, Const):
            return ("const", atom.value)
        return ("arg", next(k for k, v in enumerate(self.kernel.inputs) if v is atom))

    def _input(self, var: Var) -> None:
        ctype = C_TYPES[var.type.dtype]
        if var.type.shape == ():
            name = self.name(var)
            self.params.append(Param("scalar", f"const {ctype} {name}", (var.type.dtype,)))
            return
        name = self.name(var)
        pointer = self.fresh(f"{name}_data")
        pattern = _pattern(var.type.shape, self.kernel.shape)
        if var.type.shape == self.kernel.shape:
            self.params.append(Param("array", f"const {ctype}* __restrict__ {pointer}", (var.type.dtype, pattern, False)))
            self.loads.append(f"const {ctype} {name} = {pointer}[i];")
            return
        strides = [self.fresh(f"{name}_s{k}") for k in range(self.rank)]
        decl = f"const {ctype}* __restrict__ {pointer}, " + ", ".join(f"const int64_t {s}" for s in strides)
        self.params.append(Param("array", decl, (var.type.dtype, pattern, True)))
        offset = " + ".join(f"i{k} * {s}" for k, s in enumerate(strides))
        self.strided.append((pointer, self.rank))
        self.loads.append(f"const {ctype} {name} = {pointer}[{offset}];")

    def _unravel(self) -> list[str]:
        if not self.strided:
            return []
        if self.rank == 1:
            return ["const int64_t i0 = i;"]
        lines = ["int64_t rest = i;"]
        for k in reversed(range(1, self.rank)):
            lines.append(f"const int64_t i{k} = rest % d{k};")
            lines.append(f"rest /= d{k};")
        lines.append("const int64_t i0 = rest;")
        return lines

    def _output(self, var: Var) -> list[str]:
        ctype = C_TYPES[var.type.dtype]
        name = self.names[id(var)]
        pointer = self.fresh(f"{name}_out")
        reduction = self.reductions.get(id(var))
        if reduction is not None:
            op, acc, acc_dtype = reduction
            self.params.append(Param("reduce", f"{C_TYPES[acc_dtype]}* __restrict__ {pointer}",
                                     (var.type.dtype, op, acc_dtype, self.means.get(id(var), False))))
            self.epilogue.append(f"lifted_reduce_{op}({pointer}, {acc});")
            return []
        if var.type.shape == ():
            self.params.append(Param("scalar_out", f"{ctype}* __restrict__ {pointer}", (var.type.dtype,)))
            return [f"if (i == 0) {pointer}[0] = {name};"]
        self.params.append(Param("out", f"{ctype}* __restrict__ {pointer}", (var.type.dtype,)))
        return [f"{pointer}[i] = {name};"]

    # -- statements --------------------------------------------------------------------------------------------
    reductions: dict
    means: dict

    def block(self, stmts: list, top: bool = False) -> list[str]:
        if top:
            self.reductions, self.means = {}, {}
        lines: list[str] = []
        for stmt in stmts:
            if stmt.note:
                lines.append(f"// {stmt.note}")
                self.group = None
            if stmt.loc is not None and (stmt.loc.line, stmt.loc.path) != self.group:
                self.group = (stmt.loc.line, stmt.loc.path)
                lines.append(f"// {self.source_file}:{stmt.loc.line}  {stmt.loc.text.strip()}")
            if isinstance(stmt, Eqn):
                lines += self.equation(stmt)
            elif isinstance(stmt, If):
                lines += self.branch(stmt)
            else:
                lines += self.loop(stmt)
        return lines

    def equation(self, eqn: Eqn) -> list[str]:
        prim = eqn.prim
        if prim.name == "tape_new":
            base = self.names[("tape", eqn.out.name)]
            return [f"int64_t {base}_top = 0;"]
        if prim.name == "push":
            base = self.names[("tape", eqn.args[0].name)]
            return [f"LIFTED_TAPE({base}, {base}_top++) = {self.atom(eqn.args[1])};"]
        out = eqn.out
        ctype = C_TYPES[out.type.dtype]
        if prim.name == "pop":
            base = self.names[("tape", eqn.args[0].name)]
            return [f"{self.define(out)} = LIFTED_TAPE({base}, --{base}_top);"]
        if prim.name in REDUCTIONS:
            op = REDUCTIONS[prim.name]
            acc_dtype = ACCUMULATOR[out.type.dtype] if op == "add" else \
                ("f64" if out.type.is_float else "i64")
            acc = self.fresh(f"{out.name}_acc")
            self.names[id(out)] = acc
            self.reductions[id(out)] = (op, acc, acc_dtype)
            if prim.name == "mean":
                self.means[id(out)] = True
            identity = {"add": "0", "max": "LIFTED_LOWEST", "min": "LIFTED_HIGHEST"}[op]
            self.prologue.append(f"{C_TYPES[acc_dtype]} {acc} = {identity}({C_TYPES[acc_dtype]});"
                                 if op != "add" else f"{C_TYPES[acc_dtype]} {acc} = 0;")
            arg = self.atom(eqn.args[0])
            return [f"{acc} += {arg};" if op == "add" else f"{acc} = lifted_{op}imum({acc}, {arg});"]
        return [f"{self.define(out)} = {self.expression(eqn)};"]

    def define(self, var: Var) -> str:
        """The left-hand side that defines `var`: a new constant, or the merged variable declared before."""
        if id(var) in self.predeclared:
            return self.names[id(var)]
        return f"const {C_TYPES[var.type.dtype]} {self.name(var)}"

    def expression(self, eqn: Eqn) -> str:
        prim, out = eqn.prim, eqn.out
        if prim.name == "stop_gradient":
            return self.atom(eqn.args[0])
        if prim.name in CREATION:
            if prim.name == "full":
                return self.atom(eqn.args[-1], out.type.dtype)
            return "1" if prim.name.startswith("ones") else "0"
        if not prim.cuda:
            raise TranspileError(f"`{prim.name}` has no C expression", eqn.loc)
        args = []
        for atom in eqn.args:
            text = self.atom(atom, out.type.dtype if out.type.is_float else None)
            if out.type.is_float and not atom.type.is_float and prim.name != "where":
                text = f"({C_TYPES[out.type.dtype]})({text})"  # `1 / 2` divides as floats, as in NumPy
            args.append(text)
        return prim.cuda.format(*args)

    def branch(self, stmt: If) -> list[str]:
        merged = [(o, t, e) for o, t, e in zip(stmt.outs, stmt.then_results, stmt.else_results) if not is_tape(o)]
        lines = [f"{C_TYPES[o.type.dtype]} {self.name(o)} = 0;" for o, _, _ in merged]
        self.predeclared |= {id(o) for o, _, _ in merged}
        then_lines = self.block(stmt.then_body) + [f"{self.names[id(o)]} = {self.atom(t)};" for o, t, _ in merged
                                                   if not _undefined(t) and self.atom(t) != self.names[id(o)]]
        else_lines = self.block(stmt.else_body) + [f"{self.names[id(o)]} = {self.atom(e)};" for o, _, e in merged
                                                   if not _undefined(e) and self.atom(e) != self.names[id(o)]]
        lines.append(f"if ({self.atom(stmt.cond)}) {{")
        lines += _indent(then_lines)
        if else_lines:
            lines += ["} else {"] + _indent(else_lines)
        return lines + ["}"]

    def loop(self, loop: Loop) -> list[str]:
        slots = [(c, init, new, o) for c, init, new, o in zip(loop.carried, loop.inits, loop.carried_out, loop.outs)
                 if not is_tape(c)]
        lines = []
        for carried, init, _, out in slots:
            value = "0" if _undefined(init) else self.atom(init)
            lines.append(f"{C_TYPES[carried.type.dtype]} {self.name(carried)} = {value};")
            self.names[id(out)] = self.names[id(carried)]
        index = self.name(loop.index) if loop.index is not None else None
        cond_lines = self.block(loop.cond_body) if loop.kind == "while" else []
        body = self.block(loop.body)
        updates = [(self.names[id(c)], self.atom(new), C_TYPES[c.type.dtype]) for c, _, new, _ in slots
                   if not _undefined(new) and self.atom(new) != self.names[id(c)]]
        targets = {target for target, _, _ in updates}
        if any(value in targets for _, value, _ in updates):  # a parallel assignment (`a, b = b, a + b`): every new value first, then the slots
            temps = [self.fresh(f"{target}_next") for target, _, _ in updates]
            body += [f"const {ctype} {temp} = {value};" for temp, (_, value, ctype) in zip(temps, updates)]
            body += [f"{target} = {temp};" for temp, (target, _, _) in zip(temps, updates)]
        else:
            body += [f"{target} = {value};" for target, value, _ in updates]
        if loop.kind == "for":
            start, stop, step = (self.atom(a) for a in _range3(loop))
            trips = self.fresh("trips")
            k = self.fresh("k")
            lines.append(f"const int64_t {trips} = lifted_trip_count({start}, {stop}, {step});")
            order = f"int64_t {k} = {trips} - 1; {k} >= 0; --{k}" if loop.reverse else \
                f"int64_t {k} = 0; {k} < {trips}; ++{k}"
            lines.append(f"for ({order}) {{")
            if index is not None:
                body = [f"const int64_t {index} = {start} + {k} * {step};"] + body
            return lines + _indent(body) + ["}"]
        lines.append("while (true) {")
        return lines + _indent(cond_lines + [f"if (!({self.atom(loop.cond)})) break;"] + body) + ["}"]


def _undefined(atom) -> bool:
    """`None` stands for a value a path leaves undefined (nothing reads it on that path)."""
    return isinstance(atom, Const) and atom.value is None


def _range3(loop: Loop) -> tuple:
    if len(loop.bounds) == 3:
        return tuple(loop.bounds)
    if len(loop.bounds) == 2:
        return (loop.bounds[0], loop.bounds[1], Const(1, loop.bounds[0].type))
    stop = loop.bounds[0]
    return (Const(0, stop.type), stop, Const(1, stop.type))


def _pattern(shape: tuple, space: tuple) -> tuple:
    """Per dimension of the index space: "S" (the input has it), 1 (broadcast) or None (absent)."""
    pad = len(space) - len(shape)
    return tuple(None if k < pad else ("S" if shape[k - pad] == space[k] else 1)
                 for k in range(len(space)))


def _dims_spec(kernel: Kernel) -> list:
    """Where the host finds the index space's size: creation equations' dimension arguments."""
    found = []
    for stmt in kernel.body:
        if isinstance(stmt, Eqn) and stmt.prim.name in ("zeros", "ones", "full"):
            dims = stmt.args[:-1] if stmt.prim.name == "full" else stmt.args
            entry = []
            for atom in dims:
                if isinstance(atom, Const):
                    entry.append(("const", atom.value))
                else:
                    entry.append(("arg", next(k for k, v in enumerate(kernel.inputs) if v is atom)))
            found.append((_pattern(stmt.out.type.shape, kernel.shape), entry))
    return found


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def emit_kernel(kernel: Kernel, source_file: str) -> EmittedKernel:
    return _Emitter(kernel, source_file).emit()
