"""A wall-clock limit for one piece of a corpus run (SIGALRM, the main thread): pythran's kernels loop in Python at
the sizes their #runas writes, NPBench's `initialize` may draw forever, a dice-nine program may enumerate for long."""
from __future__ import annotations

import contextlib
import signal


class TimedOut(Exception):
    pass


class CaseTimedOut(BaseException):
    """A whole corpus case past its limit: a BaseException, so that no form's `except Exception`
    (corpus.oracles.Outcomes.guarded) takes it for that form's failure and lets the next forms run unlimited."""


@contextlib.contextmanager
def time_limit(seconds: int, error: type[BaseException] = TimedOut, what: str = "the case"):
    """Raise `error` in the block once it has run `seconds`."""
    def stop(signum, frame):
        raise error(f"{what} ran past {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
