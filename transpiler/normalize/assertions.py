"""`assert` in kernels: checked once at build time where its condition is known then, else a run-time check in
program order that raises Python's AssertionError with the statement's message."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..ir import Const, Var


class Assertions:
    """Lowering's `assert` statements (a mixin of normalize.lower.Lowering)."""

    def _lower_assert(self, small: cst.Assert, builder: Builder, env) -> None:
        """`assert cond, msg`. Known at build time (`assert len(x) == 3` with x annotated "f64[3,2]"): true, it is
        checked once here and compiles to nothing; false, Python would raise at every call. Known at run time: a
        check in program order that raises Python's AssertionError with the message (primitives/assertions.py)."""
        condition = self.expr(small.test, builder, env)
        known = condition.value if isinstance(condition, Const) else condition
        if isinstance(known, Var):
            return self._run_time_assert(small, condition, builder, env)
        if not isinstance(known, (bool, int, float)):
            raise self.error(small.test, "`assert` tests a number, a boolean or a scalar array in kernels",
                             "compare first: assert x.shape == (3, 2), assert np.all(x > 0)")
        if not known:
            raise self.error(small.test, "this `assert` fails at every call: its condition is false at build time",
                             "fix the condition or the annotations it reads")
        return None

    def _run_time_assert(self, small: cst.Assert, condition: Var, builder: Builder, env) -> None:
        if condition.type.shape != ():
            raise self.error(small.test, "`assert` on an array: Python asks its truth, which it refuses for more "
                             "than one element", "assert np.all(x > 0) (or np.any)")
        message = None
        if small.msg is not None:
            message = self.expr(small.msg, builder, env)
            message = message.value if isinstance(message, Const) else message
            if not isinstance(message, str):
                raise self.error(small.msg, "an `assert`'s message in a kernel is a string known at build time",
                                 'assert x > 0, "x must be positive"')
        if condition.type.dtype != "bool":  # Python's truth of a number: nonzero
            condition = self._bind(builder, small.test, "not_equal", [condition, const(0)])
        self._bind(builder, small, "check_assert", [condition], {"message": message})
        return None
