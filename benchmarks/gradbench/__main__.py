"""`python -m benchmarks.gradbench`: run Lifted as a GradBench tool on stdin/stdout."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.gradbench.tool import serve  # noqa: E402

if __name__ == "__main__":
    try:
        serve()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
