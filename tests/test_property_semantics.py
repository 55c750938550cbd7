"""Differential fuzzer: random kernels that lean on Python's own semantics, run by Python and by Lifted.

The generator of test_property.py, extended with what makes a compiler of Python get numbers wrong: writes
into arrays (`v[i] = e`, `v[1:3] += e`, `M[:, j] = e`, masks), names sharing one array (`b = a`, made in
branches and in loops), loops over the rows of a matrix that write through the row (a view), tuple
assignments and swaps (`a, b = b, a`, `v[0], v[1] = v[1], v[0]`, rows of a matrix), `and`/`or` whose right
side would fail if evaluated (`while c < 5 and v[c] < t`), early exits (`break`, `continue`, `return` in loops
and branches), the loop variable read after its loop, and module-level constants rebound at module level
(`K = 1.5; K += 0.5`, under a module-level `if`).

Each program is run by Python itself (the untouched source, real NumPy, in-place writes and all) and by the
generated module:
* the value must be Python's (to 1e-12; the count of bit-identical values is reported by the long run);
* called again with arguments sharing memory (`y` is `x`, a column of `M`, `x` reversed): Python's value, or
  the generated function's refusal (a parameter it updates shares memory with another argument);
* the gradient (`grad` over random parameters) must match central finite differences of Python's `f`, and
  autograd where autograd can run the source (it cannot run in-place writes on traced arrays);
* compositions: `grad(grad(f, "s"), "s")`, `vjp(grad(f, "s"), "s")`, `hessian(f, "s")` and the
  Hessian-vector product `jvp(grad(f, "x"), "x")` against autograd where it runs, else against finite
  differences of the (already checked) first derivatives.
A program the compiler refuses with a located `TranspileError` is counted as refused, never as a failure:
refusing is allowed, a wrong number is not.

Default suite: a fixed sample of seeds. Long run: `LIFTED_SEMANTICS_PROGRAMS=10000 pytest -m slow
tests/test_property_semantics.py -s` (workers: $LIFTED_PROPERTY_WORKERS; seeds from $LIFTED_PROPERTY_FIRST_SEED on).
"""
from __future__ import annotations

import multiprocessing
import os
import random
import re
import sys
import time

import numpy as np
import pytest
from autograd import grad as autograd_grad
from autograd import jacobian as autograd_jacobian
from autograd import value_and_grad as autograd_value_and_grad

from exact_values import same_values
from gradcheck import autograd_kernels, load_source
from lifted.transpiler import TranspileError
from test_property import FD_RESOLVABLE, PARAMS, SIZES, ProgramGenerator, Scope, Unusable, inputs_for

POSITIONS = {name: k for k, (name, _, _) in enumerate(PARAMS)}
POSITIONS["T"] = len(PARAMS)  # the rank-3 parameter tests/rank3_programs.py's kernels take after PARAMS
# autograd says so for programs whose value does not depend on a differentiated parameter: expected here
pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")


