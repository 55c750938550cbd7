"""`python -m benchmarks.gradbench [--backend numpy|c]`: run Lifted as a GradBench tool on stdin/stdout."""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.gradbench.tool import BACKENDS, serve  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradbench", description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="numpy",
                        help="numpy (default) or c: the C backend's CPU target (OpenMP C built by $CXX)")
    options = parser.parse_args()
    try:
        serve(backend=options.backend)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
