"""A wall-clock limit for one case (SIGALRM): pythran's kernels loop in Python at the sizes their #runas writes."""
from __future__ import annotations

import contextlib
import signal


class TimedOut(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int):
    def stop(signum, frame):
        raise TimedOut(f"timed out after {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
