"""Listing of dir(np)'s callables that are not types (390 in NumPy 2.4): one kernel each, the first argument list
of CANDIDATES that NumPy accepts on the sample values; refused where the kernel does not transpile. Functions with
effects outside the kernel (NumPy's test runner, printing, files) are skipped. Usage:
`python -m benchmarks.listing_refused [ROOT]` (ROOT: another checkout whose transpiler is used, through this
virtual environment's editable install; by default the installed one)."""
import sys
import warnings

import numpy as np

if len(sys.argv) > 1:
    import __editable___lifted_0_1_0_finder as finder
    ROOT = sys.argv[1]
    finder.MAPPING.update({"lifted": ROOT + "/runtime", "lifted.templates": ROOT + "/templates",
                           "lifted.transpiler": ROOT + "/transpiler"})
from lifted.transpiler import transpile_source  # noqa: E402

SKIPPED = {"test", "show_config", "show_runtime", "info", "save", "savez", "savez_compressed", "savetxt",
           "set_printoptions", "printoptions"}

HEADER = ("import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n"
          "def f(x: \"f64[5]\", y: \"f64[5]\", m: \"f64[3,3]\", i: \"i64[5]\"):\n    return {}\n")
CANDIDATES = ["x", "x, y", "m", "i", "x, 2", "x > 0", "m, m", "m, 1", "i, i", "x, y, x", "x, 0.5", "3", "(3, 3)",
              "x, [0.5]", "[x, y]", "(x, y)", "x, i", "i, x", "m, x", "x, 3, 1", "'f8'", "x.dtype", "x, np.float64",
              "5, 2"]
SAMPLE = dict(x=np.array([0.5, -1.0, 2.0, 0.25, 1.5]), y=np.array([1.0, 2.0, -0.5, 3.0, 0.75]),
              m=np.array([[2.0, 0.5, 0.1], [0.3, 3.0, 0.2], [0.1, 0.4, 1.5]]), i=np.array([0, 2, 1, 3, 1]))
names = [n for n in dir(np) if not n.startswith("_") and callable(getattr(np, n))
         and not isinstance(getattr(np, n), type)]
refused, unjudged = [], []
for name in names:
    for args in CANDIDATES if name not in SKIPPED else ():
        text = HEADER.format(f"np.{name}({args})")
        scope = {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(text.replace("from lifted import kernel", "kernel = lambda f: f"), scope)
                scope["f"](**{k: v.copy() for k, v in SAMPLE.items()})
        except BaseException:  # noqa: BLE001
            continue
        try:
            transpile_source(text, "listing.py")
        except BaseException as exc:  # noqa: BLE001
            refused.append((name, args, str(exc).splitlines()[0][:100]))
        break
    else:
        unjudged.append(name)
for name, args, why in refused:
    print(f"REFUSED np.{name}({args}): {why}")
print(f"callables {len(names)} refused {len(refused)} (no argument list NumPy accepts, or skipped: "
      f"{len(unjudged)})")
