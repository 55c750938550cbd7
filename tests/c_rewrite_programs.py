"""Random programs aimed at the rewrites of the C emitter (docs/backends.md), one generator per rewrite.

Each generator writes programs a rewrite applies to and their near misses, with the sizes at the edges of its
conditions (1, 2, 3, 7, 8, 9, 17, ..., around each threshold the emitter or its plans test), literal or named
annotation sizes, float32 or float64, views feeding the rewritten value (`[::-1]`, `np.roll`, steps, transposes,
broadcast length-1 slices) and in-place updates. A program is the module text and, per function, the
arguments to call it with: `f` (an array result, plain arithmetic where `bits` is set: the C target must give
Python's bits), `h` (a scalar of the same work) and the transforms of `h` and `f` (grad, jvp, vmap).

Why: a wrong value on the C target hides at the edge of one rewrite's conditions; the property generator writes
few of those shapes (400 of its stencil seeds never wrote the wrapped-column repetition autograd's wing.py did).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
import zlib

import numpy as np

HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, vmap\n\n"


@dataclass
class Program:
    """A module text, the arguments of each function to call, and whether `f` must be Python's bits."""
    family: str
    source: str
    calls: dict[str, list] = field(default_factory=dict)
    bits: bool = False


class Writer:
    """Draws the choices of one program: sizes, dtype, annotation spelling."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.dtype = "f32" if rng.random() < 0.3 else "f64"
        self.literal = rng.random() < 0.5

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def ann(self, names: tuple[str, ...], sizes: tuple[int, ...], dtype: str | None = None) -> str:
        dims = ",".join(str(s) if self.literal else n for n, s in zip(names, sizes))
        return f'"{dtype or self.dtype}[{dims}]"'

    def array(self, shape, ties: bool = False) -> np.ndarray:
        values = self.rng.uniform(-1.5, 1.5, shape)
        if ties:
            values = np.round(values * 2.0) / 2.0
        return values.astype(np.float32 if self.dtype == "f32" else np.float64)


def _module(parts: list[str]) -> str:
    return HEAD + "\n\n".join(parts) + "\n"


def _kernels(w: Writer, params: str, body: list[str], result: str, scalar: str) -> list[str]:
    """`f` returning `result` and `h` returning the scalar `scalar` of it, both over the same body."""
    lines = "".join(f"    {line}\n" for line in body)
    return [f"@kernel\ndef f({params}):\n{lines}    return {result}\n",
            f"@kernel\ndef h({params}):\n{lines}    r = {result}\n    return {scalar}\n"]


def _transforms(w: Writer, names: list[str], args: list, batch: int, vmapped: bool = True) -> tuple[str, dict]:
    """`g = grad(h)`, `t = jvp(h)` for the first parameter, `bf = vmap(f)` over it (batch `batch`)."""
    first = names[0]
    rest = ", ".join(["None"] * (len(names) - 1))
    text = f'g = grad(h, wrt="{first}")\ntj = jvp(h, wrt="{first}")\n'
    calls = {"f": args, "h": args, "g": args, "tj": args + [w.array(np.shape(args[0]))]}
    if vmapped:
        text += f"bf = vmap(f, in_axes=(0, {rest}))\n" if rest else "bf = vmap(f, in_axes=(0,))\n"
        calls["bf"] = [np.stack([args[0] * (1 + k) for k in range(batch)]) if batch else
                       np.zeros((0,) + np.shape(args[0]), args[0].dtype)] + args[1:]
    return text, calls


EDGE = [1, 2, 3, 7, 8, 9, 17]


# --- stencils: step-1 slices, shift updates of zeros, concatenation shifts, np.roll ------------------------------
def _view_1d(w: Writer, name: str) -> str:
    return w.pick([name, name, f"{name}[::-1]", f"np.roll({name}, 1)", f"np.roll({name}, -1)", f"({name} * 2.0)",
                   f"np.roll({name}, 2)", f"({name} + {name}[:1])", f"({name} * {name}[-1:])"])


def stencil_1d(rng: np.random.Generator) -> Program:
    """1-D stencils over `x`, `y` of one length: windows at offsets 1-3, chains of them, zero-updates through
    slices (set and add, overlapping), shifts as concatenations, divisions at an offset (the split plan), the
    values read through reversed and rolled views and updated in place before or after."""
    w = Writer(rng)
    n = int(w.pick(EDGE + [30000, 29999] if w.chance(0.05) else EDGE))
    body, made = [], ["x", "y"]
    if w.chance(0.3):
        body += ["x2 = x * 1.0", f"x2 {w.pick(['+=', '*=', '-='])} y"]
        made.append("x2")
    for k in range(int(rng.integers(1, 4))):
        a, b = _view_1d(w, w.pick(made)), _view_1d(w, w.pick(made))
        off = int(w.pick([1, 1, 2, 3]))
        name = f"s{k}"
        form = w.pick(["slice", "zeros", "concat", "divide", "roll", "zeros_add"])
        if form == "slice":
            body.append(f"{name} = np.concatenate(({a}[{off}:] * 0.5 + {b}[:-{off}], {a}[:{off}]))")
        elif form == "zeros":
            body += [f"{name} = np.zeros_like(x)", f"{name}[{off}:] = {a}[:-{off}] * 3.0",
                     f"{name}[:-1] += {b}[1:]"]
        elif form == "zeros_add":
            body += [f"{name} = np.zeros_like(x)", f"{name}[:-{off}] += {a}[{off}:]", f"{name}[1:] -= {b}[:-1] * {b}[:-1]",
                     f"{name}[{off}:] = {name}[{off}:] + 1.0"]
        elif form == "concat":
            body.append(f"{name} = {a} * np.concatenate((np.ones({off}, dtype={a}.dtype), {b}[:-{off}]))")
        elif form == "divide":
            body += [f"d{k} = {a} / 6.0", f"{name} = np.concatenate((d{k}[{off}:] + d{k}[:-{off}], d{k}[:{off}]))"]
        else:
            body.append(f"{name} = {a} + np.roll({b} * {a}, {off}) - np.roll({a}, -{off})")
        made.append(name)
        if w.chance(0.2):
            body.append(f"{name} += {w.pick(made[:-1])}")
    last = made[-1]
    if w.chance(0.2):
        body.append(f"{last} = {last} * 1.0")
        body.append(f"{last}[:1] = 0.5")
    params = f"x: {w.ann(('n',), (n,))}, y: {w.ann(('n',), (n,))}"
    args = [w.array(n), w.array(n)]
    text, calls = _transforms(w, ["x", "y"], args, int(w.pick([1, 2, 3])))
    return Program("stencil_1d", _module(_kernels(w, params, body, last, f"np.sum({last} * {last})") + [text]),
                   calls, bits=True)


def _view_2d(w: Writer, name: str) -> str:
    return w.pick([name, name, f"{name}[::-1, :]", f"{name}[:, ::-1]", f"np.roll({name}, 1, axis=0)",
                   f"np.roll({name}, -1, axis=1)", f"({name} + {name}[:, :1])", f"({name} * {name}[:1, :])",
                   f"np.roll({name}, -1, axis=0)"])


def stencil_2d(rng: np.random.Generator) -> Program:
    """2-D stencils: rolls along either axis of values that are themselves rolls (the wrapped column read one
    row up: wing.py), slices along either axis, zero-updates of rows and columns, broadcast length-1 slices."""
    w = Writer(rng)
    m, k = int(w.pick(EDGE)), int(w.pick(EDGE))
    body, made = [], ["a", "b"]
    for j in range(int(rng.integers(1, 4))):
        p, q = _view_2d(w, w.pick(made)), _view_2d(w, w.pick(made))
        s, axis = int(w.pick([1, -1, 2])), int(w.pick([0, 1]))
        name = f"p{j}"
        form = w.pick(["roll", "roll", "rows", "cols", "zeros_rows", "zeros_cols", "concat"])
        if form == "roll":
            body.append(f"{name} = {p} + np.roll({q}, {s}, axis={axis}) * 0.5")
        elif form == "rows":
            body.append(f"{name} = np.concatenate(({p}[1:, :] - {q}[:-1, :], {q}[:1, :]), axis=0)")
        elif form == "cols":
            body.append(f"{name} = np.concatenate(({p}[:, 1:] * {q}[:, :-1], {p}[:, -1:]), axis=1)")
        elif form == "zeros_rows":
            body += [f"{name} = np.zeros_like(a)", f"{name}[1:, :] = {p}[:-1, :]", f"{name}[:-1, :] += {q}[1:, :]"]
        elif form == "zeros_cols":
            body += [f"{name} = np.zeros_like(a)", f"{name}[:, 1:] = {p}[:, :-1]", f"{name}[:, :-1] += {q}[:, 1:]"]
        else:
            body.append(f"{name} = {p} * np.concatenate((np.zeros((a.shape[0], 1), dtype=a.dtype), {q}[:, :-1]), "
                        "axis=1)")
        made.append(name)
        if w.chance(0.25):
            body.append(f"{name} = {name} * b + np.roll({name}, {int(w.pick([1, -1]))}, axis={1 - axis})")
    last = made[-1]
    params = f"a: {w.ann(('m', 'k'), (m, k))}, b: {w.ann(('m', 'k'), (m, k))}"
    args = [w.array((m, k)), w.array((m, k))]
    text, calls = _transforms(w, ["a", "b"], args, int(w.pick([1, 2])))
    return Program("stencil_2d", _module(_kernels(w, params, body, last, f"np.sum({last} * {last})") + [text]),
                   calls, bits=True)


# --- row walks, pair walks, stepped views ------------------------------------------------------------------------
def row_walks(rng: np.random.Generator) -> Program:
    """Flat rank-2 and rank-3 kernels reading operands through strides: row lengths around the walk's 8 (16 with
    a power), short static last axes (the static pair walk: pairs around 8), named ones (the run-time pair walk),
    reversed, stepped, transposed and column views, broadcast rows and columns, whole powers per element."""
    w = Writer(rng)
    rank3 = w.chance(0.35)
    power = w.chance(0.25)
    if rank3:
        v, b, d = int(w.pick([1, 2, 3, 5])), int(w.pick([1, 2, 3, 4, 5, 8])), int(w.pick([1, 2, 3, 4, 5, 7, 8, 9]))
        params = f"p: {w.ann(('v', 'b', 'd'), (v, b, d))}, e: {w.ann(('d',), (d,))}, c: {w.ann(('v', 'b'), (v, b))}"
        args = [w.array((v, b, d)), w.array(d), w.array((v, b))]
        left = w.pick(["p", "p[:, ::-1, :]", "p[..., ::-1]", "p[::-1]"])
        right = w.pick(["e", "c[:, :, None]", "e[::-1]", "(c[:, :, None] * e)"])
        body = [f"r = {left} * {right} + {w.pick(['c[:, :, None]', 'e', '1.0'])}"]
        if power:
            body.append(f"r = r ** {int(w.pick([3, 4, 5, 7]))}")
        result = "r"
    else:
        m, n = int(w.pick([1, 2, 3, 5, 9])), int(w.pick([1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33]))
        params = (f"a: {w.ann(('m', 'n'), (m, n))}, e: {w.ann(('n',), (n,))}, t: {w.ann(('m',), (m,))}, "
                  f"q: {w.ann(('n', 'm'), (n, m))}, c: {w.ann(('m', 'j'), (m, 3))}")
        args = [w.array((m, n)), w.array(n), w.array(m), w.array((n, m)), w.array((m, 3))]
        left = w.pick(["a", "a[:, ::-1]", "a[::-1]", "q.T", "np.transpose(q)", "t[:, None]", "a[::2]"])
        right = w.pick(["e", "e[::-1]", "t[:, None]", "c[:, :1]", "c[:, 1][:, None]", "q.T", "a"])
        body = [f"r = {left} * {right}"]
        if w.chance(0.3):
            body.append(f"r = r - c[:, {int(w.pick([0, 2]))}][:len(r), None]")
        if power:
            exponent = w.pick(["3", "5", "e", "np.abs(np.round(e * 4.0))", "2"])
            body.append(f"r = {w.pick(['t[:, None]', 'r'])} ** {exponent} + r")
        result = "r"
    if w.chance(0.2):
        body.append("r[0] = r[0] * 2.0")
    text, calls = _transforms(w, params_names(params), args, int(w.pick([1, 2])), vmapped=not power)
    # an exponent of `e` per element may make NaN (negative bases): the values still compare, NaN for NaN
    return Program("row_walks", _module(_kernels(w, params, body, result, "np.sum(r * r)") + [text]), calls,
                   bits=not power)


def params_names(params: str) -> list[str]:
    return [p.split(":")[0].strip() for p in params.split(", ")]


# --- reductions over some axes: rows, columns, short rows, short rows at launch; sibling reductions; remat -------
def reductions(rng: np.random.Generator) -> Program:
    """Reductions over one axis of element work (rows of static length around 32, named rows whose launch picks
    the columns walk, columns), with and without math-library calls, keepdims feeding more element work, sibling
    reductions of the same data, and values computed before a reduction and read after it (remat)."""
    w = Writer(rng)
    m, n = int(w.pick([1, 2, 3, 7, 9, 64])), int(w.pick([1, 2, 3, 4, 5, 8, 9, 31, 32, 33, 65]))
    ties = w.chance(0.4)
    params = f"x: {w.ann(('m', 'n'), (m, n))}, u: {w.ann(('m', 'n'), (m, n))}"
    args = [w.array((m, n), ties), w.array((m, n), ties)]
    op = w.pick(["np.sum", "np.max", "np.min", "np.mean", "np.sum"])
    axis = w.pick(["0", "1", "-1", "(0, 1)"])
    elem = w.pick(["x * u", "x * x", "np.exp(x - u)", "np.abs(x) + u", "np.tanh(x) * u", "x[:, ::-1] * u",
                   "np.roll(x, 1, axis=1) - u"])
    keep = w.chance(0.4)
    body = [f"e = {elem}", f"s = {op}(e, axis={axis}{', keepdims=True' if keep else ''})"]
    if keep:
        body.append(w.pick(["r = e - s", "r = np.exp(e - s)", "r = x * s + e"]))
    else:
        body.append("r = s * 2.0")
    if w.chance(0.4):  # a sibling reduction of the same data, and a value read after both
        body += ["mm = np.mean(x * u)", "cc = x - mm", "r = r + np.max(np.abs(u)) + np.sum(cc * e)"]
    text, calls = _transforms(w, ["x", "u"], args, int(w.pick([1, 2])))
    return Program("reductions", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


def logsumexp(rng: np.random.Generator) -> Program:
    """logsumexp and softmax over everything or over rows, with ties at the max, -inf, empty rows."""
    w = Writer(rng)
    two = w.chance(0.5)
    shape = (int(w.pick([1, 2, 3, 5])), int(w.pick([1, 2, 3, 8, 9, 33]))) if two else (int(w.pick(EDGE + [64])),)
    names = ("m", "n") if two else ("n",)
    params = f"x: {w.ann(names, shape)}, y: {w.ann(names, shape)}"
    x = w.array(shape, ties=w.chance(0.5))
    if w.chance(0.15) and x.size > 1:
        x.flat[0] = -np.inf
    args = [x, w.array(shape)]
    axis = w.pick(["None", "-1"] if two else ["None", "0"])
    src = w.pick(["x", "x * y", "x[::-1]" if not two else "x[:, ::-1]", "x - y"])
    body = [f"z = {src}", f"a = np.max(z, axis={axis}, keepdims=True)", "e = np.exp(z - a)",
            f"s = np.sum(e, axis={axis}, keepdims=True)",
            w.pick(["r = np.log(s) + a", "r = e / s", "r = (e / s) * y"])]
    text, calls = _transforms(w, ["x", "y"], args, int(w.pick([1, 2])))
    return Program("logsumexp", _module(_kernels(w, params, body, "r", "np.sum(r * y)") + [text]), calls)


# --- gathers and scatter-adds ------------------------------------------------------------------------------------
def gathers(rng: np.random.Generator) -> Program:
    """Gathers through index arrays (negative, repeated, on either axis, broadcast together, one row) joined to
    element work, and their scatter-add adjoints under grad."""
    w = Writer(rng)
    m, n, k = int(w.pick([1, 2, 3, 7])), int(w.pick([1, 2, 3, 8, 9])), int(w.pick([1, 2, 3, 5, 8, 17]))
    params = (f"x: {w.ann(('m', 'n'), (m, n))}, y: {w.ann(('k',), (k,))}, "
              f"i: {w.ann(('k',), (k,), 'i64')}, j: {w.ann(('k',), (k,), 'i64')}")
    i = rng.integers(-m, m, k)
    j = rng.integers(-n, n, k)
    if w.chance(0.4):
        i[:] = i[0]
    args = [w.array((m, n)), w.array(k), i, j]
    form = w.pick(["x[i, j] * y", "x[i, 0] + y", "x[0, j] * y", "x[i, :] * y[:, None]", "x[:, j] * y",
                   "x[i][:, j[0]] * y", "x[::-1][i, j] + y", "x.T[j, i] * y", "x[i, j] * x[i, j] - y"])
    body = [f"r = {form}"]
    if w.chance(0.3):
        body.append("r = r + np.sum(x[i, j])")
    text, calls = _transforms(w, ["x", "y", "i", "j"], args, int(w.pick([1, 2])))
    return Program("gathers", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


# --- tie-mask products and sums ----------------------------------------------------------------------------------
def tie_masks(rng: np.random.Generator) -> Program:
    """kmeans' form: a min over centroids of distances, whose gradient multiplies the tie mask by factors and
    then by a matrix or sums it; ties (equal points or centroids), one row, one centroid, float32."""
    w = Writer(rng)
    n, k, d = int(w.pick([1, 2, 3, 9, 17])), int(w.pick([1, 2, 3, 8])), int(w.pick([1, 2, 3]))
    params = f"P: {w.ann(('n', 'd'), (n, d))}, C: {w.ann(('k', 'd'), (k, d))}"
    P, C = w.array((n, d), ties=True), w.array((k, d), ties=True)
    if w.chance(0.4) and k > 1:
        C[1] = C[0]
    op = w.pick(["np.min", "np.max"])
    body = [w.pick(["D = np.sum((P[:, None, :] - C[None, :, :]) ** 2, axis=2)",
                    "D = np.sum(P * P, axis=1)[:, None] - 2.0 * (P @ C.T) + np.sum(C * C, axis=1)[None, :]"]),
            f"mn = {op}(D, axis={w.pick(['1', '0'])})", "r = mn * 1.0"]
    text, calls = _transforms(w, ["P", "C"], [P, C], 1, vmapped=False)
    text += 'gc = grad(h, wrt="C")\n'
    calls["gc"] = [P, C]
    return Program("tie_masks", _module(_kernels(w, params, body, "r", "np.sum(r)") + [text]), calls)


# --- loops: trips of 0 and 1, last trips, carried values, Python ints --------------------------------------------
def loops(rng: np.random.Generator) -> Program:
    """`for` loops of 0, 1, 2 and more trips over element work and over rows (a loop kernel), Python ints from
    shapes driving the trip count, a value read after the loop's last trip, in-place updates in the body."""
    w = Writer(rng)
    n = int(w.pick(EDGE))
    trips = w.pick(["0", "1", "2", "5", "x.shape[0] // 2", "x.shape[0] - 1", "len(x) % 3"])
    params = f"x: {w.ann(('n',), (n,))}, y: {w.ann(('n',), (n,))}"
    args = [w.array(n), w.array(n)]
    form = w.pick(["element", "rows", "shift", "last"])
    if form == "element":
        body = ["v = x * 1.0", f"for it in range({trips}):", "    v = v * 0.5 + np.sin(y) * x",
                "r = v + y"]
    elif form == "rows":
        body = ["v = np.zeros_like(x)", f"for it in range({trips}):", "    j = it % x.shape[0]",
                "    v[j] = v[j] + x[j] * y[(j + 1) % x.shape[0]]", "r = v * x"]
    elif form == "shift":
        body = ["v = x * 1.0", f"for it in range({trips}):", "    v = np.concatenate((v[1:], v[:1])) * 0.5 + y",
                "r = v"]
    else:
        body = ["v = x * 1.0", "last = y * 1.0", f"for it in range({trips}):", "    last = v * 2.0",
                "    v = v + last * y", "r = v - last"]
    text, calls = _transforms(w, ["x", "y"], args, int(w.pick([1, 2])))
    return Program("loops", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


# --- column sums: tiles of rows, kept axes; products in runs: loop products, tiles, skipped zero rows ----------
def columns(rng: np.random.Generator) -> Program:
    """Sums over leading axes (columns kernels): many outputs (tiles of one row past 8192 outputs), few, rank 3
    keeping two axes (kept rows of 7-9 outputs), operands reversed, transposed or broadcast, an element result
    beside the sum, bool masks."""
    w = Writer(rng)
    rank3 = w.chance(0.4)
    if rank3:
        n, k, d = int(w.pick([1, 2, 3, 5])), int(w.pick([1, 2, 3, 4])), int(w.pick([1, 2, 7, 8, 9, 17]))
        params = f"x: {w.ann(('n', 'k', 'd'), (n, k, d))}, u: {w.ann(('k', 'd'), (k, d))}"
        args = [w.array((n, k, d)), w.array((k, d))]
        elem = w.pick(["x * u", "x[::-1] * u", "x[:, :, ::-1] - u", "(x > 0.0) * u", "x * x"])
        body = [f"e = {elem}", f"s = np.sum(e, axis={w.pick(['0', '(0, 1)', '(0, 2)'])})"]
    else:
        n, m = int(w.pick([1, 2, 3, 9, 40])), int(w.pick([1, 2, 7, 8, 9, 64, 65, 8200]))
        params = f"x: {w.ann(('n', 'm'), (n, m))}, u: {w.ann(('m',), (m,))}"
        args = [w.array((n, m)), w.array(m)]
        elem = w.pick(["x * u", "x[::-1] * u", "x[:, ::-1] - u", "np.where(x > u, x, u * 2.0)", "x * x",
                       "np.maximum(x - 1.0, 0.0)"])
        body = [f"e = {elem}", f"s = np.{w.pick(['sum', 'sum', 'max', 'mean'])}(e, axis=0)"]
    body.append(w.pick(["r = s * 2.0", "r = s + np.sum(e * -2.0)"]))
    if w.chance(0.4):
        body.append("r = r + e[0]")
    text, calls = _transforms(w, ["x", "u"], args, 1, vmapped=w.chance(0.5))
    return Program("columns", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


def products(rng: np.random.Generator) -> Program:
    """Matrix products inside straight-line runs (two launches or more around them): shapes on both sides of the
    tiles' thresholds (k around 8, 2^14 multiplications, panels of 16), zero rows in b (skipped), inf or NaN in
    a meeting them, transposed operands, float32."""
    w = Writer(rng)
    m, k, n = int(w.pick([1, 2, 3, 12, 13, 130])), int(w.pick([1, 7, 8, 9, 17, 64])), \
        int(w.pick([1, 8, 15, 16, 17, 33, 130]))
    params = f"a: {w.ann(('m', 'k'), (m, k))}, b: {w.ann(('k', 'n'), (k, n))}, c: {w.ann(('m', 'n'), (m, n))}"
    a, b = w.array((m, k)), w.array((k, n))
    if w.chance(0.5):
        b[: k // 2] = 0.0
        b = np.triu(b) if w.chance(0.5) else b
    if w.chance(0.3):
        a[0, 0] = w.pick([np.inf, np.nan, 1e-310])
    args = [a, b, w.array((m, n))]
    left = w.pick(["a", "np.tanh(a)", "a * 2.0", "a[::-1]"])
    body = [f"p = np.exp(c * 0.5) + ({left} @ b)", f"q = {w.pick(['p.T @ a', '(p * c) @ b.T', 'a.T @ p'])}",
            "r = np.sum(q * q) + np.sum(p)"]
    text, calls = _transforms(w, ["a", "b", "c"], args, 1, vmapped=False)
    return Program("products", _module(_kernels(w, params, body, "r", "r * 1.0") + [text]), calls)


def python_ints(rng: np.random.Generator) -> Program:
    """Python ints from shapes and integer arrays in compiled code (NEP 50): floor division and modulo of
    negatives, powers, ints mixed with float32 arrays, int64 arrays scaled by Python ints."""
    w = Writer(rng)
    n = int(w.pick(EDGE))
    params = f"x: {w.ann(('n',), (n,))}, i: {w.ann(('n',), (n,), 'i64')}"
    args = [w.array(n), rng.integers(-7, 7, n)]
    body = ["k = x.shape[0]", f"q = (k - {int(w.pick([3, 8, 10]))}) // {int(w.pick([2, 3, -2]))}",
            f"j = i // {int(w.pick([2, 3, -3]))} + i % {int(w.pick([2, 5, -4]))} + q",
            w.pick(["r = x * j + q", "r = x * (j ** 2) - k % 3", "r = (x + q) * 2 + j * x", "r = x / (k + 1) + j"])]
    text, calls = _transforms(w, ["x", "i"], args, 1)
    return Program("python_ints", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


def stencil_updates(rng: np.random.Generator) -> Program:
    """Values repeated at an offset around in-place updates of what they read (before the read, between the
    value and its read, of a view of it), updates of the shifted result, and sizes on both sides of the split
    plan's threshold (`SPLIT_MOST_ELEMENTS`, 30000 elements) with divisions at offsets 1-4."""
    w = Writer(rng)
    n = int(w.pick([1, 2, 3, 5, 8, 9, 17, 30000, 30001] if w.chance(0.3) else [1, 2, 3, 5, 8, 9, 17]))
    off = int(w.pick([1, 2, 3, 4]))
    div = w.pick(["/ 6.0", "/ 3.0", "* 0.25", "/ y2"])
    body = ["y2 = y * y + 1.0", f"v = x {div}"]
    form = w.pick(["update_between", "update_view", "update_result", "chain", "update_source"])
    window = f"np.concatenate((v[{off}:] + v[:-{off}], v[:{off}]))"
    if form == "update_between":
        body += [f"s = {window}", f"v += {w.pick(['1.0', 'y', 'x[::-1]'])}", "s = s * v"]
    elif form == "update_view":
        body += ["vv = v[1:]", f"s = {window}", "vv *= 2.0", "s = s + v"]
    elif form == "update_result":
        body += [f"s = {window}", f"s[{off}:] += s[:-{off}]", "s[:1] = v[-1:]"]
    elif form == "update_source":
        body += ["v[::2] = 0.5", f"s = {window}"]
    else:
        body += [f"d = {window}", "e = d / 6.0", f"s = np.concatenate((e[:-{off}] - e[{off}:], e[-{off}:])) * v"]
    params = f"x: {w.ann(('n',), (n,))}, y: {w.ann(('n',), (n,))}"
    args = [w.array(n), w.array(n)]
    text, calls = _transforms(w, ["x", "y"], args, int(w.pick([1, 2])), vmapped=n < 100)
    return Program("stencil_updates", _module(_kernels(w, params, body, "s", "np.sum(s * s)") + [text]), calls,
                   bits=True)


def last_trips(rng: np.random.Generator) -> Program:
    """Loops whose body's region makes the next trip's state (the last trip skips its store): 0, 1, 2, 3 trips,
    the state read after the loop whole, through a view kept inside the loop, or not at all; shifts and
    divisions in the step (RK4-like), and an outer loop around it."""
    w = Writer(rng)
    n = int(w.pick([1, 2, 3, 7, 63, 64, 65, 130]))
    trips = w.pick(["0", "1", "2", "3", "x.shape[0] % 3"])
    params = f"x: {w.ann(('n',), (n,))}, y: {w.ann(('n',), (n,))}"
    args = [w.array(n), w.array(n)]
    step = w.pick(["v + np.concatenate((v[1:], v[:1])) / 6.0 * y", "v * 0.5 + y / 3.0",
                   "(v + np.roll(v, 1) + np.roll(v, -1)) / 3.0"])
    after = w.pick(["r = v * 2.0", "r = keep * 1.0", "r = y * 1.0", "r = v + keep"])
    body = ["v = x * 1.0", "keep = x * 0.0", f"for it in range({trips}):", f"    v = {step}",
            f"    {w.pick(['keep = v', 'keep = keep + v', 'keep = v * 1.0'])}"]
    if w.chance(0.3):
        body = ["v = x * 1.0", "keep = x * 0.0", "for outer in range(2):", f"    for it in range({trips}):",
                f"        v = {step}", "    keep = keep + v"]
    body.append(after)
    text, calls = _transforms(w, ["x", "y"], args, int(w.pick([1, 2])))
    return Program("last_trips", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls,
                   bits=True)


GENERATORS: dict[str, Callable[[np.random.Generator], Program]] = {
    "stencil_1d": stencil_1d, "stencil_2d": stencil_2d, "row_walks": row_walks, "reductions": reductions,
    "logsumexp": logsumexp, "gathers": gathers, "tie_masks": tie_masks, "loops": loops,
    "columns": columns, "products": products, "python_ints": python_ints,
    "stencil_updates": stencil_updates, "last_trips": last_trips,
}


def program_for(family: str, seed: int) -> Program:
    """The program of one generator for one seed (deterministic)."""
    return GENERATORS[family](np.random.default_rng([seed, zlib.crc32(family.encode())]))

# the generators of tests/c_rewrite_programs_more.py (imported here, after the helpers it uses are defined)
from c_rewrite_programs_more import MORE_GENERATORS  # noqa: E402

GENERATORS.update(MORE_GENERATORS)
