"""Run numba's NumPy-support tests through every form of Lifted (benchmarks/numba_tests/).

    python -m benchmarks.numba_tests --numba /tmp/numba [--c] [--only diff2,np_cumsum] [--json out.json]
        [--cases saved.pickle] [--part 2/4]

Recording test_np_functions takes 4 to 8 minutes on two shared cores, longer with the checks than one piece of a
scan may run: `--cases F` saves the converted cases (kernel texts and inputs) on the first run and reads them back
on the next, and `--part K/N` checks one part of them.
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
    parser.add_argument("--cases", type=Path, help="the converted cases and the recording's counts: read from this "
                                                   "file where it exists (no recording), else written there")
    options = parser.parse_args(argv)
    AUTOGRAD_NOT_COMPARED.clear()
    if options.cases and options.cases.exists():
        found, recorded = pickle.loads(options.cases.read_bytes())
    else:
        calls, origin = record(options.numba, files(options.files, FILES))
        found = cases(calls, origin)
        recorded = {"usecases called": len(calls), "calls recorded": sum(len(v) for v in calls.values())}
        if options.cases:
            options.cases.write_bytes(pickle.dumps((found, recorded)))
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


if __name__ == "__main__":
    main()
