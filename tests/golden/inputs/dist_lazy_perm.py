from lifted import dist


@dist(semiring="fraction")
def deal(cards, hand):
    """Deal `hand` of `cards` cards without replacement: the highest card dealt, and the sum of the hand."""
    return lazy_max(lazy_perm(cards, hand)), lazy_sum(x + 1 for x in lazy_perm(cards, hand))
