"""The Lifted demo: build every example with `transpile`, run the generated code, and check its gradients.

Run from the repository root:  python -m examples.demo   (or `make demo`, which sets up .venv first)

Everything printed can be judged by eye: losses that fall, an optimum at the known answer, generated gradients
agreeing with central finite differences to ~1e-8 or better, and the code Lifted actually wrote.
"""
from __future__ import annotations

import os
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from lifted import load

from . import gaussian, logistic, mlp, rosenbrock

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("logistic", "rosenbrock", "mlp", "gaussian")


def banner(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 72 - len(title)), flush=True)


def central_differences(f, args: list, index: int, eps: float = 1e-6) -> np.ndarray:
    """d f(*args) / d args[index] by central differences, one coordinate at a time (float64)."""
    base = [np.array(a, dtype=np.float64) for a in args]
    grad = np.zeros_like(base[index])
    for idx in np.ndindex(grad.shape):
        plus, minus = [a.copy() for a in base], [a.copy() for a in base]
        plus[index][idx] += eps
        minus[index][idx] -= eps
        grad[idx] = (f(*plus) - f(*minus)) / (2 * eps)
    return grad


def build(outdir: Path) -> dict:
    """Transpile the examples with the real `transpile` command; return the loaded generated modules."""
    from lifted.transpiler.cli import main as transpile

    sources = [os.path.relpath(ROOT / "examples" / f"{name}.py") for name in EXAMPLES]
    print(f"$ transpile {' '.join(sources)} -o {outdir} --verbose", flush=True)
    start = time.perf_counter()
    code = transpile([*sources, "-o", str(outdir), "--verbose"])
    sys.stderr.flush()
    if code:
        raise SystemExit(f"transpile failed with exit code {code}")
    print(f"built {len(sources)} modules in {time.perf_counter() - start:.2f} s")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # just built: a stale warning here would be a bug
        return {name: load(outdir / f"{name}.py") for name in EXAMPLES}


def run_logistic(m) -> None:
    banner("2. logistic regression: gradient descent with the generated loss_vg")
    w, history, accuracy = logistic.train(m)
    print(f"loss {history[0]:.4f} -> {history[-1]:.4f}, training accuracy {accuracy:.1%}")


def run_rosenbrock(m) -> None:
    banner("3. Rosenbrock (n=10): scipy BFGS with jac=generated f_grad")
    result = rosenbrock.minimize(m)
    print(f"x = {np.array2string(result.x, precision=6)}")
    print(f"f = {result.fun:.2e}, max |x - 1| = {np.abs(result.x - 1).max():.1e}, {result.nit} iterations, "
          f"{result.njev} gradient evaluations, {'converged' if result.success else 'NOT converged'}")


def run_mlp(m) -> None:
    banner("4. two-layer tanh MLP on three spirals: momentum SGD with loss_vg")
    _, history, accuracy = mlp.train(m)
    print(f"loss {history[0]:.3f} -> {history[-1]:.4f}, training accuracy {accuracy:.1%} (chance 33%)")


def run_gaussian(m) -> None:
    banner("5. Gaussian maximum likelihood: L-BFGS with nll_vg vs the closed form")
    result, w_ls, sigma_ls = gaussian.fit(m)
    w, sigma = result.x[:-1], float(np.exp(result.x[-1]))
    print(f"MLE ({result.nit} iterations): w = {np.array2string(w, precision=4)}, sigma = {sigma:.4f}")
    print(f"closed form:           w = {np.array2string(w_ls, precision=4)}, sigma = {sigma_ls:.4f}")
    print(f"max difference: {max(np.abs(w - w_ls).max(), abs(sigma - sigma_ls)):.1e}")


def gradient_checks(modules: dict) -> list[tuple[str, float, float]]:
    """(what, max abs error, max |gradient|) for every generated gradient against central differences."""
    rng = np.random.default_rng(42)
    rows = []

    def compare(label, generated, f, args, index):
        expected = central_differences(f, args, index)
        rows.append((label, float(np.abs(np.asarray(generated) - expected).max()), float(np.abs(expected).max())))

    m = modules["logistic"]
    x, y, _ = logistic.make_data(n=50)
    w = rng.normal(size=x.shape[1])
    compare("logistic  loss_grad  dw", m.loss_grad(w, x, y), m.loss, [w, x, y], 0)

    m = modules["rosenbrock"]
    point = rng.normal(size=10)
    compare("rosenbrock  f_grad  dx", m.f_grad(point), m.f, [point], 0)

    m = modules["mlp"]
    x, labels = mlp.spirals(per_class=10)
    params = mlp.init(h=8)
    _, grads = m.loss_vg(*params, x, labels)
    for i, (name, g) in enumerate(zip(("w1", "b1", "w2", "b2"), grads)):
        compare(f"mlp  loss_vg  d{name}", g, m.loss, [*params, x, labels], i)

    m = modules["gaussian"]
    x, y = gaussian.make_data(n=40)
    w, log_sigma = rng.normal(size=x.shape[1]), np.float64(-0.5)
    _, (dw, dlog_sigma) = m.nll_vg(w, log_sigma, x, y)
    compare("gaussian  nll_vg  dw", dw, m.nll, [w, log_sigma, x, y], 0)
    compare("gaussian  nll_vg  dlog_sigma", dlog_sigma, m.nll, [w, log_sigma, x, y], 1)
    ct = rng.normal(size=y.shape)
    _, pulled = m.residuals_vjp(w, x, y, ct)
    compare("gaussian  residuals_vjp  ct.dr/dw", pulled, lambda *a: float(ct @ m.residuals(*a)), [w, x, y], 0)
    return rows


def excerpt(path: Path, function: str) -> str:
    """One generated function, as written to disk."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^def {function}\(.*?(?=^\S|\Z)", text, re.MULTILINE | re.DOTALL)
    return match.group(0).rstrip() if match else f"(no function {function} in {path})"


def main() -> int:
    os.chdir(ROOT)  # the generated headers record source paths relative to the project
    outdir = Path("generated")
    banner("1. transpile the examples")
    modules = build(outdir)
    run_logistic(modules["logistic"])
    run_rosenbrock(modules["rosenbrock"])
    run_mlp(modules["mlp"])
    run_gaussian(modules["gaussian"])
    banner("6. gradient check: generated vs central finite differences (float64)")
    rows = gradient_checks(modules)
    width = max(len(label) for label, _, _ in rows)
    worst = 0.0
    for label, error, scale in rows:
        relative = error / max(scale, 1.0)
        worst = max(worst, relative)
        print(f"{label:<{width}}  max abs error {error:.1e}  (largest entry {scale:.2g})")
    verdict = "OK" if worst < 1e-5 else "MISMATCH"
    print(f"{verdict}: worst error relative to max(1, |gradient|) is {worst:.1e}")
    banner(f"7. generated code: loss_grad in {outdir / 'logistic.py'}")
    print(excerpt(outdir / "logistic.py", "loss_grad"))
    transpile = Path(sys.executable).parent / "transpile"  # the venv's console script, on PATH only once activated
    print(f"\n(the full modules are in {outdir}/; `{os.path.relpath(transpile)} examples -o {outdir} --check` tells if "
          f"they are fresh; `source {os.path.relpath(transpile.parent)}/activate` puts `transpile` on your PATH)")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
