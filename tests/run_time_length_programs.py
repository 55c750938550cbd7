"""Random kernels that broadcast lengths named in annotations (`x: "f64[d]"`, passed at run time as 0, 1, or the
other operand's length) with lengths only the run time knows (masked selections, slices by run-time bounds,
gathers by an index array, their concatenation, reshape with -1, and the np.nonzero family), then reduce,
write into, loop over them, under grad, jvp and vmap, on NumPy and the C target.

The oracle is Python on the untouched source: the same value, shape and dtype, or the same exception class; the
gradient and tangent against central differences of Python's function and the gradient against autograd. A
program refused at build time (a located TranspileError) is counted, not failed. A program is a pure function of
its seed (`program_for_seed`).
"""
from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, field

import numpy as np

from gradcheck import assert_close, autograd_kernels, central_difference, load_source

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, vmap\n"
SIGNATURE = 'x: "f64[d]", z: "f64[n]", w: "f64[n]", X: "f64[2,d]", c: "f64[3]", idx: "i64[m]", k: "i64[]"'

# lengths known only at run time (of z: "f64[n]"), and named ones met with them
UNKNOWN = ("z[z > 0.0]", "z[:k]", "z[k:]", "z[1:k]", "z[k:k + 2]", "z[idx]", "w[idx[idx < k]]",
           "np.concatenate([z[z > 0.0], w[:k]])", "z[z > 0.0].reshape(-1)", "z[:k].reshape(-1, 1)[:, 0]",
           "x[x > 0.0]", "x[:k]", "z[np.nonzero(z > 0.0)[0]]", "z[np.where(z > 0.0)[0]]",
           "z[np.flatnonzero(z > 0.0)]", "np.unique(z)", "z[-k:]", "z[:-k]", "z[k:][:k]", "z[z > w][::-1]",
           "np.cumsum(z[:k])", "z[np.argwhere(z > w)[:, 0]]", "np.flatnonzero(z > 0.0) * 1.0",
           "z[z.nonzero()]", "w[np.ix_(z > 0.0)]", "X[np.nonzero(X > 0.0)]", "x[np.flatnonzero(x > 0.0)]",
           "z[np.argwhere(z > 0.0)].reshape(-1)", "np.tile(z[:1], k)", "np.tile(w, (k, 1))[:, 0]", "z[idx][1:]")
COMBINE = ("s = x + y", "s = x * y", "s = y - x", "s = (x + y) * y", "s = X + y", "s = x[:, None] * y[None, :]",
           "s = np.maximum(x, y) + x * y", "s = y + w[:1]", "s = x + y + y[:1]", "s = c + y", "s = c[:, None] + y",
           "s = np.where(y > 0.0, x, y)", "s = np.concatenate([x, y]) * 2.0", "s = (x @ y) + x",
           "s = X @ y", "s = np.sum(x[:, None] + y[None, :], axis=0)", "s = x.copy()\n    s += y",
           "s = y.copy()\n    s *= x", "s = np.zeros_like(x + y)\n    s[:] = y\n    s -= x", "s = x * 1.0\n    s[:] += y",
           "s = np.roll(x, 1) + np.roll(y, -k)")
USE = ("return np.sum(s * s) + np.sum(s)",
       "return np.sum(np.sin(s))",
       "acc = 0.0\n    for v in s.reshape(-1):\n        acc = acc + v * v\n    return acc",
       "t = np.zeros_like(s)\n    t[...] = s * s\n    t += s\n    return np.sum(t)",
       "return np.sum(s) * np.sum(x) + np.sum(y * y)")


def program_for_seed(seed: int) -> str:
    rnd = random.Random(seed)
    y, combine, use = rnd.choice(UNKNOWN), rnd.choice(COMBINE), rnd.choice(USE)
    return HEADER + f"\n\n@kernel\ndef f({SIGNATURE}) -> float:\n    y = {y}\n    {combine}\n    {use}\n"


def declarations(floats: tuple, count: int) -> tuple[str, str]:
    """grad and jvp over the float parameters; vmap over the first parameter's rows."""
    axes = ", ".join(["0"] + ["None"] * (count - 1))
    return f"\ng = grad(f, wrt={floats})\nh = jvp(f, wrt={floats})\n", f"\nb = vmap(f, in_axes=({axes},))\n"


def inputs_for(seed: int) -> list[list]:
    """Argument sets for one program: d and n of 0, 1, 2 or 3 (d also the selection's length), k of 0 to n."""
    rng = np.random.default_rng(seed)
    sets = []
    for d, n in ((1, 3), (3, 3), (0, 2), (2, 0), (1, 1), (2, 3), (3, 4), (1, 0)):
        positive = min(d, n) if rng.random() < 0.5 else int(rng.integers(0, n + 1))  # often d: x + z[z > 0] fits
        signs = rng.permutation(np.r_[np.ones(positive), -np.ones(n - positive)])
        z = signs * rng.uniform(0.5, 1.5, n)
        x = rng.choice([-1, 1], d) * rng.uniform(0.5, 1.5, d)
        m = int(rng.integers(0, 3)) if n else 0
        sets.append([x, z, rng.uniform(-1.5, 1.5, n), rng.uniform(-1.5, 1.5, (2, d)), rng.uniform(-1.5, 1.5, 3),
                     rng.integers(0, n, m) if n else np.zeros(0, np.int64), int(rng.integers(0, n + 1))])
    return sets


@dataclass
class Tally:
    checked: int = 0
    refused: int = 0
    failed: list = field(default_factory=list)


