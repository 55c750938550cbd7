"""numba's NumPy-support tests as a corpus (docs/corpora.md, "numba's NumPy tests").

    python -m benchmarks.numba_tests --numba /tmp/numba [--c] [--only diff2,np_cumsum] [--json out.json]

numba's test suite compiles small usecase functions (`def diff2(a, n): return np.diff(a, n)`) with `njit` and calls
them with argument sets its authors chose (empty, 0-d, non-contiguous arrays, NaN, negative axes, every dtype).
The test modules are read from a numba checkout at run time and run with `numba.njit`/`numba.jit` replaced by a
recorder (benchmarks/numba_tests/record.py) that notes each `(usecase, args)` and calls the Python function, so
the tests go on; nothing of them is copied here. Each usecase becomes the kernel a user would write
(benchmarks/numba_tests/convert.py) and benchmarks/corpus/checks.py judges every form against Python.
"""
