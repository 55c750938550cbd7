"""A brute-force oracle for dist mode, independent of the compiler and its runtime.

The dice program runs as ordinary Python, once per combination of dice: `d(n)` reads the next choice from an
odometer over every choice point the run met, `assert` rejects the run, `importance(w)` scales it. A small
`ast` rewrite turns `n @ expr` into n lazy evaluations of `expr` and `{a, *s}` streams into lists. Weights
are `Fraction`s, so distributions compare exactly (complex ones, from `importance(1 + 1j)`, are Python complex).
Generator helpers, `del`, `and`/`or`, list aliasing and `[v] * k` run as Python runs them; dice-nine's
`sum(*s, x)` (its arguments added) and `__max__(x)` (over one world: x itself) are spelled out.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from fractions import Fraction

import numpy as np

_builtin_sum = sum


class _Reject(Exception):
    pass


class _Run:
    def __init__(self, prefix: list[int]):
        self.prefix = prefix
        self.choices: list[tuple[int, int]] = []  # (chosen, options)
        self.weight = Fraction(1)

    def choose(self, weights: list[int]) -> int:
        position = len(self.choices)
        options = len(weights)
        chosen = self.prefix[position] if position < len(self.prefix) else 0
        self.choices.append((chosen, options))
        self.weight *= Fraction(weights[chosen], sum(weights))
        return chosen


class _Streamed:
    def __init__(self, count, thunk):
        self.count, self.thunk = count, thunk

    def __iter__(self):
        for _ in range(self.count):
            yield self.thunk()


class _Rewrite(ast.NodeTransformer):
    def __init__(self):
        self.local_names: list[set[str]] = [set()]  # per enclosing function: its parameters and assigned names

    def visit_FunctionDef(self, node):
        arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs + \
            [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
        assigned = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.local_names.append({a.arg for a in arguments} | assigned)
        self.generic_visit(node)
        self.local_names.pop()
        return node

    def _library_name(self, name: str) -> bool:
        """`d` is the library's die unless the function binds `d` itself (Python then calls that value)."""
        return name not in self.local_names[-1]

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult):
            thunk = ast.Lambda(ast.arguments([], [], None, [], [], None, []), node.right)
            return ast.Call(ast.Name("_stream", ast.Load()), [node.left, thunk], [])
        return node

    def visit_Set(self, node):
        self.generic_visit(node)
        return ast.List(node.elts, ast.Load())

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in ("d", "dd") and self._library_name(node.func.id):
            node.func = ast.Name("_" + node.func.id, ast.Load())
        if isinstance(node.func, ast.Name) and node.func.id in ("sum", "max", "min") \
                and any(isinstance(arg, ast.Starred) for arg in node.args):
            node.func = ast.Name(f"_{node.func.id}_of_arguments", ast.Load())  # dice-nine's sum(*s, x, ...)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "d" and self._library_name("d"):
            node.value = ast.Name("_dw", ast.Load())
        return node


