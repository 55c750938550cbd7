"""SciPy's global-optimization benchmark functions through Lifted (docs/corpora.md).

    python -m benchmarks.scipy_go --scipy /path/to/scipy [--c] [--only Ackley01,Rastrigin] [--json out.json]

Reads `benchmarks/benchmarks/go_benchmark_functions/go_funcs_*.py` from a SciPy checkout (github.com/scipy/scipy)
at run time; nothing of SciPy is copied here. The files are parsed with LibCST and also imported (under a private
package name, SciPy's `benchmarks/common.py` replaced by its `safe_import`), since the constants a `fun` reads and
its bounds are what the class's `__init__` computes at a dimension. Each class with a `fun(self, x, *args)`
becomes the kernel `f(x: "f64[n]") -> "f64[]"` by these rewrites, and no others (the math is never touched):

1. `def fun(self, x, *args)` becomes `@kernel def f(x: "f64[n]") -> "f64[]"` (the body as written);
2. the statement `self.nfev += 1` (SciPy's count of evaluations, a write to the object) is dropped;
3. each `self.<name>` read becomes the module constant `self_<name>`, whose value is the attribute after
   `__init__` at that dimension: a number as its literal, a NumPy array as `np.array(<nested list>, dtype=...)`,
   a list or tuple of numbers as the list or tuple literal (so `self.N` is `self_N = 2`);
4. the module's `import numpy ...` and `from numpy import ...` lines are kept verbatim (`from numpy import abs,
   sum, round` included: those names are NumPy's in `fun`), other imports dropped.

A class is "not converted", with the reason, where `fun` needs what these rewrites cannot give: a name imported
from another package (`rosen` from scipy.optimize, `factorial` from scipy.special: code outside `fun`), random
draws (`numpy.random.uniform`, `np.random.random`), a call of another method, a write to `self` other than the
counter, a read of `*args`, or an attribute that is not numbers.

Inputs, per class and dimension: three seeded uniform draws inside the class's `bounds` (a generator seeded by
the case's name), then the first global minimum SciPy lists (often a kink: `abs` or `sqrt` at 0). A class runs
at its default dimension and, where it allows `change_dimensionality`, at that plus 3. benchmarks/corpus/checks.py
runs every form (`f` bit for bit against Python, `g`/`vg`/`vjp` against central differences and autograd, `fj`,
`hvp` and `rr` second derivatives, `fv` vmap, `c` the C target).
"""
