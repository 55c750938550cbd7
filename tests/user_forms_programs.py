"""Random kernels that write what the corpora's compiled kernels write and no other generator did.

The gap was measured (docs/testing.md, "Constructs the corpora use that no generator wrote"): over the kernels of
the corpora that Lifted builds, the syntactic constructs and NumPy calls, against 200 programs of every property
generator. The most frequent missing ones are drawn here, on top of tests/test_property_semantics.py's generator
(writes, aliases, early exits, module-level constants), whose judge suits them: Python's value, gradients against
finite differences of Python and against autograd where autograd runs the source (it runs no in-place write, and
tests/more_functions_oracles.py gives it np.fmod, np.modf and np.pad), second derivatives and a Hessian-vector
product.

Off by default in every other generator, so that their seeds keep their programs.
"""
from __future__ import annotations

import random

from test_property import SIZES, Scope
from test_property_semantics import SemanticsGenerator


class UserFormsGenerator(SemanticsGenerator):
    """SemanticsGenerator plus the corpora's spellings: np.array of a list, .ravel(), np.arange, np.column_stack,
    list comprehensions, np.fmod, np.power, `n, d = M.shape`, np.matmul, np.fill_diagonal, .ndim, np.logical_and,
    np.newaxis, np.empty filled in a loop, `a is not None`, np.fabs, np.repeat, np.atleast_2d, chained assignment,
    np.eye, np.pad, np.arctan, np.modf, np.vstack/np.hstack, np.linalg.norm, np.arctan2, `for ... in enumerate`
    and `zip`, `.fill(v)` of an array or a view."""

    add_at = False  # `np.add.at` statements (rougier's exercises): drawn only with the flag, so old seeds keep
    #                 their programs
    windows = False  # sliding_window_view and np.<ufunc>.reduceat statements (rougier's exercises 75 and 87): the
    #                  same, a flag of its own
    corpora26 = False  # np.gradient and np.fill_diagonal along lengths named by annotation (NumPy's docstring
    #                    examples, twenty-sixth session): a flag of its own

    def program(self) -> tuple[str, tuple[str, ...], bool]:
        self.module_lines.append(HELPER)  # a helper with a default parameter value (npbench's batchnorm2d(x, eps=1e-5))
        return super().program()

    def reduction(self, kind: str, scope: Scope, depth: int) -> str:
        if self.chance(0.45):
            return self.pick(self.user_form(kind, scope, depth))
        return super().reduction(kind, scope, depth)

    def user_form(self, kind: str, scope: Scope, depth: int) -> tuple[str, ...]:
        e = lambda k: self.expr(k, scope, depth - 1)  # noqa: E731
        leaf = lambda k: self.leaf(k, scope)  # noqa: E731
        return {
            "S": (f"np.sum(np.array([{e('S')}, {e('S')}, 0.5]) ** 2)", f"np.linalg.norm({e('N')})",
                  f"np.sum(np.power({e('N')}, 2))", f"np.sum(np.power(np.abs({e('N')}) + 0.5, 1.5))",
                  f"np.sum(np.fmod({e('N')} * 3.0, 1.0))", f"np.sum(np.arange(1, len(x) + 1) * {e('N')})",
                  f"np.matmul({e('N')}, {e('N')})", f"sum([{e('N')}[i] * (i + 1) for i in range(3)])",
                  f"np.sum(np.fabs({e('N')}))", f"np.arctan({e('S')})", f"np.arctan2({e('S')}, 1.5)",
                  f"np.sum({e('M')}.ravel() ** 2)", f"np.sum(np.logical_and({e('N')} > -0.5, {leaf('N')} < 0.5) * "
                                                     f"{e('N')})",
                  f"np.sum(np.modf({e('N')} * 2.0)[0])", f"{leaf('N')}.ndim * {e('S')}",
                  f"np.sum(np.repeat({e('D')}, 2) ** 2)", f"np.sum(np.column_stack(({e('N')}, {e('N')})) ** 2)",
                  f"np.sum(np.array([{e('N')}, {e('N')}]) * {leaf('N')})",
                  # a comprehension over the rows of a matrix of a length known at build time (over `M`, whose
                  # first axis is known only at run time, it is a located refusal)
                  f"np.sum(np.array([np.sum(row ** 2) for row in np.stack(({e('D')}, {e('D')}))]))",
                  # a table of numbers (SciPy's benchmark functions' constants), a helper's default argument
                  f"np.sum(np.array([[0.5, 1.0], [0.1, -0.3]], dtype=np.float64) @ np.array([{e('S')}, {e('S')}]))",
                  f"scaled({e('S')})", f"scaled({e('S')}, {self.const()})", f"scaled({e('S')}, c={e('S')})",
                  f"(+{e('S')})",
                  # the second round (docs/testing.md): what was still missing after the first
                  f"shifted({e('S')})", f"shifted({e('S')}, {self.const()})", f"{e('M')}.max()",
                  f"np.sum(np.mod({e('N')}, 0.7))", f"np.arcsin(np.tanh({e('S')}) * 0.9)",
                  f"np.arccos(np.tanh({e('S')}) * 0.9)", f"np.tan(np.tanh({e('S')}))",
                  f"np.sum(np.triu(np.outer(np.array([{e('S')}, {e('S')}, 1.0]), np.array([{e('S')}, 0.5, 2.0])), "
                  f"k={self.pick((0, 1, -1))}))",
                  f"np.sum(np.tril(np.outer(np.array([{e('S')}, {e('S')}]), np.array([{e('S')}, 0.5]))))",
                  f"np.linalg.norm({e('N')}, ord={self.pick((1, 2, 'np.inf'))})", f"np.sum({e('M')}.flatten() ** 2)",
                  f"np.sinh(np.tanh({e('S')}))", f"np.cosh(np.tanh({e('S')}))", f"np.sum(np.absolute({e('N')}))",
                  f"np.sum(np.multiply({e('N')}, {e('N')}))", f"np.sum(np.atleast_1d({e('S')}))",
                  f"{leaf('N')}[np.argmax({e('N')})]", f"np.sum({e('N')}[np.argsort({leaf('N')})] * {leaf('N')})",
                  f"({e('S')} if isinstance(M.shape, tuple) and isinstance(len(x), int) else 0.5)",
                  f"{e('N')}.dot({e('N')})"),
            "N": (f"np.matmul({e('M')}, {e('D')})", f"np.linalg.norm({e('M')}, axis=1)",
                  f"np.fmod({e('N')}, 0.7)",
                  f"np.sum(np.column_stack(({e('N')}, {e('N')}, {e('N')})) * {leaf('M')}[:, :1], axis=1)",
                  f"np.power({e('N')}, 2)", f"(np.arange(len(x)) * {e('N')})", f"np.fabs({e('N')})",
                  f"{e('M')}.ravel()[::{SIZES['D']}]", f"np.std({e('M')}, axis={self.pick((1, -1))})",
                  f"{e('M')}.var(axis=1, ddof={self.pick((0, 1))})", f"{e('M')}.sum(axis=1, keepdims=True)[:, 0]",
                  f"np.flip({e('N')}, axis=0)", f"np.expand_dims({e('N')}, axis=1)[:, 0]",
                  f"{e('M')}.mean(axis=1, keepdims=True)[:, 0]", f"np.std({e('M')}, axis=1, keepdims=True)[:, 0]",
                  f"{e('M')}.var(axis=-1, keepdims=True)[:, 0]"),
            "D": (f"np.linalg.norm({e('M')}, axis=0)", f"np.matmul({e('N')}, {e('M')})",
                  f"(np.eye(M.shape[1]) @ {e('D')})",
                  f"np.pad({e('D')}[1:], (1, 0), mode='constant', constant_values=0.5)",
                  f"np.pad({e('D')}[:-1], (0, 1))", f"np.arctan({e('D')})",
                  f"np.pad({e('D')}[1:], pad_width=(0, 1), mode='edge')"),
            "M": (f"({e('N')}[:, np.newaxis] * {e('M')})", f"(np.atleast_2d({e('D')}) * {e('M')})",
                  f"np.vstack(({e('M')}[1:], {e('M')}[:1]))", f"np.hstack(({e('M')}[:, 1:], {e('M')}[:, :1]))",
                  f"np.repeat({e('M')}[:1], M.shape[0], axis=0)", f"({e('M')}[np.newaxis, :, :] * 0.5)[0]")}[kind]

    # ---- statements ----------------------------------------------------------------------------------
    def statement(self, scope: Scope, indent: int) -> None:
        if scope.depth < 2 and self.chance(0.3):
            return self.pick((self.shape_unpack, self.chained_assignment, self.empty_filled, self.fill_diagonal,
                              self.enumerate_loop, self.zip_loop, self.none_test, self.raise_unless,
                              self.fill) + ((self.add_at_statement,) if self.add_at else ()) +
                             ((self.windows_statement,) if self.windows else ()) +
                             ((self.corpora26_statement,) if self.corpora26 else ()))(scope, indent)
        return super().statement(scope, indent)

    def raise_unless(self, scope: Scope, indent: int) -> None:
        """numpy-ml's and pythran's argument checks: a `raise` in a branch that these arguments never take."""
        name = self.pick(("x", "M", "s"))
        rank = {"x": 1, "M": 2, "s": 0}[name]
        test = self.pick((f"np.ndim({name}) != {rank}", f"{name}.ndim > {rank}" if name != "s" else "s is None"))
        self.emit(indent, f"if {test}:")
        message = self.pick(('"unexpected rank"', f'"rank {{}} is not {rank}".format(np.ndim({name}))'))
        self.emit(indent + 1, f"raise ValueError({message})")

    def shape_unpack(self, scope: Scope, indent: int) -> None:
        """`n, d = M.shape`, the two lengths then read as numbers."""
        rows, columns = self.fresh("n"), self.fresh("d")
        self.emit(indent, f"{rows}, {columns} = {self.pick(('M', '(M * 1.0)'))}.shape")
        scope.vars[f"({rows} * 0.1)"] = "S"
        scope.vars[f"(1.0 / {columns})"] = "S"

    def chained_assignment(self, scope: Scope, indent: int) -> None:
        """`a = b = value` of a scalar (of an array, the two names would share it: tests/test_property_semantics.py
        writes such aliases on purpose, one `b = a` at a time)."""
        a, b = self.fresh(), self.fresh()
        self.emit(indent, f"{a} = {b} = {self.expr('S', scope)}")
        scope.vars[a] = scope.vars[b] = "S"

    def empty_filled(self, scope: Scope, indent: int) -> None:
        """`v = np.empty(len(x))` (or np.empty_like), every element written by a loop before any read."""
        name, index = self.fresh(), self.fresh("i")
        empty = self.pick(("np.empty(len(x))", "np.empty_like(x)", "np.empty((len(x),))",
                           "np.empty(len(x), dtype=np.float64)"))
        self.emit(indent, f"{name} = {empty}")
        self.emit(indent, f"for {index} in range(len(x)):")
        inner = scope.child(in_loop=True, in_while=False)
        inner.vars[f"x[{index}]"] = inner.vars[f"y[{index}]"] = "S"
        self.emit(indent + 1, f"{name}[{index}] = {self.expr('S', inner, 1)}")
        scope.vars[name] = "N"

    def fill_diagonal(self, scope: Scope, indent: int) -> None:
        """np.fill_diagonal on a square matrix of the kernel's own, then reduced to a scalar."""
        square, name = self.fresh("A"), self.fresh()
        e = lambda: self.expr("S", scope, 1)  # noqa: E731 (a shape known at build time: np.fill_diagonal needs one)
        self.emit(indent, f"{square} = np.outer(np.array([{e()}, {e()}, {e()}]), np.array([{e()}, {e()}, 0.5]))")
        self.emit(indent, f"np.fill_diagonal({square}, {self.pick(('0.0', '0.5', self.expr('S', scope, 1)))})")
        self.emit(indent, f"{name} = np.sum({square} * {square}) * 0.5")
        scope.vars[name] = "S"

    def fill(self, scope: Scope, indent: int) -> None:
        """`.fill(v)` (DaCe's tests) of a matrix of the kernel's own, whole or through a view, then reduced."""
        square, name = self.fresh("A"), self.fresh()
        e = lambda: self.expr("S", scope, 1)  # noqa: E731
        self.emit(indent, f"{square} = np.outer(np.array([{e()}, {e()}, {e()}]), np.array([{e()}, {e()}, 0.5]))")
        target = self.pick((square, f"{square}[1]", f"{square}.T[0]", f"{square}[:, 1:]"))
        self.emit(indent, f"{target}.fill({self.pick(('0.0', '0.5', self.expr('S', scope, 1)))})")
        self.emit(indent, f"{name} = np.sum({square} * {square}) * 0.5")
        scope.vars[name] = "S"

    def enumerate_loop(self, scope: Scope, indent: int) -> None:
        carried = self.accumulators(scope, indent)
        index, value = self.fresh("i"), self.fresh("e")
        # over a list or a tuple (over an array whose first axis is known only at run time: a located refusal)
        kind = self.pick(("S", "D"))
        items = ", ".join(self.expr(kind, scope, 1) for _ in range(self.rnd.randint(1, 3)))
        over = self.pick((f"[{items}]", f"({items},)"))
        self.emit(indent, f"for {index}, {value} in enumerate({over}):")
        inner = scope.child(in_loop=True, in_while=False)
        inner.vars[value] = kind
        inner.vars[f"({index} * 0.5)"] = "S"
        self.loop_body(scope, inner, indent, carried)

    def zip_loop(self, scope: Scope, indent: int) -> None:
        carried = self.accumulators(scope, indent)
        a, b = self.fresh("e"), self.fresh("e")
        length = self.rnd.randint(1, 3)
        firsts = ", ".join(self.expr("S", scope, 1) for _ in range(length))
        seconds = ", ".join(self.expr("S", scope, 1) for _ in range(self.rnd.randint(length, 3)))  # zip stops early
        self.emit(indent, f"for {a}, {b} in zip([{firsts}], ({seconds},)):")
        inner = scope.child(in_loop=True, in_while=False)
        inner.vars[a] = inner.vars[b] = "S"
        self.loop_body(scope, inner, indent, carried)

    def none_test(self, scope: Scope, indent: int) -> None:
        """`if v is not None` / `is None` on a name set to an array or to None at build time."""
        name, value = self.fresh("opt"), self.fresh()
        self.emit(indent, f"{name} = {self.pick(('None', 'x', 's'))}")
        self.emit(indent, f"{value} = {self.expr('S', scope)}")
        self.emit(indent, f"if {name} is {self.pick(('not ', ''))}None:")
        self.emit(indent + 1, f"{value} = {value} * {self.const()}")
        scope.vars[value] = "S"


    def add_at_statement(self, scope: Scope, indent: int) -> None:
        """`np.add.at` (unbuffered: repeated indices add every time) into an array of the kernel's own, of a vector
        or by (row, column) pairs of a matrix, of an array or a number, then reduced."""
        name, target = self.fresh(), self.fresh("A")
        e = lambda: self.expr("S", scope, 1)  # noqa: E731
        if self.chance(0.5):
            self.emit(indent, f"{target} = np.array([{e()}, {e()}, {e()}, 0.5])")
            where = self.pick(("[0, 2, 0]", "[3, 3, -1]", "[1, 0, 1]"))
        else:
            self.emit(indent, f"{target} = np.outer(np.array([{e()}, {e()}, {e()}]), np.array([{e()}, 0.5, 1.0]))")
            where = self.pick(("([0, 2, 0], [1, 1, 1])", "([2, 2, -1], [0, 0, 2])"))
        values = self.pick((f"np.array([{e()}, {e()}, {e()}])", e(), "0.5"))
        self.emit(indent, f"np.add.at({target}, {where}, {values})")
        self.emit(indent, f"{name} = np.sum({target} * {target}) * 0.5")
        scope.vars[name] = "S"


    def windows_statement(self, scope: Scope, indent: int) -> None:
        """The windows of a vector or a matrix of named lengths (sliding_window_view, a read-only view), reduced
        along the window, or the block reductions of np.<ufunc>.reduceat over a vector of the kernel's own
        (indices that go down and repeat included: NumPy's rule takes the element itself there)."""
        name, target = self.fresh(), self.fresh("W")
        e = lambda: self.expr("S", scope, 1)  # noqa: E731
        form = self.pick(("vector", "matrix", "reduceat"))
        if form == "vector":
            window = self.pick((1, 2, 3))
            self.emit(indent, f"{target} = np.lib.stride_tricks.sliding_window_view({self.expr('N', scope, 1)}, "
                              f"{window})")
            self.emit(indent, f"{name} = np.sum({target}.{self.pick(('max', 'mean', 'sum'))}(axis=-1) ** 2) * 0.5")
        elif form == "matrix":
            window = self.pick(("(2, 2)", "(1, 3)", "2, axis=1", "(2,), axis=(0,)"))
            self.emit(indent, f"{target} = np.lib.stride_tricks.sliding_window_view({self.expr('M', scope, 1)}, "
                              f"{window})")
            self.emit(indent, f"{name} = np.mean(np.tanh({target}[::2])) * np.mean({target} * {target}.mean(axis=-1, "
                              "keepdims=True))")
        else:
            ufunc = self.pick(("add", "multiply", "maximum", "minimum"))
            where = self.pick(("[0, 2]", "[1, 1, 3]", "[3, 0]", "[0, 2, 1]", "np.arange(0, 4, 3)"))
            self.emit(indent, f"{target} = np.{ufunc}.reduceat(np.array([{e()}, {e()}, {e()}, 0.5]), {where})")
            self.emit(indent, f"{name} = np.sum({target} * {target}) * 0.5")
        scope.vars[name] = "S"

    def corpora26_statement(self, scope: Scope, indent: int) -> None:
        """np.gradient of a vector or a matrix whose lengths are named (`x: "f64[n]"`: NumPy's too-few-samples
        ValueError is a run-time check), or np.fill_diagonal of a copy of `M` (`"f64[n,d]"`, wrapped or not), then
        reduced."""
        name, target = self.fresh(), self.fresh("G")
        e = lambda: self.expr("S", scope, 1)  # noqa: E731
        form = self.pick(("vector", "matrix", "fill"))
        if form == "vector":
            spacing = self.pick(("", ", 0.5", f", np.abs({e()}) + 0.5"))
            self.emit(indent, f"{target} = np.gradient({self.expr('N', scope, 1)}{spacing}, "
                              f"edge_order={self.pick((1, 2))})")
        elif form == "matrix":
            along = self.pick(("[0]", "[1]", ", axis=0", ", axis=-1", ", 2.0, axis=1"))
            call = f"np.gradient({self.expr('M', scope, 1)}" + (f"){along}" if along.startswith("[") else f"{along})")
            self.emit(indent, f"{target} = {call}")
        else:
            self.emit(indent, f"{target} = {self.expr('M', scope, 1)} * 1.0")
            wrap = self.pick(("", ", wrap=True", ", wrap=False"))
            self.emit(indent, f"np.fill_diagonal({target}, {self.pick(('0.5', e()))}{wrap})")
        self.emit(indent, f"{name} = np.sum({target} * {target}) * 0.5")
        scope.vars[name] = "S"


HELPER = ("def scaled(v, c=0.5):\n    return v * c + 0.25\n\n\n"
          "def shifted(v, *rest):\n    for r in rest:\n        v = v + r\n    return v\n")


def user_forms_program(seed: int, add_at: bool = False, windows: bool = False,
                       corpora26: bool = False) -> tuple[str, tuple[str, ...], bool]:
    generator = UserFormsGenerator(random.Random(seed))
    generator.add_at, generator.windows, generator.corpora26 = add_at, windows, corpora26
    return generator.program()