class SemanticsGenerator(ProgramGenerator):
    """ProgramGenerator plus writes, aliases, views, tuple assignments, short circuits, early returns and
    module-level constants."""

    def __init__(self, rnd: random.Random):
        super().__init__(rnd)
        self.module_lines: list[str] = []
        self.returns = 0

    # ---- statements ----------------------------------------------------------------------------------
    def statement(self, scope: Scope, indent: int) -> None:
        roll = self.rnd.randrange(22 if scope.depth < 2 else 12)
        if roll < 3:
            self.subscript_write(scope, indent)
        elif roll < 5:
            self.alias(scope, indent)
        elif roll < 6:
            self.tuple_assignment(scope, indent)
        elif roll < 7:
            self.early_return(scope, indent)
        elif roll < 8 and scope.depth < 2:
            self.row_loop_with_writes(scope, indent)
        elif roll < 9 and scope.depth < 2:
            self.short_circuit_while(scope, indent)
        else:
            super().statement(scope, indent)

    @staticmethod
    def own(scope: Scope) -> list[str]:
        """As in ProgramGenerator, less the module-level constants (assigning one would make it local)."""
        return [name for name in ProgramGenerator.own(scope) if not name.startswith("K")]

    def arrays(self, scope: Scope, kinds=("N", "D", "M")) -> list[str]:
        return [name for name in self.own(scope) if scope.vars[name] in kinds]

    def subscript_write(self, scope: Scope, indent: int) -> None:
        arrays = self.arrays(scope)
        if not arrays:
            return self.alias(scope, indent)
        name = self.pick(arrays)
        kind = scope.vars[name]
        op = self.pick(("=", "+=", "*=", "-="))
        if kind in ("N", "D"):
            size = SIZES[kind]
            roll = self.rnd.randrange(4)
            if roll == 0 or roll == 3 and kind == "D":
                target, value = f"{name}[{self.index(scope, size)}]", self.expr("S", scope)
            elif roll == 1:
                length = self.rnd.randint(1, size - 1)
                a, b = self.rnd.randint(0, size - length), self.rnd.randint(0, size - length)
                value = f"{self.leaf(kind, scope)}[{b}:{b + length}] * {self.const()}"
                target = f"{name}[{a}:{a + length}]"
            elif roll == 2:
                target, value = f"{name}[{self.rnd.randint(1, size - 1)}:]", self.expr("S", scope, 1)
            else:
                target, value = f"{name}[{self.leaf('N', scope)} > {self.pick(('0.0', '0.5'))}]", self.expr("S", scope, 1)
        else:
            roll = self.rnd.randrange(3)
            if roll == 0:
                target, value = f"{name}[{self.index(scope, SIZES['N'])}, {self.index(scope, SIZES['D'])}]", \
                    self.expr("S", scope)
            elif roll == 1:
                target, value = f"{name}[{self.index(scope, SIZES['N'])}]", self.expr("D", scope)
            else:
                target, value = f"{name}[:, {self.index(scope, SIZES['D'])}]", self.expr("N", scope)
        self.emit(indent, f"{target} {op} {value}")

    def alias(self, scope: Scope, indent: int) -> None:
        """`b = a` (a new name, or an existing one of the same kind), or an alias made in a branch."""
        arrays = self.arrays(scope) + [p for p in ("x", "y", "M") if self.chance(0.2)]
        if not arrays:
            return self.assign(scope, indent, kind=self.pick(("N", "D", "M")))
        source = self.pick(arrays)
        kind = scope.vars[source]
        same = [n for n in self.arrays(scope, (kind,)) if n != source]
        if same and self.chance(0.5):
            target = self.pick(same)
            self.emit(indent, f"if {self.condition(scope)}:")
            self.emit(indent + 1, f"{target} = {source}")
            if self.chance(0.5):
                self.emit(indent, "else:")
                self.emit(indent + 1, f"{target} = {target} * {self.const()}")
            return
        target = self.fresh("b")
        self.emit(indent, f"{target} = {source}")
        scope.vars[target] = kind

    def tuple_assignment(self, scope: Scope, indent: int) -> None:
        roll = self.rnd.randrange(3)
        vectors = self.arrays(scope, ("N", "D"))
        matrices = self.arrays(scope, ("M",))
        if roll == 0 and vectors:  # swap two elements: both right-hand values are read first
            name = self.pick(vectors)
            size = SIZES[scope.vars[name]]
            i, j = self.rnd.randrange(size), self.rnd.randrange(size)
            self.emit(indent, f"{name}[{i}], {name}[{j}] = {name}[{j}], {name}[{i}] * {self.const()}")
        elif roll == 1 and matrices:  # swap two rows: the right-hand rows are views
            name = self.pick(matrices)
            i, j = self.rnd.randrange(SIZES["N"]), self.rnd.randrange(SIZES["N"])
            self.emit(indent, f"{name}[{i}], {name}[{j}] = {name}[{j}], {name}[{i}]")
        else:
            pairs = [(a, b) for a in self.own(scope) for b in self.own(scope) if a < b and
                     scope.vars[a] == scope.vars[b]]
            if pairs and self.chance(0.6):
                a, b = self.pick(pairs)
                self.emit(indent, f"{a}, {b} = {b}, {a}")
                return
            kinds = (self.pick(("S", "N", "D")), self.pick(("S", "N", "M")))
            names = (self.fresh(), self.fresh())
            self.emit(indent, f"{names[0]}, {names[1]} = {self.fresh_value(kinds[0], scope)}, "
                              f"{self.fresh_value(kinds[1], scope)}")
            scope.vars.update(zip(names, kinds))

    def early_return(self, scope: Scope, indent: int) -> None:
        if scope.depth == 0 and not scope.in_loop:
            return self.assign(scope, indent)
        self.returns += 1
        self.emit(indent, f"if {self.condition(scope)}:")
        self.emit(indent + 1, f"return {self.expr('S', scope)}")

    def row_loop_with_writes(self, scope: Scope, indent: int) -> None:
        matrices = self.arrays(scope, ("M",))
        if not matrices:
            name = self.fresh("A")
            self.emit(indent, f"{name} = M * {self.const()}")
            scope.vars[name] = "M"
            matrices = [name]
        matrix = self.pick(matrices)
        carried = self.accumulators(scope, indent)
        row = self.fresh("row")
        self.emit(indent, f"for {row} in {matrix}:")
        inner = scope.child(in_loop=True, in_while=False)
        inner.vars[row] = "D"
        writes = [f"{row}[{self.rnd.randrange(SIZES['D'])}] = {self.expr('S', inner, 1)}",
                  f"{row} *= {self.pick(('0.5', '-0.9', '1.5'))}",
                  f"{row}[{self.rnd.randrange(SIZES['D'])}] += {self.expr('S', inner, 1)}",
                  f"{row}[1:] = {row}[:-1] * {self.const()}"]
        self.emit(indent + 1, self.pick(writes))
        self.loop_body(scope, inner, indent, carried)

    def short_circuit_while(self, scope: Scope, indent: int) -> None:
        """`while c < 5 and v[c] < t`: `v[5]` would fail, so the test must stop at `c < 5`."""
        vector = self.pick(self.arrays(scope, ("N",)) + ["x", "y"])
        counter = self.fresh("c")
        carried = self.accumulators(scope, indent)
        self.emit(indent, f"{counter} = 0")
        operator = self.pick(("and", "or"))
        if operator == "and":
            self.emit(indent, f"while {counter} < 5 and {vector}[{counter}] < {self.pick(('0.5', '1.0', '0.0'))}:")
        else:
            self.emit(indent, f"while {counter} < 3 or {counter} < 5 and {vector}[{counter}] > -0.5:")
        inner = scope.child(in_loop=True, in_while=True)
        inner.indices[counter] = 4
        self.loop_body(scope, inner, indent, carried)
        self.emit(indent + 1, f"{counter} += 1")

    def for_range(self, scope: Scope, indent: int) -> None:
        before = len(self.lines)
        super().for_range(scope, indent)
        header = next(line.strip() for line in self.lines[before:] if line.strip().startswith("for "))
        index, _, iterable = header[4:].rstrip(":").partition(" in ")
        bounds = eval(iterable, {"range": range, "len": len, "x": [0] * 5})  # noqa: S307 (our own text)
        if len(bounds) and self.chance(0.5):  # the loop variable after the loop: its last value
            scope.vars[f"({index} * 0.25)"] = "S"

    # ---- a whole program -----------------------------------------------------------------------------
    def program(self) -> tuple[str, tuple[str, ...], bool]:
        constants = []
        for _ in range(self.rnd.randint(0, 2)):
            name = f"K{len(constants)}"
            self.module_lines.append(f"{name} = {self.const()}")
            roll = self.rnd.randrange(3)
            if roll == 0:
                self.module_lines.append(f"{name} += {self.const()}")
            elif roll == 1:
                self.module_lines.append(f"if {name} > 1.0:\n    {name} = {name} * 0.5\nelse:\n    {name} -= 0.25")
            constants.append(name)
        text, wrt, as_tuple = self._program(constants)
        return text, wrt, as_tuple

    def _program(self, constants: list[str]) -> tuple[str, tuple[str, ...], bool]:
        scope = Scope({name: kind for name, kind, _ in PARAMS if kind != "I"})
        scope.vars.update((name, "S") for name in constants)
        self.block(scope, 1, self.rnd.randint(2, 5))
        own = [n for n in self.own(scope) if not n.startswith("(")]
        used = own[-1:] + [name for name in own[:-1] if self.chance(0.5)]
        if not used:
            used = [self.pick(("x", "y", "M", "s"))]
        finish = {"S": "{}", "N": "np.sum({} * x)", "D": "np.sum(np.sin({}))", "M": "np.mean({})"}
        self.emit(1, "return " + " + ".join(finish[scope.vars[name]].format(name) for name in used))
        wrt = tuple(name for name in ("x", "y", "M", "s") if self.chance(0.6)) or ("x",)
        signature = ", ".join(f"{name}: {annotation}" for name, _, annotation in PARAMS)
        declaration = f"wrt={wrt!r}"
        module = "\n".join(self.module_lines)
        text = ("import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp\n\n" + module + "\n\n\n@kernel\n"
                f"def f({signature}):\n" + "\n".join(self.lines) + f"\n\n\nf_grad = grad(f, {declaration})\n"
                'f_s = grad(f, wrt="s")\nf_x = grad(f, wrt="x")\nf_ss = grad(f_s, wrt="s")\nf_vjp_s = vjp(f_s, wrt="s")\n'
                'f_hess_s = hessian(f, wrt="s")\nf_hvp = jvp(grad(f, wrt="x"), wrt="x")\n')
        return text, wrt, True


