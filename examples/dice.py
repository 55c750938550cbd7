"""Dice programs in dist mode: the public dice-nine README examples and classic tabletop results.

Run `python -m examples.dice` to print a few distributions (compiled on the fly on first call).
"""
from lifted import dist


@dist
def fight():
    """D&D (1e): Brachiosaurus vs Tyrannosaurus Rex; returns (Brachiosaurus wins, T. rex wins)."""
    # Brachiosaurus (Monster Manual 1e p. 24)
    hp1 = lazy_sum(36 @ d(8))
    # Tyrannosaurus Rex (Monster Manual 1e p.28)
    hp2 = lazy_sum(18 @ d(8))

    for i in range(14):
        if hp1 > 0 and d(20) > 1:
            hp2 = max(0, hp2 - lazy_sum((x for x in 5 @ d(4))))

        if hp2 > 0:
            # Two claws...
            if d(20) > 1:
                hp1 -= d(6)
            if d(20) > 1:
                hp1 -= d(6)
            # ...and a bite
            if d(20) > 1:
                hp1 -= lazy_sum((x for x in 5 @ d(8)))
            hp1 = max(hp1, 0)

    win1 = hp2 == 0
    win2 = hp1 == 0
    return win1, win2


@dist
def eliminative_pool(a, danger):
    """Roll `a` attack dice and `danger` danger dice; each danger die removes a matching attack die. (dice-nine's
    README names the danger count `d`; in Python `d(6)` would then call that number.)"""
    actions = lazy_bincount(a @ d(6), 7)
    for i in danger @ d(6):
        actions[i] = max(actions[i] - 1, 0)
    if reduce_all(actions == 0):
        result = 0
    else:
        result = last(actions > 0)
    boons = max(actions[6] - 1, 0)
    return (result, boons)


@dist
def pairs(dice):
    """Roll `dice` d10s: how many pairs, triples, fours and fives of a kind."""
    return bincount(lazy_bincount(dice @ d(10), 11), 6)[2:]


@dist(semiring="fraction")
def drop_lowest():
    """4d6, drop the lowest."""
    return reduce_sum(lazy_topk(4 @ d(6), 3))


@dist(semiring="fraction")
def advantage(dc):
    """Roll two d20s and keep the higher: does it meet the DC?"""
    return max(d(20), d(20)) >= dc


@dist(semiring="fraction")
def shadowrun(pool):
    """Shadowrun: hits (5s and 6s) on a pool of d6s."""
    return lazy_sum(x >= 5 for x in pool @ d(6))


def deal(cards, hand):
    """Cards 1..cards drawn without replacement, each only when it is read (a generator: dice-nine's "state in
    the future"): only which cards are left is kept, never the order they came in."""
    left = ones(cards)
    for i in range(hand):
        picked = argmin(d(cards - i) > cumsum(left))
        left[picked] = 0
        yield picked + 1


@dist(semiring="fraction")
def blackjack_hand(hand):
    """The total of `hand` cards dealt from a 10-card suit."""
    return sum(*deal(10, hand))


if __name__ == "__main__":
    print("4d6 drop lowest:", drop_lowest())
    print("advantage vs DC 15:", advantage(15)[True])
    print("fight:", fight())
    print("three cards of ten, total 27:", blackjack_hand(3)[27])
