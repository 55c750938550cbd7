"""Maximum-likelihood linear regression with Gaussian noise: fit the weights and the noise scale together.

The negative log-likelihood is minimised with L-BFGS using Lifted's generated gradient; the answer is checked
against the closed form (least squares for the weights, the residuals' RMS for sigma). `residuals_vjp` shows
the `vjp` transform: it pulls a cotangent on the residual vector back to the weights.
"""
import sys
from pathlib import Path

import numpy as np

from lifted import kernel, load, value_and_grad, vjp


@kernel
def residuals(w: "f64[d]", x: "f64[n,d]", y: "f64[n]") -> "f64[n]":
    return y - x @ w


@kernel
def nll(w: "f64[d]", log_sigma: "f64[]", x: "f64[n,d]", y: "f64[n]") -> "f64[]":
    z = residuals(w, x, y) / np.exp(log_sigma)
    return np.mean(0.5 * z ** 2 + log_sigma + 0.5 * np.log(2.0 * np.pi))


nll_vg = value_and_grad(nll, wrt=("w", "log_sigma"))
residuals_vjp = vjp(residuals, wrt="w")  # (w, x, y, ct) -> (residuals, ct @ d residuals / dw)


def make_data(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(size=(n, 2)), np.ones((n, 1))], axis=1)
    y = x @ np.array([1.5, -2.0, 0.7]) + rng.normal(scale=0.3, size=n)
    return x, y


def fit(m):
    """L-BFGS on the packed parameters (w, log_sigma); returns the fit and the closed-form answer."""
    from scipy.optimize import minimize

    x, y = make_data()
    d = x.shape[1]

    def objective(theta):
        value, (dw, dlog_sigma) = m.nll_vg(theta[:d], theta[d], x, y)
        return value, np.concatenate([dw, [dlog_sigma]])

    result = minimize(objective, np.zeros(d + 1), jac=True, method="L-BFGS-B")
    w_ls = np.linalg.lstsq(x, y, rcond=None)[0]
    sigma_ls = float(np.sqrt(np.mean((y - x @ w_ls) ** 2)))
    return result, w_ls, sigma_ls


def generated():
    """The built module if `transpile examples -o generated` made one, else this very module (on the fly)."""
    built = Path(__file__).resolve().parents[1] / "generated" / "gaussian.py"
    return load(built) if built.is_file() else sys.modules[__name__]


def main() -> None:
    result, w_ls, sigma_ls = fit(generated())
    w, sigma = result.x[:-1], float(np.exp(result.x[-1]))
    print(f"Gaussian MLE after {result.nit} L-BFGS iterations: w = {np.round(w, 4)}, sigma = {sigma:.4f}")
    print(f"closed form (least squares):          w = {np.round(w_ls, 4)}, sigma = {sigma_ls:.4f}")


if __name__ == "__main__":
    main()
