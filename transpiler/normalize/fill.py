"""`a.fill(value)`: a statement that writes `value` into every element of `a`, lowered as the update NumPy makes,
`a[...] = value`, through the write machinery (inplace_writes.py): every name and view of `a` sees it, a view
receiver (`a[0].fill(v)`, `a.T.fill(v)`) writes into the array it looks into, a parameter's copy is taken first, and
the value is cast to `a`'s dtype as NumPy's assignment casts it (`fill(2.7)` of an int array is 2; NaN into an int
array raises ValueError there as here). NumPy's `fill` takes a scalar only: an array value (even of one element) is
its `ValueError: setting an array element with a sequence`, refused at build time.
"""
from __future__ import annotations

import libcst as cst

from ..ir import Var


def receiver_root(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, (cst.Subscript, cst.Attribute)):
        node = node.value
    return node


def is_fill(call: cst.Call, env) -> bool:
    """Whether this call statement is `<array>.fill(...)`: a method `fill` of an expression rooted in a name that
    holds an array (a list has no `fill`)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "fill"):
        return False
    root = receiver_root(func.value)
    return isinstance(root, cst.Name) and isinstance(env.get(root.value), Var)


def lower_fill(lowering, call: cst.Call, builder, env) -> None:
    """The update `a.fill(value)` makes, as `a[...] = value`."""
    if len(call.args) != 1 or call.args[0].keyword is not None and call.args[0].keyword.value != "value" or \
            call.args[0].star:
        raise lowering.error(call, "ndarray.fill takes one value", "a.fill(0.0)")
    node = call.args[0].value
    value = lowering.expr(node, builder, env)
    atom = lowering._atom(value, node)
    if atom.type.shape != ():
        raise lowering.error(node, "ndarray.fill takes a scalar: NumPy raises ValueError (setting an array element "
                             "with a sequence) for an array value", "assign the array instead: a[...] = v")
    target = cst.Subscript(call.func.value, [cst.SubscriptElement(cst.Index(cst.Ellipsis()))])
    lowering.locate.place_like(target, call)
    lowering._assign(target, atom, builder, env)
