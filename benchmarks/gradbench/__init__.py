"""Lifted as a GradBench tool: `python -m benchmarks.gradbench` speaks GradBench's JSON-lines protocol.

One module per eval (`lse`, `gmm`, `llsq`, `saddle`, `particle`), each a Lifted kernel source transpiled when the eval sends `define`.
`benchmarks.gradbench.runner` connects a GradBench eval (from a local checkout of the GradBench repository) to
this tool without Docker or GradBench's Rust CLI; docs/gradbench.md says how.
"""

SUPPORTED = ("lse", "gmm", "llsq", "saddle", "particle")

# Evals the kernel language cannot express yet, and what each needs.
NOT_YET = {
    "ode": "explicit Runge-Kutta with a per-element loop over the state; loops exist now, port pending",
    "kmeans": "needs the Hessian diagonal (forward-over-reverse, jvp) for Newton steps",
    "det": "determinant by recursive Laplace expansion: recursion and data-sized loops",
    "ba": "sparse Jacobian of many small residual functions: needs vmap/jvp",
    "ht": "hand tracking: full Jacobian of a vector function, needs jvp/vmap",
    "lstm": "recurrence over time steps with per-step matrices: loops, not yet ported",
}
