"""Dimension arithmetic: sizes written as sums and products of names and integers (`2*h`, `n*m`, `h+1`).

A derived dimension is kept as one canonical string, so two spellings of one size are one dimension
(`h+h`, `2*h` and `(h)*2` all read `2*h`) and equal sizes compare equal as strings. The canonical form is a
sum of terms, names sorted, the integer last: `2*h+i+1`, `n*m`, `n-1`. The generated modules' argument checks
read that same form back (`templates/module_body.py.j2`).
"""
from __future__ import annotations

import ast
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


def poly_of(dim: Dim) -> Poly | None:
    """The polynomial a known dimension stands for; None for an unknown one (`?3`)."""
    if isinstance(dim, int):
        return {(): dim} if dim else {}
    if dim.startswith("?"):
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
    """The size of arrays of these lengths put end to end; None where one is unknown."""
    polys = [poly_of(d) for d in dims]
    if any(p is None for p in polys):
        return None
    total: Poly = {}
    for p in polys:
        total = add(total, p)
    return render(total)


def dim_product(dims: list) -> Dim | None:
    """The number of elements of an array of this shape; None where a size is unknown."""
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
    poly = poly_of(dim) if not (isinstance(dim, str) and dim.startswith("?")) else None
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
    """A Python name for the variable holding a derived size: `n_minus_1`, `2*h` -> `h_times_2`."""
    words = []
    for piece in str(dim).replace("-", " - ").replace("+", " + ").replace("*", " * ").split():
        words.append({"-": "minus", "+": "plus", "*": "times"}.get(piece, piece))
    if words and words[0] == "minus":
        words = ["neg"] + words[1:]
    name = "_".join(words)
    return name if name[0].isalpha() or name[0] == "_" else f"size_{name}"
