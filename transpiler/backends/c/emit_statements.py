"""The statements of a fused kernel's C: runs of equations (uniform ones, then element work in a lane block),
branches and loops with their merged values and slots, tape pushes and pops, reductions' accumulators, and each
equation's C expression (from the primitive registry's `cuda` text, or a gather's or a stencil's load).

Kept apart from `emit.py`, which sets up the kernel (its parameters, inputs, outputs and lane blocks): these
methods only walk the IR and call that setup through `self` (see `_Emitter`).
"""
from __future__ import annotations

from ...errors import TranspileError
from ...ir import Const, Eqn, If, Loop, Var
from . import gather
from .c_syntax import ACCUMULATOR, C_TYPES, indent
from .fused_kernel import is_module_array
from .launch_spec import range3
from .region import CREATION, REDUCTIONS, is_tape
from .stencils.c_text import shifted_text, update_text
from .stencils.ops import STENCIL_PRIMS


class StatementWriter:
    """The statement half of `_Emitter` (emit.py), a mixin: it reads the emitter's names, lane arrays and tape
    offsets, and writes element work through its `lanes` blocks."""

    def block(self, stmts: list) -> list[str]:
        lines: list[str] = []
        run: list[Eqn] = []
        for stmt in stmts + [None]:
            if isinstance(stmt, Eqn):
                run.append(stmt)
                continue
            lines += self.run(run)
            run = []
            if stmt is not None:
                lines += self.comment(stmt)
                lines += self.branch(stmt) if isinstance(stmt, If) else self.loop(stmt)
        return lines

    def run(self, eqns: list[Eqn]) -> list[str]:
        """A run of equations: the scalar (uniform) ones first, then the element work in one lane block."""
        uniform = [e for e in eqns if not self._per_element(e)]
        element = [e for e in eqns if self._per_element(e) and not gather.is_scatter(e)]
        scatters = [e for e in eqns if gather.is_scatter(e)]  # nothing in the kernel reads what they add into
        lines = self._equations(uniform)
        self.group = None
        declared = [f"LIFTED_LOCAL({C_TYPES[o.type.dtype]}, {self.name(o)});" for e in element for o in e.outs
                    if id(o) in self.lane and id(o) not in self.declared_lanes and e.prim.name not in REDUCTIONS]

        lines += declared
        for segment in _segments(element, self.squaring):
            lines += self._segment(segment)

        return lines + (self.lanes(lambda: self._equations(scatters), serial=True) if scatters else [])

    def _segment(self, eqns: list[Eqn]) -> list[str]:
        """One lane block of element work. Where it ends with a power by repeated squaring (see `squaring`), the
        block keeps the power's operands (as doubles), result, base and exponent bits in lane arrays, and ORs the
        chunk's bits; then one lane block per two squaring steps runs over the chunk while that OR has a bit left
        (`t ** j` for j < 128 takes 7 steps in 4 blocks; the lanes of a step do not wait on each other as one
        lane's steps would, and a lane's two steps keep its values in registers); then a block counts
        the lanes whose result lifted_fpower might refuse (and compute with pow), and a chunk with such a lane runs
        lifted_fpower itself on its lanes one at a time (rare: a subnormal or overflowing result, an exponent that
        is not whole). Every element gets lifted_fpower's bits; its pow call in a branch had kept the whole block
        a scalar loop."""
        power = eqns[-1] if self.squaring(eqns[-1]) else None
        if power is None:
            return self.lanes(lambda: self._equations(eqns))
        name = power.out.name
        result, base, bits, a, b = (self.fresh(f"{name}_{part}") for part in ("squares", "base", "bits", "a", "b"))
        left, refused = self.fresh(f"{name}_left"), self.fresh(f"{name}_refused")
        ctype = C_TYPES[power.out.type.dtype]

        def start():
            before = self._equations(eqns[:-1]) + self.comment(power)  # names the operands it computes
            operands = [f"LIFTED_AT({a}) = {self._as_double(power.args[0])};",
                        f"LIFTED_AT({b}) = {self._as_double(power.args[1])};"]
            return before + operands + [
                f"LIFTED_AT({result}) = 1;", f"LIFTED_AT({base}) = LIFTED_AT({a});",
                f"LIFTED_AT({bits}) = lifted_fpower_bits(LIFTED_AT({b}));", f"{left} |= LIFTED_AT({bits});"]

        # two squaring steps per lane block (each lane's result, base and bits in registers between them: half
        # the lane arrays' loads and stores); a step past a lane's last bit multiplies by 1.0, which changes no bit
        r, q, e = (self.fresh(f"{name}_{part}") for part in ("r", "q", "e"))
        squaring_steps = [f"double {r} = LIFTED_AT({result}), {q} = LIFTED_AT({base});",
                          f"const int64_t {e} = LIFTED_AT({bits});",
                          f"{r} *= ({e} & 1) ? {q} : 1.0; {q} *= {q};",
                          f"{r} *= ({e} & 2) ? {q} : 1.0; {q} *= {q};",
                          f"LIFTED_AT({result}) = {r}; LIFTED_AT({base}) = {q}; LIFTED_AT({bits}) = {e} >> 2;"]
        cast = "" if ctype == "double" else f"({ctype})"

        def test():
            return [f"{refused} += lifted_fpower_refused(LIFTED_AT({a}), LIFTED_AT({b}), LIFTED_AT({result}));",
                    f"{self.define(power.out)} = {cast}LIFTED_AT({result});"]

        again = self.lanes([f"{self.ref(power.out)} = {cast}lifted_fpower(LIFTED_AT({a}), LIFTED_AT({b}));"],
                           serial=True)
        return [f"LIFTED_LOCAL(double, {a});", f"LIFTED_LOCAL(double, {b});",
                f"LIFTED_LOCAL(double, {result});", f"LIFTED_LOCAL(double, {base});",
                f"LIFTED_LOCAL(int64_t, {bits});", f"int64_t {left} = 0;"] + \
            self.lanes(start, reducing=("|", left)) + \
            [f"for (; {left} != 0; {left} >>= 2) {{"] + \
            indent(self.lanes(squaring_steps)) + ["}", f"double {refused} = 0;"] + \
            self.lanes(test, reducing=("+", refused)) + [f"if ({refused} != 0) {{"] + indent(again) + ["}"]

    def _equations(self, eqns: list[Eqn]) -> list[str]:
        lines = []
        for eqn in eqns:
            lines += self.comment(eqn) + self.equation(eqn)
        return lines

    def squaring(self, eqn: Eqn) -> bool:
        """A float power of element work whose exponent varies per element or is a whole constant in [0, 1024]
        other than 2 (lifted_fpower squares those; `a ** 2` is one product, and a constant or uniform exponent
        that is not whole keeps its pow call, which vectorises as it is)."""
        if eqn.prim.name != "power" or not eqn.out.type.is_float or not self._per_element(eqn):
            return False
        exponent = eqn.args[1]
        if isinstance(exponent, Const) and not is_module_array(exponent):
            value = exponent.value
            return isinstance(value, (int, float)) and not isinstance(value, bool) and \
                float(value).is_integer() and 0 <= value <= 1024 and value != 2
        exponent = exponent.value if is_module_array(exponent) else exponent
        return exponent.type.shape != () and id(exponent) not in self.single

    def _as_double(self, atom) -> str:
        text = self.ref(atom, "f64")
        value = atom.value if is_module_array(atom) else atom
        if isinstance(value, Const) or value.type.dtype == "f64":
            return text
        return f"(double)(int32_t)({text})" if value.type.dtype == "bool" else f"(double)({text})"

    def equation(self, eqn: Eqn) -> list[str]:
        prim = eqn.prim
        if prim.name == "tape_new":
            base = self.names[("tape", eqn.out.name)]
            return [f"int64_t {base}_top = 0;"]
        if prim.name == "push":
            tape = eqn.args[0].name
            slot = self._slot(tape, 0)
            self.offsets[tape] = self.offsets.get(tape, 0) + 1
            return [f"LIFTED_TAPE({self.names[('tape', tape)]}, {slot}) = {self.ref(eqn.args[1])};"]
        if gather.is_scatter(eqn):  # np.add.at: repeated indices add, so atomically
            target = self.addressing.indexed(eqn)
            self.coords = True
            return [f"LIFTED_ATOMIC_ADD({target}, {self.ref(eqn.args[1], eqn.args[0].type.dtype)});"]
        out = eqn.out
        if prim.name == "pop":
            tape = eqn.args[0].name
            self.offsets[tape] = self.offsets.get(tape, 0) - 1
            return [f"{self.define(out)} = LIFTED_TAPE({self.names[('tape', tape)]}, {self._slot(tape, 0)});"]
        if prim.name in REDUCTIONS:
            op = REDUCTIONS[prim.name]
            acc_dtype = ACCUMULATOR[out.type.dtype] if op == "add" else ("f64" if out.type.is_float else "i64")
            acc = self.fresh(f"{out.name}_acc")
            self.names[id(out)] = acc
            # `initial`: the identity, which an empty reduction then gives (logsumexp.py's max), as NumPy does
            self.reductions[id(out)] = (op, acc, acc_dtype, bool(eqn.params.get("keepdims")), "initial" in eqn.params)
            self.means[id(out)] = prim.name == "mean"
            ctype = C_TYPES[acc_dtype]
            identity = {"add": "0", "mul": "1", "max": f"LIFTED_LOWEST({ctype})",
                        "min": f"LIFTED_HIGHEST({ctype})"}[op]
            fill = "LIFTED_ROW_FILL" if self.mode == "rows" else "LIFTED_LOCAL_FILL"  # a row fills the lanes it uses
            self.prologue.append(f"{fill}({ctype}, {acc}, {identity});")
            arg = self.ref(eqn.args[0])
            return [f"LIFTED_AT({acc}) += {arg};" if op == "add" else f"LIFTED_AT({acc}) *= {arg};" if op == "mul"
                    else f"LIFTED_AT({acc}) = lifted_{op}imum(LIFTED_AT({acc}), {arg});"]
        return [f"{self.define(out)} = {self.expression(eqn)};"]

    def _slot(self, tape: str, extra: int) -> str:
        offset = self.offsets.get(tape, 0) + extra
        top = f"{self.names[('tape', tape)]}_top"
        return top if offset == 0 else f"{top} + {offset}" if offset > 0 else f"{top} - {-offset}"

    def expression(self, eqn: Eqn) -> str:
        prim, out = eqn.prim, eqn.out
        if prim.name == "stop_gradient":
            return self.ref(eqn.args[0])
        if prim.name in STENCIL_PRIMS:
            return self._stencil(eqn)
        if gather.is_gather(eqn):  # an indexed load (see gather.py)
            self.coords = True
            return self.addressing.indexed(eqn)
        if prim.name in CREATION:
            if prim.name == "full":
                return self.ref(eqn.args[-1], out.type.dtype)
            return "1" if prim.name.startswith("ones") else "0"
        uniform = self._uniform_case(eqn)
        return uniform if uniform is not None else self._general(eqn)

    def _general(self, eqn: Eqn) -> str:
        """The registry's `cuda` expression of the operands (`cuda_uniform_args`' where those operands are one value
        for every element), converted to a float result's type."""
        prim, out = eqn.prim, eqn.out
        if not prim.cuda:
            raise TranspileError(f"`{prim.name}` has no C expression", eqn.loc)
        expression = prim.cuda
        if prim.cuda_uniform_args is not None and \
                all(all(d == 1 for d in eqn.args[p].type.shape) for p in prim.cuda_uniform_args[0]):
            expression = prim.cuda_uniform_args[1]
        args = []
        for atom in eqn.args:
            text = self.ref(atom, out.type.dtype if out.type.is_float else None)
            if out.type.is_float and not atom.type.is_float and prim.name != "where":
                # `1 / 2` divides as floats, as in NumPy; a bool goes through int32_t, since GCC vectorises no
                # bool-to-double conversion in a lane loop that calls a vector math function (exp)
                via = "(int32_t)" if atom.type.dtype == "bool" else ""
                text = f"({C_TYPES[out.type.dtype]}){via}({text})"
            args.append(text)
        return expression.format(*args)

    def _uniform_case(self, eqn: Eqn) -> str | None:
        """The registry's `cuda_uniform` expression (an array's `** 0.5` as sqrt) where the argument is that constant,
        or a choice between it and the general expression where the argument is a scalar known at run time."""
        out = eqn.out
        if not eqn.prim.cuda_uniform or out.type.shape == () or not out.type.is_float:
            return None  # (a 0-d value is a NumPy scalar in Python: its `** 0.5` is C's pow, as lifted_power)
        ctype = C_TYPES[out.type.dtype]
        for position, value, expression in eqn.prim.cuda_uniform:
            atom = eqn.args[position]
            operands = [self._as_double(a) for a in eqn.args]
            special = f"({ctype}){expression.format(*operands)}"
            if isinstance(atom, Const) and not is_module_array(atom):
                if not isinstance(atom.value, bool) and atom.value == value:
                    return special
                continue
            scalar = atom.value if is_module_array(atom) else atom
            if scalar.type.shape == () and scalar.type.is_float and eqn.prim.cuda is not None:
                general = self._general(eqn)
                return f"({operands[position]} == {value!r} ? {special} : {general})"
        return None

    def _stencil(self, eqn: Eqn) -> str:
        """A load at an offset, or an update inside a window (stencils/): both need the element's coordinates."""
        self.coords = True
        rank = len(eqn.out.type.shape)
        positions = [self.perm.index(self.rank - rank + a) for a in range(rank)]
        axes, dims = [f"i{p}" for p in positions], [f"d{p}" for p in positions]
        if eqn.prim.name == "shifted":
            pointer, strides = self.inputs[id(eqn.args[0])]
            return shifted_text(eqn, pointer, [strides[p] for p in positions], axes, dims)
        dtype = eqn.out.type.dtype
        return update_text(eqn, self.ref(eqn.args[0], dtype), self.ref(eqn.args[1], dtype), axes, dims)

    def _moves(self, pairs: list[tuple[Var, object]]) -> list[str]:
        """`target = value` for merges and loop slots: scalars directly, element values in one lane block (through
        temporaries when a value is another target's old value)."""
        uniform = [(t, v) for t, v in pairs if t.type.shape == ()]
        element = [(t, v) for t, v in pairs if t.type.shape != ()]
        lines = []
        for group, wrap in ((uniform, lambda ls: ls), (element, self.lanes)):
            def write(group=group):
                moves = [(self.ref(t), self.ref(v), C_TYPES[t.type.dtype]) for t, v in group
                         if not _undefined(v) and self.ref(v) != self.ref(t)]
                targets = {target for target, _, _ in moves}
                if not any(value in targets for _, value, _ in moves):
                    return [f"{target} = {value};" for target, value, _ in moves]
                temps = [self.fresh(f"{t.name}_next") for t, _ in group[:len(moves)]]
                return [f"const {ctype} {temp} = {value};" for temp, (_, value, ctype) in zip(temps, moves)] + \
                    [f"{target} = {temp};" for temp, (target, _, _) in zip(temps, moves)]
            lines += wrap(write) if group is element else write()
        return lines

    def _declare(self, var: Var, alias: Var | None = None) -> str:
        """Declare a merged value or a loop slot before its statement (and let `alias` share it)."""
        name = self.name(var)
        if alias is not None:
            self.names[id(alias)] = name
        if var.type.shape != ():
            self.lane.add(id(var))
            self.declared_lanes.add(id(var))
            if alias is not None:
                self.lane.add(id(alias))
                self.declared_lanes.add(id(alias))
            return f"LIFTED_LOCAL({C_TYPES[var.type.dtype]}, {name});"
        self.predeclared.add(id(var))
        return f"{C_TYPES[var.type.dtype]} {name} = 0;"

    def _declared(self, var: Var) -> bool:
        return id(var) in self.declared_lanes or id(var) in self.predeclared

    def _scoped(self, write) -> list[str]:
        """`write()`'s lines as a C block: what it declares goes out of scope at its end."""
        lanes, scalars = set(self.declared_lanes), set(self.predeclared)
        lines = write()
        self.declared_lanes, self.predeclared = lanes, scalars
        return lines

    def branch(self, stmt: If) -> list[str]:
        merged = [(o, t, e) for o, t, e in zip(stmt.outs, stmt.then_results, stmt.else_results) if not is_tape(o)]
        # (a value an enclosing branch merges too, `t` of `if a: t = None  else: if b: ... else: t = ...`, is the
        # enclosing block's: declared again here, it would hide that one, which then kept no value)
        lines = [self._declare(o) for o, _, _ in merged if not self._declared(o)]
        then_lines = self._scoped(lambda: self.block(stmt.then_body) + self._moves([(o, t) for o, t, _ in merged]))
        else_lines = self._scoped(lambda: self.block(stmt.else_body) + self._moves([(o, e) for o, _, e in merged]))
        lines.append(f"if ({self.ref(stmt.cond)}) {{")
        lines += indent(then_lines)
        if else_lines:
            lines += ["} else {"] + indent(else_lines)
        return lines + ["}"]

    def loop(self, loop: Loop) -> list[str]:
        slots = [(c, init, new, o) for c, init, new, o in zip(loop.carried, loop.inits, loop.carried_out, loop.outs)
                 if not is_tape(c)]
        lines = [self._declare(c, alias=o) for c, _, _, o in slots]
        lines += self._moves([(c, init) for c, init, _, _ in slots])
        index = self.name(loop.index) if loop.index is not None else None
        cond_lines = self.block(loop.cond_body) if loop.kind == "while" else []
        body = self.block(loop.body) + self._moves([(c, new) for c, _, new, _ in slots])
        if loop.kind == "for":
            start, stop, step = (self.ref(a) for a in range3(loop))
            trips = self.fresh("trips")
            k = self.fresh("k")
            lines.append(f"const int64_t {trips} = lifted_trip_count({start}, {stop}, {step});")
            order = f"int64_t {k} = {trips} - 1; {k} >= 0; --{k}" if loop.reverse else \
                f"int64_t {k} = 0; {k} < {trips}; ++{k}"
            lines.append(f"for ({order}) {{")
            if index is not None:
                body = [f"const int64_t {index} = {start} + {k} * {step};"] + body
            return lines + indent(body) + ["}"]
        lines.append("while (true) {")
        return lines + indent(cond_lines + [f"if (!({self.ref(loop.cond)})) break;"] + body) + ["}"]


def _segments(element: list[Eqn], ends_segment) -> list[list[Eqn]]:
    """The element work of a run cut after each equation that `ends_segment` (a power by squaring)."""
    segments: list[list[Eqn]] = [[]]
    for eqn in element:
        segments[-1].append(eqn)
        if ends_segment(eqn):
            segments.append([])
    return [segment for segment in segments if segment]


def _undefined(atom) -> bool:
    """`None` stands for a value a path leaves undefined (nothing reads it on that path)."""
    return isinstance(atom, Const) and atom.value is None