class RefusedAtRunTime(Exception):
    """Lifted's run-time check refused sizes an annotation names differently (a 3 meeting an `m` that is 1)."""


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _run(function, args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return function(*_copy(args)), None
        except Exception as error:  # noqa: BLE001 - the oracle compares exception classes
            return None, error


def _same(got, expected, what: str) -> None:
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), what
        for g, e in zip(got, expected):
            _same(g, e, what)
        return
    got_a, expected_a = np.asarray(got), np.asarray(expected)
    assert got_a.shape == expected_a.shape, f"{what}: shape {got_a.shape}, Python {expected_a.shape}"
    assert got_a.dtype == expected_a.dtype, f"{what}: dtype {got_a.dtype}, Python {expected_a.dtype}"
    np.testing.assert_allclose(got_a, expected_a, rtol=1e-10, atol=1e-12, err_msg=what)


def check_module(primal, ad, args: list, python: dict, floats: tuple, oracle=None, batched=None) -> None:
    """One argument set: the value or exception of `primal`, the gradient and tangent of `ad` and the batch of
    `batched` (None: refused) against Python's `f`."""
    expected, error = _run(python["f"], args)
    got, got_error = _run(primal.f, args)
    if error is not None:
        assert got_error is not None, f"Python raises {error!r}, Lifted returns {got!r}"
        assert type(got_error) is type(error), f"Python raises {error!r}, Lifted {got_error!r}"
        if ad is not None:
            _, grad_error = _run(ad.g, args)
            assert type(grad_error) is type(error), f"Python raises {error!r}, grad {grad_error!r}"
        return
    if isinstance(got_error, ValueError) and "the annotations name differently must be equal" in str(got_error):
        raise RefusedAtRunTime(str(got_error))  # shape_checks.py's documented check: NumPy would broadcast a 1
    assert got_error is None, f"Lifted raises {got_error!r}, Python returns {expected!r}"
    _same(got, expected, "value")
    if not np.isfinite(expected):
        return
    if batched is not None:
        check_batch(batched, args, python)
    if ad is None:
        return
    grads, grad_error = _run(ad.g, args)
    assert grad_error is None, f"grad raises {grad_error!r}"
    tangents = {i: np.cos(np.arange(np.size(args[i])) + i).reshape(np.shape(args[i])) for i in floats}
    direction = 0.0
    for i, got_grad in zip(floats, grads):
        reference = central_difference(lambda *a: python["f"](*_copy(a)), _copy(args), i)
        assert_close(got_grad, reference, rtol=1e-6, atol=1e-6, what=f"d/d argument {i} vs finite differences")
        direction += float(np.sum(reference * tangents[i]))
        if oracle is not None:
            from autograd import grad as autograd_grad

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    exact = autograd_grad(oracle, i)(*_copy(args))
                except (TypeError, ValueError, NotImplementedError, IndexError, AttributeError, ZeroDivisionError):
                    # what autograd cannot trace (`a.copy()`, in-place writes), or its own rule fails (np.tile's
                    # VJP splits into `reps` sections: `np.split(g, 0)` of a count 0, seed 5040): differences only
                    continue
            if np.shape(exact) != np.shape(args[i]):
                continue  # autograd's np.where does not sum a broadcast argument back (finite differences judge)
            assert_close(got_grad, exact, rtol=1e-9, atol=1e-10, what=f"d/d argument {i} vs autograd")
    value, tangent = ad.h(*_copy(args), *tangents.values())
    _same(value, expected, "jvp's value")
    assert_close(tangent, direction, rtol=1e-6, atol=1e-6, what="jvp's tangent vs finite differences")


def check_batch(module, args: list, python: dict) -> None:
    """vmap over x's rows against a loop of Python's `f`."""
    batch = np.stack([args[0], -args[0], 0.5 * args[0]])
    looped = [_run(python["f"], [row] + args[1:]) for row in batch]
    batched, batch_error = _run(module.b, [batch] + args[1:])
    if any(e is not None for _, e in looped):
        assert batch_error is not None, f"a row raises in Python, vmap returns {batched!r}"
        return
    assert batch_error is None, f"vmap raises {batch_error!r}, a loop over rows returns"
    _same(batched, np.array([v for v, _ in looped]), "vmap vs a loop")


def _build(text: str, build):
    from lifted.transpiler import TranspileError

    try:
        return build(text)
    except TranspileError:
        return None


def judge(text: str, argument_sets: list, build=load_source) -> dict:
    """Which of primal, AD (grad and jvp) and vmap were refused at build time ('refused') or checked on every
    argument set ('checked'), or 'refused at run time' for all (shape_checks.py's check of sizes the annotations
    name differently, where NumPy would broadcast a 1); raises AssertionError with the first disagreement."""
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    floats = tuple(i for i, a in enumerate(argument_sets[0]) if isinstance(a, np.ndarray) and a.dtype.kind == "f")
    ad_text, batch_text = declarations(floats, len(argument_sets[0]))
    primal, ad, batched = _build(text, build), _build(text + ad_text, build), _build(text + batch_text, build)
    outcome = {"primal": primal, "ad": ad, "vmap": batched}
    if primal is None:
        return {key: "refused" for key in outcome}
    try:
        oracle = autograd_kernels(text)["f"]
    except Exception:  # noqa: BLE001 - autograd cannot run every source
        oracle = None
    for number, args in enumerate(argument_sets):
        try:
            check_module(primal, ad, args, python, floats, oracle, batched)
        except RefusedAtRunTime:
            return {key: "refused at run time" for key in outcome}
        except AssertionError as failure:
            shapes = [np.shape(a) if isinstance(a, np.ndarray) else a for a in args]
            raise AssertionError(f"argument set {number} {shapes}: {failure}\n{text}") from None
    return {key: "refused" if value is None else "checked" for key, value in outcome.items()}
