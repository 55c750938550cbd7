from lifted import dist


def explode(depth):
    """A d6 that rolls again on a 6, at most `depth` more times (a literal depth: the recursion unrolls)."""
    roll = d(6)
    if depth > 0:
        if roll == 6:
            roll = roll + explode(depth - 1)
    return roll


@dist(semiring="fraction")
def exploding_d6():
    return explode(2)
