"""Random kernels with arrays of rank 3 (and 0-d arrays), as the corpora write them and no other generator did.

docs/testing.md measured it: users' kernels index with tuples of three (NPBench, numpy-ml's conv and attention,
GradBench's ht and lstm, DaCe's and JAX's tests), and the property generators wrote no array of rank 3. This one
adds, on top of tests/test_property_semantics.py's generator (writes, aliases, early exits) and judged as it is
(Python's value, gradients against finite differences and autograd, second derivatives), a parameter `T` of shape
(n, d, 2) and a kind "T" of that shape: `T[i, j, k]`, `T[:, 1:, ::2]`, `.transpose(2, 0, 1)`, `np.swapaxes`,
`np.moveaxis`, reductions over `axis=(0, 2)` and `axis=-1` with `keepdims`, broadcasting against ranks 1 and 2,
`np.einsum('ijk,kl->ijl')`, batched `@`, `.reshape(n, d, -1)`, `np.stack(axis=2)`, `np.concatenate(axis=1)`, writes
through rank-3 views, loops over the first axis writing slices, loops over the matrices of a stack; and 0-d arrays
(`np.array(v)`, `np.asarray(v)`, `np.zeros(())`), updated in place under two names.

Off by default in every other generator, so that their seeds keep their programs.
"""
from __future__ import annotations

import random

import numpy as np

from test_property import PARAMS, SIZES, Scope, inputs_for
from test_property_semantics import SemanticsGenerator

LAST = 2  # T's last axis: (n, d, 2) = (5, 3, 2) in the inputs
T_PARAM = ("T", "T", '"f64[n,d,2]"')


def mix(s: str) -> str:
    """A 2 x 2 matrix holding `s`: the `kl` of `ijk,kl->ijl`."""
    return f"np.array([[1.0, {s}], [0.5, -0.75]])"