def semantics_program(seed: int) -> tuple[str, tuple[str, ...], bool]:
    return SemanticsGenerator(random.Random(seed)).program()


# ---------------------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------------------
def _copies(args: list) -> list:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _fd(function, args: list, position: int, direction, eps: float) -> float:
    plus, minus = _copies(args), _copies(args)
    plus[position] = plus[position] + eps * direction
    minus[position] = minus[position] - eps * direction
    return (np.asarray(function(*plus)) - np.asarray(function(*minus))) / (2 * eps)


def _directional(function, args: list, position: int, direction, what: str, got, largest: float) -> str:
    """`got` (a derivative along `direction`) against central differences of `function` at two steps; `largest`
    is the largest value Python's `f` binds to a name at this point (see `_largest_named_value`)."""
    fine, coarse = _fd(function, args, position, direction, 1e-6), _fd(function, args, position, direction, 1e-4)
    scale = max(1.0, float(np.max(np.abs(fine))))
    if np.max(np.abs(fine - coarse)) > 1e-3 * scale:
        return "fd-skipped"  # a branch boundary or a kink within a step of this point
    if scale > 1e6:
        raise Unusable(f"{what}: {scale}")
    if np.max(np.abs(np.asarray(got) - fine)) > 2e-5 * scale and largest > FD_RESOLVABLE:
        # an intermediate of 1e12 moves by 1e7 when a step of 1e-6 is scaled by its derivative (4e13 in seed
        # 6863): `np.cos` of it then turns over millions of times within the step, so both steps average its
        # contribution to zero while the derivative at the point (complex-step differentiation of Python's
        # `f` agrees with Lifted there) does not; as test_property.py's FD_RESOLVABLE: not judged here
        return "fd-skipped"
    assert np.max(np.abs(np.asarray(got) - fine)) <= 2e-5 * scale, f"{what}: {got} vs finite differences {fine}"
    return "checked"


