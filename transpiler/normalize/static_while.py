"""`while` loops that run at build time: where the loop needs each iteration at build time (it appends to a list
made before it) and its test is decided at build time on every pass (`i = k + 1; while i <= stop: ...; i += 1`
over Python ints: pymoo's WFG2 and WFG3), the body is lowered once per pass, in the enclosing block, as the `for`
loops of normalize/unroll.py are."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder
from ..ir import Const
from .static import UNROLL_LIMIT, StaticNeeded
from .syntax import can_exit


class StaticWhile:
    """Mixed into `ControlFlow`. Relies on `Lowering`'s `_lower_while`, `_condition`, `_nested`, `locate`."""

    def _while_or_unroll(self, node: cst.While, builder: Builder, env: dict) -> None:
        """The `while` as a run-time loop, or, where that needs values at build time, unrolled (see above)."""
        state, count, saved_env = builder.snapshot(), len(builder.eqns), dict(env)
        saved_names = dict(self._conditional_names)

        def undo() -> None:
            del builder.eqns[count:]
            builder.restore(state)
            env.clear()
            env.update(saved_env)
            self._conditional_names = dict(saved_names)

        try:
            self._lower_while(node, builder, env)
        except StaticNeeded as needed:
            undo()
            if node.orelse is not None or can_exit(node.body) or not self._unrolled_while(node, builder, env):
                undo()
                raise needed from None

    def _unrolled_while(self, node: cst.While, builder: Builder, env: dict) -> bool:
        """The body once per pass while the test, decided at build time, holds; False where a test is not known
        at build time or the loop runs more than UNROLL_LIMIT passes (the caller undoes what was lowered)."""
        for _ in range(UNROLL_LIMIT + 1):
            builder.loc = self.locate(node)
            test = self._condition(node.test, builder, env)
            if not isinstance(test, Const):
                return False
            if not test.value:
                return True
            self._nested(list(node.body.body), builder, env)
        return False
