"""NumPy's own docstring examples through Lifted (docs/corpora.md, "NumPy's docstring examples").

    python -m benchmarks.numpy_docs [--c] [--only diff,cumsum] [--json out.json]

NumPy documents each public function with `Examples` in its docstring: edge cases chosen by NumPy's authors (empty
arrays, negative axes, integers, booleans, NaN, keyword combinations). They are read from the installed NumPy at
run time (`doctest.DocTestParser` over `np.<name>.__doc__`); nothing of them is copied here. For each function in
Lifted's table (transpiler/frontend/numpy_api.py) each example is run in Python in order, and each statement that
calls the function (or `x.<name>(...)`) becomes the kernel a user would write (benchmarks/numpy_docs/convert.py):
its array and number arguments annotated parameters, the rest (keywords, axes, tuples, None, dtypes) literal in the
body. benchmarks/corpus/checks.py runs every form against Python running the same statement.
"""
