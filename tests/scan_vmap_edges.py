"""Scans of vmap at the edges of the batch: `python tests/scan_vmap_edges.py GENERATOR FIRST COUNT`.

GENERATOR is `property` (test_property.py's programs: `vmap(f)` and `vmap(grad(f))` with their random in_axes),
`branches` (test_property_branches.py's: `vmap(grad(f, "x"))` over x),
`hostile` (the hostile corpus, tests/hostile_corpus*.py: `vmap(f)` over the first argument; FIRST and COUNT index
its cases in name order) or `lengths` (run_time_length_programs.py: `vmap(f)` over x's rows, each argument set).
Each program runs batched on batches a default run does not try, against a Python loop over the examples calling
the un-transpiled function (for `vmap(grad(f))`, the transpiled gradient) with warnings as errors:

* `one`: a batch of one example; `zero`: a batch of none (vmap must give arrays of shape `(0, *one example's)` and
  its dtype, or raise where one example raises);
* `positive`, `negative`: every float of the batched arguments made positive (|v| + 0.5) or negative (-|v| - 0.5),
  so masks such as `x > 0` select everything or nothing; `mixed`: the default example, then those two;
* `zeros`: the default example and one of zeros; `empty`: two examples whose batched arrays have an empty last axis.

The same values (shapes and dtypes), an exception where the loop raises one, and no warning where no example warns.
Prints each failure and, at the end, the programs and batches checked, refused (at build time, or where one
example's own kernel refuses its sizes at run time as shape_checks.py documents, and the batch too), and failed.
"""
from __future__ import annotations

import collections
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from gradcheck import load_source  # noqa: E402

VARIANTS = ("one", "zero", "positive", "negative", "mixed", "zeros", "empty")


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _strict(fn, args):
    """(value, exception, warned): `fn(*args)` with warnings as errors; after a warning, again without."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return fn(*[_copy(a) for a in args]), None, False
    except Warning:
        pass
    except Exception as error:  # noqa: BLE001 - compared by kind
        return None, error, False
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*[_copy(a) for a in args]), None, True
        except Exception as error:  # noqa: BLE001
            return None, error, True


def _signed(value, sign: int):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return sign * (np.abs(value) + 0.5)
    if isinstance(value, float):
        return sign * (abs(value) + 0.5)
    return value


def _empty(value):
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return value[..., :0]
    return value


def batches(examples: list[list], axes: tuple) -> dict[str, list[list]]:
    """Per variant, the examples (each a full argument list; unbatched arguments those of the first)."""
    first = examples[0]

    def each(transform):
        return [transform(a) if ax is not None else a for a, ax in zip(first, axes)]

    positive, negative = each(lambda a: _signed(a, 1)), each(lambda a: _signed(a, -1))
    zeros = each(lambda a: np.zeros_like(a) if isinstance(a, np.ndarray) else type(a)(0))
    return {"one": [first], "zero": [], "positive": [positive], "negative": [negative],
            "mixed": [first, positive, negative], "zeros": [first, zeros], "empty": [each(_empty)] * 2}


def _stacked(examples: list[list], axes: tuple, template: list) -> list:
    if not examples:
        return [np.stack([np.asarray(a)])[:0] if ax is not None else a for a, ax in zip(template, axes)]
    return [np.stack([np.asarray(e[i]) for e in examples]) if ax is not None else examples[0][i]
            for i, ax in enumerate(axes)]


def _same(got, expected, what: str) -> str | None:
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"{what}: {type(got).__name__} of another length"
        for g, e in zip(got, expected):
            problem = _same(g, e, what)
            if problem:
                return problem
        return None
    g, e = np.asarray(got), np.asarray(expected)
    if g.shape != e.shape or g.dtype != e.dtype:
        return f"{what}: {g.shape} {g.dtype}, loop {e.shape} {e.dtype}"
    if g.dtype.kind in "fc" and not np.allclose(g, e, rtol=1e-9, atol=1e-9, equal_nan=True):
        return f"{what}: {g.ravel()[:6]} vs loop {e.ravel()[:6]}"
    if g.dtype.kind not in "fc" and not np.array_equal(g, e):
        return f"{what}: {g.ravel()[:6]} vs loop {e.ravel()[:6]}"
    return None


def _stack(values: list):
    if isinstance(values[0], tuple):
        return tuple(_stack([v[k] for v in values]) for k in range(len(values[0])))
    return np.stack([np.asarray(v) for v in values])


def _empty_like(value):
    if isinstance(value, tuple):
        return tuple(_empty_like(v) for v in value)
    return np.asarray(value)[None][:0]


def _refused_sizes(error) -> bool:
    """shape_checks.py's documented run-time refusal: sizes the annotations name differently meet (`x: "f64[d]"`
    of length 1 added to a gather of length 0, which NumPy would broadcast), in one example's kernel as in vmap's."""
    return isinstance(error, ValueError) and "the annotations name differently must be equal" in str(error)


def check(one_example, batched, examples: list[list], axes: tuple, template: list, own=None) -> str | None:
    """None if `batched` on the stacked `examples` agrees with a loop of `one_example`, else what differs;
    "skipped" where the transpiled function of one example (`own`) refuses an example's arguments by its
    documented argument check (sizes its annotations name alike, which Python does not look at); "refused" where
    `own` refuses an example's sizes at run time (`_refused_sizes`) and the batch refuses them too."""
    own_refuses = False
    for e in examples if own is not None else ():
        _, own_error, _ = _strict(own, e)
        if isinstance(own_error, TypeError) and "annotation" in str(own_error):
            return "skipped"
        own_refuses = own_refuses or _refused_sizes(own_error)
    if own is not None and not examples:  # (a batch of none: the sizes one example of the template's has)
        own_refuses = _refused_sizes(_strict(own, template)[1])
    looped = [_strict(one_example, e) for e in examples]
    got, error, warned = _strict(batched, _stacked(examples, axes, template))
    if any(e is not None for _, e, _ in looped):
        if error is None:
            return f"the loop raises {next(e for _, e, _ in looped if e is not None)!r}, vmap returns"
        return None
    if own_refuses and _refused_sizes(error):
        return "refused"  # (the example's own kernel refuses its sizes at run time: the batch refuses with it)
    if not examples:  # a batch of none: the shapes and dtypes one example gives, with 0 examples
        one, one_error, _ = _strict(one_example, template)
        if one_error is not None:  # (one example raises: no shape to compare with)
            return None
        if isinstance(error, ValueError) and "cannot run a batch of no examples" in str(error):
            return "refused"  # (the documented refusal: a value only a branch no example takes computes)
        if error is not None:
            return f"a batch of no examples raises {error!r}"
        return _same(got, _empty_like(one), "no examples")
    if isinstance(error, ValueError) and "(a ragged batch)" in str(error):
        return "refused"  # (the documented run-time refusal: examples on two sides of an `if` give two lengths)
    if error is not None:
        return f"vmap raises {error!r}, the loop returns"
    if warned and not any(w for _, _, w in looped):
        return "vmap warns, no example does"
    return _same(got, _stack([v for v, _, _ in looped]), "values")


