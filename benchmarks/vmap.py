"""vmap: per-example gradients and batched Jacobians, side by side in one process, reported as ratios.

    python -m benchmarks.vmap            # B = 1, 32, 1024 and n = 100
    python -m benchmarks.vmap --quick    # smaller budgets

* Per-example gradients of the logistic and MLP losses (one example's loss, `vmap(grad(loss))`) at B = 1, 32,
  1024: the batched function against a Python loop over Lifted's gradient (target >= 10x at B = 1024) and
  against JAX `jit(vmap(grad))` on CPU where JAX is installed (every result `block_until_ready`).
* A @dist function over 11 and 101 values of a draw weight: `vmap` (one run over all values' worlds) against one
  call per value.
* `jacfwd`, `jacrev`, `hessian` of a 100-input function: the batched sweep over all basis vectors (what the
  transforms generate now) against the column loop they generated before (kept as their fallback; target >= 5x),
  and against JAX's `jit(jacfwd/jacrev/hessian)`.

Timings interleave the contenders (`benchmarks.timer.measure_interleaved`), one thread each; each figure is the
fastest sample (per call), the one least disturbed by other jobs on a shared machine.
"""
from __future__ import annotations

import argparse
import types

from .threads import configure_threads

LOSSES = '''
import numpy as np
from lifted import grad, kernel, vmap


@kernel
def logistic(w: "f64[d]", x: "f64[d]", y: "f64[]"):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


@kernel
def mlp(w1: "f64[d,h]", w2: "f64[h]", x: "f64[d]", y: "f64[]"):
    hidden = np.tanh(x @ w1)
    return (hidden @ w2 - y) ** 2


logistic_grad = grad(logistic)
logistic_per_example = vmap(grad(logistic), in_axes=(None, 0, 0))
mlp_grad = grad(mlp, wrt=("w1", "w2"))
mlp_per_example = vmap(grad(mlp, wrt=("w1", "w2")), in_axes=(None, None, 0, 0))
'''

JACOBIANS = '''
import numpy as np
from lifted import hessian, jacfwd, jacrev, kernel


@kernel
def f(x: "f64[n]", A: "f64[n,n]"):
    return np.tanh(A @ x) + np.sin(x) * x


@kernel
def g(x: "f64[n]", A: "f64[n,n]"):
    return np.sum(np.log(1.0 + (A @ x) ** 2)) + np.sum(x ** 3)


f_jacfwd = jacfwd(f)
f_jacrev = jacrev(f)
g_hessian = hessian(g)
'''


def _exec(code: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(code, name, "exec"), module.__dict__)
    return module


def _module(text: str, name: str) -> types.ModuleType:
    from lifted.transpiler import transpile_source

    return _exec(transpile_source(text, f"{name}.py"), name)


def _column_loops(text: str) -> types.ModuleType:
    """The Jacobians as generated before batching: one sweep per basis vector, in a loop."""
    from lifted.transpiler.backends.numpy import render_function
    from lifted.transpiler.backends.templates import render_module
    from lifted.transpiler.declarations import DeclaredFunctions
    from lifted.transpiler.frontend.parse import parse_module
    from lifted.transpiler.transforms.inplace import functionalize
    from lifted.transpiler.transforms.jacobian import _looped_jacfwd, _looped_jacrev
    from lifted.transpiler.transforms.reverse import ReverseSpec, reverse

    declared = DeclaredFunctions(parse_module(text, "jacobians.py"))
    f, g = declared.kernel("f"), declared.kernel("g")
    functions = [
        _looped_jacfwd(f, "f_jacfwd", (0,), False, None),
        _looped_jacrev(f, "f_jacrev", (0,), False, None, reverse(f, ReverseSpec("f_vjp", "vjp", (0,), True))),
        _looped_jacfwd(functionalize(reverse(g, ReverseSpec("g_grad", "grad", (0,), False))), "g_hessian", (0,),
                       False, None),
    ]
    rendered = [render_function(fn, "jacobians.py") for fn in functions]
    return _exec(render_module("numpy_module.py.j2", version="bench", source_path="jacobians.py", source_hash="0" * 64,
                               functions=rendered, transforms=[], imports=sorted(set().union(*[r.imports for r in rendered])),
                               helpers=set().union(*[r.helpers for r in rendered])), "column_loops")


