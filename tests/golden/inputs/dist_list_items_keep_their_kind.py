from lifted import dist


@dist
def flags_and_counts():
    total = reduce_sum([d(2), d(2)])
    mixed = [total > 2, d(2) > 1, 5]
    fixed = [True, 2]
    return mixed[0] + mixed[0], mixed[1] + mixed[1], fixed[0] + fixed[0], max(True, False)
