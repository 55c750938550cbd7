"""The sizes NPBench's benchmarks run at here: its "S" parameters shrunk so that a case takes seconds, and the
hostile sizes (every size parameter 0, 1, then 2).

A size parameter is an int that `initialize` takes (an array's extent); the others are ints only the kernel takes
(time steps, iterations: `TSTEPS`, `nit`, `maxiter`) and floats (kept). Size parameters get distinct values, so
that an axis's length names the one parameter it came from, in the order of NPBench's values (gramschmidt's
`initialize` draws until its M x N matrix has rank N: M must stay at least N): NPBench's own where it is at most
3 and not taken, else the next free one from 4. Time steps become at most 3.
"""
from __future__ import annotations

# where the generic rule gives a size the benchmark's arithmetic cannot take (a 5x5 convolution twice with
# pooling; R**K points; a sparse matrix's nonzeros within M*N), or too much work for a case of seconds
OVERRIDES: dict[str, dict] = {
    "lenet": {"N": 2, "H": 20, "W": 21},
    "stockham_fft": {"R": 2, "K": 3},
    "spmv": {"M": 5, "N": 6, "nnz": 7},
    "nbody": {"N": 5, "tEnd": 0.1, "dt": 0.05},
    "mandelbrot1": {"XN": 5, "YN": 4, "maxiter": 6},
    "mandelbrot2": {"XN": 5, "YN": 4, "maxiter": 6},
    "mlp": {"C_in": 3, "N": 4, "S0": 5, "S1": 6, "S2": 7},
    "contour_integral": {"NR": 4, "NM": 5, "slab_per_bc": 2, "num_int_pts": 3},
    "scattering_self_energies": {"Nkz": 2, "NE": 3, "Nqz": 4, "Nw": 5, "N3D": 6, "NA": 7, "NB": 8, "Norb": 9},
}
TIME_STEPS = 3  # the most iterations of a loop over time a small case runs


def small(name: str, parameters: dict, size_names: list[str]) -> dict:
    """NPBench's "S" `parameters` shrunk; `size_names` are those `initialize` takes."""
    if name in OVERRIDES:
        return {**parameters, **OVERRIDES[name]}
    shrunk, taken = dict(parameters), set()
    free = iter(range(4, 1000))
    for key in sorted((k for k in size_names if type(parameters.get(k)) is int), key=lambda k: parameters[k]):
        value = parameters[key]
        if value > 3 or value in taken:
            value = next(v for v in free if v not in taken)
        shrunk[key] = value
        taken.add(value)
    for key, value in parameters.items():
        if key not in size_names and type(value) is int:
            shrunk[key] = min(value, TIME_STEPS)
    return shrunk


def hostile(parameters: dict, size_names: list[str]) -> list[tuple[int, dict]]:
    """(h, the parameters with every int size parameter h) for h = 0, 1, 2."""
    return [(h, {k: (h if k in size_names and type(v) is int else v) for k, v in parameters.items()})
            for h in (0, 1, 2)]
