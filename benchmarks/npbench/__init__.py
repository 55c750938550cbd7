"""NPBench's NumPy kernels through Lifted (docs/corpora.md, "NPBench").

    python -m benchmarks.npbench --npbench /path/to/npbench [--c] [--only jacobi_2d,atax] [--json out.json]

NPBench (github.com/spcl/npbench) is a set of NumPy kernels written as scientists write NumPy: in-place slice
updates of their arguments, loops over time steps, views, fancy indexing. It is read from a checkout at run time
(`bench_info/<name>.json`, `npbench/benchmarks/<path>/<module>.py` and `<module>_numpy.py`); nothing of it is copied
here. Each benchmark becomes a case as a user would write one (benchmarks/npbench/convert.py):

1. the `_numpy.py` module as it is (the kernel and its helper functions), untouched;
2. its `initialize`, run at a small size (NPBench's "S" parameters shrunk, benchmarks/npbench/sizes.py), gives the
   arguments, and their arrays the annotations: dtypes from the arrays, each axis named by the size parameter
   whose value it has (an integer where none has), Python and NumPy ints `i64[]`, floats `f64[]`;
3. since a Lifted kernel never changes its arguments (docs/kernel-language.md), the kernel `f` is a wrapper that
   calls NPBench's function and returns what it mutates (`output_args`) after its return value, if any (where
   it returns nothing and lists no output_args, its `array_args`: doitgen's `A[:] = ...`). Its float
   arrays come first, so that the derivative forms (taken in the first parameter) and vmap apply to an array.

The reference is Python running the same module on copies of the arguments. benchmarks/corpus/checks.py runs every
form (`f` bit for bit, `g`/`vjp`/`fj` and second derivatives against differences and autograd where the result is
float, `fv` vmap against a loop, `c` the C target) twice per benchmark: at the small size (`<name>`) and at hostile
sizes (`<name>@0,1,2`: every size parameter 0, then 1, then 2, where `initialize` and the annotations allow).
"""
