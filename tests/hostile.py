"""The oracle for hand-written hostile programs: one kernel `f`, run by Python itself and by every generated form.

`check_hostile(text, args)` compares, for the kernel `f` of `text` (a module without declarations):
* the NumPy backend's `f` with Python's (NaN, inf and -0.0 included: bit patterns of zeros compared too), the
  arguments left as they were;
* `grad(f)` (a scalar float result) against central finite differences of Python's `f` and against autograd
  where autograd runs the source;
* `jvp(f)` against Python's value and a central difference along the tangent;
* `vmap(f)` (the first parameter batched) against a Python loop over three examples;
* with `c=True`, every declared function of the C CPU target's module against the NumPy backend's;
* each form called with an argument of another dtype than its annotation's (`wrong`), and `jvp(f)` with a tangent
  of another dtype than its primal's: refused at entry with a TypeError naming the cast.
Each declaration is compiled on its own: a located `TranspileError` (file:line:col and a hint) is a refusal,
recorded in the returned outcomes, never a failure. Any other difference raises AssertionError.
"""
from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from exact_values import same_values  # noqa: F401  (the oracle's comparison; other tests import it from here)
from gradcheck import autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError

HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, vmap\n"
BATCH = 3


def _copies(args: list) -> list:
    return [_copy(a) for a in args]


