from lifted import dist


@dist
def shares(players):
    """A side is computed only in the worlds that take it: a division splits the table, a side no world takes
    runs nothing, operands that cannot fail are picked per world, and a fixed test is a Python `if`."""
    winners = dd(3)
    share = 12 // winners if winners else 0
    bonus = winners > 1 and d(4) > 2
    split_evenly = winners and 12 % winners == 0
    each = 12 // players if players > 0 else 12
    if winners > 5:
        share = -(d(2) > reduce_sum([d(2), 1]))
    return share + bonus + each, split_evenly
