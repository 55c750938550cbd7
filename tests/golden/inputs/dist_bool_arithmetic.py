from lifted import dist


@dist
def heads_and_signs():
    first = d(2) > 1
    second = d(2) > 1
    count = first + second
    return count, -first, first * 3, first & second, max(first, second)
