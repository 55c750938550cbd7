from lifted import dist


@dist(normalize=True)
def pool(a, danger):
    actions = lazy_bincount(a @ d(6), 7)
    for i in danger @ d(6):
        actions[i] = max(actions[i] - 1, 0)
    if reduce_all(actions == 0):
        result = 0
    else:
        result = last(actions > 0)
    boons = max(actions[6] - 1, 0)
    return (result, boons)
