"""What the renderer needs to know of a block's reads and writes: where each name is read for the last time (its
`del` goes after that line), how often each value is used (a value used once may be folded into its use), and
which names a statement may write in place (a fold may not move a read across such a write)."""
from __future__ import annotations

from collections import Counter

from ...ir import Eqn, Function, Var, all_defined, blocks, own_operands, result_atoms, statement_uses


def written_names(stmt) -> set:
    """The names a statement may write in place: an update's array, everything a compound statement defines."""
    if isinstance(stmt, Eqn):
        return {stmt.args[0].name} if isinstance(stmt.args[0], Var) else set()
    return {v.name for v in all_defined([stmt])}


def last_reads(block: list) -> dict[str, int]:
    """For each name read in a block, the position of the last statement that reads it. A read by a
    temporary's equation counts where that temporary is consumed, since it may be folded into it there
    (`tv * np.cos(v) * t` read after `v = v - ...`)."""
    def reads(stmt):
        return [a for a in (stmt.args if isinstance(stmt, Eqn) else statement_uses(stmt)) if isinstance(a, Var)]

    consumer: dict[int, int] = {}
    uses: Counter = Counter()
    for position, stmt in enumerate(block):
        for atom in reads(stmt):
            consumer[id(atom)] = position
            uses[id(atom)] += 1
    effective = list(range(len(block)))
    for position in reversed(range(len(block))):
        stmt = block[position]
        if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and stmt.outs[0].temporary and uses[id(stmt.outs[0])] == 1:
            effective[position] = max(position, effective[consumer[id(stmt.outs[0])]])
    last: dict[str, int] = {}
    for position, stmt in enumerate(block):
        for atom in reads(stmt):
            last[atom.name] = max(last.get(atom.name, -1), effective[position])
    return last


def use_counts(fn: Function) -> Counter:
    counts: Counter = Counter()

    def visit(block):
        for stmt in block:
            if isinstance(stmt, Eqn):
                counts.update(id(a) for a in stmt.args if isinstance(a, Var))
            else:
                counts.update(id(a) for a in own_operands(stmt) if isinstance(a, Var))
                for inner in blocks(stmt):
                    visit(inner)

    visit(fn.body)
    counts.update(id(a) for a in result_atoms(fn.result) if isinstance(a, Var))
    return counts