# -- the generators ---------------------------------------------------------------------------------------------
def property_programs(first: int, count: int):
    from test_property import batched_inputs, vmap_program

    for seed in range(first, first + count):
        text, in_axes, _, _ = vmap_program(seed)
        _, examples = batched_inputs(seed, in_axes)
        yield f"property {seed}", text, [("f", "f_batched", True), ("f_grad", "f_grad_batched", False)], \
            examples, in_axes


def hostile_programs(first: int, count: int):
    import hostile_corpus  # noqa: F401 - registers the cases
    from hostile import HEAD, _example
    from hostile_case import CASES

    for name in sorted(CASES)[first:first + count]:
        source, args, _ = CASES[name]
        if any(isinstance(a, (dict, list, tuple)) for a in args):
            continue  # trees: vmap of a tree argument is hostile.py's business
        axes = tuple(0 if k == 0 else None for k in range(len(args)))
        text = HEAD + source + f"\nfv = vmap(f, in_axes={axes!r})\n"
        yield f"hostile {name}", text, [("f", "fv", True)], [_example(args, k) for k in range(3)], axes


def length_programs(first: int, count: int):
    from run_time_length_programs import declarations, inputs_for, program_for_seed

    for seed in range(first, first + count):
        text = program_for_seed(seed)
        for number, args in enumerate(inputs_for(seed)):
            axes = tuple(0 if k == 0 else None for k in range(len(args)))
            batch_text = declarations((), len(args))[1]
            examples = [[args[0]] + args[1:], [-args[0]] + args[1:], [0.5 * args[0]] + args[1:]]
            yield f"lengths {seed}/{number}", text + batch_text, [("f", "b", True)], examples, axes


def branch_programs(first: int, count: int):
    from test_property import inputs_for
    from test_property_branches import BATCHED, branch_program

    for seed in range(first, first + count):
        text = branch_program(seed)[0]
        args = inputs_for(seed)
        rng = np.random.default_rng(len(text))
        examples = [[args[0] + 0.3 * rng.normal(size=np.shape(args[0]))] + list(args[1:]) for _ in range(3)]
        yield f"branches {seed}", text + BATCHED, [("f_x", "f_vx", False)], examples, (0, None, None, None, None)


GENERATORS = {"property": property_programs, "hostile": hostile_programs, "lengths": length_programs,
              "branches": branch_programs}


def main() -> None:
    from lifted.transpiler import TranspileError

    generator, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    counts: collections.Counter = collections.Counter()
    failing = []
    started = time.time()
    for label, text, forms, examples, axes in GENERATORS[generator](first, count):
        try:
            module = load_source(text, "scan_vmap_case.py")
        except TranspileError:
            counts["refused"] += 1
            continue
        except Exception as error:  # noqa: BLE001 - a crash at build time is a failure
            counts["failed"] += 1
            failing.append(label)
            print(f"=== {label}: build {type(error).__name__}: {error}"[:600], flush=True)
            continue
        python: dict = {}
        exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
        counts["programs"] += 1
        for one_name, batched_name, from_python in forms:
            one = python[one_name] if from_python else getattr(module, one_name)
            batched = getattr(module, batched_name)
            for variant, chosen in batches(examples, axes).items():
                counts["batches"] += 1
                try:
                    problem = check(one, batched, chosen, axes, examples[0], getattr(module, one_name))
                except Exception as error:  # noqa: BLE001
                    problem = f"the check raised {type(error).__name__}: {error}"
                if problem == "skipped":
                    counts["skipped batches"] += 1
                elif problem == "refused":
                    counts["refused batches"] += 1
                elif problem:
                    counts["failed batches"] += 1
                    failing.append(f"{label} {batched_name} {variant}")
                    print(f"=== {label} {batched_name} {variant}: {problem}"[:800], flush=True)
    print(f"{generator} {first}..{first + count - 1} in {time.time() - started:.0f}s: "
          + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print("failing:", failing[:80])


if __name__ == "__main__":
    main()
