"""Lifted as a GradBench tool: `python -m benchmarks.gradbench` speaks GradBench's JSON-lines protocol.

One module per eval (`lse`, `gmm`, `llsq`, `ode`, `kmeans`, `det`, `lstm`, `ba`, `ht`, `saddle`,
`particle`), each a Lifted kernel source transpiled when the eval sends `define`.
`benchmarks.gradbench.runner` connects a GradBench eval (from a local checkout of the GradBench repository) to
this tool without Docker or GradBench's Rust CLI; docs/gradbench.md says how.
"""

SUPPORTED = ("lse", "gmm", "llsq", "ode", "kmeans", "det", "lstm", "ba", "ht", "saddle", "particle")
