"""`for` loops that run at build time: over a list, a tuple or a constant range whose body needs it (appends,
a list indexed with the loop variable), the body is lowered once per element, in the enclosing block."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..ir import Const
from .static import UNROLL_LIMIT
from .syntax import can_exit, has_return


class Unrolling:
    """Mixed into `ControlFlow`. Relies on `Lowering`'s `error`, `locate`, `_assign`, `_nested`, `_guarded`,
    `_break_flags`, `_loop_depth`."""

    def unroll(self, node: cst.For, items: list, builder: Builder, env: dict) -> None:
        """A `for` over a build-time sequence: the body once per element, in the enclosing block."""
        if has_return(node.body):
            raise self.error(node, "`return` is not supported in a loop over a list or a constant range that runs "
                             "at build time", "set a flag and `break`, then return after the loop")
        if len(items) > UNROLL_LIMIT:
            raise self.error(node.iter, f"a loop of {len(items)} iterations is too long to unroll at build time")
        if not can_exit(node.body):
            for item in items:
                builder.loc = self.locate(node)
                self._assign(node.target, item, builder, env)
                self._nested(list(node.body.body), builder, env)
            return
        self._unroll_stopping(node, items, builder, env)

    def _unroll_stopping(self, node: cst.For, items: list, builder: Builder, env: dict) -> None:
        """An unrolled loop with `break` or `continue`: a running flag, as in a run-time loop; each iteration
        after the first runs under `if running:` (decided at build time where the flag is known)."""
        loc = self.locate(node)
        flag = f"<running{len(self._break_flags)}>"
        env[flag] = const(True)
        self._break_flags.append(flag)
        self._loop_depth += 1

        def iteration(item):
            def run(e: dict) -> None:
                builder.loc = loc
                self._assign(node.target, item, builder, e)
                self._nested(list(node.body.body), builder, e)
            return run

        try:
            for item in items:
                running = env[flag]
                if isinstance(running, Const):
                    if not running.value:
                        break
                    iteration(item)(env)
                else:
                    builder.loc = loc
                    self._guarded(running, iteration(item), lambda e: None, builder, env, loc)
        finally:
            self._loop_depth -= 1
            self._break_flags.pop()
            env.pop(flag, None)
