"""The size label and the inputs of the workloads whose one argument is a vector of `n` normal numbers."""


def label(size):
    return f"n={size['n']:.0e}".replace("e+0", "e")


def inputs(size, rng):
    return (rng.normal(size=size["n"]),)
