"""Arguments that share memory with a parameter the kernel updates.

A kernel's first update of its own parameter works on a copy (inplace_writes.py), so the caller's array never
changes. Python, the reference, writes into the caller's array, and every other argument (or module-level array)
looking into the same memory sees the write. The generated function cannot model that, so it refuses such
arguments at entry, before any work: one `check_unshared` equation per updated parameter (registry: effects.py).
"""
from __future__ import annotations

from ..errors import SourceLoc
from ..ir import Const, Eqn, Var, equations, result_atoms
from ..ir.types import TensorType
from ..primitives.registry import lookup


def unshared_checks(kernel: str, params: list[Var], updated: dict[int, SourceLoc], body: list,
                    result) -> list[Eqn]:
    """The entry checks of kernel `kernel`: each parameter in `updated` against every other parameter and every
    module-level array the body reads; none when the kernel updates no parameter (it costs nothing then)."""
    if not updated:
        return []
    module_arrays: dict[str, Const] = {}
    atoms = [a for eqn in equations(body) for a in eqn.args] + list(result_atoms(result))
    for atom in atoms:
        if isinstance(atom, Const) and isinstance(atom.value, Var):
            module_arrays.setdefault(atom.value.name, atom)
    checks, checked = [], set()
    for param in params:
        if id(param) not in updated:
            continue
        others = [p for p in params if p is not param and (id(p), id(param)) not in checked]
        checked.update((id(param), id(p)) for p in others)
        partners = others + list(module_arrays.values())
        if not partners:
            continue
        names = (param.name,) + tuple(p.name if isinstance(p, Var) else p.value.name for p in partners)
        placeholder = Var("unshared", TensorType("bool", ()), temporary=True)
        loc = updated[id(param)]
        checks.append(Eqn(lookup("check_unshared"), (param, *partners),
                          {"function": kernel, "names": names, "at": str(loc)}, (placeholder,), loc=loc))
    return checks


def writeable_checks(kernel: str, params: list[Var], updated: dict[int, SourceLoc]) -> list[Eqn]:
    """The entry checks refusing a read-only argument for each parameter the kernel updates (Python's write into it
    would raise ValueError; primitives/hostile_checks.py), in parameter order."""
    checks = []
    for param in params:
        if id(param) in updated:
            placeholder = Var("writeable", TensorType("bool", ()), temporary=True)
            checks.append(Eqn(lookup("check_writeable"), (param,), {"function": kernel, "name": param.name,
                                                                     "at": str(updated[id(param)])},
                              (placeholder,), loc=updated[id(param)]))
    return checks


def scalar_argument_checks(kernel: str, params: list[Var], checked: dict[int, tuple]) -> list[Eqn]:
    """The entry checks refusing a 0-d array for each rank-0 parameter in `checked` (updated in place while another
    name holds it: normalize/zero_d.py), in parameter order."""
    checks = []
    for param in params:
        if id(param) in checked:
            loc = checked[id(param)][1]
            placeholder = Var("scalar_argument", TensorType("bool", ()), temporary=True)
            checks.append(Eqn(lookup("check_scalar_argument"), (param,),
                              {"function": kernel, "name": param.name, "at": str(loc)}, (placeholder,), loc=loc))
    return checks
