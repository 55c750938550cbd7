"""`python -m benchmarks [--quick]`: run every workload for every available tool and write docs/benchmarks.md."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .threads import configure_threads

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, short timing budgets (~2 min smoke run)")
    parser.add_argument("--workloads", nargs="+", default=[], help="only these workloads (default: all)")
    parser.add_argument("--tools", nargs="+", default=[], help="only these tools (default: all available)")
    parser.add_argument("--threads", type=int, default=1, help="threads per tool (BLAS, PyTorch, XLA); default 1")
    parser.add_argument("--no-memory", action="store_true", help="skip the per-tool memory processes")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling study")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="where benchmarks.md and img/ go")
    parser.add_argument("--from-json", type=Path, help="re-render the report from a saved results file, no run")
    args = parser.parse_args(argv)

    configure_threads(args.threads)  # before NumPy or any tool is imported
    from . import report
    from .run import Settings, run
    from .tools import ORDER

    if args.from_json:
        results = json.loads(args.from_json.read_text())
    else:
        unknown = [t for t in args.tools if t not in ORDER]
        if unknown:
            parser.error(f"unknown tools {unknown}; known: {', '.join(ORDER)}")
        tools = tuple(args.tools) if args.tools else ORDER
        if "lifted" not in tools:
            tools = ("lifted",) + tools  # every ratio is to Lifted
        settings = Settings(quick=args.quick, tools=tools, workloads=tuple(args.workloads),
                            memory=not args.no_memory, scaling=not args.no_scaling, threads=args.threads)
        args.docs.mkdir(parents=True, exist_ok=True)

        def save(results):
            (args.docs / "benchmarks.json").write_text(json.dumps(results, indent=1))
            report.write(results, args.docs)

        results = run(settings, checkpoint=save)
        (args.docs / "benchmarks.json").write_text(json.dumps(results, indent=1))
    path = report.write(results, args.docs)
    print(f"wrote {path} and plots in {args.docs / 'img'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