def _library(run_box):
    def _d(n):
        return 1 + run_box[0].choose([1] * int(n))

    def _dd(n):
        return run_box[0].choose([1] * int(n))

    class _Weighted:
        def __getitem__(self, key):
            parts = key if isinstance(key, tuple) else (key,)
            values, weights = [], []
            for part in parts:
                if isinstance(part, slice):
                    low = part.start
                    high = part.stop if part.stop is not None else low
                    weight = part.step if part.step is not None else 1
                else:
                    low = high = part
                    weight = 1
                for v in range(low, high + 1):
                    values.append(v)
                    weights.append(weight)
            return values[run_box[0].choose(weights)]

    def lazy_perm(n, m):
        left = list(range(n))
        for i in range(m):
            yield left.pop(_d(n - i) - 1)

    def importance(w):
        if np.iscomplexobj(w):  # complex weights (semiring="complex"): amplitudes, compared approximately
            run_box[0].weight = complex(run_box[0].weight) * complex(w)
        else:
            run_box[0].weight *= Fraction(w)

    def lazy_bincount(seq, n):
        counts = np.zeros(n, dtype=np.int64)
        for x in seq:
            counts[x] += 1
        return counts

    def lazy_topk(seq, k):
        return np.array(sorted(seq)[-k:], dtype=np.int64)

    def bincount(values, n):
        values = np.asarray(values).ravel()
        return np.bincount(values[(values >= 0) & (values < n)], minlength=n)[:n]

    def last(xs):
        xs = np.asarray(xs)
        return len(xs) - 1 - int(np.argmax(xs[::-1]))

    def dist_sum(*values):
        """sum(xs) of one array or stream reduces it; sum(a, b, ...) adds its arguments elementwise."""
        if len(values) == 1 and not np.isscalar(values[0]):
            only = values[0]
            return np.sum(only, axis=-1) if isinstance(only, np.ndarray) else _builtin_sum(only)
        return sum_of_arguments(*values)

    def sum_of_arguments(*values):
        """dice-nine's sum(*s, x, ...): its arguments added elementwise (lists as arrays), 0 for none."""
        total = 0
        for value in values:
            total = total + (np.asarray(value) if isinstance(value, list) else value)
        return total

    def extremum_of_arguments(elementwise):
        def pick(*values):
            if not values:
                raise ValueError("max() or min() of nothing")
            result = values[0]
            for value in values[1:]:
                result = elementwise(result, value)
            return result
        return pick

    def extremum(builtin, elementwise):
        def pick(*values):
            """max(a, b, ...) of the dist language is elementwise (np.maximum); max(xs) of one array or stream."""
            if len(values) == 1:
                return builtin(values[0]) if np.ndim(values[0]) or not np.isscalar(values[0]) else values[0]
            result = values[0]
            for value in values[1:]:
                result = elementwise(result, value)
            return _plain(result) if not np.ndim(result) else result
        return pick

    return {
        "max": extremum(max, np.maximum), "min": extremum(min, np.minimum), "sum": dist_sum,
        "_sum_of_arguments": sum_of_arguments, "_max_of_arguments": extremum_of_arguments(np.maximum),
        "_min_of_arguments": extremum_of_arguments(np.minimum),
        # dice-nine's __max__(x): x reduced over the worlds there are; one run is one world, so it is x itself
        "__max__": lambda x: x, "__min__": lambda x: x, "__all__": lambda x: x, "__any__": lambda x: x,
        "_d": _d, "_dd": _dd, "_dw": _Weighted(), "_stream": _Streamed, "importance": importance,
        "lazy_sum": lambda s: sum(s), "lazy_max": lambda s: max(s), "lazy_min": lambda s: min(s),
        "lazy_all": lambda s: all(list(s)), "lazy_any": lambda s: any(list(s)),
        "lazy_sort": lambda s: np.array(sorted(s), dtype=np.int64), "lazy_topk": lazy_topk,
        "lazy_botk": lambda s, k: np.array(sorted(s)[:k], dtype=np.int64),
        "lazy_kth": lambda s, k: sorted(s)[-k], "lazy_bincount": lazy_bincount, "bincount": bincount,
        "reduce_sum": lambda x, axis=-1: np.sum(x, axis=axis), "reduce_all": lambda x, axis=-1: np.all(x, axis=axis),
        "reduce_any": lambda x, axis=-1: np.any(x, axis=axis), "reduce_max": lambda x, axis=-1: np.max(x, axis=axis),
        "reduce_min": lambda x, axis=-1: np.min(x, axis=axis),
        "argmax": lambda x, axis=None: int(np.argmax(x)) if axis is None else np.argmax(x, axis=axis),
        "argmin": lambda x, axis=None: int(np.argmin(x)) if axis is None else np.argmin(x, axis=axis),
        "cumsum": lambda x, axis=None: np.cumsum(x, axis=axis), "flip": lambda x, axis=None: np.flip(x, axis=axis),
        "sort": lambda x, axis=-1: np.sort(x, axis=axis), "first": lambda x: int(np.argmax(x)), "last": last,
        "zeros": lambda n: np.zeros(n, dtype=np.int64), "ones": lambda n: np.ones(n, dtype=np.int64),
        "sign": lambda x: int(np.sign(x)), "choose": lambda xs: xs[_d(len(xs)) - 1],
        "weighted": lambda xs, ws: xs[run_box[0].choose(list(ws))],
        "binomial": lambda n, k, m: sum(run_box[0].choose([m - k, k]) for _ in range(n)),
        "one_hot": lambda i, n: (np.arange(n) == i).astype(np.int64), "arange": np.arange,
        "lazy_perm": lazy_perm, "reshape": lambda x, shape: np.reshape(x, shape),
        "argsort": lambda x, axis=-1: np.argsort(x, axis=axis, kind="stable"),
        "top_k": lambda x, k: np.sort(x)[::-1][:k],
    }


def _plain(value):
    if isinstance(value, np.ndarray):
        return tuple(_plain(v) for v in value.tolist()) if value.ndim else _plain(value.item())
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def enumerate_distribution(source: str, name: str, args=(), normalize: bool = False,
                           failures: list | None = None) -> dict:
    """{outcome: Fraction} for the dist function `name` defined (with any helpers) in `source`: every outcome
    some run returns, a weight of 0 included (`importance(0)`, a `d[a:b:0]` value, amplitudes that cancel). A run that
    raises raises here, unless `failures` is a list: then its exception is appended and the other runs go on
    (which exceptions Python raises in some world, whatever order the worlds run in)."""
    tree = _Rewrite().visit(ast.parse(textwrap.dedent(source)))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            node.decorator_list = []
    ast.fix_missing_locations(tree)
    run_box = [None]
    namespace = _library(run_box)
    exec(compile(tree, "<dist oracle>", "exec"), namespace)
    fn = namespace[name]
    table: dict = {}
    prefix: list[int] = []
    while True:
        run = _Run(prefix)
        run_box[0] = run
        try:
            outcome = _plain(fn(*args))
            table[outcome] = table.get(outcome, Fraction(0)) + run.weight
        except _Reject:
            pass
        except AssertionError:
            pass
        except Exception as error:
            if failures is None:
                raise
            failures.append(error)
        # next odometer position over the choices this run made
        choices = run.choices
        position = len(choices) - 1
        while position >= 0 and choices[position][0] + 1 >= choices[position][1]:
            position -= 1
        if position < 0:
            break
        prefix = [c for c, _ in choices[:position]] + [choices[position][0] + 1]
    if normalize:
        total = sum(table.values())
        table = {k: v / total for k, v in table.items()}
    return table


def function_source(fn) -> str:
    return textwrap.dedent(inspect.getsource(fn))
