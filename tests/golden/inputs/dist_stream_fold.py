from lifted import dist


@dist(semiring="fraction")
def drop_lowest():
    """4d6, drop the lowest: an independent fold in its own table."""
    return reduce_sum(lazy_topk(4 @ d(6), 3))


@dist
def hits(pool):
    return lazy_sum(x >= 5 for x in pool @ d(6))