def _largest_named_value(function, args: list) -> float:
    """The largest finite magnitude among the values `function` (Python's `f`, untouched) binds to its local
    names or returns while it runs at `args`: read from its frame at every line (sys.settrace), since the
    in-place writes these programs make keep autograd, whose trace test_property.py reads instead, from
    running them. Values inside one expression are not seen; the programs name nearly all they compute."""
    largest = 0.0

    def note(value) -> None:
        nonlocal largest
        if isinstance(value, (float, np.floating, np.ndarray)) and np.asarray(value).dtype.kind == "f":
            magnitude = np.abs(np.asarray(value, dtype=float))
            magnitude = magnitude[np.isfinite(magnitude)]
            if magnitude.size:
                largest = max(largest, float(np.max(magnitude)))

    def in_frame(frame, event, arg):
        for value in frame.f_locals.values():
            note(value)
        if event == "return":
            note(arg)
        return in_frame

    def calls(frame, event, arg):
        return in_frame if frame.f_code is function.__code__ else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        with np.errstate(all="ignore"):
            function(*_copies(args))
    finally:
        sys.settrace(previous)
    return largest


def _agrees(function, args: list, position: int, direction, predicted: float) -> bool:
    fine = float(_fd(function, args, position, direction, 1e-6))
    return abs(predicted - fine) <= 2e-5 * max(1.0, abs(fine))


