"""Dist mode side by side with dice-nine on the dice-nine README examples: time, peak memory, same answer.

    python benchmarks/dist_vs_dice_nine.py --dice-nine /path/to/dice-nine/src [--repeat 3]

dice-nine (github dpiponi/dice-nine, MIT) is not vendored: point at a checkout's `src` folder. Both run in
this one process on the same programs (examples/dice.py); Lifted's module is transpiled ahead of time, as a
build would, so compile time is reported separately. Peak memory is tracemalloc's (NumPy reports its buffers).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = [  # (name, args, label)
    ("eliminative_pool", (12, 12), "eliminative pool 12 vs 12"),
    ("pairs", (10,), "10d10 pairs/triples"),
    ("fight", (), "Brachiosaurus vs Tyrannosaurus"),
]


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def lifted_module():
    from lifted.transpiler import transpile_source

    source = ROOT / "examples" / "dice.py"
    start = time.perf_counter()
    code = transpile_source(source.read_text(), "examples/dice.py")
    compile_s = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp(prefix="lifted-bench-"))
    (folder / "dice_generated.py").write_text(code)
    return _import(folder / "dice_generated.py", "dice_generated"), compile_s


def dice_nine_module(src: Path):
    sys.path.insert(0, str(src))
    import dice9  # noqa: F401  (checks the path)

    text = (ROOT / "examples" / "dice.py").read_text()
    text = text.replace("from lifted import dist", "from dice9 import dist")
    text = text.replace('@dist(semiring="fraction")', "@dist")
    folder = Path(tempfile.mkdtemp(prefix="dice9-bench-"))
    (folder / "dice9_programs.py").write_text(text)
    return _import(folder / "dice9_programs.py", "dice9_programs")


def measure(fn, args, repeat: int):
    """Best wall time, best CPU time (the process's own: less sensitive to a loaded machine), peak memory."""
    times, cpu_times = [], []
    result = None
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = fn(*args)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), min(cpu_times), peak, result


def same(a: dict, b: dict, tol: float = 1e-9) -> bool:
    keys = {k for k, v in a.items() if abs(v) > tol} | {k for k, v in b.items() if abs(v) > tol}
    return all(abs(float(a.get(k, 0.0)) - float(b.get(k, 0.0))) <= tol for k in keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dice-nine", type=Path, required=True, help="a dice-nine checkout's src folder")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", help="run one case by name")
    args = parser.parse_args()
    lifted, compile_s = lifted_module()
    nine = dice_nine_module(args.dice_nine)
    print(f"Lifted compile (transpile examples/dice.py): {compile_s:.2f} s")
    print(f"{'case':34} {'dice-nine':>10} {'Lifted':>9} {'speed-up':>9} {'CPU d9':>9} {'CPU L':>8} {'CPU x':>7} "
          f"{'d9 peak':>9} {'L peak':>9}  same")
    ok = True
    for name, call_args, label in CASES:
        if args.only and name != args.only:
            continue
        t_nine, c_nine, m_nine, r_nine = measure(getattr(nine, name), call_args, args.repeat)
        t_lift, c_lift, m_lift, r_lift = measure(getattr(lifted, name), call_args, args.repeat)
        agree = same({k: float(v) for k, v in r_nine.items()}, r_lift)
        ok &= agree
        print(f"{label:34} {t_nine:9.2f}s {t_lift:8.3f}s {t_nine / t_lift:8.1f}x {c_nine:8.2f}s {c_lift:7.3f}s "
              f"{c_nine / c_lift:6.1f}x {m_nine / 2**20:7.1f}MB {m_lift / 2**20:7.1f}MB  {'yes' if agree else 'NO'}",
              flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