def _jax():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def per_example(budget: float, sizes=(1, 32, 1024), d: int = 64, h: int = 16, with_jax: bool = True) -> list[dict]:
    """Logistic regression with d features; an MLP with d inputs and h hidden units (d * h + h parameters: the
    per-example gradients of B = 1024 examples fill B * (d * h + h) floats, a memory-bound write)."""
    import numpy as np

    from .timer import measure_interleaved

    m = _module(LOSSES, "losses")
    rng = np.random.default_rng(0)
    w, w1, w2 = rng.normal(size=d) * 0.1, rng.normal(size=(d, h)) * 0.1, rng.normal(size=h) * 0.1
    jx = _jax() if with_jax else None
    rows = []
    for batch in sizes:
        x = rng.normal(size=(batch, d))
        y = (rng.random(batch) > 0.5).astype(float)
        cases = {
            "logistic": (lambda: m.logistic_per_example(w, x, y),
                         lambda: [m.logistic_grad(w, x[b], y[b]) for b in range(batch)]),
            "mlp": (lambda: m.mlp_per_example(w1, w2, x, y),
                    lambda: [m.mlp_grad(w1, w2, x[b], y[b]) for b in range(batch)]),
        }
        jax_fns = {}
        if jx is not None:
            jax, jnp = jx

            def logistic_j(w, x, y):
                p = 1.0 / (1.0 + jnp.exp(-(x @ w)))
                return -(y * jnp.log(p) + (1.0 - y) * jnp.log(1.0 - p))

            def mlp_j(w1, w2, x, y):
                return (jnp.tanh(x @ w1) @ w2 - y) ** 2

            lj = jax.jit(jax.vmap(jax.grad(logistic_j), in_axes=(None, 0, 0)))
            mj = jax.jit(jax.vmap(jax.grad(mlp_j, argnums=(0, 1)), in_axes=(None, None, 0, 0)))
            xj, yj, wj, w1j, w2j = (jnp.asarray(a) for a in (x, y, w, w1, w2))
            jax_fns = {"logistic": lambda: lj(wj, xj, yj).block_until_ready(),
                       "mlp": lambda: [t.block_until_ready() for t in mj(w1j, w2j, xj, yj)]}
        for name, (batched, looped) in cases.items():
            got, expected = batched(), looped()
            for b in range(batch):  # the same numbers first
                for a, e in zip(got if isinstance(got, tuple) else (got,), expected[b] if isinstance(
                        expected[b], tuple) else (expected[b],)):
                    np.testing.assert_allclose(a[b], e, rtol=1e-10, atol=1e-12)
            fns = {"vmap": batched, "loop": looped}
            if name in jax_fns:
                fns["jax"] = jax_fns[name]
            t = measure_interleaved(fns, budget_s=budget)
            rows.append({"workload": name, "B": batch, **{k: v.min_s for k, v in t.items()}})
    return rows


DIST = '''
import numpy as np
from lifted import dist, vmap


@dist
def p_win_for(p):
    hp = 8
    for i in range(6):
        if d[0:0:1 - p, 1:1:p] == 1:
            hp = max(0, hp - d(4))
    return hp == 0


p_win = vmap(p_win_for)
'''


def dist_values(budget: float, sizes=(11, 101)) -> list[dict]:
    """A @dist function batched over a draw weight: one run for every value (vmap) against one call per value."""
    import numpy as np

    from .timer import measure_interleaved

    m = _module(DIST, "dist_vmap")
    rows = []
    for count in sizes:
        ps = np.linspace(0, 1, count)
        got, expected = m.p_win(ps), [m.p_win_for(p) for p in ps]
        assert all(abs(g.get(k, 0.0) - v) < 1e-12 for g, e in zip(got, expected) for k, v in e.items())
        t = measure_interleaved({"vmap": lambda: m.p_win(ps), "loop": lambda: [m.p_win_for(p) for p in ps]},
                                budget_s=budget)
        rows.append({"workload": "p_win", "values": count, **{k: v.min_s for k, v in t.items()}})
    return rows