def check_semantics(text: str, wrt: tuple[str, ...], args: list) -> str:
    """Raise AssertionError on a wrong number; return "checked", "fd-skipped" or "refused" (a located
    TranspileError); raise Unusable where the point is useless (overflow, huge values)."""
    try:
        module = load_source(text, "semantics_case.py")
    except TranspileError as exc:
        assert exc.loc is not None and exc.loc.line > 0, f"refusal without a location: {exc}"
        return "refused"
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    reference = lambda *a: python["f"](*_copies(list(a)))  # noqa: E731
    with np.errstate(all="ignore"):
        expected = reference(*args)
        given = _copies(args)
        value = module.f(*given)
    if not np.isfinite(expected) or abs(expected) > 1e6:
        raise Unusable(f"value {expected}")
    same_values(value, expected, "value vs Python")
    for before, after in zip(args, given):
        assert np.array_equal(before, after), "the generated kernel changed its argument"
    check_shared_arguments(module, python["f"], args)
    try:
        oracle = autograd_kernels(text)["f"]
        for name in ("x", "y", "M", "s"):  # traced, `a *= c` rebinds `a` where Python writes into its array
            if float(autograd_value_and_grad(oracle, POSITIONS[name])(*_copies(args))[0]) != float(expected):
                oracle = None
                break
    except Exception:  # noqa: BLE001 - autograd runs no in-place writes: finite differences alone judge
        oracle = None
    outcome = "checked"
    largest = _largest_named_value(python["f"], args)
    rng = np.random.default_rng(len(text))
    with np.errstate(all="ignore"):
        grads = module.f_grad(*_copies(args))
    assert len(grads) == len(wrt), f"{len(grads)} gradients for wrt={wrt}"
    for name, got in zip(wrt, grads):
        position = POSITIONS[name]
        got = np.asarray(got, dtype=float)
        if not np.all(np.isfinite(got)):
            raise Unusable(f"d/d{name} not finite")
        if oracle is not None:
            try:
                traced_value, expected_grad = autograd_value_and_grad(oracle, position)(*_copies(args))
                expected_grad = np.asarray(expected_grad, dtype=float)
            except (TypeError, ValueError):  # an in-place write on a traced array: finite differences judge
                oracle = None
            else:  # `a *= c` on a traced array rebinds `a` where Python writes into the array it shares
                if float(traced_value) != float(expected):
                    oracle = None
        if oracle is not None:
            scale = max(1.0, float(np.max(np.abs(expected_grad))))
            if scale > 1e6:
                raise Unusable(f"gradient {scale}")
            if not np.allclose(got, expected_grad, rtol=1e-9, atol=1e-10 * scale):
                # autograd runs `a *= c` on a traced array as `a = a * c`, not as a write into an array `a`
                # shares with another name
                _side_with_python(reference, args, position, got, expected_grad, rng, f"d/d{name}")
                oracle = None
        direction = rng.normal(size=np.shape(args[position]))
        along = float(np.sum(got * direction))
        if _directional(reference, args, position, direction, f"d/d{name} vs finite differences", along,
                        largest) != "checked":
            outcome = "fd-skipped"
    return _check_compositions(module, oracle, reference, args, rng, outcome, largest)


def _side_with_python(reference, args: list, position: int, got, expected, rng, what: str) -> None:
    """Where Lifted's derivative and autograd's disagree, finite differences of Python must side with Lifted and
    not with autograd (then the oracle computed another function than Python's): else it is a failure."""
    probe = rng.normal(size=np.shape(args[position]))
    lifted_ok = _agrees(reference, args, position, probe, float(np.sum(got * probe)))
    oracle_ok = _agrees(reference, args, position, probe, float(np.sum(expected * probe)))
    assert lifted_ok and not oracle_ok, f"{what}: {got} vs autograd {expected}"


def _side_with_differences(first, args: list, position: int, direction, got, expected, what: str) -> None:
    """Where Lifted's second derivative and autograd's disagree, central differences of autograd's first
    derivative `first` (already judged equal to Lifted's) must side with Lifted and not with autograd: else it
    is a failure. No wider tolerance: each side is held to the one finite differences are."""
    fine = np.asarray(_fd(first, args, position, direction, 1e-6), dtype=float)
    scale = 2e-5 * max(1.0, float(np.max(np.abs(fine))))
    lifted_ok = float(np.max(np.abs(np.asarray(got, dtype=float) - fine))) <= scale
    oracle_ok = float(np.max(np.abs(np.asarray(expected, dtype=float) - fine))) <= scale
    assert lifted_ok and not oracle_ok, f"{what}: {got} vs autograd {expected} (differences of its first: {fine})"


