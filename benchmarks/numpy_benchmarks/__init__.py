"""numpy-benchmarks' kernels through Lifted (docs/corpora.md, "numpy-benchmarks (pythran's kernels)").

    python -m benchmarks.numpy_benchmarks --numpy-benchmarks PATH [--c] [--only rosen,harris] [--json out.json]

numpy-benchmarks (github.com/serge-sans-paille/numpy-benchmarks, BSD-style licence) is a set of NumPy kernels collected from
StackOverflow and blogs by pythran's author. Each `numpy_benchmarks/benchmarks/<name>.py` of a checkout is read at
run time (nothing of it is copied here) and converted as a user would (benchmarks/numpy_benchmarks/convert.py):

1. the function of its `#pythran export name(t1, t2, ...)` line becomes the kernel `f` (each read of its name
   too; a name `f` of the file becomes `f_`), decorated `@kernel`, the first parameters annotated from the export's
   types with one dimension name per distinct size of the setup's arguments as written (a user names the axes of
   their data): `arc_distance(float64[], ...)` of four arrays of 10000 is four `"f64[n0]"`, `float64[1,:]` and
   `float64[:,:]` of (1, 512) and (10000, 512) are `"f64[1,n0]"` and `"f64[n1,n0]"`, `float[][][3]` keeps its 3;
   `int` is `"i64[]"`, `float` `"f64[]"`, `bool` `"bool[]"`. A complex or unsigned type has no Lifted dtype: the
   file is "not converted";
2. the rest of the file (helper functions, imports, defaulted parameters) is left as written, Lifted's imports
   put first; a numeric default the call leaves out (evolve's `D=1`) is passed (a vjp's cotangent and a jvp's
   tangent come after every parameter: those generated functions keep no defaults).

With `--pythran PATH`, pythran's own pythran/tests/cases/*.py too (benchmarks/numpy_benchmarks/pythran_cases.py):
each `#runas` line is a case, its last statement the call and the others the setup. A case is given 120 seconds
(360 with `--c`; a file, its setup and call 30 to convert): the check then running is stopped by a TimedOut, which
corpus.checks counts as bad with its detail (the other forms go on, unlimited); one raised outside them is a skip
of `f` that says so.

Inputs: the `#setup:` line run and the `#run:` call's arguments evaluated (`f(y, *args)` included), with every int
literal of at least 8 (a size: `N = 10000`, `2**7` after folding) made 5, and again made 0, 1 and 2 (hostile sizes,
kept where the setup runs: where Python's `f` raises there, the generated one must raise too). Where Python's `f`
raises at size 5 (a size written in the kernel: grayscott's `n = 280`), the setup as written with every array cut
to 5 entries per axis is tried, then the setup as written with the run's sizes 5, then everything as written.

benchmarks/corpus/checks.py runs every form on every input: `f` bit for bit against Python running the same file,
`g`/`vg`/`gall`/`vjp`/`fj` against central differences and autograd, `hvp`/`rr` second derivatives, `fv` vmap
against a loop, and with `--c` the C target against the NumPy backend.
"""
