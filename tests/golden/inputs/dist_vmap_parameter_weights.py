"""vmap of a @dist function: one run for every value of `p`; the draw weighted by `p` weighs each world its own way."""
from lifted import dist, vmap


@dist
def p_win_for(p, rounds):
    won = False
    for i in range(rounds):
        if d[0:0:1 - p, 1:1:p] == 1:
            won = True
    return won


p_win = vmap(p_win_for, in_axes=(0, None))
