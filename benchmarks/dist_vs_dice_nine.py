"""Dist mode side by side with dice-nine on the dice-nine README examples: time, peak memory, same answer.

    python -m benchmarks.dist_vs_dice_nine --dice-nine /path/to/dice-nine/src [--repeat 3]

dice-nine (github dpiponi/dice-nine, MIT) is not vendored: point at a checkout's `src` folder. Both run in
this one process on the same programs (examples/dice.py). Three tables:

* big programs in float64 (dice-nine's default `Real64`) and in exact rationals (Lifted's `fraction` against
  dice-nine's `BigFraction()`); Lifted's module is transpiled ahead of time, as a build would, and its compile
  time is printed separately;
* small programs, each counted from its source: Lifted's cold first call (transpile the one program, load the
  module, call it: the on-the-fly path without its disk cache, compiler already imported) and its warm call
  (the loaded module again), against dice-nine's first and later calls (it interprets the source each call).

Times are medians of `--repeat` runs (wall clock; CPU time of this process in the big tables, which is less
sensitive to a loaded machine). Peak memory is tracemalloc's (NumPy reports its buffers).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import textwrap
import time
import tracemalloc
from fractions import Fraction
from pathlib import Path

from .corpus.driver import load_module
from .scratch import scratch_folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BIG = [  # (name, args, label, lifted semiring, dice-nine semiring name)
    ("eliminative_pool", (12, 12), "eliminative pool 12 vs 12", "float64", "Real64"),
    ("pairs", (10,), "10d10 pairs/triples", "float64", "Real64"),
    ("fight", (), "Brachiosaurus vs Tyrannosaurus", "float64", "Real64"),
    ("eliminative_pool", (12, 12), "eliminative pool 12 vs 12, exact", "fraction", "BigFraction"),
    ("pairs", (10,), "10d10 pairs/triples, exact", "fraction", "BigFraction"),
    ("pairs", (12,), "12d10 pairs/triples, exact", "fraction", "BigFraction"),
]

SMALL = {  # name: (source of one @dist program, args, lifted semiring, dice-nine semiring name)
    "2d6": ("""
        @dist
        def f():
            return d(6) + d(6)
    """, (), "float64", "Real64"),
    "4d6 drop lowest, exact": ("""
        @dist
        def f():
            return reduce_sum(lazy_topk(4 @ d(6), 3))
    """, (), "fraction", "BigFraction"),
    "advantage vs DC 15, exact": ("""
        @dist
        def f(dc):
            return max(d(20), d(20)) >= dc
    """, (15,), "fraction", "BigFraction"),
    "shadowrun 8 dice, exact": ("""
        @dist
        def f(pool):
            return lazy_sum(x >= 5 for x in pool @ d(6))
    """, (8,), "fraction", "BigFraction"),
    "small fight": ("""
        @dist
        def f():
            hp1 = lazy_sum(3 @ d(6))
            hp2 = lazy_sum(2 @ d(8))
            for i in range(3):
                if hp1 > 0 and d(20) > 8:
                    hp2 = max(0, hp2 - lazy_sum(2 @ d(4)))
                if hp2 > 0:
                    if d(20) > 10:
                        hp1 -= d(6)
                    hp1 = max(hp1, 0)
            return hp2 == 0, hp1 == 0
    """, (), "float64", "Real64"),
}


def _write(text: str, prefix: str, name: str) -> Path:
    path = scratch_folder(prefix) / f"{name}.py"
    path.write_text(text)
    return path


def lifted_module():
    from lifted.transpiler import transpile_source

    source = ROOT / "examples" / "dice.py"
    start = time.perf_counter()
    code = transpile_source(source.read_text(), "examples/dice.py")
    compile_s = time.perf_counter() - start
    return load_module(_write(code, "lifted-bench-", "dice_generated"), "dice_generated"), compile_s


def dice_nine_module(src: Path):
    sys.path.insert(0, str(src))
    import dice9  # noqa: F401  (checks the path)

    text = (ROOT / "examples" / "dice.py").read_text()
    text = text.replace("from lifted import dist", "from dice9 import dist")
    text = text.replace('@dist(semiring="fraction")', "@dist")
    return load_module(_write(text, "dice9-bench-", "dice9_programs"), "dice9_programs")


def dice_nine_semiring(name: str):
    import dice9

    return getattr(dice9, name)()


def measure(fn, repeat: int):
    """Median wall time, median CPU time (the process's own), peak memory, and the last result."""
    times, cpu_times = [], []
    result = None
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), statistics.median(cpu_times), peak, result


