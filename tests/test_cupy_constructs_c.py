"""The constructs CuPy's tests write that this session made features (dtype objects and `in`, np.concatenate's
dtype=, the in-place sort, a.choose, np.broadcast_to to a literal shape) on the C CPU target: the same values and
dtypes as Python, and the gradient as the NumPy backend's."""
from __future__ import annotations

import numpy as np

from gradcheck import load_source
from test_c_backend import assert_agree, c_module

SOURCE = '''import numpy as np
from lifted import kernel, grad


@kernel
def f(x: "f64[n0,n1]", k: "i64[4]", w: "f64[4]"):
    y = np.concatenate((w, k), dtype=np.float32) if x.dtype.kind in "fc" else w
    s = w * 1.0
    v = s[::-1]
    s.sort()
    c = k.choose([w, w * 2.0, np.sin(w)], mode="wrap")
    b = np.broadcast_to(x, (3, 2, 4))
    t = 1.0 if k[0] in [3, 5] else 2.0
    m = np.iinfo(k.dtype).bits + (0 if issubclass(np.float64, np.integer) else 1)
    return np.sum(b) * t + np.sum(c * v) + np.sum(y) + m


g = grad(f, wrt=("x", "w"))
'''


def test_c_target_agrees_with_python(tmp_path):
    module, _ = c_module(SOURCE, tmp_path, "cupy_constructs")
    python: dict = {}
    exec(compile(SOURCE.replace("from lifted import kernel, grad", "kernel = grad = lambda *a, **k: a and a[0]"),
                 "python_reference", "exec"), python)
    numpy_module = load_source(SOURCE, "cupy_constructs.py")
    for x, k in ((np.arange(8.0).reshape(2, 4), [3, -1, 4, 7]), (np.ones((1, 4)) * -0.5, [0, 2, 5, 1]),
                 (np.array([[2.0], [-3.0]]), [5, 5, 5, 5])):
        args = (x, np.array(k, np.int64), np.array([0.5, -2.0, 1.25, 3.0]))
        expected = python["f"](*args)
        assert_agree(module.f(*args), expected, "f")
        assert type(module.f(*args)) is type(numpy_module.f(*args))
        assert_agree(module.g(*args), numpy_module.g(*args), "g")
