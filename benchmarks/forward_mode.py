"""Forward mode and forward-over-reverse: cost relative to the primal and to the gradient (issue 4 targets: <= 3).

    python -m benchmarks.forward_mode            # all sizes
    python -m benchmarks.forward_mode --quick    # small sizes only

For Rosenbrock (n variables) and a one-hidden-layer MLP loss (n examples, d inputs, h hidden units), the
generated NumPy functions are timed (best of several repeats of a loop sized to ~0.2 s):
* `jvp / primal`: one Jacobian-vector product (value and tangent) against one primal evaluation;
* `hvp / grad`: one Hessian-vector product `jvp(grad(f))` (forward over reverse, gradient included) against one
  gradient evaluation.

Measure with one BLAS thread and glibc's heap kept (otherwise, around 10^4-element arrays, freeing trims the
heap and every call pays page faults again, which swamps the ratios; see the closing note of issue 4):

    OPENBLAS_NUM_THREADS=1 MALLOC_TRIM_THRESHOLD_=100000000 MALLOC_MMAP_THRESHOLD_=100000000 \
        python -m benchmarks.forward_mode
"""
from __future__ import annotations

import argparse
import time
import types

import numpy as np

from lifted.transpiler import transpile_source

ROSENBROCK = '''
import numpy as np
from lifted import grad, jvp, kernel

@kernel
def f(x: "f64[n]"):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

f_jvp = jvp(f)
f_grad = grad(f)
f_hvp = jvp(grad(f))
'''

MLP = '''
import numpy as np
from lifted import grad, jvp, kernel

@kernel
def f(w: "f64[d,h]", v: "f64[h]", x: "f64[n,d]", y: "f64[n]"):
    p = np.tanh(x @ w) @ v
    return np.mean((p - y) ** 2)

f_jvp = jvp(f, wrt=("w", "v"))
f_grad = grad(f, wrt=("w", "v"))
f_hvp = jvp(grad(f, wrt=("w", "v")), wrt=("w", "v"))
'''


def _module(text: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(transpile_source(text, f"{name}.py"), name, "exec"), module.__dict__)
    return module


def best_time(fn, *args, repeats: int = 5, budget: float = 0.2) -> float:
    fn(*args)
    start = time.perf_counter()
    fn(*args)
    once = max(time.perf_counter() - start, 1e-7)
    loops = max(1, int(budget / once))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn(*args)
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def measure(module, args, tangents) -> dict:
    primal = best_time(module.f, *args)
    jvp = best_time(module.f_jvp, *args, *tangents)
    grad = best_time(module.f_grad, *args)
    hvp = best_time(module.f_hvp, *args, *tangents)
    return {"primal_s": primal, "jvp_s": jvp, "grad_s": grad, "hvp_s": hvp,
            "jvp/primal": jvp / primal, "hvp/grad": hvp / grad}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    options = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    rows = []
    rosenbrock = _module(ROSENBROCK, "rosenbrock_fwd")
    for n in ([100, 10_000] if options.quick else [100, 10_000, 1_000_000]):
        x, t = rng.normal(size=n), rng.normal(size=n)
        rows.append((f"rosenbrock n={n}", measure(rosenbrock, [x], [t])))
    mlp = _module(MLP, "mlp_fwd")
    sizes = [(32, 8, 16), (1000, 32, 64)] if options.quick else [(32, 8, 16), (1000, 32, 64), (20_000, 64, 256)]
    for n, d, h in sizes:
        args = [rng.normal(size=(d, h)), rng.normal(size=h), rng.normal(size=(n, d)), rng.normal(size=n)]
        tangents = [rng.normal(size=(d, h)), rng.normal(size=h)]
        rows.append((f"mlp n={n} d={d} h={h}", measure(mlp, args, tangents)))
    print(f"{'workload':32} {'primal':>10} {'jvp':>10} {'grad':>10} {'hvp':>10} {'jvp/primal':>11} {'hvp/grad':>9}")
    for name, r in rows:
        print(f"{name:32} {r['primal_s'] * 1e3:9.3f}ms {r['jvp_s'] * 1e3:9.3f}ms {r['grad_s'] * 1e3:9.3f}ms "
              f"{r['hvp_s'] * 1e3:9.3f}ms {r['jvp/primal']:11.2f} {r['hvp/grad']:9.2f}")


if __name__ == "__main__":
    main()