def same(a: dict, b: dict, tol: float = 1e-9) -> bool:
    a = {k: float(v) for k, v in a.items()}
    b = {k: float(v) for k, v in b.items()}
    keys = {k for k, v in a.items() if abs(v) > tol} | {k for k, v in b.items() if abs(v) > tol}
    return all(abs(a.get(k, 0.0) - b.get(k, 0.0)) <= tol for k in keys)


def exactly_same(a: dict, b: dict) -> bool:
    """Exact rationals compared exactly (outcomes of probability 0 left out)."""
    return {k: Fraction(v) for k, v in a.items() if v} == {k: Fraction(v) for k, v in b.items() if v}


def big_table(lifted, nine, repeat: int, only: str | None) -> bool:
    print(f"{'big program':40} {'dice-nine':>10} {'Lifted':>9} {'speed-up':>9} {'CPU d9':>9} {'CPU L':>8} "
          f"{'CPU x':>7} {'d9 peak':>9} {'L peak':>9}  same")
    ok = True
    for name, args, label, semiring, nine_semiring in BIG:
        if only and name != only:
            continue
        options = {"semiring": dice_nine_semiring(nine_semiring)}
        t_nine, c_nine, m_nine, r_nine = measure(lambda: getattr(nine, name)(*args, _options=options), repeat)
        t_lift, c_lift, m_lift, r_lift = measure(lambda: getattr(lifted, name)(*args, semiring=semiring), repeat)
        agree = same(r_nine, r_lift) and (semiring != "fraction" or exactly_same(r_nine, r_lift))
        ok &= agree
        print(f"{label:40} {t_nine:9.3f}s {t_lift:8.3f}s {t_nine / t_lift:8.1f}x {c_nine:8.3f}s {c_lift:7.3f}s "
              f"{c_nine / c_lift:6.1f}x {m_nine / 2**20:7.1f}MB {m_lift / 2**20:7.1f}MB  {'yes' if agree else 'NO'}",
              flush=True)
    return ok


def small_table(repeat: int) -> bool:
    """Each program counted from its source: cold = compile + load + first call; warm = a later call."""
    from dice9 import dist as nine_dist
    from lifted.transpiler import transpile_source

    print(f"\n{'small program':30} {'d9 first':>9} {'d9 again':>9} {'L cold':>9} {'L warm':>9} "
          f"{'cold x':>7} {'warm x':>7}  same")
    ok = True
    for counter, (label, (body, args, semiring, nine_semiring)) in enumerate(SMALL.items()):
        source = textwrap.dedent(body)
        colds, warms, firsts, agains = [], [], [], []
        for run in range(repeat):
            tag = f"small_{counter}_{run}"
            start = time.perf_counter()
            code = transpile_source("from lifted import dist\n" + source, f"{tag}.py")
            program = load_module(_write(code, "lifted-small-", tag), tag).f
            lifted_result = program(*args, semiring=semiring)
            colds.append(time.perf_counter() - start)
            start = time.perf_counter()
            program(*args, semiring=semiring)
            warms.append(time.perf_counter() - start)

            nine_path = _write("from dice9 import dist\n" + source, "dice9-small-", f"nine_{tag}")
            nine_program = load_module(nine_path, f"nine_{tag}").f
            options = {"semiring": dice_nine_semiring(nine_semiring)}
            start = time.perf_counter()
            nine_result = nine_program(*args, _options=options)
            firsts.append(time.perf_counter() - start)
            start = time.perf_counter()
            nine_program(*args, _options=options)
            agains.append(time.perf_counter() - start)
        cold, warm = statistics.median(colds), statistics.median(warms)
        first, again = statistics.median(firsts), statistics.median(agains)
        agree = same(nine_result, lifted_result)
        ok &= agree
        print(f"{label:30} {first * 1e3:7.1f}ms {again * 1e3:7.1f}ms {cold * 1e3:7.1f}ms {warm * 1e3:7.2f}ms "
              f"{first / cold:6.1f}x {again / warm:6.1f}x  {'yes' if agree else 'NO'}", flush=True)
    del nine_dist
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dice-nine", type=Path, required=True, help="a dice-nine checkout's src folder")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="run one big case by name (and no small ones)")
    args = parser.parse_args()
    lifted, compile_s = lifted_module()
    nine = dice_nine_module(args.dice_nine)
    print(f"Lifted compile (transpile examples/dice.py): {compile_s:.2f} s; medians of {args.repeat} runs")
    ok = big_table(lifted, nine, args.repeat, args.only)
    if not args.only:
        ok &= small_table(args.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