def _check_compositions(module, oracle, reference, args: list, rng, outcome: str, largest: float) -> str:
    s, x = POSITIONS["s"], POSITIONS["x"]
    with np.errstate(all="ignore"):
        second = float(module.f_ss(*_copies(args)))
        hessian_s = float(np.asarray(module.f_hess_s(*_copies(args))))
        _, vjp_s = module.f_vjp_s(*_copies(args), 1.0)
        tangent = rng.normal(size=5)
        _, hvp = module.f_hvp(*_copies(args), tangent)
    for what, got in (("vjp(grad(f, s))", float(vjp_s)), ("hessian(f, s)", hessian_s)):
        if not np.isfinite(got) or not np.isfinite(second):
            raise Unusable("a second derivative is not finite")
        assert abs(got - second) <= 1e-8 * max(1.0, abs(second)), f"{what} {got} vs grad(grad(f, s)) {second}"
    if oracle is not None:
        try:
            expected = float(autograd_grad(autograd_grad(oracle, s), s)(*_copies(args)))
            hess_x = autograd_jacobian(autograd_grad(oracle, x), x)(*_copies(args))
            firsts = [(name, position, np.asarray(first(*_copies(args)), dtype=float),
                       np.asarray(autograd_grad(oracle, position)(*_copies(args)), dtype=float))
                      for name, position, first in (("s", s, module.f_s), ("x", x, module.f_x))]
        except (TypeError, ValueError):  # an in-place write on a traced array: finite differences judge
            oracle = None
    if oracle is not None and not (np.isfinite(expected) and np.all(np.isfinite(hess_x))):
        # autograd's second derivative of np.tanh is `g / cosh(x) ** 2` differentiated: NaN past |x| = 710, where
        # cosh overflows (the rank-3 generator's seed 1193) and the derivative is 0: finite differences judge
        oracle = None
    if oracle is not None:
        for name, position, got, expected_first in firsts:
            scale = max(1.0, float(np.max(np.abs(expected_first))))
            if not np.allclose(got, expected_first, rtol=1e-7, atol=1e-7 * scale):
                # autograd's derivative rules keep the arrays their untraced operands were (`M[3]` in
                # `M[3] * x[4]`, a view) and read them in the backward pass; a later write through an alias
                # (`b2 = M; b2 -= ...`, seed 6058) changes them in between, so autograd differentiates with the
                # written values: where Python's finite differences side with Lifted, the oracle is set aside
                _side_with_python(reference, args, position, got, expected_first, rng, f"d/d{name}")
                oracle = None
    if oracle is not None:
        hvp_expected = hess_x @ tangent
        second_ok = abs(second - expected) <= 1e-7 * max(1.0, abs(expected))
        hvp_ok = np.allclose(hvp, hvp_expected, rtol=1e-7, atol=1e-7 * max(1.0, float(np.max(np.abs(hess_x)))))
        if second_ok and hvp_ok:
            return outcome
        # autograd's second derivative can be wrong where its first is right (the rank-3 generator's seed 2267:
        # `np.where(T > 0.0, T, np.sqrt(1.0 + s * s))` of a scalar `s`, differentiated twice): a third opinion,
        # central differences of autograd's own first derivative, must side with Lifted and not with autograd
        for ok, what, position, direction, got, oracle_second in (
                (second_ok, "grad(grad(f, s))", s, 1.0, second, expected),
                (hvp_ok, "jvp(grad(f, x))", x, tangent, hvp, hvp_expected)):
            if not ok:
                oracle_first = autograd_grad(oracle, position)
                _side_with_differences(lambda *a: oracle_first(*_copies(list(a))), args, position, direction, got,
                                       oracle_second, what)
        oracle = None  # (differences of Lifted's first derivatives judge both second ones below)
    first_s = lambda *a: float(module.f_s(*_copies(list(a))))  # noqa: E731
    first_x = lambda *a: np.asarray(module.f_x(*_copies(list(a))))  # noqa: E731
    results = [_directional(first_s, args, s, 1.0, "grad(grad(f, s)) vs finite differences", second, largest),
               _directional(first_x, args, x, tangent, "jvp(grad(f, x)) vs finite differences", hvp, largest)]
    return outcome if all(r == "checked" for r in results) else "fd-skipped"


