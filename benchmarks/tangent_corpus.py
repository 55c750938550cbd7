"""Tangent's test corpus through Lifted: programs nobody here wrote, checked form by form against Python.

    python -m benchmarks.tangent_corpus /path/to/tangent            # every function, NumPy and C targets
    python -m benchmarks.tangent_corpus /path/to/tangent --no-c --only rnn,det --json out.json

Reads, at run time, `tests/functions.py` and the Hessian-vector-product functions of
`tests/test_hessian_vector_products.py` from a Tangent checkout (github.com/google/tangent); nothing of Tangent is
copied here. Each function becomes a kernel the way a user would write it: `@kernel` on it, annotations from
Tangent's argument conventions (`a b c` scalars, `n` an integer, `x` a vector, `sqm` a square matrix; the few
named functions with other arguments get theirs below), the module functions it calls copied beside it
undecorated (Lifted inlines them), and the function renamed `f`. TensorFlow functions are left out.

Inputs: Tangent's own (its conftest's scalars, the full grid for two and three scalar arguments, its vectors and
matrices, the inputs of its named tests) and hostile ones (0.0, -0.0, NaN, infinities, an int for a float, empty,
integer and float32 vectors, n = 0 and -1). benchmarks/corpus/checks.py runs every form; docs/corpora.md has the
counts.
"""
from __future__ import annotations

import argparse
import ast
import copy
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from .scratch import scratch_folder

HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
BY_NAME = {"a": "f64[]", "b": "f64[]", "c": "f64[]", "n": "i64[]", "i": "i64[]", "x": "f64[k]", "sqm": "f64[k,k]"}
NAMED = {
    "logistic_regression": {"input": "f64[d]", "label": "f64[o]", "W": "f64[d,o]", "b": "f64[o]"},
    "rnn": {"inputs": "f64[t,d]", "W": "f64[d,h]"},
    "bilinear": {"x": "f64[1,d]", "h": "f64[1,d]", "U": "f64[d,d]", "W": "f64[d,d]", "b": "f64[1,d]"},
    "unpacking_args_saxpy": {"abc_packed_in_tuple": "(f64[], f64[], f64[])"},
    "dict_wrapper": {"abc_packed_in_tuple": "(f64[], f64[], f64[])"},
    "passthru_unpack": {"abc_packed_in_tuple": "(f64[], f64[], f64[])"},
    "dict_saxpy": {"val": "{'a': f64[], 'b': f64[], 'c': f64[]}"},
    "nested_dict": {"p": "{'i': {'j': f64[], 'k': f64[]}}"},
    "f_straightline": {"x": "f32[k]"},  # Tangent's HVP test passes float32
    "f_calltree": {"x": "f32[k]"},
}
HVP_FUNCTIONS = ("f_straightline", "f_calltree")
SCALARS = [-2., -1.5, -1., -0.5, -0.1, 0.1, 0.5, 1., 1.5, 2.]  # Tangent's conftest
INTEGERS = [1, 2, 3]


