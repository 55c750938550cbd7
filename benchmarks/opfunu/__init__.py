"""opfunu's CEC competition functions (and its name-based functions outside SciPy's set) through Lifted
(docs/corpora.md).

    python -m benchmarks.opfunu --opfunu /path/to/opfunu [--c] [--only F12017,Booth] [--dimensions 10,30]
                                [--scipy /path/to/scipy] [--json out.json]

opfunu (github.com/thieu1995/opfunu, `pip download opfunu==1.0.4 --no-deps`, pure NumPy) is imported from the
given path at run time; nothing of it is copied here. Each class is instantiated at a dimension (which loads its
shift vectors, rotation matrices and shuffle permutations from opfunu's data files) and its `evaluate(self, x,
*args)` becomes the kernel `f(x: "f64[D]") -> "f64[]"` by these rewrites, and no others (the math is never
touched):

1. `def evaluate(self, x, *args)` becomes `@kernel def f(x: "f64[D]") -> "f64[]"` at the instance's dimension D;
2. `self.n_fe += 1` (opfunu's count of evaluations) and `self.check_solution(x, ...)` (its check that `x` has D
   elements, which the annotation makes) are dropped;
3. each `self.<name>` read becomes the module constant `self_<name>`, the attribute's value after `__init__` at D
   (benchmarks/scipy_go's `constant_statement`: numbers as literals, arrays as `np.array(...)` literals, lists
   as lists), or, where the attribute holds an `opfunu.utils.operator` function (`self.g0 =
   operator.rosenbrock_func`), that function's name;
4. each method `evaluate` calls (`self.fi__(z, idx)`) becomes the module function `self_fi__(z, idx)`, its
   `self` parameter dropped and its body rewritten by 2 and 3;
5. each `operator.<function>` read becomes `<function>`, whose source from opfunu.utils.operator (and that of the
   operator functions it calls) is copied into the kernel's module unchanged.

A class is "not converted", with the reason, where these rewrites cannot give its `evaluate`: random draws
(`np.random.normal` in the noisy functions), an attribute that is not numbers, or a read of `*args`; a class at a
dimension its data files do not hold (opfunu's `__init__` exits) is listed the same way.

Dimensions: each CEC class at D = 10 and 30 (`--dimensions`), where a class's `dim_max` is lower (CEC 2021 and
2022: 20) at that maximum instead; CEC 2010's classes, built on groups of 50 coordinates, at D = 100 (the smallest
their `__init__` accepts; the competition's is 1000). The name-based classes run at their default dimension
(`--scipy`: those whose names are in SciPy's set are left out, benchmarks/scipy_go runs them).

Inputs, per class and dimension: three seeded uniform draws inside the class's bounds (a generator seeded by the
case's name), then its listed global minimum `x_global` (the shift vector: for many functions a kink).
benchmarks/corpus/checks.py runs every form (`f` bit for bit against Python, `g`/`vg`/`vjp` against central
differences and autograd, `fj`, `hvp` and `rr` second derivatives, `fv` vmap, `c` the C target).
"""
