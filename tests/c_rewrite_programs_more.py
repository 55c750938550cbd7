"""More random programs aimed at the C emitter's rewrites: those tests/c_rewrite_programs.py has no generator for.

Same `Program`/`Writer` helpers and the same harness (tests/test_c_rewrites_random.py): each generator writes
programs a rewrite applies to and their near misses (one condition just failing, sizes around each threshold),
with literal and named sizes, float32 and float64, views feeding the rewritten value, in-place updates before and
after it and loops of 0 and 1 trips. `bits` is set only where `f` is element work the C target must round as
NumPy does (no sums in another order, no math-library call a vector lane may round differently).

Why: the first generators covered stencils, walks, one-axis reductions, gathers, tie masks, loops, products and
Python ints; work beside a region, sibling reductions, rematerialization, powers and `np.where` in SIMD loops,
short rows, lane loops, fills and runs each have conditions whose edges no generator wrote.
"""
from __future__ import annotations

import numpy as np

from c_rewrite_programs import Program, Writer, _kernels, _module, _transforms

CHUNK_EDGE = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65]


def beside(rng: np.random.Generator) -> Program:
    """Work beside a region (`Partitioner._beside`: `[p]` element work inside a `[B, p]` sweep), sibling
    reductions (`np.max(np.abs(w))` after `m = np.mean(x * w); c = x - m`) and free element work (`g * -2.0`
    beside `np.sum(g, axis=0)` feeding a product); near misses: the side value reading the region's own result,
    an in-place update between the reductions, a loop of 0 or 1 trips between them."""
    w = Writer(rng)
    b, p = int(w.pick([1, 2, 3, 8, 9])), int(w.pick(CHUNK_EDGE))
    params = f"X: {w.ann(('b', 'p'), (b, p))}, v: {w.ann(('p',), (p,))}"
    args = [w.array((b, p)), w.array(p)]
    form = w.pick(["beside", "beside_reads_region", "siblings", "siblings_update", "free", "siblings_loop"])
    if form == "beside":
        side = w.pick(["2.0 * np.sqrt(np.abs(v) + 1.0)", "v * v + 1.0", "v[::-1] * 0.5", "np.roll(v, 1) - v"])
        body = ["Y = X * X + 1.0", f"s = {side}", "r = Y * s[None, :] - X"]
    elif form == "beside_reads_region":
        body = ["Y = X * X + 1.0", "s = Y[0] * v + 1.0", "r = Y * s[None, :] - X"]
    elif form.startswith("siblings"):
        body = ["m = np.mean(X * v)", "c = X - m"]
        if form == "siblings_update":
            body.append(f"c[{w.pick(['0', '-1', ':, 0'])}] += 1.0")
        if form == "siblings_loop":
            body += ["t = v * 1.0", f"for it in range({w.pick(['0', '1', '2'])}):", "    t = t * 0.5 + m"]
        else:
            body.append("t = v")
        body += [f"mx = np.{w.pick(['max', 'min', 'sum'])}(np.abs(t))",
                 f"r = c * mx + np.sum(c * X, axis={w.pick(['0', '1'])}, keepdims=True)"]
    else:
        body = ["g = np.maximum(X - 0.5, 0.0)", "col = np.sum(g, axis=0)", "t = g * -2.0",
                f"r = {w.pick(['X.T @ t', 't.T @ X', '(t * v) @ X.T'])} + col[0]"]
    text, calls = _transforms(w, ["X", "v"], args, int(w.pick([0, 1, 2])))
    return Program("beside", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls,
                   bits=form in ("beside", "beside_reads_region") and "sqrt" not in body[1])


def _chain(w: Writer, start: str, length: int) -> list[str]:
    """`length` cheap element steps from `start` (past 24 equations the recomputation is refused)."""
    lines, cur = [], start
    for k in range(length):
        op = w.pick(["* 1.5", "+ 0.25", "- x", "* u"])
        lines.append(f"c{k} = {cur} {op}")
        cur = f"c{k}"
    return lines


