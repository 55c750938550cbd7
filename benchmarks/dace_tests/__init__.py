"""DaCe's NumPy-frontend test programs through Lifted (docs/corpora.md, "DaCe's test programs").

    python -m benchmarks.dace_tests --dace /path/to/dace [--c] [--only FILE_OR_NAME] [--json out.json]

DaCe (github.com/spcl/dace) compiles NumPy-flavoured Python too; its tests/numpy/ and tests/python_frontend/ hold
hundreds of small typed programs (`@dace.program def f(A: dace.float64[N, M], B: dace.float64[N]): ...`, and
`@compare_numpy_output() def test_x(A: dace.int64[5, 5]): ...`), each compared with NumPy by its test. They are
read from a checkout at run time (ast of each test file); nothing of them is copied here. Each program becomes a
case as a user would write it (benchmarks/dace_tests/convert.py):

1. the program and the module-level or enclosing-test functions it calls, decorators and annotations removed (an
   annotation `dace.float64[N]` is DaCe's, not Python's), the constants they read (literals), and DaCe's symbols
   they read as module-level ints of the size drawn;
2. a wrapper kernel `f` with the program's parameters annotated as Lifted spells them (`dace.float64[N, M]` ->
   `"f64[N,M]"`, `dace.int32` -> `"i32[]"`); float32/float64/int32/int64/bool convert, every other dtype
   (complex, unsigned, int8/16, float16) and DaCe-only constructs (`dace.map`, `dace.tasklet`, `@dace.method`,
   storage types, `dace.define_local`, ...) are "not converted" with the reason;
3. since a Lifted kernel never changes its arguments (docs/kernel-language.md), `f` calls the program and returns
   its return value (a tuple's items) followed by every argument the program writes (found by running Python on
   copies, and by the syntax: subscript and augmented assignments to a parameter), so that the judge compares
   every argument afterwards, bit for bit.

Sizes: DaCe's symbols, and the file's int constants that annotations write lengths with (`M, N = 10, 20`),
get distinct small lengths (3, 4, 5, ...) and then the hostile lengths 0 and 1 (every
symbol at once, where each literal and expression length stays >= 0 and the program reads no symbol as a
value); inputs are drawn as DaCe's compare_numpy_output draws them (its `positive`, `non_zero`, `max_value`
keywords honoured; floats in [-10, 10], ints in [-10, 10)), and for plain `@dace.program`s with ints in [0, 3)
(they index). The reference is Python running the same module on copies of the arguments;
benchmarks/corpus/checks.py runs every form (`f` bit for bit, derivatives against central differences and
autograd where the result is float, `fv` against a loop, `c` the C target).
"""
