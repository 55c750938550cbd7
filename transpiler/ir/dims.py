"""Dimension arithmetic: sizes written as sums and products of names and integers (`2*h`, `n*m`, `h+1`).

A derived dimension is kept as one canonical string, so two spellings of one size are one dimension
(`h+h`, `2*h` and `(h)*2` all read `2*h`) and equal sizes compare equal as strings. The canonical form is a
sum of terms, names sorted, the integer last: `2*h+i+1`, `n*m`, `n-1`. The generated modules' argument checks
read that same form back (`templates/module_body.py.j2`).

A slice's length is a clamp `max(p,c)`: `x[1:]` of an `f64[n]` has max(n-1, 0) elements (0, not -1, at n = 0),
and `np.concatenate((np.ones(1), x[1:]))` has 1 + max(n-1, 0) = max(n,1). Clamps are kept exactly where a sum
is one clamp plus integers (`max(p,c) + k` is `max(p+k,c+k)`), or where clamps cancel (`max(p,c) - max(p,c)`);
anything else is not a dimension the compiler can name (None: the callers make a fresh length).
"""
from __future__ import annotations

import ast
import re
from typing import Union

Dim = Union[int, str]
Poly = dict  # {tuple of names (sorted, repeated for powers): integer coefficient}; () is the constant term


class DimError(ValueError):
    """A dimension that is not a sum of products of names and integers."""


def parse_dim(text: str) -> Dim:
    """`"2*(h+1)"` -> `"2*h+2"`; `"3"` -> 3; a plain name stays itself."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise DimError(f"cannot read the dimension {text!r}") from None
    return render(_poly(tree, text))


def _poly(node: ast.AST, text: str) -> Poly:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return {(): node.value}
    if isinstance(node, ast.Name):
        return {(node.id,): 1}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _poly(node.operand, text)
        return inner if isinstance(node.op, ast.UAdd) else scale(inner, -1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        left, right = _poly(node.left, text), _poly(node.right, text)
        if isinstance(node.op, ast.Mult):
            return multiply(left, right)
        return add(left, right if isinstance(node.op, ast.Add) else scale(right, -1))
    raise DimError(f"dimension {text!r} is not made of names, integers, +, - and *")


_CLAMP = re.compile(r"^(-?)max\((.+),(-?\d+)\)$")


def clamp_of(dim: Dim) -> tuple[int, Poly, int] | None:
    """`"max(n-1,0)"` -> (1, {("n",): 1, (): -1}, 0); `"-max(...)"` (a negated clamp, only ever a term of a sum)
    has sign -1; None for anything else."""
    match = _CLAMP.match(dim) if isinstance(dim, str) else None
    if match is None:
        return None
    sign, inner, low = match.groups()
    return (-1 if sign else 1), _poly(ast.parse(inner, mode="eval").body, inner), int(low)


def at_least(poly: Poly, low: int) -> Dim:
    """max(poly, low) as a dimension: the polynomial itself where it is surely at least `low` (names are lengths,
    never negative), an int where it has no names, else the clamp `max(p,low)`."""
    if not any(poly):
        return max(poly.get((), 0), low)
    if all(c > 0 for t, c in poly.items() if t) and poly.get((), 0) >= low:
        return render(poly)
    return f"max({render(poly)},{low})"


def slice_dim(dim: Dim, delta: int) -> Dim | None:
    """The length of `dim` elements less `-delta` (`x[1:]`: delta -1), never below 0 as Python's slice says:
    max(dim+delta, 0); a clamp `max(p,c)` gives max(p+delta, max(c+delta, 0)). None where `dim` is unknown."""
    clamp = clamp_of(dim)
    if clamp is not None:
        _, poly, low = clamp
        return at_least(add(poly, {(): delta}), max(low + delta, 0))
    poly = poly_of(dim)
    return None if poly is None else at_least(add(poly, {(): delta}), 0)


def unclamped(dim: Dim) -> Dim:
    """max(p,0) as p, other dimensions as they are: for a loop over an index space, where max(p,0) is 0 (p below 0)
    the space is empty, and the C target's window arithmetic may count with p (what it counts is never run)."""
    clamp = clamp_of(dim)
    return render(clamp[1]) if clamp is not None and clamp[0] > 0 and clamp[2] == 0 else dim


def negate(dim: Dim) -> Dim | None:
    """`-dim`, as a term of a sum of sizes (a clamp's negation `-max(p,c)` cancels it in dim_sum)."""
    clamp = clamp_of(dim)
    if clamp is not None:
        sign, poly, low = clamp
        return f"max({render(poly)},{low})" if sign < 0 else f"-max({render(poly)},{low})"
    poly = poly_of(dim) if dim is not None else None
    return None if poly is None else render(scale(poly, -1))


def poly_of(dim: Dim) -> Poly | None:
    """The polynomial a known dimension stands for; None for an unknown one (`?3`) and for a clamp
    (`max(n-1,0)`, not a polynomial)."""
    if isinstance(dim, int):
        return {(): dim} if dim else {}
    if dim is None or dim.startswith("?") or _CLAMP.match(dim):
        return None
    if dim.isidentifier():
        return {(dim,): 1}
    return _poly(ast.parse(dim, mode="eval").body, dim)


