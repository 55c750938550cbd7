"""CuPy's NumPy-compatibility tests as a corpus (docs/corpora.md, "CuPy's NumPy-compatibility tests").

    python -m benchmarks.cupy_tests --cupy /tmp/cupy [--c] [--files math_tests/test_sumprod] [--only test_cumsum]
                                    [--json out.json]

CuPy's test suite checks its functions against NumPy method by method: `@testing.numpy_cupy_allclose()` runs a
method with `xp = numpy` and `xp = cupy` and compares; the inputs come from `testing.shaped_arange` and its kin,
the dtypes from `@testing.for_all_dtypes()` and its kin. The test modules are read from a CuPy checkout at run
time (CuPy itself need not be installed) and run with `xp = numpy` under a stand-in `cupy.testing`
(benchmarks/cupy_tests/stand_in.py, record.py) that enumerates the dtypes Lifted annotates and notes each array a
`shaped_*` call builds; nothing of them is copied here. Each run becomes the kernel a user would write
(benchmarks/cupy_tests/convert.py) and benchmarks/corpus/checks.py judges every form against Python.
"""
