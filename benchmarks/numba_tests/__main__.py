"""Run numba's NumPy-support tests through every form of Lifted (benchmarks/numba_tests/).

    python -m benchmarks.numba_tests --numba /tmp/numba [--c] [--only diff2,np_cumsum] [--json out.json]
        [--cases saved.pickle[,more.pickle]] [--methods 1/3] [--part 2/4]

Recording test_np_functions takes 4 to 8 minutes on two shared cores, longer with the checks than one piece of a
scan may run: `--cases F` saves the converted cases (kernel texts and inputs) on the first run and reads them back
on the next, and `--part K/N` checks one part of them; `--methods K/N --cases FK` records one part of the test
methods into FK, and `--cases F1,F2,...` reads the parts back as one.
"""
from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..corpus.driver import check_within, corpus_parser, files, names, part_of, show_cases, write_json
from ..scipy_go.__main__ import report, run_cases
from .convert import cases
from .record import FILES, record

LIMIT = 30  # seconds per case (every form on every input)

# Every form of corpus.checks; where Python raises, the same exception class; past LIMIT seconds a skip.
check = check_within(LIMIT, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated usecase names (`diff2`, or the qualified name)", show=True,
                           parts=True)
    parser.add_argument("--numba", type=Path, required=True, help="a numba checkout (its numba/tests are read)")
    parser.add_argument("--files", help=f"comma-separated test modules (default: {','.join(FILES)})")
    parser.add_argument("--cases", help="the converted cases and the recording's counts: read from this file where "
                                        "it exists (no recording), else written there; several (comma-separated, "
                                        "each existing) are read as one, a case found in two read once")
    parser.add_argument("--methods", help="K/N: record only the K-th of N consecutive parts of each module's test "
                                          "methods (with --cases, one file per part; read back together)")
    options = parser.parse_args(argv)
    AUTOGRAD_NOT_COMPARED.clear()
    saved = [Path(name) for name in options.cases.split(",")] if options.cases else []
    if saved and all(path.exists() for path in saved):
        found, recorded = _read_cases(saved)
    else:
        if len(saved) > 1:
            raise SystemExit(f"--cases {options.cases}: several files are read back only, and not all exist")
        methods = tuple(int(v) for v in options.methods.split("/")) if options.methods else None
        calls, origin = record(options.numba, files(options.files, FILES), methods)
        found = cases(calls, origin)
        recorded = {"usecases called": len(calls), "calls recorded": sum(len(v) for v in calls.values())}
        if saved:
            saved[0].write_bytes(pickle.dumps((found, recorded)))
    only = names(options.only)
    found = part_of(options, [case for case in found if not only or case.name in only
                              or case.name.rpartition(".")[2] in only])
    show_cases(options, found)
    results = run_cases(found, options.c, check)
    print("\n" + report(results))
    recorded = {**recorded, "kernels": sum(1 for case in found if not case.not_converted)}
    print("\n" + "\n".join(f"{n:6d}  {what}" for what, n in recorded.items()))
    print("by test module: " + ", ".join(f"{m}={n}" for m, n in Counter(c.module for c in found).items()))
    print("\n" + unjudged_report())
    write_json(options, {"recorded": recorded, "cases": results})
    return results


def _read_cases(saved: list[Path]) -> tuple[list, dict]:
    """The cases of several saved recordings as one list (a usecase called by test methods of two parts is read
    once per kernel text: the first part's inputs) and their counts summed (a usecase in two parts counts twice)."""
    found: list = []
    seen: set = set()
    recorded: Counter = Counter()
    for path in saved:
        part, counts = pickle.loads(path.read_bytes())
        recorded.update(counts)
        for case in part:
            key = (case.module, case.name, case.text or case.not_converted)
            if key not in seen:
                seen.add(key)
                found.append(case)
    return found, dict(recorded)


if __name__ == "__main__":
    main()
