from lifted import dist


@dist
def duel(rounds):
    """Random branches split the worlds and join them; constants stay Python values."""
    hp1 = lazy_sum(3 @ d(6))
    hp2 = 10
    for i in range(rounds):
        if hp1 > 0 and d(20) > 10:
            hp2 = max(0, hp2 - d(8))
        if hp2 > 0:
            hp1 -= d(4)
    assert hp1 != hp2
    return hp1 <= 0, hp2 == 0