def remat(rng: np.random.Generator) -> Program:
    """Rematerialization (`remat.py`): a value computed before a reduction and read after it (logsumexp's
    `exp(x - a)`, a cheap chain around the 24-equation cap, a fill and a concatenation's base), with the
    near misses: an in-place update of an input between the value and its reread, the value reaching a
    comparison, `np.round` or `np.maximum` after the reduction (the stored bits must be seen there), a fill read
    again by host code (`np.zeros_like`)."""
    w = Writer(rng)
    two = w.chance(0.4)
    shape = (int(w.pick([1, 2, 3, 5])), int(w.pick(CHUNK_EDGE))) if two else (int(w.pick(CHUNK_EDGE)),)
    names = ("m", "n") if two else ("n",)
    params = f"x: {w.ann(names, shape)}, u: {w.ann(names, shape)}"
    args = [w.array(shape, ties=w.chance(0.4)), w.array(shape)]
    axis = w.pick(["None", "-1"]) if two else "None"
    form = w.pick(["exp", "chain", "update", "compare", "round", "maximum", "fill", "concat_base"])
    if form == "exp":
        body = ["a = np.max(x)", f"e = np.{w.pick(['exp', 'tanh', 'sin'])}(x - a) * u",
                f"s = np.sum(e, axis={axis}, keepdims=True)", "r = e / s + x"]
    elif form == "chain":
        body = _chain(w, "x", int(w.pick([3, 11, 12, 13, 23, 24, 25, 26])))
        last = body[-1].split(" = ")[0]
        body += [f"s = np.sum({last} * {last}, axis={axis}, keepdims=True)", f"r = {last} / (1.0 + s)"]
    elif form == "update":
        body = ["y = x * 1.0", "e = y * u + 1.0", f"s = np.sum(e, axis={axis}, keepdims=True)",
                f"y {w.pick(['+=', '*=', '-='])} {w.pick(['1.0', 'u', 's'])}", "r = e * s + y"]
    elif form == "compare":
        body = [f"e = np.{w.pick(['exp', 'tanh', 'cos'])}(x) * u", f"mx = np.max(e, axis={axis}, keepdims=True)",
                "r = (e == mx) * x + e"]
    elif form == "round":
        body = ["e = np.exp(x) * 4.0", f"s = np.sum(e, axis={axis}, keepdims=True)",
                f"r = np.{w.pick(['round', 'floor', 'ceil'])}(e) * s + x"]
    elif form == "maximum":
        body = ["e = np.exp(x - u)", f"s = np.sum(e, axis={axis}, keepdims=True)",
                f"r = np.{w.pick(['maximum', 'minimum'])}(e, s * 0.1) + x"]
    elif form == "fill":
        body = [f"z = np.{w.pick(['zeros', 'ones'])}_like(x)", "z = z + x * u", "s = np.sum(z)",
                "q = np.zeros_like(z)", "r = z * s + q"]
    else:
        body = ["z = np.concatenate((np.zeros((1,) + x.shape[1:], dtype=x.dtype), x[:-1] * u[:-1]))" if not two else
                "z = np.concatenate((np.zeros((x.shape[0], 1), dtype=x.dtype), x[:, :-1] * u[:, :-1]), axis=1)",
                f"s = np.sum(z, axis={axis}, keepdims=True)", "r = z / (1.0 + s * s) + x"]
    text, calls = _transforms(w, ["x", "u"], args, int(w.pick([1, 2])))
    return Program("remat", _module(_kernels(w, params, body, "r", "np.sum(r * u)") + [text]), calls)