# arguments sharing memory: `y` is `x`, `y` is a column of `M` (a view), `y` the reversed `x`
SHARINGS = {"y is x": lambda x, y, M, *rest: [x, x, M, *rest],
            "y is M[:, 0]": lambda x, y, M, *rest: [x, M[:, 0], M, *rest],
            "y is x[::-1]": lambda x, y, M, *rest: [x, x[::-1], M, *rest]}


def check_shared_arguments(module, python_f, args: list) -> dict[str, str]:
    """The program called with arguments that share memory: Python's value (its writes seen through the other
    name), or the generated function's refusal (a parameter it updates shares memory with another argument)."""
    outcomes = {}
    for what, share in SHARINGS.items():
        with np.errstate(all="ignore"):
            try:
                expected = python_f(*share(*_copies(args)))
            except Exception:  # noqa: BLE001 - Python itself fails on these values: nothing to compare
                continue
            try:
                value = module.f(*share(*_copies(args)))
            except ValueError as exc:
                assert "is updated in place" in str(exc) and "share" in str(exc), f"{what}: {exc}"
                outcomes[what] = "refused"
                continue
        if np.isfinite(expected) and abs(expected) < 1e6:
            same_values(value, expected, f"value vs Python, {what}")
            outcomes[what] = "checked"
    return outcomes


def check_program(program, inputs, seed: int, failures: bool = True) -> tuple[str, str]:
    """The outcome of `check_semantics` on the program `program(seed)` writes, at `inputs(seed)`, and its detail: an
    unusable point is "unusable"; with `failures`, any other exception is "failed" with its message (a long run
    reports every failure with its seed), else it propagates."""
    text, wrt, _ = program(seed)
    try:
        with np.errstate(all="ignore"):
            return check_semantics(text, wrt, inputs(seed)), ""
    except Unusable as exc:
        return "unusable", str(exc)
    except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
        if not failures:
            raise
        return "failed", f"{type(exc).__name__}: {exc}"[:2000]


def _check_seed(seed: int) -> tuple[int, str, str]:
    return (seed, *check_program(semantics_program, inputs_for, seed))


# ---------------------------------------------------------------------------------------------------------
# Default suite: a fixed sample; long run: -m slow
# ---------------------------------------------------------------------------------------------------------
def test_generator_writes_the_constructs():
    corpus = "\n".join(semantics_program(seed)[0] for seed in range(300))
    for construct in ("] = ", "] += ", "[:, ", " = x\n", "for row", "], ", " and ", " or ", "return ", "break",
                      "K0 += ", "if K0 > 1.0:", "* 0.25)"):
        assert construct in corpus, construct
    assert re.search(r"row\d+ \*= ", corpus) and re.search(r"(b\d+) = v\d+\n(.*\n)*.*\1\[", corpus)


@pytest.mark.parametrize("seed", range(24))
def test_random_programs_match_python(seed):
    _, outcome, message = _check_seed(seed)
    assert outcome != "failed", f"seed {seed}: {message}\n{semantics_program(seed)[0]}"


def test_programs_called_with_shared_arguments():
    """Every checked program is also called with arguments sharing memory (check_shared_arguments): over a few
    seeds some such calls give Python's value and some are refused (a parameter the program updates)."""
    tally: dict[str, int] = {}
    for seed in range(12):
        text, _, _ = semantics_program(seed)
        try:
            module = load_source(text, "semantics_case.py")
        except TranspileError:
            continue
        python: dict = {}
        exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
        for outcome in check_shared_arguments(module, python["f"], inputs_for(seed)).values():
            tally[outcome] = tally.get(outcome, 0) + 1
    assert tally.get("checked", 0) >= 10 and tally.get("refused", 0) >= 1, tally