def jacobians(budget: float, n: int = 100, with_jax: bool = True) -> list[dict]:
    import numpy as np

    from .timer import measure_interleaved

    batched, loops = _module(JACOBIANS, "jacobians"), _column_loops(JACOBIANS)
    rng = np.random.default_rng(1)
    x, A = rng.normal(size=n), rng.normal(size=(n, n)) / np.sqrt(n)
    jx = _jax() if with_jax else None
    rows = []
    for name in ("f_jacfwd", "f_jacrev", "g_hessian"):
        new, old = getattr(batched, name), getattr(loops, name)
        np.testing.assert_allclose(new(x, A), old(x, A), rtol=1e-10, atol=1e-12)
        fns = {"batched": lambda: new(x, A), "column loop": lambda: old(x, A)}
        if jx is not None:
            jax, jnp = jx
            fj = lambda x, A: jnp.tanh(A @ x) + jnp.sin(x) * x  # noqa: E731
            gj = lambda x, A: jnp.sum(jnp.log(1.0 + (A @ x) ** 2)) + jnp.sum(x ** 3)  # noqa: E731
            transform = {"f_jacfwd": jax.jacfwd(fj), "f_jacrev": jax.jacrev(fj), "g_hessian": jax.hessian(gj)}[name]
            compiled, xj, Aj = jax.jit(transform), jnp.asarray(x), jnp.asarray(A)
            np.testing.assert_allclose(np.asarray(compiled(xj, Aj)), new(x, A), rtol=1e-10, atol=1e-12)
            fns["jax"] = lambda: compiled(xj, Aj).block_until_ready()
        t = measure_interleaved(fns, budget_s=budget)
        rows.append({"workload": name, "n": n, **{k: v.min_s for k, v in t.items()}})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vmap", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short timing budgets")
    parser.add_argument("--threads", type=int, default=1, help="threads per tool (BLAS, XLA); default 1")
    parser.add_argument("--hidden", type=int, default=16, help="hidden units of the MLP (default 16)")
    args = parser.parse_args(argv)
    configure_threads(args.threads)
    from .timer import format_seconds

    budget = 0.3 if args.quick else 1.5
    print(f"Per-example gradients (vmap(grad(loss)) vs a Python loop over grad(loss), and JAX jit(vmap(grad))); "
          f"d = 64 features, MLP hidden units h = {args.hidden}")
    print(f"{'loss':10} {'B':>5} {'vmap':>10} {'loop':>10} {'jax':>10} {'loop/vmap':>10} {'vmap/jax':>9}")
    for row in per_example(budget, h=args.hidden):
        jax_s = row.get("jax")
        print(f"{row['workload']:10} {row['B']:>5} {format_seconds(row['vmap']):>10} {format_seconds(row['loop']):>10} "
              f"{format_seconds(jax_s):>10} {row['loop'] / row['vmap']:>9.1f}x "
              f"{(row['vmap'] / jax_s if jax_s else float('nan')):>8.2f}x")
    print("\nA @dist function for many values of a draw weight (vmap: one run; loop: one call per value)")
    print(f"{'program':10} {'values':>6} {'vmap':>10} {'loop':>10} {'loop/vmap':>10}")
    for row in dist_values(budget):
        print(f"{row['workload']:10} {row['values']:>6} {format_seconds(row['vmap']):>10} "
              f"{format_seconds(row['loop']):>10} {row['loop'] / row['vmap']:>9.1f}x")
    print("\nDense Jacobians of a 100-input function (one batched sweep vs the column loop, and JAX jit)")
    print(f"{'transform':10} {'batched':>10} {'loop':>10} {'jax':>10} {'loop/batched':>13} {'batched/jax':>12}")
    for row in jacobians(budget):
        jax_s = row.get("jax")
        print(f"{row['workload']:10} {format_seconds(row['batched']):>10} {format_seconds(row['column loop']):>10} "
              f"{format_seconds(jax_s):>10} {row['column loop'] / row['batched']:>12.1f}x "
              f"{(row['batched'] / jax_s if jax_s else float('nan')):>11.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
