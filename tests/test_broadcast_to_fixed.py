"""np.broadcast_to of an array with named lengths to a literal shape (frontend/shape_handlers.py
`_to_fixed_sizes`): an axis `n1` meeting a size 4 is checked at run time to be 1 or 4, as NumPy checks it (ValueError
otherwise), then broadcast; values bit for bit against Python for every case of the sizes, derivatives against
finite differences and autograd (CuPy's test_shape: `xp.broadcast_to(a, (3, 2, 4))` of an `f64[n0,n1]`)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source

HEADER = ('import numpy as np\nfrom lifted import kernel, grad\n\n\n@kernel\n'
          'def f(x: "f64[n0,n1]"):\n    return {}\n')
GRADIENT = HEADER + '\n\ng = grad(f)\n'
SHAPES = ((2, 4), (1, 1), (2, 1), (1, 4), (2, 3), (3, 4), (0, 4), (1, 0))


@pytest.mark.parametrize("body", ["np.broadcast_to(x, (3, 2, 4))", "np.broadcast_to(x, (2, 4)) * 2.0",
                                  "np.broadcast_to(x, (x.shape[0], 4))", "np.broadcast_to(x[:, :1], (5, 2, 4))"])
@pytest.mark.parametrize("shape", SHAPES)
def test_as_python(body, shape):
    args = (np.arange(float(np.prod(shape))).reshape(shape) - 0.5,)
    text = HEADER.format(body)
    scope: dict = {}
    exec(text.replace("from lifted import kernel, grad", "kernel = grad = lambda *a, **k: a and a[0]"), scope)
    try:
        expected = scope["f"](*args)
    except ValueError:
        with pytest.raises(ValueError):
            load_source(text, "fixed.py").f(*args)
        return
    got = load_source(text, "fixed.py").f(*args)
    assert got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(got, expected)


@pytest.mark.parametrize("shape", [(2, 4), (1, 4), (2, 1), (1, 1)])
def test_derivatives_against_differences_and_autograd(shape):
    from autograd import grad as autograd_grad

    text = GRADIENT.format("np.sum(np.sin(np.broadcast_to(x, (3, 2, 4))) * np.arange(24.0).reshape(3, 2, 4))")
    args = [np.random.default_rng(1).normal(size=shape)]
    module = load_source(text, "fixed_gradient.py")
    python: dict = {}
    exec(compile(text, "python_reference", "exec"), python)
    got = module.g(*args)
    assert_close(got, central_difference(python["f"], args, 0), rtol=1e-6, atol=1e-6, what="vs differences")
    oracle = autograd_kernels(text.replace("np.broadcast_to(x, (3, 2, 4))", "(x * np.ones((3, 2, 4)))"))["f"]
    # (autograd's broadcast_to has no gradient for new leading axes: the oracle broadcasts by a product with ones)
    assert_close(got, autograd_grad(oracle)(*args), rtol=1e-12, atol=1e-12, what="vs autograd")