def _copy(value):
    """An argument's copy, a tree's (dicts, lists and tuples of arrays) leaf by leaf."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(item) for item in value)
    return value.copy() if isinstance(value, np.ndarray) else value


def _leaves(value) -> list:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _python(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def _compile(text: str, outcomes: dict, what: str):
    try:
        return load_source(text, "hostile_case.py")
    except TranspileError as exc:
        assert exc.loc is not None and exc.loc.line > 0 and exc.hint, f"{what}: refusal without a place or hint: {exc}"
        outcomes[what] = "refused: " + exc.message.splitlines()[0][:200]
        return None


def check_hostile(source: str, args: list, wrt: int = 0, c: bool = False, folder: Path | None = None,
                  vmap: bool = True, rtol: float = 1e-6, wrong: list = ()) -> dict:
    """Every form of `f` in `source` against Python (see the module docstring); returns {form: outcome}.
    `wrong`: (position, an argument of another dtype than its annotation's), which every form must refuse; for a
    tree argument (position, the tree, the leaf's name as the caller writes it, the leaf) with one leaf so."""
    text = HEAD + source
    python = _python(text)
    reference = python["f"]
    outcomes: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = reference(*_copies(args))
        module = _compile(text, outcomes, "f")
        if module is None:
            return outcomes
        given = _copies(args)
        same_values(module.f(*given), expected, "f vs Python")
        for before, after in zip(_leaves(args), _leaves(given)):
            assert np.array_equal(before, after, equal_nan=True), "the kernel changed its argument"
        outcomes["f"] = "checked"
        declarations = {}
        floating = np.asarray(args[wrt]).dtype.kind == "f"
        results = expected if isinstance(expected, tuple) else (expected,)
        float_results = all(np.asarray(r).dtype.kind == "f" for r in results)
        if floating and not isinstance(expected, tuple) and np.ndim(expected) == 0 and float_results \
                and np.isfinite(expected):
            declarations["g"] = f"g = grad(f, wrt={wrt})\n"
        if floating and float_results:
            declarations["fj"] = f"fj = jvp(f, wrt={wrt})\n"
        if vmap:
            declarations["fv"] = f"fv = vmap(f, in_axes={tuple(0 if k == 0 else None for k in range(len(args)))!r})\n"
        compiled = {}
        for name, declaration in declarations.items():
            compiled[name] = _compile(text + declaration, outcomes, name)
        for name, check in (("g", lambda: _check_grad(text, compiled["g"], reference, args, wrt, outcomes, rtol)),
                            ("fj", lambda: _check_jvp(compiled["fj"], reference, args, wrt, expected, outcomes, rtol))):
            if compiled.get(name) is not None:
                try:
                    check()
                except TypeError as exc:
                    if "promotes as a weak scalar" not in str(exc):
                        raise
                    outcomes[name] = "refused: a Python number for a scalar typed by its annotation"
        batch = [_example(args, k) for k in range(BATCH)]
        if compiled.get("fv") is not None:
            stacked = [np.stack([np.asarray(e[0]) for e in batch])] + _copies(args[1:])
            expected_batch = [reference(*_copies(e)) for e in batch]
            try:
                batched = compiled["fv"].fv(*_copies(stacked))
            except TypeError as exc:
                if "promotes as a weak scalar" not in str(exc):
                    raise
                outcomes["fv"] = "refused: a Python number for a scalar typed by its annotation"
            else:
                same_values(batched, stack(expected_batch), "vmap(f) vs a loop of Python's f", rtol=1e-10,
                            atol=1e-12)
                outcomes["fv"] = "checked"
        compiled["f"] = module
        refuse_wrong_dtypes(compiled, args, wrt, wrong, outcomes)
        if c:
            _check_c(text + "".join(declarations[n] for n in declarations if compiled.get(n) is not None), args,
                     batch, wrt, folder, outcomes, wrong)
    return outcomes


def refuse_wrong_dtypes(modules: dict, args: list, wrt: int, wrong: list, outcomes: dict) -> None:
    """Each form (`f`, `g`, `fj`, `fv`: the module that declares it) called with one argument of another dtype than
    its annotation's, and `fj` with a tangent of another dtype than its primal's: a TypeError naming the argument,
    its dtype and the cast to make (Python computes in the argument's dtype; the generated code would not)."""
    names = list(inspect.signature(modules["f"].f).parameters)
    for position, value, *leaf in wrong:  # (a tree argument: also the leaf's name as the caller writes it, its value)
        written, leaf_value = leaf if leaf else (names[position], value)
        for name, module in modules.items():
            if module is None:
                continue
            call = _copies(args) + ([_direction(args[wrt])] if name == "fj" else [])
            call[position] = value
            if name == "fv":  # (the first parameter batched)
                call[0] = np.stack([call[0]] * BATCH)
            with pytest.raises(TypeError, match=rf"argument `{re.escape(written)}` has dtype "
                                                rf"{np.asarray(leaf_value).dtype}, .* pass {re.escape(written)}"
                                                rf"\.astype\(np\.\w+\)"):
                getattr(module, name)(*call)
        outcomes["wrong_dtype"] = "refused"
    if modules.get("fj") is not None and isinstance(args[wrt], np.ndarray):
        other = np.float32 if args[wrt].dtype == np.float64 else np.float64
        with pytest.raises(TypeError, match=rf"has dtype {np.dtype(other)}, .* pass \w+\.astype\(np\.\w+\)"):
            modules["fj"].fj(*_copies(args), _direction(args[wrt]).astype(other))


def stack(results: list):
    """Per-example results stacked on a new first axis (a tuple or list of results: each stacked)."""
    if isinstance(results[0], (tuple, list)):
        return tuple(stack([r[k] for r in results]) for k in range(len(results[0])))
    return np.stack([np.asarray(r) for r in results])


def _example(args: list, k: int) -> list:
    """The k-th example of a batch: the first argument moved a little (k = 0 is the point itself)."""
    first = args[0]
    if k and isinstance(first, np.ndarray) and first.dtype.kind == "f" and first.size:
        with np.errstate(all="ignore"):
            first = (first + 0.25 * k * np.cos(np.arange(first.size).reshape(first.shape) + k)).astype(first.dtype)
    elif k and isinstance(first, (float, np.floating)):
        first = type(first)(first + 0.25 * k)
    return [first] + list(args[1:])


def _direction(point) -> np.ndarray:
    """A tangent for `point`, in its dtype (a float32 parameter gets a float32 tangent)."""
    return np.cos(np.arange(np.size(point)) + 0.5).reshape(np.shape(point)).astype(np.asarray(point).dtype)


def _kink(python_f, args: list, wrt: int) -> bool:
    """Do the one-sided differences of Python's `f` disagree at the point (a tie, a clip bound, abs at 0)? There
    the derivative is a convention (ties share equally), which neither finite differences nor autograd (clip's
    bounds get 0) judge."""
    if np.asarray(args[wrt]).dtype != np.float64:  # float32 round-off is larger than the steps
        return False
    point = np.asarray(args[wrt], dtype=float)
    base = python_f(*_copies(args))
    for position in np.ndindex(point.shape):
        slopes = []
        for eps in (1e-7, -1e-7):
            moved = _copies(args)
            shifted = point.copy()
            shifted[position] += eps
            moved[wrt] = shifted if np.ndim(args[wrt]) else float(shifted)
            slopes.append((python_f(*moved) - base) / eps)
        if not np.isclose(slopes[0], slopes[1], rtol=1e-4, atol=1e-5):
            return True
    return False


def _check_grad(text: str, module, reference, args: list, wrt: int, outcomes: dict, rtol: float) -> None:
    gradient = module.g(*_copies(args))
    parameter_dtype = np.asarray(args[wrt]).dtype
    assert np.asarray(gradient).dtype == parameter_dtype, \
        f"grad(f): dtype {np.asarray(gradient).dtype}, the parameter's is {parameter_dtype}"
    got = np.asarray(gradient, dtype=float)
    single = parameter_dtype == np.float32  # a float32 gradient is the oracle's value rounded (and summed) in float32
    python_f = lambda *a: reference(*_copies(list(a)))  # noqa: E731
    if _kink(python_f, args, wrt):
        outcomes["g"] = "kink"
        return
    fd = central_difference(python_f, _copies(args), wrt)
    coarse = central_difference(python_f, _copies(args), wrt, eps=1e-4)
    if not np.allclose(fd, coarse, rtol=1e-3, atol=1e-5):  # a kink, a branch or a tie within 1e-4: no FD check
        outcomes["g"] = "fd-skipped"
    else:
        np.testing.assert_allclose(got, fd, rtol=rtol, atol=1e-6, err_msg="grad(f) vs finite differences")
        outcomes["g"] = "checked"
    try:
        from autograd import value_and_grad as autograd_value_and_grad

        oracle = autograd_kernels(text)["f"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            value, expected = autograd_value_and_grad(oracle, wrt)(*_copies(args))
    except (TypeError, ValueError, NotImplementedError, IndexError, AttributeError):
        return
    except KeyError:  # autograd has no derivative for that argument (np.clip's bounds: dtype seed 30032)
        return
    if not np.array_equal(np.asarray(value, dtype=float), np.asarray(reference(*_copies(args)), dtype=float),
                          equal_nan=True):
        return  # autograd computed another function as it traced (`row *= c` on a traced row rebinds `row`)
    if outcomes["g"] == "checked" and not np.all(np.isfinite(expected)) and np.all(np.isfinite(got)):
        return  # autograd's NaN where finite differences agree with a finite gradient (its prod divides by x)
    if outcomes["g"] == "checked":
        np.testing.assert_allclose(got, np.asarray(expected, dtype=float), rtol=1e-5 if single else 1e-9,
                                   atol=1e-6 if single else 1e-10, err_msg="grad(f) vs autograd")
        outcomes["g"] = "checked+autograd"


def _scalar_tangent(point, direction):
    """The tangent of a 0-d point: a Python float for a Python number, else of the point's own dtype (a float32
    scalar's is np.float32: a Python float is refused beside it)."""
    return float(direction) if isinstance(point, (float, int)) else np.asarray(point).dtype.type(direction)


def _check_jvp(module, reference, args: list, wrt: int, expected, outcomes: dict, rtol: float) -> None:
    point = args[wrt]
    direction = _direction(point)
    tangent = _scalar_tangent(point, direction) if np.ndim(point) == 0 else direction
    value, derivative = module.fj(*_copies(args), tangent)
    same_values(value, expected, "jvp(f) value vs Python")
    for k, (result, got) in enumerate(zip(*((v if isinstance(expected, tuple) else (v,)) for v in
                                             (expected, derivative)))):
        kind = np.asarray(result).dtype
        if kind.kind == "f" and not isinstance(result, float):  # (a Python float's tangent: float64 either way)
            assert np.asarray(got).dtype == kind, f"jvp(f) result {k}: tangent dtype {np.asarray(got).dtype}, " \
                                                  f"the result's is {kind}"

    def along(t: float) -> list:
        moved = _copies(args)
        moved[wrt] = point + t * direction if np.ndim(point) else float(point + t * direction)
        result = reference(*moved)
        return [np.asarray(r, dtype=float) for r in (result if isinstance(result, tuple) else (result,))]

    derivatives = derivative if isinstance(expected, tuple) else (derivative,)
    outcomes["fj"] = "checked"
    for k, (plus, minus, plus_coarse, minus_coarse, here) in enumerate(zip(along(1e-6), along(-1e-6), along(1e-4),
                                                                           along(-1e-4), along(0.0))):
        fd, coarse = (plus - minus) / 2e-6, (plus_coarse - minus_coarse) / 2e-4
        with np.errstate(all="ignore"):  # one-sided slopes that differ: a kink along the direction
            kink = not np.allclose((plus - here) / 1e-6, (here - minus) / 1e-6, rtol=1e-3, atol=1e-4)
        if kink or not np.all(np.isfinite(fd)) or not np.allclose(fd, coarse, rtol=1e-3, atol=1e-5):
            outcomes["fj"] = "fd-skipped"
            continue
        got = np.asarray(derivatives[k], dtype=float)
        # a NaN where the result does not move at all along the direction is AD's 0 * inf (the tangent 0 of a
        # power's base of 0 times the power's infinite slope there: `(x * 0.0) ** 0.5`), as autograd and JAX give
        flat = np.isnan(got) & (plus == here) & (minus == here) & np.isfinite(here)
        np.testing.assert_allclose(got, np.where(flat, np.nan, fd), rtol=rtol, atol=1e-6,
                                   err_msg=f"jvp(f) vs finite differences, result {k}")


def _float32_judge(text: str, name: str, call: list, got, expected) -> None:
    """A float32 C value against the NumPy backend's: within rtol 1e-6 / atol 1e-7 it passes; otherwise the one
    judge (benchmarks/float32_judge.py `judged`) decides: no farther than NumPy's value from the same program in
    float64, plus 2 float32 ulps of the result's scale. (It replaced an a-priori bound, n eps32 times the largest
    magnitude, which let a C value far worse than NumPy's pass on a large input.)"""
    from benchmarks.float32_judge import judged

    try:
        same_values(got, expected, f"C target {name} vs the NumPy backend", rtol=1e-6, atol=1e-7)
    except AssertionError as differs:
        reason = judged(text, name, call, got, expected)
        if reason is not None:
            raise AssertionError(f"float32 judge, C target {name}: {reason}; {differs}") from None


def _check_c(text: str, args: list, batch: list, wrt: int, folder: Path | None, outcomes: dict,
             wrong: list = ()) -> None:
    """Every function the NumPy backend compiled, run by the C CPU target on the same arguments."""
    from benchmarks.scratch import scratch_folder

    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    folder = folder or scratch_folder("hostile_c")
    stem = f"hostile_c_{abs(hash(text)) % 10**8}"
    try:
        out = transpile_c(text, f"{stem}.py")
    except TranspileError as exc:
        assert exc.loc is not None and exc.loc.line > 0 and exc.hint, f"C refusal without a place or hint: {exc}"
        outcomes["c"] = "refused: " + exc.message.splitlines()[0][:200]
        return
    (folder / f"{stem}.cu").write_text(out.kernels)
    (folder / f"{stem}.py").write_text(out.host)
    compiled = import_path(folder / f"{stem}.py")
    reference = load_source(text, "hostile_case.py")
    direction = _direction(args[wrt])
    tangent = _scalar_tangent(args[wrt], direction) if np.ndim(args[wrt]) == 0 else direction
    calls = {"f": _copies(args), "g": _copies(args), "fj": _copies(args) + [tangent],
             "fv": [np.stack([np.asarray(e[0]) for e in batch])] + _copies(args[1:])}
    for name, call in calls.items():
        if not hasattr(reference, name):
            continue
        given = _copies(call)
        try:
            expected = getattr(reference, name)(*_copies(call))
            got = getattr(compiled, name)(*given)
        except TypeError as exc:
            if "promotes as a weak scalar" not in str(exc):
                raise
            outcomes["c"] = "refused: a Python number for a scalar typed by its annotation"
            return
        single = any(np.asarray(a).dtype == np.float32 for a in _leaves(args))  # float32 sums in another order
        if single:
            _float32_judge(text, name, call, got, expected)
        else:
            same_values(got, expected, f"C target {name} vs the NumPy backend", rtol=1e-10, atol=1e-12)
        for before, after in zip(_leaves(call), _leaves(given)):
            assert np.array_equal(before, after, equal_nan=True), f"C target {name} changed its argument"
    outcomes["c"] = "checked"
    refuse_wrong_dtypes({name: compiled for name in calls if hasattr(reference, name)}, args, wrt, wrong, {})
