"""Loops lowered as Python runs them where one loop over slots cannot model their sharing: whether a `while`
test surely holds on entry (the loop then surely runs), and a loop's first iteration lowered on its own, then
the loop from the second iteration on (see normalize/loops.py for the sharing model)."""
from __future__ import annotations

import libcst as cst
import numpy as np

from ..builder import Builder
from ..errors import TranspileError
from ..ir import Const, Var
from ..values import Stale
from .alias import SharingError

PEEL_LIMIT = 3  # first iterations a loop may have lowered on their own


class FirstIterations:
    """Mixed into `Lowering` (through ControlFlow). Relies on its `_split`, `_condition` and sharing tables."""

    def _peel_if_needed(self, lower_loop, runs, lower_first, lower_rest, builder: Builder, env: dict) -> None:
        """A loop where names share arrays differently on the first iteration than on the next ones (`b = y` before
        it, `b[0] = 1.0; b = b * 2.0` in it) is refused as one loop (`lower_loop`); it is then lowered as Python
        runs it: where its test holds on entry (`runs`), the first iteration on its own, then the loop from the
        second iteration on (`lower_rest`, which may do the same again, a bounded number of times). Loops
        without `break` or `return` only (`continue` ends the first iteration as it ends any)."""
        state, count, computed = self.sharing_state(env), len(builder.eqns), builder.snapshot()
        stale_before = {name for name, value in env.items() if isinstance(value, Stale)}

        def undo() -> None:
            del builder.eqns[count:]
            builder.restore(computed)
            self.restore_sharing(state)

        failure = None
        try:
            lower_loop()
        except SharingError as exc:
            failure = exc
        else:  # names the loop leaves stale (unreadable) may be readable where the first iteration is on its own
            if all(name in stale_before for name, value in env.items() if isinstance(value, Stale)):
                return
        undo()

        def first_then_rest(branch_env: dict) -> None:
            # as in the loop: `continue` ends the iteration, and loops nested in it keep their own table keys
            self._break_flags.append(None)
            self._loop_depth += 1
            try:
                lower_first(branch_env)
            finally:
                self._break_flags.pop()
                self._loop_depth -= 1
            lower_rest(branch_env)

        try:
            condition = runs()
            if not isinstance(condition, Const):
                self._split(condition, first_then_rest, lambda branch_env: None, builder, env)
            elif condition.value:
                first_then_rest(env)
        except SharingError:
            if failure is not None:
                raise failure from None  # the loop's own refusal: where it is, as written
            undo()
            lower_loop()  # as one loop, leaving those names stale

    def _surely_true(self, test: cst.BaseExpression, builder: Builder, env: dict) -> bool:
        """Whether a loop test is true on entry, known at build time (`c = 0` then `while c < 3 or ...`; `w =
        np.tanh(0.5)` then `while w < 1.5`): the loop then surely runs its body once. The test is lowered on a
        copy of the names, with each scalar whose value is known at build time as a constant, and what it emitted
        is dropped. A value from a function NumPy may round differently elsewhere (`np.tanh`) must keep the test
        true when nudged either way by far more than a rounding error."""
        known = {}
        for name, value in env.items():
            if isinstance(value, Var) and not name.startswith("<"):
                found = _known_value(value, builder)
                if found is not None:
                    known[name] = found
        nudges = (0.0, -1e-9, 1e-9) if any(not exact for _, exact in known.values()) else (0.0,)
        return all(self._true_on_entry(test, builder, env, known, nudge) for nudge in nudges)

    def _true_on_entry(self, test, builder: Builder, env: dict, known: dict, nudge: float) -> bool:
        names = dict(env)
        for name, (value, exact) in known.items():
            if not exact and isinstance(value, float):
                value = value + nudge * (abs(value) + 1e-3)
            names[name] = Const(value, env[name].type)
        state, sharing = builder.snapshot(), self.sharing_state(env)
        try:
            with builder.block():
                truth = self._condition(test, builder, names)
            return isinstance(truth, Const) and bool(truth.value)
        except TranspileError:
            return False
        finally:
            builder.restore(state)
            self.restore_sharing(sharing)


def _known_value(atom, builder: Builder, depth: int = 0) -> tuple | None:
    """A scalar's value where the equations that made it read only constants: (value, exact), where `exact` says
    no step was a function NumPy may round differently on another machine; None where it is not known."""
    if isinstance(atom, Const):
        value = atom.value
        return (value, True) if isinstance(value, (bool, int, float)) else None
    eqn = builder.definition(atom)
    if eqn is None or depth > 32 or atom.type.shape != () or eqn.params or eqn.prim.family != "elementwise":
        return None
    function = eqn.prim.fold or getattr(np, eqn.prim.name, None)
    args = [_known_value(arg, builder, depth + 1) for arg in eqn.args]
    if function is None or any(arg is None for arg in args):
        return None
    with np.errstate(all="ignore"):
        value = function(*(arg for arg, _ in args))
    value = value.item() if isinstance(value, np.generic) else value
    if not isinstance(value, (bool, int, float)) or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return value, eqn.prim.fold is not None and all(exact for _, exact in args)