def powers(rng: np.random.Generator) -> Program:
    """Powers in SIMD loops (`lifted_fpower` in lane blocks): exponents per element (whole, half-integer,
    negative, past 1024), constant whole exponents 0-1024 (2 keeps one product), subnormal and negative bases,
    int and float32 operands; and `np.where` in lane blocks beside a math-library call (`lifted_where`/
    `lifted_select`) with bool, int and NaN picked operands, bools as bytes."""
    w = Writer(rng)
    n = int(w.pick(CHUNK_EDGE + [127, 128, 129]))
    m = int(w.pick([1, 2, 3, 5]))
    params = (f"t: {w.ann(('n',), (n,))}, e: {w.ann(('m',), (m,))}, k: {w.ann(('m',), (m,), 'i64')}, "
              f"b: {w.ann(('n',), (n,), 'bool')}")
    t = w.array(n)
    t[:: int(w.pick([2, 3, 5]))] *= w.pick([1.0, -1.0, 1e-310 if w.dtype == "f64" else 1e-40, 0.0])
    e = np.round(w.array(m) * float(w.pick([4, 8, 40])) * 2.0) / float(w.pick([1, 2]))
    args = [t, e.astype(t.dtype), rng.integers(-3, 9, m), rng.random(n) < 0.5]
    base = w.pick(["t[:, None]", "np.abs(t)[:, None]", "(t[:, None] * 2.0)", "t[::-1, None]"])
    form = w.pick(["per_element", "int_exponent", "constant", "where", "where_int", "where_bool", "bool_bytes"])
    if form == "per_element":
        body = [f"r = {base} ** {w.pick(['e', 'np.abs(e)', 'e[::-1]', 'np.round(np.abs(e))'])} + 1.0"]
    elif form == "int_exponent":
        body = [f"r = {base} ** {w.pick(['k', 'np.abs(k)'])} * 0.5"]
    elif form == "constant":
        c = w.pick(["0", "1", "2", "3", "7", "8", "127", "128", "1024", "1025", "0.5", "1.5", "-1", "-2", "2.5"])
        body = [f"q = {base} * e", f"r = q ** {c} + q"]
    elif form == "where":
        body = ["q = np.exp(t * 0.5)", f"r = np.where(t > 0.0, q, {w.pick(['t', 'np.nan', '-t * q', '0.0'])})"]
    elif form == "where_int":
        body = ["q = np.exp(t * 0.5)", "r = np.where(b, q, np.where(t < 0.0, t * 2.0, q + 1.0)) + np.sum(k)"]
    elif form == "where_bool":
        body = ["q = np.tanh(t)", "r = np.where(b & (t > 0.0), q, t) * 2.0"]
    else:
        body = ["r = b * t + (~b) * np.sin(t) + (t > 0.25)"]
    if form in ("per_element", "int_exponent", "constant"):
        body.append(f"r = np.sum(r, axis={w.pick(['0', '1'])})" if w.chance(0.3) else "r = r * 1.0")
    text, calls = _transforms(w, ["t", "e", "k", "b"], args, int(w.pick([1, 2])))
    return Program("powers", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


def short_rows(rng: np.random.Generator) -> Program:
    """Rows short and static (at most 32 elements: walked as columns), short at run time (`<kernel>_columns`
    chosen at launch, only when every output is a reduction and no libm call), the pair walks (last axis below
    8 or 16), views stepping along their last axis (`a[:, ::2]`, `a[:, 0]` of a row walk), strided operands of
    reductions over some axes, columns keeping several axes (kept rows of 7-9 outputs), coordinates."""
    w = Writer(rng)
    rank3 = w.chance(0.4)
    if rank3:
        n, k, d = int(w.pick([1, 2, 3, 5])), int(w.pick([1, 2, 3, 7, 8, 9])), int(w.pick([1, 2, 3, 4, 7, 8, 9, 17]))
        params = f"x: {w.ann(('n', 'k', 'd'), (n, k, d))}, c: {w.ann(('k', 'd'), (k, d))}"
        args = [w.array((n, k, d)), w.array((k, d))]
        left = w.pick(["x", "x[:, ::-1, :]", "x[..., ::-1]", "np.transpose(x, (0, 2, 1)).transpose(0, 2, 1)",
                       "x[::-1]"])
        right = w.pick(["c", "c[None, :, :1]", "c[:, ::-1]", "c[None, 0, :]"])
        body = [f"e = {left} * {right} - c"]
        reduce_axis = w.pick(["0", "2", "(0, 2)", "(1, 2)", "-1"])
        op = w.pick(["sum", "max", "sum"])
    else:
        m, n = int(w.pick([1, 2, 3, 9, 17])), int(w.pick([1, 2, 3, 4, 7, 8, 9, 16, 31, 32, 33, 34, 64]))
        params = f"x: {w.ann(('m', 'n'), (m, n))}, c: {w.ann(('m', 'j'), (m, 4))}, v: {w.ann(('n',), (n,))}"
        args = [w.array((m, n)), w.array((m, 4)), w.array(n)]
        left = w.pick(["x", "x[:, ::-1]", "x[::-1]", "x * c[:, :1]", "x - c[:, 0][:, None]", "x * c[:, ::4]"])
        right = w.pick(["v", "v[::-1]", "c[:, 1][:, None]", "x", "1.0"])
        body = [f"e = {left} * {right}"]
        reduce_axis = w.pick(["1", "-1", "0"])
        op = w.pick(["sum", "min", "max", "sum"])
    body.append(f"s = np.{op}(e, axis={reduce_axis}{', keepdims=True' if w.chance(0.3) else ''})")
    after = w.pick(["r = s * 2.0", "r = s + np.sum(e)", "r = s * s", "r = np.exp(s) + 1.0"])
    body.append(after)
    if w.chance(0.25):
        body.insert(1, "e[0] = e[0] * 2.0")
    names = [p.split(":")[0].strip() for p in params.split(", ")]
    text, calls = _transforms(w, names, args, int(w.pick([1, 2])), vmapped=w.chance(0.6))
    return Program("short_rows", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


def fills(rng: np.random.Generator) -> Program:
    """Lane loops (a value read after its lane block copied to its output; several outputs of one chunk) and
    fills: regions of fills alone kept as NumPy's fill (`np.zeros(n)`, `np.ones(1)`, `np.full`), fills joined
    by element work, a concatenation's base recomputed by a later kernel, a zero array updated through slices,
    chunk edges around 64 lanes."""
    w = Writer(rng)
    n = int(w.pick(CHUNK_EDGE + [127, 128, 129]))
    params = f"x: {w.ann(('n',), (n,))}, y: {w.ann(('n',), (n,))}"
    args = [w.array(n), w.array(n)]
    form = w.pick(["alone", "joined", "base", "updated", "outputs", "full"])
    if form == "alone":
        body = [f"z = np.{w.pick(['zeros', 'ones'])}({w.pick(['x.shape[0]', 'len(x)', str(n)])})",
                "o = np.ones(1)", "r = x * y + o", "r = r + z"]
    elif form == "joined":
        body = ["z = np.zeros_like(x)", "z = z + x * y", "r = z * 2.0 - x"]
    elif form == "base":
        body = ["z = np.concatenate((np.zeros(1, dtype=x.dtype), x[:-1] * y[:-1]))", "s = np.sum(z)",
                "r = z * s + np.concatenate((x[1:], np.ones(1, dtype=x.dtype)))"]
    elif form == "updated":
        body = ["z = np.zeros_like(x)", f"z[{w.pick(['1:', ':-1', '::2', ':1'])}] = "
                f"{w.pick(['1.0', 'x[0]', '2.0 * y[0]'])}", "r = z * x + y"]
    elif form == "full":
        body = [f"z = np.full(x.shape, {w.pick(['0.5', '-0.0', '3.0'])}, dtype=x.dtype)", "z[1:] = y[1:]",
                "r = z + x"]
    else:
        body = ["a = x * y", "bb = a + 1.0", "cc = a * bb - y", "r = a + bb * cc"]
    result = "r"
    if w.chance(0.3):
        body += ["acc = r * 0.0", f"for it in range({w.pick(['0', '1', '2'])}):", "    acc = acc + r * y", "r = acc + r"]
    text, calls = _transforms(w, ["x", "y"], args, int(w.pick([0, 1, 2])))
    sums = "np.sum" in "".join(body)
    return Program("fills", _module(_kernels(w, params, body, result, "np.sum(r * r)") + [text]), calls,
                   bits=not sums)


def runs(rng: np.random.Generator) -> Program:
    """Straight-line host code as one C call: at least two launches or products (a run), one launch with
    NumPy operations around it (not a run), a gather and its scatter-add adjoint inside the run, array
    arithmetic on run-time shapes, a loop of 0-2 trips inside the run (its tapes under grad), tiled products
    (sizes around the tiles' thresholds) with subnormal, infinite or NaN entries in `a`."""
    w = Writer(rng)
    m, k, n = int(w.pick([1, 2, 3, 8, 9, 17])), int(w.pick([1, 2, 7, 8, 9, 16, 17, 33])), \
        int(w.pick([1, 2, 8, 15, 16, 17, 64, 65]))
    params = (f"a: {w.ann(('m', 'k'), (m, k))}, b: {w.ann(('k', 'n'), (k, n))}, "
              f"i: {w.ann(('j',), (3,), 'i64')}, c: {w.ann(('n',), (n,))}")
    a, b = w.array((m, k)), w.array((k, n))
    if w.chance(0.4):
        a.flat[int(rng.integers(a.size))] = w.pick([1e-310 if w.dtype == "f64" else 1e-40, np.inf, np.nan, -0.0])
    if w.chance(0.3):
        b[: max(1, k // 2)] = 0.0
    args = [a, b, rng.integers(-m, m, 3), w.array(n)]
    form = w.pick(["two_launches", "one_launch", "gather", "loop", "products"])
    if form == "two_launches":
        body = ["p = np.tanh(a) * 2.0", "s = np.sum(p, axis=1)", "q = p / (1.0 + s[:, None] * s[:, None])",
                "r = q @ b + c"]
    elif form == "one_launch":
        body = ["p = a * 2.0 + 1.0", "q = np.expand_dims(p, 0)[0]", "r = q @ b"]
    elif form == "gather":
        body = ["p = a @ b", "g = p[i] * c", f"r = g + np.sum(p[{w.pick(['i, 0', 'i, -1', 'i[0]'])}])"]
    elif form == "loop":
        body = ["p = a @ b", f"for it in range({w.pick(['0', '1', '2'])}):", "    p = np.sin(p) * c + p",
                "r = p * 1.0"]
    else:
        body = ["p = a @ b", "q = (p * c) @ b.T", "r = q.T @ p + np.sum(p)"]
    text, calls = _transforms(w, ["a", "b", "i", "c"], args, 1, vmapped=w.chance(0.5))
    return Program("runs", _module(_kernels(w, params, body, "r", "np.sum(r * r)") + [text]), calls)


MORE_GENERATORS = {"beside": beside, "remat": remat, "powers": powers, "short_rows": short_rows, "fills": fills,
                   "runs": runs}