class Rank3Generator(SemanticsGenerator):
    """SemanticsGenerator plus rank-3 values (kind "T", shape (n, d, 2)) and 0-d arrays."""

    def __init__(self, rnd: random.Random):
        super().__init__(rnd)
        self.kinds_used: set[str] = set()

    # ---- expressions ---------------------------------------------------------------------------------
    def expr(self, kind: str, scope: Scope, depth: int = 2) -> str:
        if kind == "T":
            return self.rank3(scope, depth)
        if depth > 0 and self.chance(0.3):
            return self.from_rank3(kind, scope, depth)
        return super().expr(kind, scope, depth)

    def leaf(self, kind: str, scope: Scope) -> str:
        if kind == "T":
            names = sorted(name for name, k in scope.vars.items() if k == "T")
            return self.pick(names)
        return super().leaf(kind, scope)

    def rank3(self, scope: Scope, depth: int) -> str:
        """An expression of shape (n, d, 2)."""
        if depth <= 0 or self.chance(0.2):
            return self.leaf("T", scope)
        t = lambda: self.rank3(scope, depth - 1)  # noqa: E731
        e = lambda k: self.expr(k, scope, depth - 1)  # noqa: E731
        return self.pick((
            f"np.stack(({e('M')}, {e('M')}), axis={self.pick((2, -1))})",
            f"np.stack(({e('M')}, {e('M')})).transpose(1, 2, 0)",
            f"np.moveaxis(np.stack(({e('M')}, {e('M')})), 0, -1)",
            f"({e('M')}[:, :, np.newaxis] * np.array([{e('S')}, 1.0]))",
            f"np.einsum('ij,k->ijk', {e('M')}, np.array([{e('S')}, 0.5]))",
            f"({t()} * {e('N')}[:, None, None])", f"({t()} + {e('D')}[:, None])", f"({t()} * {e('M')}[:, :, None])",
            f"({t()} * np.array([{e('S')}, 2.0]))", f"({t()} {self.pick(('+', '-', '*'))} {t()})",
            f"({t()} * {e('S')})", self.pick(("np.sin({})", "np.tanh({})", "({} ** 2)")).format(t()),
            f"np.einsum('ijk,kl->ijl', {t()}, {mix(e('S'))})", f"({t()} @ {mix(e('S'))})",
            f"np.tanh({t()} @ (np.swapaxes({t()}, 1, 2) @ {t()}) * 0.1)",
            f"{t()}[:, :, ::-1]", f"{t()}[::-1]", f"np.swapaxes(np.swapaxes({t()}, 0, 2), 0, 2)",
            f"{t()}.transpose(2, 0, 1).transpose(1, 2, 0)",
            f"np.concatenate(({t()}[:, 1:], {t()}[:, :1]), axis=1)",
            f"np.concatenate(({t()}[:, :, 1:], {t()}[:, :, :1]), axis={self.pick((2, -1))})",
            f"({t()} - {t()}.mean(axis=-1, keepdims=True))",
            f"({t()} / (1.0 + np.sum({t()} ** 2, axis=(0, 2), keepdims=True)))",
            f"({t()} - np.max({t()}, axis=1, keepdims=True))",
            f"np.stack(({e('M')}, {e('M')}), axis=-1).reshape(len(x), -1).reshape(len(x), M.shape[1], -1)",
            f"{t()}.reshape(M.shape[0], M.shape[1], {LAST})",
            f"np.where({t()} > 0.0, {t()}, {e('S')})"))

    def from_rank3(self, kind: str, scope: Scope, depth: int) -> str:
        """An expression of `kind` (S, N, D, M) that reads a rank-3 value."""
        t = lambda: self.rank3(scope, depth - 1)  # noqa: E731
        e = lambda k: self.expr(k, scope, depth - 1)  # noqa: E731
        n, d = self.index(scope, SIZES["N"]), self.index(scope, SIZES["D"])
        k = self.pick(("0", "1", "-1"))
        return self.pick({
            "S": (f"{t()}[{n}, {d}, {k}]", f"np.sum({t()})", f"np.mean({t()} ** 2)", f"np.sum({t()}[:, 1:, ::2])",
                  f"np.max({t()})", f"np.einsum('ijk,ijk->', {t()}, {t()})",
                  f"np.sum(np.swapaxes({t()}, 1, 2) @ {t()})", f"{self.leaf('T', scope)}[{n}, {d}].sum()",
                  f"np.sum({t()}[{n}, ...] * {t()}[..., {k}][{n}][:, None])",
                  f"np.linalg.norm({t()}[{n}])"),
            "N": (f"np.sum({t()}, axis=(1, 2))", f"{t()}.mean(axis=(1, 2))", f"{t()}[:, {d}, {k}]",
                  f"np.einsum('ijk->i', {t()})", f"np.max({t()}, axis=-1).sum(axis=1)",
                  f"np.linalg.norm({t()}, axis=(1, 2))", f"np.swapaxes({t()}, 0, 2)[{k}, {d}]"),
            "D": (f"np.sum({t()}, axis=(0, 2))", f"{t()}[{n}, :, {k}]", f"np.mean({t()}, axis=(0, -1))",
                  f"np.moveaxis({t()}, 1, 0)[:, {n}, {k}]", f"{t()}.transpose(2, 0, 1)[{k}, {n}]",
                  f"np.sum({t()}, axis=(0, 2), keepdims=True)[0, :, 0]"),
            "M": (f"np.sum({t()}, axis=-1)", f"{t()}[..., 0]", f"{t()}[:, :, {k}]", f"{t()}.transpose(2, 0, 1)[{k}]",
                  f"np.moveaxis({t()}, -1, 0)[1]", f"np.sum({t()}, axis=2, keepdims=True)[:, :, 0]",
                  f"np.einsum('ijk,k->ij', {t()}, np.array([1.0, {e('S')}]))",
                  f"({t()} @ np.array([{e('S')}, 1.0]))", f"{t()}.reshape(len(x), -1)[:, ::{LAST}]",
                  f"np.stack(({e('M')}, {e('M')})).sum(axis=0)", f"np.swapaxes({t()}, 1, 2)[:, {k}]")}[kind])

    # ---- statements ----------------------------------------------------------------------------------
    def statement(self, scope: Scope, indent: int) -> None:
        if scope.depth < 2 and self.chance(0.35):
            return self.pick((self.rank3_assign, self.rank3_assign, self.rank3_write, self.rank3_view_write,
                              self.first_axis_loop, self.stack_loop, self.shape_unpack3, self.zero_d))(scope, indent)
        return super().statement(scope, indent)

    def rank3_names(self, scope: Scope) -> list[str]:
        return [name for name in self.own(scope) if scope.vars[name] == "T"]

    def rank3_assign(self, scope: Scope, indent: int) -> None:
        name = self.fresh("T")
        self.emit(indent, f"{name} = {self.fresh_value('T', scope)}")
        scope.vars[name] = "T"

    def own_rank3(self, scope: Scope, indent: int) -> str:
        names = self.rank3_names(scope)
        if names and self.chance(0.7):
            return self.pick(names)
        name = self.fresh("T")
        self.emit(indent, f"{name} = {self.pick(('T * 1.0', 'np.array(T)', 'np.zeros_like(T)', self.fresh_value('T', scope)))}")
        scope.vars[name] = "T"
        return name

    def rank3_write(self, scope: Scope, indent: int) -> None:
        """Writes into a rank-3 array of the kernel's own: an element, a slice of each rank, a mask."""
        name = self.own_rank3(scope, indent)
        op = self.pick(("=", "+=", "*=", "-="))
        n, d, k = self.index(scope, SIZES["N"]), self.index(scope, SIZES["D"]), self.pick(("0", "1", "-1"))
        target, value = self.pick((
            (f"{name}[{n}, {d}, {k}]", lambda: self.expr("S", scope)),
            (f"{name}[:, 1:, {k}]", lambda: f"{self.expr('M', scope)}[:, :-1]"),
            (f"{name}[:, :, {k}]", lambda: self.expr("M", scope)),
            (f"{name}[{n}]", lambda: f"{self.rank3(scope, 1)}[{self.index(scope, SIZES['N'])}]"),
            (f"{name}[..., {k}]", lambda: self.expr("M", scope)),
            (f"{name}[:, {d}]", lambda: f"{self.expr('N', scope)}[:, None]"),
            (f"{name}[{n}, :, {k}]", lambda: self.expr("D", scope)),
            (f"{name}[{name} > {self.pick(('0.0', '0.5'))}]", lambda: self.expr("S", scope, 1))))
        self.emit(indent, f"{target} {op} {value()}")

    def rank3_view_write(self, scope: Scope, indent: int) -> None:
        """A rank-3 view (`V = A[1:, :, ::-1]`, a transpose, a swapaxes) written in place: the array sees it."""
        name = self.own_rank3(scope, indent)
        view = self.fresh("V")
        self.emit(indent, f"{view} = {self.pick((f'{name}[1:, :, ::-1]', f'{name}.transpose(2, 0, 1)', f'np.swapaxes({name}, 0, 1)', f'{name}[:, ::2]'))}")
        self.emit(indent, f"{view} {self.pick(('*=', '+=', '-='))} {self.pick(('0.5', '-0.7', self.expr('S', scope, 1)))}")
        if self.chance(0.5):
            self.emit(indent, f"{view}[0] += {self.expr('S', scope, 1)}")

    def first_axis_loop(self, scope: Scope, indent: int) -> None:
        """`for i in range(len(x))` writing the i-th slice of a rank-3 array (NPBench's and numpy-ml's loops)."""
        name = self.own_rank3(scope, indent)
        index = self.fresh("i")
        self.emit(indent, f"for {index} in range(len(x)):")
        inner = scope.child(in_loop=True, in_while=False)
        inner.indices[index] = SIZES["N"] - 1
        inner.vars[f"x[{index}]"] = "S"
        self.emit(indent + 1, self.pick((
            f"{name}[{index}] = {name}[{index}] * {self.expr('S', inner, 1)} + {self.pick(('0.5', 'M[' + index + '][:, None]'))}",
            f"{name}[{index}, :, {self.pick(('0', '1'))}] += {self.expr('D', inner, 1)}",
            f"{name}[{index}] = np.tanh({name}[{index}] @ {mix(self.expr('S', inner, 1))})",
            f"{name}[{index}, 1:] -= {name}[{index}, :-1] * {self.const()}")))

    def stack_loop(self, scope: Scope, indent: int) -> None:
        """`for P in A:` over the matrices of a stack (views: a write through P writes A), an accumulator."""
        name = self.own_rank3(scope, indent)
        carried = self.accumulators(scope, indent)
        row = self.fresh("row")
        self.emit(indent, f"for {row} in {name}:")
        inner = scope.child(in_loop=True, in_while=False)
        if self.chance(0.5):
            self.emit(indent + 1, self.pick((f"{row}[:, 0] *= {self.const()}", f"{row} += {self.expr('S', inner, 1)}",
                                             f"{row}[{self.index(inner, SIZES['D'])}, 1] = {self.expr('S', inner, 1)}")))
        inner.vars[f"np.sum({row} @ {row}.T)"] = "S"
        inner.vars[f"{row}[:, 1]"] = "D"
        inner.vars[f"np.sum({row}, axis=1)"] = "D"
        self.loop_body(scope, inner, indent, carried)

    def shape_unpack3(self, scope: Scope, indent: int) -> None:
        a, b, c = self.fresh("n"), self.fresh("d"), self.fresh("k")
        source = self.pick(["T"] + self.rank3_names(scope))
        self.emit(indent, f"{a}, {b}, {c} = {source}.shape")
        scope.vars[f"({a} * 0.1 + {c} / {b})"] = "S"

    def zero_d(self, scope: Scope, indent: int) -> None:
        """A 0-d array (`np.array(v)`, `np.asarray(v)`, `np.zeros(())`) updated in place, maybe under a second
        name: Python's `+=` on it changes the one array both names hold."""
        name = self.fresh("z")
        scalar = f"(x[{self.index(scope, SIZES['N'])}] * {self.expr('S', scope, 1)})"  # (not a Python number: refused)
        made = self.pick((f"np.array({scalar})", f"np.asarray({scalar})",
                          "np.zeros(())", f"np.array({self.leaf('T', scope)}[{self.index(scope, SIZES['N'])}, 0, 1])",
                          f"np.sum({self.expr('N', scope, 1)}, keepdims=False)", "np.asarray(s)"))
        self.emit(indent, f"{name} = {made}")
        holder = name
        if self.chance(0.25):  # (reading the other name afterwards is a located refusal: normalize/zero_d.py)
            holder = self.fresh("z")
            self.emit(indent, f"{holder} = {name}")
            scope.vars[holder] = "S"
        self.emit(indent, f"{holder} {self.pick(('+=', '*=', '-='))} {self.expr('S', scope, 1)}")
        scope.vars[name] = "S"

    @staticmethod
    def own(scope: Scope) -> list[str]:
        """As in SemanticsGenerator, less the rank-3 parameter (parameters stay the inputs)."""
        return [name for name in SemanticsGenerator.own(scope) if name != "T"]

    def block(self, scope: Scope, indent: int, count: int) -> None:
        scope.vars.setdefault("T", "T")  # (the function's scope, made by SemanticsGenerator._program from PARAMS)
        super().block(scope, indent, count)

    # ---- a whole program -----------------------------------------------------------------------------
    def _program(self, constants: list[str]) -> tuple[str, tuple[str, ...], bool]:
        """SemanticsGenerator's, with `T` among the parameters, the values returned and the gradients taken."""
        scope = Scope({name: kind for name, kind, _ in PARAMS if kind != "I"} | {"T": "T"})
        scope.vars.update((name, "S") for name in constants)
        self.block(scope, 1, self.rnd.randint(2, 5))
        own = [n for n in self.own(scope) if not n.startswith("(")]
        used = own[-1:] + [name for name in own[:-1] if self.chance(0.5)]
        if not used or not any(scope.vars[name] == "T" for name in used) and self.chance(0.3):
            used.append("T")
        finish = {"S": "{}", "N": "np.sum({} * x)", "D": "np.sum(np.sin({}))", "M": "np.mean({})",
                  "T": "np.sum(np.tanh({}) * T)"}
        self.emit(1, "return " + " + ".join(finish[scope.vars[name]].format(name) for name in used))
        wrt = tuple(name for name in ("x", "y", "M", "s", "T") if self.chance(0.6)) or ("T",)
        signature = ", ".join(f"{name}: {annotation}" for name, _, annotation in PARAMS + (T_PARAM,))
        module = "\n".join(self.module_lines)
        text = ("import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp\n\n" + module +
                "\n\n\n@kernel\n" f"def f({signature}):\n" + "\n".join(self.lines) +
                f"\n\n\nf_grad = grad(f, wrt={wrt!r})\n"
                'f_s = grad(f, wrt="s")\nf_x = grad(f, wrt="x")\nf_ss = grad(f_s, wrt="s")\nf_vjp_s = vjp(f_s, wrt="s")\n'
                'f_hess_s = hessian(f, wrt="s")\nf_hvp = jvp(grad(f, wrt="x"), wrt="x")\n')
        return text, wrt, True


def rank3_inputs(seed: int) -> list:
    """test_property.py's inputs, then T (5, 3, 2)."""
    return inputs_for(seed) + [np.random.default_rng(seed + 7).uniform(-1.5, 1.5, (5, 3, LAST))]


def rank3_program(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return Rank3Generator(random.Random(seed)).program()