@pytest.mark.slow
def test_many_random_programs_match_python():
    count = int(os.environ.get("LIFTED_SEMANTICS_PROGRAMS", "10000"))
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    start = time.perf_counter()
    processes = max(1, min(int(os.environ.get("LIFTED_PROPERTY_WORKERS", os.cpu_count() or 1)), 16))
    results = []
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for result in pool.imap_unordered(_check_seed, range(first, first + count), chunksize=10):
            results.append(result)
            if result[1] == "failed" or len(results) % 250 == 0:  # progress with the tally so far (-s)
                so_far: dict[str, int] = {}
                for _, outcome, _ in results:
                    so_far[outcome] = so_far.get(outcome, 0) + 1
                print(f"{len(results)}/{count} after {time.perf_counter() - start:.0f} s {so_far}; "
                      f"seed {result[0]}: {result[1]} {result[2][:300]}", flush=True)
    tally: dict[str, int] = {}
    for _, outcome, _ in results:
        tally[outcome] = tally.get(outcome, 0) + 1
    failures = [(seed, message) for seed, outcome, message in results if outcome == "failed"]
    print(f"\n{count} programs in {time.perf_counter() - start:.0f} s: {tally}")
    for seed, message in failures[:20]:
        print(f"--- seed {seed}: {message}\n{semantics_program(seed)[0]}")
    assert not failures, f"{len(failures)} of {count} programs failed; seeds {[s for s, _ in failures[:50]]}"


@pytest.mark.parametrize("seed", [70, 82, 83, 93, 135, 169, 886, 1277, 1384, 1632, 883, 6058, 6863,
                                  3413, 3621, 5861, 6386, 9597, 3761, 6450, 8303, 8436])
def test_programs_that_once_failed(seed):
    """Found by this fuzzer: jvp(grad(f)) reading a mask's size, a renamed kept value or a folded `-v` defined only
    inside a branch (70, 93, 169); `a += b` where `b` was bound to `a` before the loop (82: the sharing differs
    between the first iteration and the next ones; refused, then compiled with that iteration on its own); a view
    recomputed only in a `while` test's block (83); autograd running `a *= c` on a traced array as a rebinding (135,
    1632: the oracle's error); an alias of a parameter updated in place in nested loops (886; 1277 is now refused,
    1384 compiled with a first iteration on its own); a loop slot holding a parameter from its second iteration on
    (3413); ambiguous sharing lost by loop slots, merges in a loop and loops that may not run (3621, 6386, 9597: now
    refused); a loop-invariant array hoisted, then updated by the next iteration (5861); grad(grad(f)) making zeros
    the size of a value kept from one branch, on the path where it is None (6450, 8303, 8436; 3761 is now refused);
    the adjoint of `(b6 + row11) * (b6 + row11)`, one array handed to both b6 and row11, then updated in place for
    b6 (883, a wrong gradient: see test_reverse.py::test_shared_sum_adjoint_in_a_row_loop); autograd differentiating
    `M[3] * x[4]` with the `M[3]` a later `b2 -= ...` (b2 = M) wrote (6058, the oracle's error: finite differences
    side with Lifted); intermediates of 2e12 that finite differences cannot resolve (6863, fd-skipped: complex-step
    differentiation of Python's `f` agrees with Lifted to 1e-8 on every coordinate). See the named reproducers in
    test_python_semantics.py."""
    _, outcome, message = _check_seed(seed)
    assert outcome != "failed", message


def test_points_the_oracles_cannot_judge():
    """6863 takes `acc3 = acc3 * c + (x[0] + acc3 * acc3)` six times: acc3[0] reaches 2e12, and a step of 1e-6
    moves it by 4e7, many turns of the `np.cos` that reads it, so finite differences miss a term of the gradient
    (d/dx[0] 3927 where the derivative at the point is 3966). Not judged, rather than failed."""
    _, outcome, message = _check_seed(6863)
    assert outcome == "fd-skipped", message


@pytest.mark.parametrize("seed", [2, 16, 119, 228, 253, 563])
def test_programs_once_refused_now_compile(seed):
    """Refused once, exact now (issue #10; named reproducers in test_loop_sharing.py): a `while` whose test holds
    on entry surely runs (119, 228), a loop whose first iteration shares arrays differently from the next ones is
    lowered with that iteration on its own (2, 16, 253), an `if` that makes `acc = A` on one path no longer makes
    the branch values of the two names partners (563)."""
    _, outcome, message = _check_seed(seed)
    assert outcome in ("checked", "fd-skipped"), f"seed {seed}: {outcome} {message}"