def kernels(tangent: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (a module holding the function as kernel `f` and the functions it calls, its parameter names)."""
    result = {}
    for path in (tangent / "tests" / "functions.py", tangent / "tests" / "test_hessian_vector_products.py"):
        tree = ast.parse(path.read_text())
        defs = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        for name, node in defs.items():
            hvp_file = path.name.startswith("test_hessian")
            if name.startswith(("tfe_", "tf_", "_trace", "_nontrace")) or (hvp_file and name not in HVP_FUNCTIONS):
                continue
            called, todo = [], [node]
            while todo:
                for sub in ast.walk(todo.pop()):
                    if isinstance(sub, ast.Name) and sub.id in defs and sub.id != name \
                            and defs[sub.id] not in called:
                        called.append(defs[sub.id])
                        todo.append(defs[sub.id])
            target = copy.deepcopy(node)
            target.name = "f"
            target.decorator_list = [ast.Name("kernel")]
            notes = NAMED.get(name, BY_NAME)
            for arg in target.args.args:
                if arg.arg in notes:
                    arg.annotation = ast.Constant(notes[arg.arg])
            uses_tangent = any(isinstance(n, ast.Name) and n.id in ("tangent", "insert_grad_of")
                               for n in ast.walk(node))
            text = (HEAD + ("import tangent\nfrom tangent import insert_grad_of\n" if uses_tangent else "") + "\n\n"
                    + "\n\n\n".join(ast.unparse(d) for d in called + [target]) + "\n")
            result[name] = (text, [a.arg for a in target.args.args])
    return result


def inputs(name: str, params: list[str]) -> list[list]:
    """Tangent's inputs for the function (its conftest or its named test), then hostile ones."""
    rng = np.random.RandomState(0)
    if name == "logistic_regression":
        label = np.eye(5)[1]
        return [[rng.rand(3), label, rng.randn(3, 5), rng.randn(5)],
                [np.zeros(3), label, np.zeros((3, 5)), np.zeros(5)]]
    if name == "rnn":
        return [[rng.randn(3, 2), rng.randn(2, 3)], [np.zeros((3, 2)), -np.ones((2, 3))]]
    if name == "bilinear":
        return [[rng.randn(1, 3), rng.randn(1, 3), rng.randn(3, 3), rng.randn(3, 3), rng.randn(1, 3)]]
    triples = [(2.0, -1.5, 0.5), (-0.1, 1.0, -2.0), (0.0, -0.0, 1.0)]
    if name in ("unpacking_args_saxpy", "dict_wrapper", "passthru_unpack"):
        return [[t] for t in triples]
    if name == "dict_saxpy":
        return [[dict(zip("abc", t))] for t in triples]
    if name == "nested_dict":
        return [[{"i": {"j": 3.0, "k": 4.0}}], [{"i": {"j": -0.0, "k": 0.0}}]]
    if name in HVP_FUNCTIONS:
        return [[rng.normal(size=300).astype(np.float32)], [rng.normal(size=7).astype(np.float32)],
                [np.zeros(3, np.float32)]]
    vectors = [rng.randn(3), rng.randn(5), rng.randn(10), np.zeros(3), -np.abs(rng.randn(4)),
               np.array([-0.0, 0.0, 1.0]), np.zeros(0), np.arange(4.0), np.array([np.nan, np.inf, -np.inf, 1.0]),
               np.ones(1)]  # (float64, as annotated: an int or float32 array is refused at entry, never converted)
    hostile = [0.0, -0.0, 3, 25.0, np.nan] + ([] if name.startswith("while") else [np.inf, -np.inf])  # Python loops
    pools = {"a": SCALARS + hostile, "b": SCALARS[::3] + [0.0], "c": SCALARS[1::4] + [-0.0],
             "n": INTEGERS + [0, -1], "i": [0, 1, 2, -1], "x": vectors,
             "sqm": [rng.randn(1, 1), rng.randn(5, 5), np.zeros((2, 2))]}
    if any(p not in pools for p in params):
        return []
    if len(params) == 1:
        return [[v] for v in pools[params[0]]]
    sets = []
    grid = {"a": SCALARS, "b": SCALARS, "c": SCALARS, "n": INTEGERS}
    if all(p in grid for p in params):  # Tangent's conftest parametrizes every argument
        sets += [list(combo) for combo in itertools.product(*[grid[p] for p in params])]
    first = pools[params[0]]  # the hostile values of the first argument, beside a cycle of the others'
    return sets + [[v] + [pools[p][(k + j) % len(pools[p])] for j, p in enumerate(params[1:])]
                   for k, v in enumerate(first)]


def annotated_dtypes(name: str):
    """The arguments as the transforms and the C target compute with them: a Python int given for the first, an
    f64 annotation, as a float (docs/kernel-language.md, Dtypes; arrays are of their annotated dtype already,
    since another is refused at entry)."""
    def cast(args: list) -> list:
        return [float(a) if isinstance(a, int) and not isinstance(a, bool) and k == 0 else a
                for k, a in enumerate(args)]
    return cast


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tangent", type=Path, help="a checkout of github.com/google/tangent")
    parser.add_argument("--only", help="comma-separated function names")
    parser.add_argument("--no-c", action="store_true", help="skip the C CPU target")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the oracles: gradcheck, hostile
    from .corpus.checks import check_kernel

    folder = scratch_folder("tangent_corpus_")
    sys.path.insert(0, str(folder))
    only = set(options.only.split(",")) if options.only else None
    results, counts = {}, {}
    for name, (text, params) in kernels(options.tangent).items():
        if only and name not in only:
            continue
        outcomes = check_kernel(text, params, inputs(name, params), annotated_dtypes(name), c=not options.no_c,
                                folder=folder)
        results[name] = outcomes
        print(f"{name:30s} " + " ".join(f"{form}={outcome}" for form, (outcome, _) in outcomes.items()), flush=True)
        for form, (outcome, detail) in outcomes.items():
            counts.setdefault(form, Counter())[outcome] += 1
            if outcome not in ("pass", "skip"):
                print(f"    {form}: {detail[:300]}", flush=True)
    print("\nform  " + "  ".join(f"{o:>11s}" for o in ("pass", "skip", "refused", "arg-refused", "bad", "WRONG")))
    for form, counter in counts.items():
        print(f"{form:5s} " + "  ".join(f"{counter[o]:11d}" for o in ("pass", "skip", "refused", "arg-refused",
                                                                         "bad", "WRONG")))
    if options.json:
        options.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
