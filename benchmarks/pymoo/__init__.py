"""pymoo's test problems through Lifted (docs/corpora.md).

    python -m benchmarks.pymoo [--pymoo PATH] [--c] [--only ZDT1,DTLZ2] [--n-var N|+K] [--pop P] [--json out.json]

pymoo (github.com/anyoptimization/pymoo, Apache-2.0) is imported at run time; nothing of it is copied here. Each
Problem class of `pymoo.problems.{single,multi,many}` is instantiated at its default size (or `--n-var`: a number,
or `+K` for the default plus K) and its `_evaluate(self, x, out, *args, **kwargs)` becomes the kernel
`f(x: "f64[P, N]")` (P the population, N the class's n_var) by these rewrites, and no others (the math is never
touched):

1. `out["F"] = v` (and "G", "H") becomes `out_F = v`, a read `out["F"]` the name `out_F`; `f` ends with
   `return out_F` or `return out_F, out_G[, out_H]` (the outputs written, in that order);
2. `self.<method>(...)` and `<Class>.<static method>(...)` become module functions `self_<method>`,
   `<Class>_<method>` (the source of the method the class resolves, `self` dropped), and a pymoo module function
   called by name is copied under its name (recursively, the same rules);
3. each other `self.<name>` read becomes the module constant `self_<name>`, the attribute's value on the problem
   object (numbers, arrays, lists of numbers: benchmarks/scipy_go's `constant_statement`), and a module global
   that is a number or array the constant `global_<name>`;
4. `pymoo.gradient.toolbox as anp` (NumPy under pymoo's default backend) becomes `np`; type hints are dropped.

A class is "not converted", with the reason, where these rewrites cannot give it: an ElementwiseProblem (one x at
a time), a read of `*args`/`**kwargs`, another use of `out`, a class method, a property, an attribute or global
that is not numbers (an object, a function outside pymoo).

The checks, per class and size (benchmarks/corpus/checks.py on two kernels, plus pymoo itself):

* `pm`: Lifted's `f` against pymoo's own `_evaluate` on the same population, bit for bit;
* on the kernel `f` returning the outputs: `f` against the converted source run by Python (bit for bit), `fj`
  (jvp) against central differences, `vjp` with a cotangent of ones, `fv` (vmap over three populations);
* on the kernel `f(x) = sum(F * W_F) + sum(G * W_G) + ...` (seeded weights in [0.5, 1.5] of each output's shape):
  `g` (grad) against central differences in float64 and autograd on the converted source, reported as `sg`;
* with `--c`, every compiled form on the C CPU target against the NumPy backend.

Inputs: three populations of P points drawn uniformly inside the bounds (seeded by the case's name), the last with
its first row at the lower bounds and its second at the upper bounds (kinks and edges).
"""