def add(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for term, coef in b.items():
        out[term] = out.get(term, 0) + coef
    return {t: c for t, c in out.items() if c}


def scale(a: Poly, factor: int) -> Poly:
    return {t: c * factor for t, c in a.items() if c * factor}


def multiply(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ta, ca in a.items():
        for tb, cb in b.items():
            out = add(out, {tuple(sorted(ta + tb)): ca * cb})
    return out


def render(poly: Poly) -> Dim:
    """The canonical dimension of a polynomial: an int when it has no names."""
    if not any(poly):
        return poly.get((), 0)
    text = ""
    for term in sorted((t for t in poly if t), key=lambda t: (t, len(t))):
        coef = poly[term]
        body = "*".join(term) if abs(coef) == 1 else f"{abs(coef)}*" + "*".join(term)
        text += ("-" if coef < 0 else "+" if text else "") + body
    constant = poly.get((), 0)
    return text + (f"{constant:+d}" if constant else "")


def dim_sum(dims: list) -> Dim | None:
    """The size of arrays of these lengths put end to end; None where one is unknown, or where clamps remain
    that are not one clamp plus an integer (`max(n-1,0) + m` is no clamp)."""
    total: Poly = {}
    clamps: dict = {}  # q rendered -> how many times max(q,0) is added (a negated clamp: -1)
    for d in dims:
        clamp = clamp_of(d)
        if clamp is not None:  # max(p,c) is c + max(p-c, 0): max(n,1) - 1 - max(n-1,0) is 0
            sign, poly, low = clamp
            key = render(add(poly, {(): -low}))
            clamps[key] = clamps.get(key, 0) + sign
            total = add(total, {(): sign * low})
            continue
        poly = poly_of(d) if d is not None else None
        if poly is None:
            return None
        total = add(total, poly)
    left = [(key, count) for key, count in clamps.items() if count]
    if not left:
        return render(total)
    if len(left) > 1 or left[0][1] != 1 or any(total):
        return None  # not one clamp plus an integer
    (inner, _), = left
    shift = total.get((), 0)
    return at_least(add(poly_of(inner), {(): shift}), shift)


def dim_product(dims: list) -> Dim | None:
    """The number of elements of an array of this shape; None where a size is unknown, or where a clamp is
    multiplied by anything but a nonnegative integer (k * max(p,c) is max(k*p,k*c))."""
    clamps = [clamp_of(d) for d in dims]
    if any(c is not None for c in clamps):
        rest = dim_product([d for d, c in zip(dims, clamps) if c is None])
        if len(dims) - clamps.count(None) != 1 or not isinstance(rest, int) or rest < 0:
            return None
        sign, poly, low = next(c for c in clamps if c is not None)
        return None if sign < 0 else at_least(scale(poly, rest), low * rest) if rest else 0
    polys = [poly_of(d) for d in dims]
    if any(p is None for p in polys):
        return None
    total: Poly = {(): 1}
    for p in polys:
        total = multiply(total, p)
    return render(total)


def dim_quotient(total: Dim, part: Dim) -> Dim | None:
    """`total / part` where `part` is one term dividing every term of `total` (`2*h*k / 2` is `h*k`, `n*m / n` is
    `m`); None otherwise (the quotient is then not a dimension the compiler can name)."""
    top, bottom = poly_of(total), poly_of(part)
    if top is None or bottom is None or len(bottom) != 1:
        return None
    (names, coef), = bottom.items()
    out: Poly = {}
    for term, c in top.items():
        rest = list(term)
        for name in names:
            if name not in rest:
                return None
            rest.remove(name)
        if c % coef:
            return None
        out[tuple(rest)] = c // coef
    return render(out)


def within(part: Dim, whole: Dim) -> Dim | None:
    """`whole - part` where both `part` and it are surely in 0..`whole` (no negative coefficient: names are lengths,
    never negative): `x[d:]` of an `f64[2*d]` has `d` elements, as Python's slice says. None where run time decides
    (`n-1` may be -1, which Python's slice reads from the end)."""
    top, bottom = poly_of(whole), poly_of(part)
    if top is None or bottom is None:
        return None
    rest = add(top, scale(bottom, -1))
    if any(c < 0 for c in bottom.values()) or any(c < 0 for c in rest.values()):
        return None
    return render(rest)


def is_derived(dim: Dim) -> bool:
    """A sum or product (`n-1`, `2*h`), as opposed to an int, a plain name or an unknown."""
    return isinstance(dim, str) and not dim.startswith("?") and not dim.isidentifier()


def names_in(dim: Dim) -> set:
    clamp = clamp_of(dim)
    poly = clamp[1] if clamp is not None else poly_of(dim) if not (isinstance(dim, str) and dim.startswith("?")) else None
    return {name for term in (poly or {}) for name in term}


def solve_for(dim: Dim, name: str) -> tuple[int, Poly] | None:
    """`dim` = coef * name + rest, with `name` in no other term: (coef, rest); None where it is not linear in
    `name` that way (then `name` cannot be read back from a size of `dim`)."""
    poly = poly_of(dim)
    if poly is None:
        return None
    coef, rest = 0, {}
    for term, c in poly.items():
        if term == (name,):
            coef = c
        elif name in term:
            return None
        else:
            rest[term] = c
    return (coef, rest) if coef else None


def var_name(dim: Dim) -> str:
    """A Python name for the variable holding a derived size: `n_minus_1`, `2*h` -> `h_times_2`; a clamp
    max(n-1,0) is `n_minus_1_or_0`, max(n,1) `n_or_1`."""
    clamp = clamp_of(dim)
    if clamp is not None:
        return f"{var_name(render(clamp[1]))}_or_{clamp[2]}".replace("-", "neg")
    words = []
    for piece in str(dim).replace("-", " - ").replace("+", " + ").replace("*", " * ").split():
        words.append({"-": "minus", "+": "plus", "*": "times"}.get(piece, piece))
    if words and words[0] == "minus":
        words = ["neg"] + words[1:]
    name = "_".join(words)
    return name if name[0].isalpha() or name[0] == "_" else f"size_{name}"
