from lifted import dist


def deal(cards, hand):
    """Cards drawn without replacement, each one only when the consumer reads it."""
    left = ones(cards)
    for i in range(hand):
        picked = argmin(d(cards - i) > cumsum(left))
        left[picked] = 0
        yield picked + 1


def exploding(n):
    for i in range(n):
        roll = d(6)
        yield roll + d(6) if roll == 6 else roll


@dist
def high_card():
    """A generator read by a fold: its body is inlined where the fold's loop reads each card."""
    return lazy_max(deal(5, 3))


@dist
def pool():
    total = 0
    for x in exploding(2):
        total += x >= 5
    return total, sum(*exploding(1), *(2 @ d(4)))
