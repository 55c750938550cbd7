from lifted import dist


@dist
def bonus_on_a_flag():
    flags = [d(2) > 1, True]
    i = dd(2)
    flags[i] += 5
    halves = [d(2), 1]
    halves[0] += 0.5
    return flags[i], halves[0] + halves[1]
